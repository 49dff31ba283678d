package camgate.gateway.console;

import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.gateway.GatewayConfig;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AuditTrail;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No audit entry, no session: when the log cannot record a sign-in, the right password still opens nothing. */
class ConsoleFailClosedTest {

  @Test
  void aSignInThatCannotBeLoggedIsRefused() throws Exception {
    Path dir = Files.createTempDirectory("camgate-console-failclosed");
    Vertx vertx = Vertx.vertx();
    Path db = dir.resolve("audit");
    try (AuditLog log = AuditLog.open(new AuditLogOptions(db, dir.resolve("key.pem"), "camgate.test/console",
        Duration.ofSeconds(2), Clock.systemUTC()))) {
      AuditTrail audit = new AuditTrail(vertx, log);
      JsonObject json = new JsonObject().put("people", new JsonArray().add(ConsoleSessionTest.person("op",
          "operator-pass", "agent-042", "operator")));
      GatewayConfig config = GatewayConfig.fromJson(json, dir);
      Router router = Router.router(vertx);
      new ConsoleRoutes(vertx, config, new AccessGate(vertx, config.apiKeys(), Map.of(), null, audit, Clock.systemUTC(),
          Duration.ofSeconds(30), () -> "t"), audit, Clock.systemUTC()).mount(router);
      HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .await(10, TimeUnit.SECONDS);
      HttpRequest signIn = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort()
              + "/console/api/sign-in")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"op\",\"password\":\"operator-pass\"}")).build();
      HttpClient http = HttpClient.newHttpClient();
      assertEquals(200, http.send(signIn, HttpResponse.BodyHandlers.ofString()).statusCode(), "works while logged");

      // The database goes away, as a crashed or full disk would make it.
      try (Connection c = DriverManager.getConnection(AuditLog.jdbcUrl(db), "", "");
           Statement s = c.createStatement()) {
        s.execute("SHUTDOWN");
      }
      HttpResponse<String> r = http.send(signIn, HttpResponse.BodyHandlers.ofString());
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("Set-Cookie").isEmpty(), "no session without its audit entry");
      assertTrue(r.body().contains("audit log unavailable"), r.body());
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
