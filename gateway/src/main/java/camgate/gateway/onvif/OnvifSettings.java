package camgate.gateway.onvif;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code onvif} section of camgate.json: the ONVIF Profile S device this gateway shows a VMS.
 *
 * @param purposes  the purpose each ONVIF user's GetStreamUri and GetSnapshotUri are decided for, by username (a
 *                  VMS cannot say why it watches; the city says it once here); a user without one is refused by
 *                  the policy, and that refusal is recorded
 * @param name      the device name in GetDeviceInformation and the discovery scopes
 * @param location  the location scope, e.g. a city or site name
 * @param discovery where WS-Discovery answers probes; empty (the default): no discovery, the VMS is given the
 *                  device service's address by hand
 */
public record OnvifSettings(Map<String, String> purposes, String name, String location,
                            Optional<Discovery> discovery) {

  /**
   * WS-Discovery on one network interface: multicast group 239.255.255.250 joined on it, and unicast probes to its
   * IPv4 address, both on {@code port}.
   *
   * @param networkInterface the interface's name, e.g. {@code eth1} (a city network decides which one sees VMSs)
   * @param port             3702, WS-Discovery's; another only for tests
   */
  public record Discovery(String networkInterface, int port) {
    public Discovery {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("onvif.discovery.port " + port + " is not a UDP port (0-65535)");
      }
    }
  }

  public OnvifSettings {
    purposes = Map.copyOf(purposes);
  }

  /**
   * Reads the section.
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong type
   */
  public static OnvifSettings fromJson(JsonObject json) {
    Map<String, String> purposes = new LinkedHashMap<>();
    Object p = json.getValue("purposes");
    if (p != null && !(p instanceof JsonObject)) {
      throw new IllegalArgumentException("onvif.purposes must map ONVIF usernames (rtsp_users) to a purpose, found "
          + p);
    }
    if (p instanceof JsonObject o) {
      o.forEach(e -> {
        if (!(e.getValue() instanceof String s)) {
          throw new IllegalArgumentException("onvif.purposes." + e.getKey() + " must be a purpose string");
        }
        purposes.put(e.getKey(), s);
      });
    }
    Object d = json.getValue("discovery");
    Optional<Discovery> discovery = Optional.empty();
    if (d != null && !(d instanceof JsonObject)) {
      throw new IllegalArgumentException("onvif.discovery must be an object {\"interface\": \"eth1\"}, found " + d);
    }
    if (d instanceof JsonObject o) {
      String nic = o.getString("interface");
      if (nic == null || nic.isBlank()) {
        throw new IllegalArgumentException("onvif.discovery.interface must name the network interface that answers"
            + " WS-Discovery probes (e.g. \"eth1\"); remove onvif.discovery to turn discovery off");
      }
      discovery = Optional.of(new Discovery(nic, o.getInteger("port", 3702)));
    }
    return new OnvifSettings(purposes, json.getString("name", "camgate"), json.getString("location", "camgate"),
        discovery);
  }

  /** The purpose configured for an ONVIF user, if any. */
  public Optional<String> purposeOf(String username) {
    return Optional.ofNullable(purposes.get(username));
  }
}
