package camgate.gateway;

import static org.awaitility.Awaitility.await;
import camgate.audit.AuditEntry;
import camgate.gateway.tools.ExternalOpa;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy engine or the audit log fails: nothing is served, and a running stream is cut. */
class FailClosedTest {

  private static final String STREAM = "/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique";

  @Test
  void opaStoppedMidRunMeans503AndTheRunningStreamIsCut() throws Exception {
    try (RtspCamera camera = RtspCamera.serve(TestPaths.VTEST);
         ExternalOpa opa = ExternalOpa.start(TestPaths.opa(), TestPaths.root());
         TestGateway gw = TestGateway.builder().camera("cam-demo", camera.url(), "centre-ville")
             .externalOpa(opa.url()).recheck(Duration.ofMillis(500)).start()) {
      gw.awaitLive("cam-demo", Duration.ofSeconds(60));
      HttpResponse<InputStream> running = gw.open(STREAM, TestGateway.OPERATOR_KEY);
      assertEquals(200, running.statusCode());
      MjpegReader reader = new MjpegReader(running.body());
      assertNotNull(reader.next(), "the stream serves frames while the policy engine is up");
      assertEquals(200, gw.get("/health", null).statusCode());

      opa.kill();
      // /health answers from its own probes of the policy engine: down within a few probes.
      await("/health reports the policy engine down").atMost(Duration.ofSeconds(10))
          .until(() -> new JsonObject(new String(gw.get("/health", null).body())).getString("policy").equals("down"));
      assertEquals(503, gw.get("/health", null).statusCode());

      int before = gw.decisions().size();
      HttpResponse<byte[]> refused = gw.get(STREAM, TestGateway.OPERATOR_KEY);
      assertEquals(503, refused.statusCode(), new String(refused.body()));
      assertTrue(new JsonObject(new String(refused.body())).getString("error").contains("fail closed"));
      List<AuditEntry> decisions = gw.decisions();
      assertEquals(before + 1, decisions.size());
      assertEquals("unavailable", decisions.get(decisions.size() - 1).event().decision().get("outcome"));

      // The running stream's next re-check cannot be decided: the gateway ends it.
      CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> {
        int n = 0;
        try {
          while (reader.next() != null) {
            n++;
          }
        } catch (Exception e) {
          // connection closed: also an end
        }
        return n;
      });
      int afterKill = drained.get(20, TimeUnit.SECONDS);
      assertTrue(afterKill < 60, "the stream must end at the first failed re-check, not run on (" + afterKill
          + " frames after OPA died)");
      awaitEnded(gw);
    }
  }

  @Test
  void unwritableAuditLogMeans503AndNothingServed() throws Exception {
    try (TestGateway gw = TestGateway.builder().camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville")
        .start()) {
      gw.awaitLive("cam-demo", Duration.ofSeconds(60));
      HttpResponse<byte[]> ok = gw.get("/cameras/cam-demo/snapshot.jpg?purpose=securite-voie-publique",
          TestGateway.OPERATOR_KEY);
      assertEquals(200, ok.statusCode());

      // Another connection takes the database exclusively, as a stuck or full store would: the log cannot
      // write, and reopens itself only once the store is usable again.
      try (Connection c = DriverManager.getConnection(camgate.audit.AuditLog.jdbcUrl(
          gw.directory().resolve("audit").resolve("audit")), "", "");
           Statement s = c.createStatement()) {
        s.execute("SET EXCLUSIVE 2");
        HttpResponse<byte[]> snapshot = gw.get("/cameras/cam-demo/snapshot.jpg?purpose=securite-voie-publique",
            TestGateway.OPERATOR_KEY);
        assertEquals(503, snapshot.statusCode());
        assertTrue(new String(snapshot.body()).contains("audit log unavailable"));
        HttpResponse<InputStream> stream = gw.open(STREAM, TestGateway.OPERATOR_KEY);
        assertEquals(503, stream.statusCode());
        try (MjpegReader reader = new MjpegReader(stream.body())) {
          assertNull(reader.next(), "no frame may follow a failed audit append");
        }
        HttpResponse<byte[]> health = gw.get("/health", null);
        assertEquals(503, health.statusCode());
        assertEquals("down", new JsonObject(new String(health.body())).getString("audit"));
        s.execute("SET EXCLUSIVE 0");
      }
      // The fault is gone: the log reopens itself, with no restart, and the gateway serves again.
      await("the audit log recovers by itself").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> gw.get("/health", null).statusCode() == 200);
      assertEquals(200, gw.get("/cameras/cam-demo/snapshot.jpg?purpose=securite-voie-publique",
          TestGateway.OPERATOR_KEY).statusCode());
    }
  }

  private static void awaitEnded(TestGateway gw) {
    await("an access_ended entry naming the failed re-check").atMost(Duration.ofSeconds(10))
        .until(() -> gw.entries().stream().anyMatch(e -> e.event().type().equals("access_ended")
            && String.valueOf(e.event().details().get("reason")).contains("re-check")));
  }
}
