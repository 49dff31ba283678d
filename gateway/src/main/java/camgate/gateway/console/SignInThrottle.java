package camgate.gateway.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lock-out after repeated failures: {@code maxFailures} wrong passwords for one username within
 * {@code window} lock that username for {@code lockFor}, whoever tries (guessing from many addresses
 * does not help). A success clears the count.
 *
 * <p>An attempt holds its username from before its password is hashed until its outcome is counted, and the
 * lock is checked again then: at most one attempt per username (and {@link #MAX_IN_FLIGHT_PER_SOURCE} per
 * source) is being checked at a time, so a burst of guesses queued behind the slow hash cannot all pass the
 * lock-out check first, and cannot make real users wait behind it.
 */
final class SignInThrottle {

  private record Failures(int count, Instant first, Instant lockedUntil) {
  }

  private static final int MAX_TRACKED = 10_000;
  static final int MAX_IN_FLIGHT_PER_SOURCE = 4;

  /** A sign-in attempt whose password is being checked; {@link #end} it exactly once. */
  record Attempt(String username, String source) {
  }

  private final Map<String, Integer> inFlightByUser = new ConcurrentHashMap<>();
  private final Map<String, Integer> inFlightBySource = new ConcurrentHashMap<>();

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

  /**
   * Begins an attempt; empty when another attempt for this username, or {@link #MAX_IN_FLIGHT_PER_SOURCE} from
   * this source, are being checked now.
   */
  synchronized Optional<Attempt> begin(String username, String source) {
    String user = key(username);
    String from = source == null ? "" : source;
    if (inFlightByUser.getOrDefault(user, 0) >= 1 || inFlightBySource.getOrDefault(from, 0) >= MAX_IN_FLIGHT_PER_SOURCE) {
      return Optional.empty();
    }
    inFlightByUser.merge(user, 1, Integer::sum);
    inFlightBySource.merge(from, 1, Integer::sum);
    return Optional.of(new Attempt(user, from));
  }

  /**
   * Ends an attempt and counts its outcome: a wrong password is a failure; a right one clears the count unless
   * the username is locked now. Returns true when the sign-in may succeed.
   */
  synchronized boolean end(Attempt attempt, boolean correct) {
    inFlightByUser.computeIfPresent(attempt.username(), (k, n) -> n > 1 ? n - 1 : null);
    inFlightBySource.computeIfPresent(attempt.source(), (k, n) -> n > 1 ? n - 1 : null);
    if (!correct) {
      failed(attempt.username());
      return false;
    }
    if (!lockedFor(attempt.username()).isZero()) {
      return false;
    }
    succeeded(attempt.username());
    return true;
  }

  private static String key(String username) {
    return username == null ? "" : username.toLowerCase(java.util.Locale.ROOT);
  }
}
