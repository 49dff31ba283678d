package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.audit.AuditLog;
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

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subject cannot open streams without bound, and no stream outlives the audit log that must record its
 * end: when an append fails, every running stream is cut at once.
 */
class StreamLimitsTest {

  private static final String STREAM = "/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique";

  @Test
  void aSubjectHasAtMostItsStreamsAndAnAuditOutageCutsThemAll() throws Exception {
    try (TestGateway gw = TestGateway.builder().camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville")
        .extra("limits", new JsonObject().put("streams_per_subject", 2)).start()) {
      gw.awaitLive("cam-demo", Duration.ofSeconds(60));
      HttpResponse<InputStream> a = gw.open(STREAM, TestGateway.OPERATOR_KEY);
      HttpResponse<InputStream> b = gw.open(STREAM, TestGateway.OPERATOR_KEY);
      assertEquals(200, a.statusCode());
      assertEquals(200, b.statusCode());
      long before = gw.entries().size();
      HttpResponse<byte[]> third = gw.get(STREAM, TestGateway.OPERATOR_KEY);
      assertEquals(429, third.statusCode(), new String(third.body()));
      AuditEntry refused = gw.awaitEntry("access_ended", before);
      assertTrue(String.valueOf(refused.event().details().get("reason")).contains("streams open"),
          refused.event().details().toString());
      assertEquals(200, gw.get(STREAM.replace("stream.mjpg", "snapshot.jpg"), TestGateway.OPERATOR_KEY).statusCode(),
          "a snapshot is not a stream: the cap does not refuse it");

      // The log's database goes away; the next access cannot be recorded, and the running streams are cut.
      try (Connection c = DriverManager.getConnection(
          AuditLog.jdbcUrl(gw.directory().resolve("audit").resolve("audit")), "", "");
           Statement s = c.createStatement()) {
        s.execute("SHUTDOWN");
      }
      assertEquals(503, gw.get("/cameras", TestGateway.OPERATOR_KEY).statusCode());
      for (HttpResponse<InputStream> stream : List.of(a, b)) {
        CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
          try (InputStream in = stream.body()) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
          } catch (java.io.IOException e) {
            return -1L;  // a reset connection is cut too
          }
        });
        drained.get(10, TimeUnit.SECONDS);  // ends: the stream did not outlive the audit log
      }
      // The store reopens by itself, and the ends of the cut streams, kept meanwhile, are then recorded.
      await("the audit store reopens by itself").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> gw.get("/cameras", TestGateway.OPERATOR_KEY).statusCode() == 200);
      await("both cut streams' ends recorded").atMost(Duration.ofSeconds(30)).until(() -> gw.entries().stream()
          .filter(e -> e.event().type().equals("access_ended"))
          .filter(e -> String.valueOf(e.event().details().get("reason")).contains("audit log unavailable"))
          .count() == 2);
    }
  }
}
