package camgate.gateway.onvif;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

import static camgate.gateway.onvif.SoapReply.escape;

/**
 * The ONVIF device service (ver10) of the gateway: its time, services, capabilities, identity and scopes. None of
 * these answers names a camera, so none is decided by the policy; the media service's are.
 */
final class DeviceService {

  static final String DEVICE_PATH = "/onvif/device_service";
  static final String MEDIA_PATH = "/onvif/media_service";

  private final OnvifSettings settings;
  private final String endpoint;
  private final Clock clock;

  /** @param endpoint the device's stable WS-Addressing endpoint, {@code urn:uuid:...} */
  DeviceService(OnvifSettings settings, String endpoint, Clock clock) {
    this.settings = settings;
    this.endpoint = endpoint;
    this.clock = clock;
  }

  String endpoint() {
    return endpoint;
  }

  /** The scopes WS-Discovery and GetScopes announce. */
  List<String> scopes() {
    return List.of("onvif://www.onvif.org/Profile/Streaming", "onvif://www.onvif.org/type/video_encoder",
        "onvif://www.onvif.org/name/" + scopeValue(settings.name()),
        "onvif://www.onvif.org/location/" + scopeValue(settings.location()),
        "onvif://www.onvif.org/hardware/camgate");
  }

  /**
   * The reply to a device operation; {@code base} is {@code http://host:port} as the client reached the gateway.
   *
   * @throws SoapFault {@code ter:ActionNotSupported} for an operation camgate does not implement
   */
  String answer(String operation, String base) {
    return switch (operation) {
      case "GetSystemDateAndTime" -> systemDateAndTime();
      case "GetServices" -> services(base);
      case "GetCapabilities" -> capabilities(base);
      case "GetDeviceInformation" -> "<tds:GetDeviceInformationResponse><tds:Manufacturer>camgate</tds:Manufacturer>"
          + "<tds:Model>camgate privacy gateway</tds:Model><tds:FirmwareVersion>1</tds:FirmwareVersion>"
          + "<tds:SerialNumber>" + escape(endpoint.replace("urn:uuid:", "")) + "</tds:SerialNumber>"
          + "<tds:HardwareId>camgate</tds:HardwareId></tds:GetDeviceInformationResponse>";
      case "GetScopes" -> "<tds:GetScopesResponse>" + String.join("", scopes().stream().map(s ->
          "<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>" + escape(s) + "</tt:ScopeItem></tds:Scopes>")
          .toList()) + "</tds:GetScopesResponse>";
      default -> throw SoapFault.notSupported("the device service does not implement " + operation
          + "; camgate implements GetSystemDateAndTime, GetServices, GetCapabilities, GetDeviceInformation, GetScopes");
    };
  }

  /** Needs no login (ONVIF Core 5.9.4.3): a client reads the device's clock before it makes a UsernameToken. */
  private String systemDateAndTime() {
    ZonedDateTime t = ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
    return "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
        + "<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
        + "<tt:UTCDateTime><tt:Time><tt:Hour>" + t.getHour() + "</tt:Hour><tt:Minute>" + t.getMinute() + "</tt:Minute>"
        + "<tt:Second>" + t.getSecond() + "</tt:Second></tt:Time><tt:Date><tt:Year>" + t.getYear() + "</tt:Year>"
        + "<tt:Month>" + t.getMonthValue() + "</tt:Month><tt:Day>" + t.getDayOfMonth() + "</tt:Day></tt:Date>"
        + "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>";
  }

  private static String services(String base) {
    return "<tds:GetServicesResponse>" + service(SoapReply.DEVICE, base + DEVICE_PATH)
        + service(SoapReply.MEDIA, base + MEDIA_PATH) + "</tds:GetServicesResponse>";
  }

  private static String service(String namespace, String xaddr) {
    return "<tds:Service><tds:Namespace>" + namespace + "</tds:Namespace><tds:XAddr>" + escape(xaddr)
        + "</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>";
  }

  private static String capabilities(String base) {
    return "<tds:GetCapabilitiesResponse><tds:Capabilities>"
        + "<tt:Device><tt:XAddr>" + escape(base + DEVICE_PATH) + "</tt:XAddr></tt:Device>"
        + "<tt:Media><tt:XAddr>" + escape(base + MEDIA_PATH) + "</tt:XAddr><tt:StreamingCapabilities>"
        + "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
        + "</tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>";
  }

  /** A scope path segment: ONVIF scopes are URIs, so a space is written %20. */
  private static String scopeValue(String value) {
    return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }
}
