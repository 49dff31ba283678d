package camgate.redaction;

/**
 * A look asked of the detector host while it is down, or during which it died or stopped answering: the pipeline
 * masks the whole frame, as on any detector error, until the host is back.
 */
final class DetectorUnavailableException extends IllegalStateException {
  DetectorUnavailableException(String message) {
    super(message);
  }

  DetectorUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
