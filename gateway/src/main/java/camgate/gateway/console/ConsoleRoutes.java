package camgate.gateway.console;

import camgate.audit.AuditEntry;
import camgate.audit.AuditEvent;
import camgate.gateway.GatewayConfig;
import camgate.gateway.Subject;
import camgate.gateway.audit.AuditTrail;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.http.AccessGate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The web console: sign-in with server-side sessions, the session handler every request passes
 * through, the console's own small JSON API, and the static pages under {@code /console/}.
 *
 * <p>The pages do their work over the gateway's own APIs ({@code /cameras}, {@code /audit/…},
 * {@code /admin/policy/…}); the session handler makes those treat the request as the signed-in person
 * (via {@link AccessGate#SESSION_SUBJECT}), so decisions and logging stay in the access gate.
 *
 * <p>Configuration (optional "console" section): {@code session_idle_s} (1800), {@code session_max_s}
 * (28800), {@code max_failures} (5), {@code lock_s} (900), {@code secure_cookie} (true),
 * {@code body_limit_bytes} (65536).
 */
public final class ConsoleRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleRoutes.class);
  static final String COOKIE = "camgate_session";
  private static final String SESSION_KEY = "camgate.console.session";
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
  /** Checked against when the username is unknown, so that timing does not tell which usernames exist. */
  private static final PasswordHash DECOY = PasswordHash.of("decoy-password-never-matches".toCharArray());

  private final Vertx vertx;
  private final AuditTrail audit;
  private final Map<String, CameraFeed> feeds;
  private final People people;
  private final SessionStore sessions;
  private final SignInThrottle throttle;
  private final boolean secureCookie;
  private final long bodyLimit;

  public ConsoleRoutes(Vertx vertx, GatewayConfig config, AccessGate gate, AuditTrail audit,
                       Map<String, CameraFeed> feeds) {
    this(vertx, config, gate, audit, feeds, Clock.systemUTC());
  }

  /**
   * @throws IllegalArgumentException if the "people" or "console" configuration is malformed (the message names
   *     the entry)
   */
  public ConsoleRoutes(Vertx vertx, GatewayConfig config, AccessGate gate, AuditTrail audit,
                       Map<String, CameraFeed> feeds, Clock clock) {
    this.vertx = vertx;
    this.audit = audit;
    this.feeds = feeds;
    this.people = People.fromConfig(config);
    JsonObject c = config.raw().getJsonObject("console", new JsonObject());
    this.sessions = new SessionStore(clock, Duration.ofSeconds(c.getLong("session_idle_s", 1800L)),
        Duration.ofSeconds(c.getLong("session_max_s", 28_800L)));
    this.throttle = new SignInThrottle(clock, c.getInteger("max_failures", 5), Duration.ofMinutes(15),
        Duration.ofSeconds(c.getLong("lock_s", 900L)));
    this.secureCookie = c.getBoolean("secure_cookie", true);
    this.bodyLimit = c.getLong("body_limit_bytes", 65_536L);
    LOG.info("web console at /console/ with {} people who may sign in", people.size());
  }

  /** Mounts the session handler (first: for every request), the console API and the static pages. */
  public void mount(Router router) {
    router.route().handler(this::session);
    router.get("/").handler(rc -> rc.redirect("/console/"));
    router.route("/console/*").handler(ConsoleRoutes::securityHeaders);
    router.post("/console/api/*").handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
    router.post("/console/api/sign-in").handler(this::signIn);
    router.post("/console/api/sign-out").handler(this::signOut);
    router.get("/console/api/me").handler(this::me);
    router.get("/console/api/status").handler(this::status);
    router.get("/console/api/access/:seq").handler(this::access);
    router.route("/console/api/*").handler(rc -> json(rc, 404, new JsonObject().put("error",
        "no console endpoint " + rc.request().method() + " " + rc.request().path())));
    router.route("/console/*").handler(StaticHandler.create("webroot").setCachingEnabled(false)
        .setDefaultContentEncoding("UTF-8").setIndexPage("index.html"));
  }

  /**
   * Runs for every request: attaches the signed-in subject when the cookie names a live session, and
   * refuses a state-changing request with that cookie unless it carries the session's CSRF token.
   */
  private void session(RoutingContext rc) {
    Cookie cookie = rc.request().getCookie(COOKIE);
    if (cookie == null) {
      rc.next();
      return;
    }
    Optional<Session> session = sessions.find(cookie.getValue());
    if (session.isEmpty()) {
      rc.put(SESSION_KEY + ".expired", Boolean.TRUE);
      rc.next();
      return;
    }
    if (!SAFE.contains(rc.request().method()) && !session.get().csrf().matches(rc.request().getHeader(CsrfToken.HEADER))) {
      json(rc, 403, new JsonObject().put("error", "missing or wrong " + CsrfToken.HEADER + " header: a state-changing"
          + " request with a session cookie must carry the token from GET /console/api/me; reload the page"));
      return;
    }
    rc.put(SESSION_KEY, session.get());
    rc.put(AccessGate.SESSION_SUBJECT, session.get().subject());
    rc.next();
  }

  private static void securityHeaders(RoutingContext rc) {
    rc.response()
        .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
    rc.next();
  }

  /** POST /console/api/sign-in {"username", "password"}: checks, logs (success or failure), opens a session. */
  private void signIn(RoutingContext rc) {
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
    Optional<Person> person = people.find(username);
    vertx.executeBlocking(() -> person.map(Person::password).orElse(DECOY).matches(password.toCharArray())
            && person.isPresent())
        .onFailure(rc::fail)
        .onSuccess(ok -> {
          String outcome = ok ? "success" : person.isPresent() ? "wrong_password" : "unknown_user";
          boolean nowLocked = !ok && throttle.failed(username);
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
            throttle.succeeded(username);
            Session s = sessions.open(username, person.get().subject());
            Cookie cookie = Cookie.cookie(COOKIE, s.id()).setPath("/").setHttpOnly(true).setSecure(secureCookie)
                .setSameSite(CookieSameSite.STRICT).setMaxAge(sessions.maxAge().toSeconds());
            rc.response().addCookie(cookie);
            json(rc, 200, me(s).put("audit_seq", ar.result().seq()));
          });
        });
  }

  private Future<AuditEntry> record(String username, Optional<Person> person, String outcome, String ip) {
    Map<String, Object> subject = person.map(p -> p.subject().toMap()).orElse(Map.of("id", username));
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("username", username);
    details.put("outcome", outcome);
    details.put("client_ip", ip);
    Map<String, Object> decision = Map.of("allow", "success".equals(outcome), "outcome", outcome);
    return audit.append(new AuditEvent("sign_in", subject, "sign_in", Map.of(), decision, null, "", details));
  }

  /** POST /console/api/sign-out: ends the session (logged) and clears the cookie. */
  private void signOut(RoutingContext rc) {
    Session s = rc.get(SESSION_KEY);
    rc.response().addCookie(Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true).setSecure(secureCookie)
        .setSameSite(CookieSameSite.STRICT).setMaxAge(0));
    if (s == null) {
      json(rc, 200, new JsonObject().put("signed_out", true));
      return;
    }
    sessions.close(s.id());
    audit.append(new AuditEvent("sign_in", s.subject().toMap(), "sign_out", Map.of(), null, null, "",
            Map.of("username", s.username(), "outcome", "signed_out")))
        .onComplete(ar -> json(rc, 200, new JsonObject().put("signed_out", true)));
  }

  /** GET /console/api/me: who is signed in, the CSRF token, and when the session ends. */
  private void me(RoutingContext rc) {
    Session s = signedIn(rc);
    if (s != null) {
      json(rc, 200, me(s));
    }
  }

  private JsonObject me(Session s) {
    return new JsonObject().put("username", s.username()).put("subject", s.subject().toJson())
        .put("csrf", s.csrf().value()).put("expires", sessions.expiry(s).toString());
  }

  /** GET /console/api/status: every camera's state, fps and fail-safe count, and the audit log's state. */
  private void status(RoutingContext rc) {
    if (signedIn(rc) == null) {
      return;
    }
    JsonArray cameras = new JsonArray();
    feeds.values().forEach(f -> cameras.add(new JsonObject().put("id", f.camera().id()).put("zone", f.camera().zone())
        .put("masks_loaded", f.masksKnown()).put("status", f.status().toJson())));
    audit.read(log -> new JsonObject().put("size", log.size()).put("checkpoint", log.latestCheckpoint()
            .map(c -> new JsonObject().put("size", c.size()).put("time", c.time().toString())).orElse(null)))
        .onComplete(ar -> {
          JsonObject a = ar.succeeded() ? ar.result() : new JsonObject().put("error", ar.cause().getMessage());
          a.put("writable", ar.succeeded() && audit.writable()).put("append_failures", audit.failures());
          json(rc, 200, new JsonObject().put("cameras", cameras).put("audit", a));
        });
  }

  /**
   * GET /console/api/access/{seq}: the terms of one of the signed-in person's own access decisions (allowed,
   * reasons, authorised duration), read back from the audit log; the operator page shows the remaining time.
   */
  private void access(RoutingContext rc) {
    Session s = signedIn(rc);
    if (s == null) {
      return;
    }
    long seq;
    try {
      seq = Long.parseLong(rc.pathParam("seq"));
    } catch (NumberFormatException e) {
      seq = -1;
    }
    if (seq < 0) {
      json(rc, 400, new JsonObject().put("error", "seq must be a non-negative integer, found '" + rc.pathParam("seq")
          + "'"));
      return;
    }
    long wanted = seq;
    audit.read(log -> wanted < log.size() ? log.entries(wanted, 1) : List.<AuditEntry>of()).onComplete(ar -> {
      if (ar.failed()) {
        auditDown(rc);
        return;
      }
      Optional<AuditEntry> entry = ar.result().stream().findFirst()
          .filter(e -> e.event().type().equals("access_decision"))
          .filter(e -> e.event().subject() != null && s.subject().id().equals(e.event().subject().get("id")));
      if (entry.isEmpty()) {
        json(rc, 404, new JsonObject().put("error", "entry " + wanted + " is not one of your access decisions"));
        return;
      }
      AuditEvent e = entry.get().event();
      json(rc, 200, new JsonObject().put("seq", wanted).put("time", entry.get().time().toString())
          .put("action", e.action()).put("resource", new JsonObject(e.resource() == null ? Map.of() : e.resource()))
          .put("decision", new JsonObject(e.decision() == null ? Map.of() : e.decision()))
          .put("purpose", e.details() == null ? null : e.details().get("purpose")));
    });
  }

  /** The session of the request, or null after answering 401 (with "session_expired" when the cookie was stale). */
  private Session signedIn(RoutingContext rc) {
    Session s = rc.get(SESSION_KEY);
    if (s == null) {
      boolean expired = Boolean.TRUE.equals(rc.get(SESSION_KEY + ".expired"));
      json(rc, 401, new JsonObject().put("error", expired ? "session_expired" : "not_signed_in")
          .put("message", expired ? "your session has expired or was ended: sign in again" : "sign in first"));
    }
    return s;
  }

  private static JsonObject jsonBody(RoutingContext rc) {
    String type = rc.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      // A cross-site HTML form cannot send application/json without a CORS preflight, which this server never
      // grants: requiring it protects the sign-in form (which has no session, hence no CSRF token yet).
      json(rc, 415, new JsonObject().put("error", "send the body as Content-Type: application/json, found "
          + (type == null ? "none" : "'" + type + "'")));
      return null;
    }
    try {
      JsonObject body = rc.body().asJsonObject();
      if (body == null) {
        json(rc, 400, new JsonObject().put("error", "empty body: send a JSON object"));
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      json(rc, 400, new JsonObject().put("error", "body is not a JSON object: " + e.getMessage()));
      return null;
    }
  }

  private static void auditDown(RoutingContext rc) {
    json(rc, 503, new JsonObject().put("error", "audit log unavailable: the sign-in could not be recorded, so it is"
        + " refused; check the audit database and disk"));
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store").end(body.encode());
  }

  /** The subject a request carries from a console session, if any (for other route groups). */
  public static Optional<Subject> sessionSubject(RoutingContext rc) {
    return Optional.ofNullable(rc.get(AccessGate.SESSION_SUBJECT));
  }
}
