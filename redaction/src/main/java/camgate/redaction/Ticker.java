package camgate.redaction;

/**
 * A source of monotonic nanoseconds: how the pipeline measures what its detection passes cost and how long a
 * frame has waited. Injected so that a test drives time itself (a fake detector "costs" what it advances the
 * ticker by) instead of sleeping; {@link #system()} everywhere else.
 */
@FunctionalInterface
public interface Ticker {

  /** Nanoseconds from an arbitrary origin, never going back. */
  long read();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
