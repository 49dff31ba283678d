package camgate.gateway.console;

import camgate.audit.AuditEntry;
import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AuditTrail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static camgate.gateway.console.ConsoleRoutes.COOKIE;
import static camgate.gateway.console.ConsoleRoutes.SESSION_KEY;
import static camgate.gateway.console.ConsoleRoutes.auditDown;
import static camgate.gateway.console.ConsoleRoutes.json;
import static camgate.gateway.console.ConsoleRoutes.jsonBody;

/**
 * Signing in and out of the console: the password check (Argon2id, on a worker), the lock-out, the
 * session cookie, and an audit entry for every attempt, whatever its outcome. No entry, no session.
 */
final class SignIn {

  /**
   * Checked against when the username is unknown, so that timing does not tell which usernames exist. A holder
   * class: the Argon2 hash is made on first use, in the worker that checks a password, not on an event loop.
   */
  private static final class Decoy {
    static final PasswordHash HASH = PasswordHash.of("decoy-password-never-matches".toCharArray());
  }


  private final Vertx vertx;
  private final AuditTrail audit;
  private final People people;
  private final SessionStore sessions;
  private final SignInThrottle throttle;
  private final boolean secureCookie;

  SignIn(Vertx vertx, AuditTrail audit, People people, SessionStore sessions, SignInThrottle throttle,
         boolean secureCookie) {
    this.vertx = vertx;
    this.audit = audit;
    this.people = people;
    this.sessions = sessions;
    this.throttle = throttle;
    this.secureCookie = secureCookie;
  }

  /** A checked password: right or wrong, and whether the sign-in may succeed (not locked meanwhile). */
  private record Checked(boolean correct, boolean ok) {
  }

  /** POST /console/api/sign-in {"username", "password"}: checks, logs (success or failure), opens a session. */
  void signIn(RoutingContext rc) {
    JsonObject body = jsonBody(rc);
    if (body == null) {
      return;
    }
    String username = body.getValue("username") instanceof String u ? u.trim() : null;
    String password = body.getValue("password") instanceof String p ? p : null;
    if (username == null || username.isEmpty() || username.length() > 64 || password == null
        || password.length() > 1024) {
      json(rc, 400, new JsonObject().put("error", "sign-in needs {\"username\": 1-64 characters, \"password\":"
          + " at most 1024 characters}"));
      return;
    }
    String ip = rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress();
    Duration locked = throttle.lockedFor(username);
    if (!locked.isZero()) {
      Optional<Person> who = people.find(username);
      record(username, who, "locked_out", ip).onComplete(ar -> {
        if (ar.failed()) {
          auditDown(rc);
          return;
        }
        rc.response().putHeader("Retry-After", Long.toString(locked.toSeconds() + 1));
        json(rc, 429, new JsonObject().put("error", "locked_out").put("retry_after_s", locked.toSeconds() + 1)
            .put("message", "too many failed sign-ins for this username: try again in " + (locked.toSeconds() + 1)
                + " s or ask an administrator"));
      });
      return;
    }
    Optional<SignInThrottle.Attempt> attempt = throttle.begin(username, ip);
    if (attempt.isEmpty()) {
      rc.response().putHeader("Retry-After", "1");
      json(rc, 429, new JsonObject().put("error", "busy").put("message", "another sign-in for this username, or "
          + "too many from this address, is being checked: try again in a second"));
      return;
    }
    Optional<Person> person = people.find(username);
    vertx.executeBlocking(() -> person.map(Person::password).orElse(Decoy.HASH).matches(password.toCharArray())
            && person.isPresent())
        .transform(checked -> {
          // Counted, and the lock checked again, only now that the hash is known.
          boolean correct = checked.succeeded() && checked.result();
          boolean ok = throttle.end(attempt.get(), correct);
          return checked.failed() ? Future.<Checked>failedFuture(checked.cause())
              : Future.succeededFuture(new Checked(correct, ok));
        })
        .onFailure(rc::fail)
        .onSuccess(result -> {
          boolean correct = result.correct();
          boolean ok = result.ok();
          boolean nowLocked = !ok && !throttle.lockedFor(username).isZero();
          String outcome = ok ? "success" : correct ? "locked_out" : person.isPresent() ? "wrong_password"
              : "unknown_user";
          record(username, person, outcome, ip).onComplete(ar -> {
            if (ar.failed()) {
              auditDown(rc);  // no audit entry, no session: fail closed
              return;
            }
            if (!ok) {
              json(rc, 401, new JsonObject().put("error", nowLocked ? "locked_out" : "bad_credentials")
                  .put("message", "wrong username or password" + (nowLocked ? "; too many failures: this username is"
                      + " now locked" : "")));
              return;
            }
            Session s = sessions.open(username, person.get().subject());
            Cookie cookie = Cookie.cookie(COOKIE, s.id()).setPath("/").setHttpOnly(true).setSecure(secureCookie)
                .setSameSite(CookieSameSite.STRICT).setMaxAge(sessions.maxAge().toSeconds());
            rc.response().addCookie(cookie);
            json(rc, 200, ConsoleRoutes.me(s, sessions).put("audit_seq", ar.result().seq()));
          });
        });
  }

  private Future<AuditEntry> record(String username, Optional<Person> person, String outcome, String ip) {
    Map<String, Object> subject = person.map(p -> p.subject().toMap()).orElse(Map.of("id", username));
    return audit.append(AccessEvents.signIn(subject, username, outcome, ip));
  }

  /** POST /console/api/sign-out: ends the session (logged) and clears the cookie. */
  void signOut(RoutingContext rc) {
    Session s = rc.get(SESSION_KEY);
    rc.response().addCookie(Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true).setSecure(secureCookie)
        .setSameSite(CookieSameSite.STRICT).setMaxAge(0));
    if (s == null) {
      json(rc, 200, new JsonObject().put("signed_out", true));
      return;
    }
    sessions.close(s.id());
    audit.append(AccessEvents.signOut(s.subject(), s.username()))
        .onComplete(ar -> json(rc, 200, new JsonObject().put("signed_out", true)));
  }
}
