package camgate.gateway.rtsp;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One parsed RTSP request: method, Request-URI, version, headers (names case-insensitive) and body.
 */
record RtspRequest(String method, String uri, String version, Map<String, String> headers, byte[] body) {

  RtspRequest {
    TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.putAll(headers);
    headers = java.util.Collections.unmodifiableMap(h);
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  /** The CSeq header, or null if missing. */
  String cseq() {
    return headers.get("CSeq");
  }

  /** The session id of the Session header without its parameters, if present. */
  Optional<String> session() {
    return header("Session").map(s -> s.split(";", 2)[0].trim()).filter(s -> !s.isEmpty());
  }
}
