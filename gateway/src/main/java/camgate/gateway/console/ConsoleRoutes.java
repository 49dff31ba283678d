package camgate.gateway.console;

import camgate.audit.AuditEntry;
import camgate.audit.AuditEvent;
import camgate.gateway.GatewayConfig;
import camgate.gateway.Subject;
import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.access.HttpCaller;
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
 * (via {@link HttpCaller#SESSION_SUBJECT}), so decisions and logging stay in the access gate.
 *
 * <p>Configuration (optional "console" section): {@code session_idle_s} (1800), {@code session_max_s}
 * (28800), {@code max_failures} (5), {@code lock_s} (900), {@code secure_cookie} (true),
 * {@code body_limit_bytes} (65536).
 */
public final class ConsoleRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleRoutes.class);
  static final String COOKIE = "camgate_session";
  static final String SESSION_KEY = "camgate.console.session";
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  private final Vertx vertx;
  private final AccessGate gate;
  private final AuditTrail audit;
  private final People people;
  private final SessionStore sessions;
  private final SignIn signIn;
  private final long bodyLimit;

  /**
   * @param clock the gateway's clock (sessions and lock-outs expire by it)
   * @throws IllegalArgumentException if the "people" or "console" configuration is malformed (the message names
   *     the entry)
   */
  public ConsoleRoutes(Vertx vertx, GatewayConfig config, AccessGate gate, AuditTrail audit, Clock clock) {
    this.vertx = vertx;
    this.gate = gate;
    this.audit = audit;
    this.people = People.fromConfig(config);
    ConsoleSettings c = config.console();
    this.sessions = new SessionStore(clock, c.sessionIdle(), c.sessionMax());
    this.signIn = new SignIn(vertx, audit, people, sessions,
        new SignInThrottle(clock, c.maxFailures(), Duration.ofMinutes(15), c.lock()), c.secureCookie());
    this.bodyLimit = c.bodyLimit();
    LOG.info("web console at /console/ with {} people who may sign in", people.size());
  }

  /** Mounts the session handler (first: for every request), the console API and the static pages. */
  public void mount(Router router) {
    router.route().handler(this::session);
    router.get("/").handler(rc -> rc.redirect("/console/"));
    router.route("/console/*").handler(ConsoleRoutes::securityHeaders);
    router.post("/console/api/*").handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
    router.post("/console/api/sign-in").handler(signIn::signIn);
    router.post("/console/api/sign-out").handler(signIn::signOut);
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
    rc.put(HttpCaller.SESSION_SUBJECT, session.get().subject());
    rc.next();
  }

  private static void securityHeaders(RoutingContext rc) {
    rc.response()
        // media-src blob: for the operator's HLS player (hls.js feeds the video element through Media Source).
        .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; "
            + "media-src 'self' blob:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
    rc.next();
  }

  /** GET /console/api/me: who is signed in, the CSRF token, and when the session ends. */
  private void me(RoutingContext rc) {
    Session s = signedIn(rc);
    if (s != null) {
      json(rc, 200, me(s, sessions));
    }
  }

  /** Who is signed in, the CSRF token, and when the session ends. */
  static JsonObject me(Session s, SessionStore sessions) {
    return new JsonObject().put("username", s.username()).put("subject", s.subject().toJson())
        .put("csrf", s.csrf().value()).put("expires", sessions.expiry(s).toString());
  }

  /**
   * GET /console/api/status: the state, fps and fail-safe count of the cameras the signed-in person may see
   * (decided and recorded as a listing, like GET /cameras), and the audit log's state.
   */
  private void status(RoutingContext rc) {
    if (signedIn(rc) == null) {
      return;
    }
    HttpCaller.admit(gate, rc, "list_cameras", Target.listing(), new JsonObject().put("operation", "status"))
        .onSuccess(access -> {
          JsonArray cameras = new JsonArray();
          gate.listed(access).forEach(f -> cameras.add(new JsonObject().put("id", f.camera().id())
              .put("zone", f.camera().zone()).put("masks_loaded", f.masksKnown()).put("status", f.status().toJson())
              .put("masked_share", f.maskedShare().masked()).put("motion_guard_share", f.maskedShare().motionGuard())));
          audit.read(log -> new JsonObject().put("size", log.size()).put("checkpoint", log.latestCheckpoint()
                  .map(c -> new JsonObject().put("size", c.size()).put("time", c.time().toString())).orElse(null)))
              .onComplete(ar -> {
                JsonObject a = ar.succeeded() ? ar.result() : new JsonObject().put("error", ar.cause().getMessage());
                a.put("writable", ar.succeeded() && audit.writable()).put("append_failures", audit.failures())
                    .put("pending_entries", audit.pending());
                json(rc, 200, new JsonObject().put("cameras", cameras).put("audit", a)
                    .put("audit_seq", access.auditSeq()));
              });
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

  static JsonObject jsonBody(RoutingContext rc) {
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

  static void auditDown(RoutingContext rc) {
    json(rc, 503, new JsonObject().put("error", "audit log unavailable: the sign-in could not be recorded, so it is"
        + " refused; check the audit database and disk"));
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store").end(body.encode());
  }

  /** The subject a request carries from a console session, if any (for other route groups). */
  public static Optional<Subject> sessionSubject(RoutingContext rc) {
    return Optional.ofNullable(rc.get(HttpCaller.SESSION_SUBJECT));
  }
}
