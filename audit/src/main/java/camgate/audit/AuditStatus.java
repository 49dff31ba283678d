package camgate.audit;

import java.time.Instant;

/**
 * Whether the log can make entries durable now, for a health check; a value, taken at one moment.
 *
 * <p>After a store failure the log reopens the database by itself, with backoff ({@value #FIRST_RETRY_MS} ms
 * doubling to {@value #LAST_RETRY_MS} ms), and checks it again as at open; appends fail fast meanwhile.
 *
 * @param writable true when appends are being made durable
 * @param lastError the last store failure or failed reopening (what went wrong, what to check), or null if none
 *     since open; kept after the log recovers, so a health page can say what happened
 * @param unavailableSince when the store failed, or null while writable
 * @param nextRetry when the log next tries to reopen the database, or null while writable
 * @param attempts reopenings tried since the store failed (0 while writable)
 */
public record AuditStatus(boolean writable, String lastError, Instant unavailableSince, Instant nextRetry,
                          int attempts) {
  /** First wait before reopening the database after a failure. */
  public static final long FIRST_RETRY_MS = 100;
  /** Longest wait between two reopening attempts. */
  public static final long LAST_RETRY_MS = 5_000;

  /** The wait before reopening attempt {@code attempt} (0-based): doubling from the first to the last. */
  static long retryDelayMillis(int attempt) {
    return attempt >= 6 ? LAST_RETRY_MS : Math.min(LAST_RETRY_MS, FIRST_RETRY_MS << attempt);
  }
}
