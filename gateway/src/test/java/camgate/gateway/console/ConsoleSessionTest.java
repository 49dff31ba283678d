package camgate.gateway.console;

import camgate.audit.AuditEntry;
import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.gateway.GatewayConfig;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's sign-in, sessions, CSRF and lock-out over real HTTP, with a real H2 audit log and a clock the
 * test moves (no sleeping). A probe route mounted after the console stands for every gated route: it echoes
 * the subject the session handler attached.
 */
class ConsoleSessionTest {

  static Vertx vertx;
  static AuditLog log;
  static AuditTrail audit;
  static HttpServer server;
  static MutableClock clock = new MutableClock(Instant.parse("2026-11-28T20:00:00Z"));
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("camgate-console");
    vertx = Vertx.vertx();
    log = AuditLog.open(new AuditLogOptions(dir.resolve("audit"), dir.resolve("key.pem"), "camgate.test/console",
        Duration.ofSeconds(2), clock));
    audit = new AuditTrail(vertx, log);
    JsonObject json = new JsonObject()
        .put("people", new JsonArray()
            .add(person("op", "operator-pass", "agent-042", "operator"))
            .add(person("lock", "lock-pass", "agent-107", "operator"))
            .add(person("burst", "burst-pass", "agent-108", "operator")))
        .put("console", new JsonObject().put("session_idle_s", 600).put("session_max_s", 3600).put("max_failures", 3)
            .put("lock_s", 300).put("body_limit_bytes", 4096));
    GatewayConfig config = GatewayConfig.fromJson(json, dir);
    AccessGate gate = new AccessGate(vertx, config.apiKeys(), Map.of(), null, audit, clock, Duration.ofSeconds(30),
        () -> "test");
    ConsoleRoutes console = new ConsoleRoutes(vertx, config, gate, audit, clock);
    Router router = Router.router(vertx);
    console.mount(router);
    router.route("/probe").handler(rc -> rc.response().end(
        ConsoleRoutes.sessionSubject(rc).map(s -> s.id()).orElse("nobody")));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  static JsonObject person(String username, String password, String id, String role) {
    return new JsonObject().put("username", username)
        .put("password_argon2", PasswordHash.of(password.toCharArray()).encoded())
        .put("subject", new JsonObject().put("id", id).put("roles", new JsonArray().add(role))
            .put("org", "police-municipale"));
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    log.close();
  }

  static HttpResponse<String> post(String path, String body, String cookie, String csrf) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Signs in and returns "camgate_session=…" and the CSRF token. */
  static String[] signIn(String username, String password) throws Exception {
    HttpResponse<String> r = post("/console/api/sign-in", new JsonObject().put("username", username)
        .put("password", password).encode(), null, null);
    assertEquals(200, r.statusCode(), r.body());
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    return new String[] {setCookie.substring(0, setCookie.indexOf(';')), new JsonObject(r.body()).getString("csrf")};
  }

  static List<AuditEntry> signIns() {
    return log.entries(0, 100_000).stream().filter(e -> e.event().type().equals("sign_in")).toList();
  }

