package camgate.gateway.onvif;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import static camgate.gateway.onvif.SoapReply.escape;

/**
 * WS-Discovery (2005/04, as ONVIF uses it) on one network interface: answers a Probe for
 * {@code dn:NetworkVideoTransmitter} (or for any type) with a ProbeMatch naming the device service's XAddr, its
 * endpoint and its scopes. It listens to the multicast group 239.255.255.250 joined on that interface only, and to
 * unicast probes sent to the interface's IPv4 address; it answers unicast to the prober, from that address. It never
 * announces itself (no Hello): a VMS finds the device when it probes. Anything else that arrives (not XML, a DTD,
 * not a Probe, scopes that do not match) is dropped without reply.
 *
 * <p>Deploy with {@code vertx.deployVerticle}: the deployment fails if the interface does not exist or has no IPv4
 * address, or the port cannot be bound.
 */
public final class WsDiscovery extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WsDiscovery.class);
  static final String GROUP = "239.255.255.250";
  private static final String DISCOVERY_NS = "http://schemas.xmlsoap.org/ws/2005/04/discovery";

  private final OnvifSettings.Discovery settings;
  private final DeviceService device;
  private final String httpHost;
  private final IntSupplier httpPort;
  private final long instanceId = System.currentTimeMillis() / 1000;
  private final AtomicLong messageNumber = new AtomicLong();
  private DatagramSocket unicast;
  private DatagramSocket multicast;
  private String address;

  /** @param httpHost the address the HTTP server binds: every address, or the interface's own */
  WsDiscovery(OnvifSettings.Discovery settings, DeviceService device, String httpHost, IntSupplier httpPort) {
    this.settings = settings;
    this.device = device;
    this.httpHost = httpHost;
    this.httpPort = httpPort;
  }

  @Override
  public Future<?> start() {
    try {
      address = ipv4Of(settings.networkInterface()).getHostAddress();
    } catch (SocketException | IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (!List.of("0.0.0.0", "::", "[::]", address).contains(httpHost)) {
      // The ProbeMatch's XAddr would name an address the device service does not listen on.
      return Future.failedFuture(new IllegalArgumentException("http.host " + httpHost + " is not reachable on "
          + "onvif.discovery.interface " + settings.networkInterface() + " (" + address + "): set http.host to "
          + address + " or 0.0.0.0, or discover on the interface of " + httpHost));
    }
    DatagramSocketOptions options = new DatagramSocketOptions().setReuseAddress(true).setIpV6(false);
    unicast = vertx.createDatagramSocket(options);
    multicast = vertx.createDatagramSocket(options);
    unicast.handler(this::probed);
    multicast.handler(this::probed);
    return unicast.listen(settings.port(), address)
        // Bound to the group's address, this socket takes multicast to the group only, never unicast.
        .compose(s -> multicast.listen(unicast.localAddress().port(), GROUP))
        .compose(s -> multicast.listenMulticastGroup(GROUP, settings.networkInterface(), null))
        .onSuccess(v -> LOG.info("WS-Discovery answering probes on {} ({}:{} and {} joined there)",
            settings.networkInterface(), address, unicast.localAddress().port(), GROUP));
  }

  @Override
  public Future<?> stop() {
    return Future.join(unicast == null ? Future.succeededFuture() : unicast.close(),
        multicast == null ? Future.succeededFuture() : multicast.close());
  }

  /** The UDP port probes are answered on (the configured one, or the one chosen for 0). */
  public int port() {
    return unicast.localAddress().port();
  }

  private void probed(DatagramPacket packet) {
    Optional<String> reply;
    try {
      reply = answer(SoapEnvelope.parse(packet.data().getBytes()));
    } catch (SoapFault e) {
      LOG.debug("WS-Discovery: dropped a datagram from {}: {}", packet.sender(), e.getMessage());
      return;
    }
    reply.ifPresent(xml -> unicast.send(Buffer.buffer(xml), packet.sender().port(), packet.sender().hostAddress())
        .onFailure(e -> LOG.warn("WS-Discovery: cannot answer {}: {}", packet.sender(), e.toString())));
  }

  /** The ProbeMatches for a probe this device matches; empty for anything else. */
  Optional<String> answer(SoapEnvelope probe) {
    if (!"Probe".equals(probe.operation()) || !DISCOVERY_NS.equals(probe.namespace())) {
      return Optional.empty();
    }
    String types = probe.argument("Types").orElse("");
    if (!types.isEmpty() && List.of(types.split("\\s+")).stream()
        .noneMatch(t -> t.endsWith(":NetworkVideoTransmitter") || t.equals("NetworkVideoTransmitter"))) {
      return Optional.empty();
    }
    String scopes = probe.argument("Scopes").orElse("");
    // RFC 3986 matching, simplified: each scope asked for must be a prefix (by path segments) of one of ours.
    if (!scopes.isEmpty() && !List.of(scopes.split("\\s+")).stream().allMatch(asked -> device.scopes().stream()
        .anyMatch(ours -> ours.equals(asked) || ours.startsWith(asked.endsWith("/") ? asked : asked + "/")))) {
      return Optional.empty();
    }
    String relatesTo = probe.headerValue("MessageID").orElse("");
    String xaddr = "http://" + address + ":" + httpPort.getAsInt() + DeviceService.DEVICE_PATH;
    return Optional.of("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<s:Envelope xmlns:s=\"" + SoapReply.SOAP + "\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
        + " xmlns:d=\"" + DISCOVERY_NS + "\" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\"><s:Header>"
        + "<a:MessageID>urn:uuid:" + UUID.randomUUID() + "</a:MessageID>"
        + "<a:RelatesTo>" + escape(relatesTo) + "</a:RelatesTo>"
        + "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
        + "<a:Action>" + DISCOVERY_NS + "/ProbeMatches</a:Action>"
        + "<d:AppSequence InstanceId=\"" + instanceId + "\" MessageNumber=\"" + messageNumber.incrementAndGet() + "\"/>"
        + "</s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>"
        + escape(device.endpoint()) + "</a:Address></a:EndpointReference>"
        + "<d:Types>dn:NetworkVideoTransmitter</d:Types>"
        + "<d:Scopes>" + escape(String.join(" ", device.scopes())) + "</d:Scopes>"
        + "<d:XAddrs>" + escape(xaddr) + "</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>"
        + "</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>");
  }

  private static InetAddress ipv4Of(String name) throws SocketException {
    NetworkInterface nic = NetworkInterface.getByName(name);
    if (nic == null) {
      List<String> names = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
          .map(NetworkInterface::getName).sorted().toList();
      throw new IllegalArgumentException("onvif.discovery.interface '" + name + "' is not a network interface of this"
          + " machine (it has " + names + "); name the one the VMSs are on, or remove onvif.discovery");
    }
    return Collections.list(nic.getInetAddresses()).stream().filter(a -> a instanceof Inet4Address).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("onvif.discovery.interface '" + name + "' has no IPv4 "
            + "address: WS-Discovery for ONVIF runs over IPv4 (239.255.255.250)"));
  }
}
