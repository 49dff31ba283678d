package camgate.gateway.rtsp;

import java.util.Map;

/**
 * A refusal of an RTSP request that the server sends as is: status, headers (e.g. {@code WWW-Authenticate}) and
 * a plain-text body saying what was wrong and what to do. Fail an {@link RtspAccessPort#admit} future with it.
 */
public final class RtspRefusal extends RuntimeException {

  private final int status;
  private final Map<String, String> headers;
  private final String body;

  /**
   * @param status  an RTSP status of 400..599 (401, 403, 404, 502, 503...), or a redirect (301, 302) with a Location
   * @param headers extra response headers
   * @param body    plain text for the client; may be empty
   */
  public RtspRefusal(int status, Map<String, String> headers, String body) {
    super(status + " " + RtspResponse.reason(status) + (body.isEmpty() ? "" : ": " + body), null, false, false);
    boolean redirect = (status == 301 || status == 302) && headers.containsKey("Location");
    if (!redirect && (status < 400 || status > 599)) {
      throw new IllegalArgumentException("a refusal has a 4xx or 5xx status, or 301/302 with a Location, got " + status);
    }
    this.status = status;
    this.headers = Map.copyOf(headers);
    this.body = body;
  }

  /** 401 with a {@code WWW-Authenticate} challenge (e.g. from {@link DigestAuthenticator#challenge}). */
  public static RtspRefusal unauthorized(String wwwAuthenticate, String body) {
    return new RtspRefusal(401, Map.of("WWW-Authenticate", wwwAuthenticate), body);
  }

  /** 403: the policy denied access; the body gives the reasons. */
  public static RtspRefusal forbidden(String body) {
    return new RtspRefusal(403, Map.of(), body);
  }

  /** 404: no such camera. */
  public static RtspRefusal notFound(String body) {
    return new RtspRefusal(404, Map.of(), body);
  }

  /** 502: the camera failed. */
  public static RtspRefusal badGateway(String body) {
    return new RtspRefusal(502, Map.of(), body);
  }

  /** 503: the policy engine or the audit log is down, so access fails closed. */
  public static RtspRefusal unavailable(String body) {
    return new RtspRefusal(503, Map.of(), body);
  }

  public int status() {
    return status;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public String body() {
    return body;
  }
}
