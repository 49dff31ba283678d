package camgate.redaction;

/** A detection asked of a network that is closing or closed: the pipeline masks the whole frame, as on any failure. */
final class DetectorClosedException extends IllegalStateException {
  DetectorClosedException(String message) {
    super(message);
  }
}