  @Test
  void aGoodPasswordOpensASessionWithAHardenedCookieAndIsLogged() throws Exception {
    int before = signIns().size();
    HttpResponse<String> r = post("/console/api/sign-in", "{\"username\":\"op\",\"password\":\"operator-pass\"}",
        null, null);
    assertEquals(200, r.statusCode(), r.body());
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.startsWith("camgate_session="), cookie);
    assertTrue(cookie.toLowerCase().contains("; httponly"), cookie);
    assertTrue(cookie.contains("Secure"), cookie);
    assertTrue(cookie.contains("SameSite=Strict"), cookie);
    String session = cookie.substring(0, cookie.indexOf(';'));
    assertEquals("agent-042", get("/probe", session).body(), "gated routes see the session's subject");
    assertEquals("nobody", get("/probe", null).body());
    JsonObject me = new JsonObject(get("/console/api/me", session).body());
    assertEquals("op", me.getString("username"));
    assertEquals(43, me.getString("csrf").length());
    AuditEntry entry = signIns().get(before);
    assertEquals("agent-042", entry.event().subject().get("id"));
    assertEquals("success", entry.event().details().get("outcome"));
    assertEquals(true, entry.event().decision().get("allow"));
  }

  @Test
  void aWrongPasswordIsRefusedAndLoggedAsAFailure() throws Exception {
    int before = signIns().size();
    HttpResponse<String> r = post("/console/api/sign-in", "{\"username\":\"op\",\"password\":\"nope\"}", null, null);
    assertEquals(401, r.statusCode());
    assertEquals("bad_credentials", new JsonObject(r.body()).getString("error"));
    assertTrue(r.headers().firstValue("Set-Cookie").isEmpty(), "no session for a wrong password");
    HttpResponse<String> unknown = post("/console/api/sign-in", "{\"username\":\"ghost\",\"password\":\"x\"}", null,
        null);
    assertEquals(401, unknown.statusCode());
    assertEquals(r.body().replace("op", ""), unknown.body().replace("ghost", ""),
        "an unknown username gets the same answer as a wrong password");
    List<AuditEntry> entries = signIns();
    assertEquals(before + 2, entries.size());
    assertEquals("wrong_password", entries.get(before).event().details().get("outcome"));
    assertEquals(false, entries.get(before).event().decision().get("allow"));
    assertEquals("unknown_user", entries.get(before + 1).event().details().get("outcome"));
    // Successful sign-in clears the failure count of op (3 failures would lock it).
    signIn("op", "operator-pass");
  }

  @Test
  void repeatedFailuresLockTheUsernameEvenWithTheRightPasswordUntilTheLockEnds() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(401, post("/console/api/sign-in", "{\"username\":\"lock\",\"password\":\"guess" + i + "\"}",
          null, null).statusCode());
    }
    HttpResponse<String> locked = post("/console/api/sign-in", "{\"username\":\"lock\",\"password\":\"lock-pass\"}",
        null, null);
    assertEquals(429, locked.statusCode(), locked.body());
    assertEquals("locked_out", new JsonObject(locked.body()).getString("error"));
    assertTrue(locked.headers().firstValue("Retry-After").isPresent());
    assertEquals("locked_out", signIns().get(signIns().size() - 1).event().details().get("outcome"));
    clock.advance(Duration.ofSeconds(301));
    signIn("lock", "lock-pass");
  }

  @Test
  void aBurstOfGuessesIsCheckedOneAtATimeAndCannotPassTheLockOut() throws Exception {
    int before = signIns().size();
    int burst = 12;
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < burst; i++) {
      String body = "{\"username\":\"burst\",\"password\":\"guess" + i + "\"}";
      sent.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return post("/console/api/sign-in", body, null, null);
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }));
    }
    List<Integer> statuses = sent.stream().map(f -> f.join().statusCode()).toList();
    assertTrue(statuses.stream().allMatch(st -> st == 401 || st == 429), statuses.toString());
    long hashed = signIns().stream().skip(before)
        .filter(e -> "wrong_password".equals(e.event().details().get("outcome"))).count();
    assertTrue(hashed <= 3, "at most max_failures (3) guesses of one username may be checked before it locks, not "
        + hashed + " of a burst of " + burst + " (" + statuses + ")");
    clock.advance(Duration.ofSeconds(301));
    signIn("burst", "burst-pass");
  }

  @Test
  void anIdleSessionExpiresAndTheConsoleSaysSo() throws Exception {
    String[] s = signIn("op", "operator-pass");
    assertEquals(200, get("/console/api/me", s[0]).statusCode());
    clock.advance(Duration.ofSeconds(599));
    assertEquals(200, get("/console/api/me", s[0]).statusCode(), "a request restarts the idle timer");
    clock.advance(Duration.ofSeconds(601));
    HttpResponse<String> r = get("/console/api/me", s[0]);
    assertEquals(401, r.statusCode());
    assertEquals("session_expired", new JsonObject(r.body()).getString("error"));
    assertEquals("nobody", get("/probe", s[0]).body(), "an expired session carries no subject to gated routes");
  }

  @Test
  void aSessionEndsAtItsMaximumAgeEvenWhenInUse() throws Exception {
    String[] s = signIn("op", "operator-pass");
    for (int i = 0; i < 7; i++) {
      clock.advance(Duration.ofSeconds(500));
      get("/console/api/me", s[0]);
    }
    clock.advance(Duration.ofSeconds(101));
    assertEquals(401, get("/console/api/me", s[0]).statusCode(), "3601 s after sign-in");
  }

  @Test
  void aStateChangingRequestWithTheCookieButAForgedOrMissingCsrfTokenIsRefused() throws Exception {
    String[] s = signIn("op", "operator-pass");
    HttpResponse<String> forged = post("/probe", "{}", s[0], "forged-token-forged-token-forged-token-abc");
    assertEquals(403, forged.statusCode());
    assertTrue(forged.body().contains("X-CSRF-Token"), forged.body());
    assertEquals(403, post("/probe", "{}", s[0], null).statusCode());
    assertEquals(403, post("/console/api/sign-out", "{}", s[0], "forged").statusCode());
    assertEquals(200, get("/console/api/me", s[0]).statusCode(), "the forged sign-out changed nothing");
    assertEquals("agent-042", post("/probe", "{}", s[0], s[1]).body(), "the real token passes");
  }

  @Test
  void signOutEndsTheSessionAndIsLogged() throws Exception {
    String[] s = signIn("op", "operator-pass");
    HttpResponse<String> r = post("/console/api/sign-out", "{}", s[0], s[1]);
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"));
    assertEquals(401, get("/console/api/me", s[0]).statusCode());
    AuditEntry last = signIns().get(signIns().size() - 1);
    assertEquals("sign_out", last.event().action());
  }

  @Test
  void anOversizedBodyIsRefusedBeforeAnyPasswordWork() throws Exception {
    int before = signIns().size();
    String huge = "{\"username\":\"op\",\"password\":\"" + "x".repeat(10_000) + "\"}";
    HttpResponse<String> r = post("/console/api/sign-in", huge, null, null);
    assertEquals(413, r.statusCode(), r.body());
    assertEquals(before, signIns().size(), "nothing was attempted");
  }

  @Test
  void malformedSignInsAreRefusedWithTheExpectedShape() throws Exception {
    assertEquals(400, post("/console/api/sign-in", "[1,2]", null, null).statusCode());
    assertEquals(400, post("/console/api/sign-in", "{\"username\": 5}", null, null).statusCode());
    assertEquals(400, post("/console/api/sign-in", "", null, null).statusCode());
    HttpRequest form = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort()
            + "/console/api/sign-in")).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("username=op&password=operator-pass")).build();
    HttpResponse<String> r = HTTP.send(form, HttpResponse.BodyHandlers.ofString());
    assertEquals(415, r.statusCode(), "a cross-site form post cannot sign anyone in");
    assertFalse(r.headers().firstValue("Set-Cookie").isPresent());
  }

  @Test
  void htmlInAUsernameIsStoredAsTextAndAnsweredAsJson() throws Exception {
    HttpResponse<String> tooLong = post("/console/api/sign-in", new JsonObject().put("username", "<" + "x".repeat(70)
        + ">").put("password", "x").encode(), null, null);
    assertEquals(400, tooLong.statusCode(), "usernames longer than 64 characters are refused by shape");
    HttpResponse<String> r2 = post("/console/api/sign-in", new JsonObject().put("username", "<b>x</b>")
        .put("password", "x").encode(), null, null);
    assertEquals(401, r2.statusCode());
    assertTrue(r2.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    AuditEntry last = signIns().get(signIns().size() - 1);
    assertEquals("<b>x</b>", last.event().details().get("username"), "logged verbatim, as data");
  }

  @Test
  void consolePagesCarryAStrictContentSecurityPolicy() throws Exception {
    HttpResponse<String> r = get("/console/index.html", null);
    assertEquals(200, r.statusCode());
    String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"), csp);
    assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
    assertNotNull(get("/console/i18n.json", null).body());
  }
}
