package camgate.gateway.rtsp;

import java.util.Map;
import java.util.Optional;

/**
 * What an RTSP client asks for, as the gateway needs it to authenticate, decide and record one session.
 *
 * @param cameraId      the {@code {id}} of {@code /cameras/{id}[/raw]}
 * @param profile       redacted, or raw for {@code /raw}
 * @param query         the URL's decoded query parameters ({@code purpose}, {@code requisition}, ...)
 * @param authorization the {@code Authorization} header exactly as sent, if any
 * @param method        the RTSP method of the request (DESCRIBE, or SETUP when the client skipped DESCRIBE)
 * @param uri           the Request-URI exactly as sent, for Digest verification
 * @param clientAddress the client's IP address as seen by the server
 */
public record RtspAccessRequest(String cameraId, RtspProfile profile, Map<String, String> query,
                                Optional<String> authorization, String method, String uri, String clientAddress) {

  public RtspAccessRequest {
    query = Map.copyOf(query);
  }

  /** The {@code purpose} query parameter, if given. */
  public Optional<String> purpose() {
    return Optional.ofNullable(query.get("purpose"));
  }

  /** The {@code requisition} query parameter, if given (required for {@link RtspProfile#RAW} by policy). */
  public Optional<String> requisition() {
    return Optional.ofNullable(query.get("requisition"));
  }
}
