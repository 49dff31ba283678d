package camgate.gateway.console;

import camgate.gateway.Subject;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side sessions kept in memory: a restart signs everyone out, which is the safe direction.
 * A session ends when idle for {@code idle}, at {@code maxAge} after sign-in, or at sign-out.
 */
final class SessionStore {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration idle;
  private final Duration maxAge;

  SessionStore(Clock clock, Duration idle, Duration maxAge) {
    if (idle.isNegative() || idle.isZero() || maxAge.compareTo(idle) < 0) {
      throw new IllegalArgumentException("console session timeouts: idle " + idle + " must be positive and not"
          + " longer than max age " + maxAge + "; check console.session_idle_s and console.session_max_s");
    }
    this.clock = clock;
    this.idle = idle;
    this.maxAge = maxAge;
  }

  Session open(String username, Subject subject) {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    Instant now = clock.instant();
    Session s = new Session(Base64.getUrlEncoder().withoutPadding().encodeToString(b), username, subject,
        CsrfToken.random(), now, now);
    sessions.put(s.id(), s);
    purgeExpired(now);
    return s;
  }

  /** The live session with this id, its idle timer restarted; an expired one is removed and not returned. */
  Optional<Session> find(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Session s = sessions.get(id);
    if (s == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (expired(s, now)) {
      sessions.remove(id);
      return Optional.empty();
    }
    Session touched = s.touched(now);
    sessions.replace(id, s, touched);
    return Optional.of(touched);
  }

  /** When this session ends if nothing else happens: the earlier of idle and absolute expiry. */
  Instant expiry(Session s) {
    Instant byIdle = s.lastSeen().plus(idle);
    Instant byAge = s.created().plus(maxAge);
    return byIdle.isBefore(byAge) ? byIdle : byAge;
  }

  void close(String id) {
    sessions.remove(id);
  }

  Duration maxAge() {
    return maxAge;
  }

  private boolean expired(Session s, Instant now) {
    return !now.isBefore(expiry(s));
  }

  private void purgeExpired(Instant now) {
    sessions.values().removeIf(s -> expired(s, now));
  }
}
