package camgate.gateway.console;

import camgate.gateway.Subject;

import java.time.Instant;

/**
 * A signed-in person's server-side session; the browser holds only its random id in a cookie.
 *
 * @param lastSeen the last request that used it (idle expiry counts from here)
 */
record Session(String id, String username, Subject subject, CsrfToken csrf, Instant created, Instant lastSeen) {

  Session touched(Instant now) {
    return new Session(id, username, subject, csrf, created, now);
  }
}
