package camgate.gateway.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lock-out after repeated failures: {@code maxFailures} wrong passwords for one username within
 * {@code window} lock that username for {@code lockFor}, whoever tries (guessing from many addresses
 * does not help). A success clears the count.
 */
final class SignInThrottle {

  private record Failures(int count, Instant first, Instant lockedUntil) {
  }

  private static final int MAX_TRACKED = 10_000;

  private final Map<String, Failures> byUsername = new ConcurrentHashMap<>();
  private final Clock clock;
  private final int maxFailures;
  private final Duration window;
  private final Duration lockFor;

  SignInThrottle(Clock clock, int maxFailures, Duration window, Duration lockFor) {
    if (maxFailures < 1) {
      throw new IllegalArgumentException("console.max_failures must be at least 1, found " + maxFailures);
    }
    this.clock = clock;
    this.maxFailures = maxFailures;
    this.window = window;
    this.lockFor = lockFor;
  }

  /** How long the username stays locked; zero when it may try now. */
  Duration lockedFor(String username) {
    Failures f = byUsername.get(key(username));
    Instant now = clock.instant();
    if (f == null || f.lockedUntil() == null || !now.isBefore(f.lockedUntil())) {
      return Duration.ZERO;
    }
    return Duration.between(now, f.lockedUntil());
  }

  /** Counts a failure; returns true when this failure locked the username. */
  boolean failed(String username) {
    Instant now = clock.instant();
    if (byUsername.size() > MAX_TRACKED) {
      // Guessing with endless made-up usernames must not grow memory without bound: forget what has lapsed.
      byUsername.values().removeIf(f -> now.isAfter(f.first().plus(window))
          && (f.lockedUntil() == null || !now.isBefore(f.lockedUntil())));
    }
    Failures f = byUsername.compute(key(username), (k, old) -> {
      if (old == null || now.isAfter(old.first().plus(window))
          || (old.lockedUntil() != null && !now.isBefore(old.lockedUntil()))) {
        old = new Failures(0, now, null);
      }
      int count = old.count() + 1;
      return new Failures(count, old.first(), count >= maxFailures ? now.plus(lockFor) : null);
    });
    return f.lockedUntil() != null;
  }

  void succeeded(String username) {
    byUsername.remove(key(username));
  }

  private static String key(String username) {
    return username == null ? "" : username.toLowerCase(java.util.Locale.ROOT);
  }
}
