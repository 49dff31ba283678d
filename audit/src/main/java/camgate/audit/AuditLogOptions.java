package camgate.audit;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How to open an {@link AuditLog}.
 *
 * @param databaseFile H2 database file, with or without the {@code .mv.db} suffix H2 adds
 * @param signingKeyFile Ed25519 private key, PKCS#8 PEM; generated (mode 600) when missing
 * @param origin checkpoint origin line and note key name, e.g. {@code camgate.example/audit}
 * @param checkpointInterval longest time from an acknowledged entry to a signed checkpoint covering it (default 2 s);
 *     the log checks every half interval and signs when the tree grew
 * @param clock source of entry and checkpoint times (inject a fixed clock in tests)
 */
public record AuditLogOptions(Path databaseFile, Path signingKeyFile, String origin, Duration checkpointInterval,
                              Clock clock) {
  /** Default origin (also the signed-note key name). */
  public static final String DEFAULT_ORIGIN = "camgate.local/audit";

  /** @throws IllegalArgumentException if a field is missing, the origin is not one line, or the interval is not positive */
  public AuditLogOptions {
    Objects.requireNonNull(databaseFile, "databaseFile");
    Objects.requireNonNull(signingKeyFile, "signingKeyFile");
    Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    Objects.requireNonNull(clock, "clock");
    if (origin == null || origin.isBlank() || origin.contains("\n") || origin.contains(" ") || origin.contains("+")) {
      throw new IllegalArgumentException("origin must be one non-empty line without spaces or '+' (it is also the"
          + " signed-note key name), found '" + origin + "'; use something like '" + DEFAULT_ORIGIN + "'");
    }
    if (checkpointInterval.isZero() || checkpointInterval.isNegative()) {
      throw new IllegalArgumentException("checkpointInterval must be positive, found " + checkpointInterval);
    }
  }

  /** {@code dir/audit.mv.db}, {@code dir/audit-signing-key.pem}, origin {@value #DEFAULT_ORIGIN}, 2 s, system UTC clock. */
  public static AuditLogOptions defaults(Path dir) {
    return new AuditLogOptions(dir.resolve("audit"), dir.resolve("audit-signing-key.pem"), DEFAULT_ORIGIN,
        Duration.ofSeconds(2), Clock.systemUTC());
  }

  public AuditLogOptions withClock(Clock newClock) {
    return new AuditLogOptions(databaseFile, signingKeyFile, origin, checkpointInterval, newClock);
  }

  public AuditLogOptions withCheckpointInterval(Duration interval) {
    return new AuditLogOptions(databaseFile, signingKeyFile, origin, interval, clock);
  }

  public AuditLogOptions withOrigin(String newOrigin) {
    return new AuditLogOptions(databaseFile, signingKeyFile, newOrigin, checkpointInterval, clock);
  }
}
