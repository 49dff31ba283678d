package camgate.gateway.rtsp;

/** Which view of a camera an RTSP URL names: {@code /cameras/{id}} is redacted, {@code /cameras/{id}/raw} raw. */
public enum RtspProfile {
  /** The fully redacted view (faces, plates, dwellings). */
  REDACTED,
  /** The view with only the dwelling masks, lawful only under a requisition. */
  RAW
}
