package camgate.gateway.onvif;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WS-Discovery on a real UDP socket over loopback: a unicast probe is answered; bad settings stop the start. */
class WsDiscoveryTest {

  private final Vertx vertx = Vertx.vertx();
  private final DeviceService device = new DeviceService(new OnvifSettings(Map.of(), "camgate", "Valenciennes",
      Optional.empty()), "urn:uuid:1234", Clock.systemUTC());

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aUnicastProbeToTheInterfaceAddressGetsAProbeMatchWithTheDeviceServiceXaddr() throws Exception {
    WsDiscovery discovery = new WsDiscovery(new OnvifSettings.Discovery("lo", 0), device, "127.0.0.1", () -> 8080);
    vertx.deployVerticle(discovery).await(10, TimeUnit.SECONDS);
    String probe = "<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\"><Header><MessageID xmlns=\"http://"
        + "schemas.xmlsoap.org/ws/2004/08/addressing\">urn:uuid:probe-1</MessageID></Header><Body><Probe xmlns=\"http:"
        + "//schemas.xmlsoap.org/ws/2005/04/discovery\"><Types>dn:NetworkVideoTransmitter</Types></Probe></Body>"
        + "</Envelope>";
    try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      client.setSoTimeout(5000);
      // Not XML first: dropped without an answer, and the next probe is still answered.
      byte[] junk = "<!DOCTYPE x [<!ENTITY a SYSTEM \"file:///etc/passwd\">]><x>&a;</x>".getBytes(StandardCharsets.UTF_8);
      client.send(new DatagramPacket(junk, junk.length, InetAddress.getLoopbackAddress(), discovery.port()));
      byte[] bytes = probe.getBytes(StandardCharsets.UTF_8);
      client.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), discovery.port()));
      DatagramPacket answer = new DatagramPacket(new byte[8192], 8192);
      client.receive(answer);
      String xml = new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
      assertTrue(xml.contains("<a:RelatesTo>urn:uuid:probe-1</a:RelatesTo>"), xml);
      assertTrue(xml.contains("<d:XAddrs>http://127.0.0.1:8080/onvif/device_service</d:XAddrs>"), xml);
      assertTrue(xml.contains("onvif://www.onvif.org/Profile/Streaming"), xml);
      assertTrue(xml.contains("<a:Address>urn:uuid:1234</a:Address>"), xml);
      assertEquals(discovery.port(), answer.getPort(), "answered from the probed address and port");
    }
  }

  @Test
  void anUnknownInterfaceOrAnHttpHostTheInterfaceDoesNotReachStopsTheStartSayingWhy() {
    Exception unknown = assertThrows(Exception.class, () -> vertx.deployVerticle(new WsDiscovery(
        new OnvifSettings.Discovery("no-such-nic0", 0), device, "0.0.0.0", () -> 8080)).await(10, TimeUnit.SECONDS));
    assertTrue(unknown.getMessage().contains("'no-such-nic0' is not a network interface"), unknown.getMessage());
    Exception elsewhere = assertThrows(Exception.class, () -> vertx.deployVerticle(new WsDiscovery(
        new OnvifSettings.Discovery("lo", 0), device, "192.0.2.99", () -> 8080)).await(10, TimeUnit.SECONDS));
    assertTrue(elsewhere.getMessage().contains("http.host 192.0.2.99 is not reachable"), elsewhere.getMessage());
  }
}
