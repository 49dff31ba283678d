package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.policy.OpaProcess;
import camgate.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With OPA on a loopback port ({@code opa.listen: "tcp"}, the fallback), a local process that takes OPA's port
 * while OPA is down and answers "allow" to everything is not believed: with signed bundles a decision must name a
 * revision the gateway published. (On its Unix socket, the default, no other user can reach OPA or take its place:
 * {@code OpaSocketTest}.)
 */
class OpaImpostorTest {

  @Test
  void anImpostorAnsweringAllowOnOpasPortIsNotBelieved() throws Exception {
    Vertx impostorVertx = Vertx.vertx();
    try (TestGateway gw = TestGateway.builder().opaOverTcp().start()) {
      assertEquals(200, gw.get("/cameras", TestGateway.OPERATOR_KEY).statusCode(), "the real OPA decides");
      OpaProcess opa = gw.gateway().opaProcess().orElseThrow();
      int port = opa.url().getPort();
      opa.close();
      String allow = new JsonObject().put("decision_id", "impostor-1").put("result", new JsonObject()
          .put("allow", true).put("redact", new JsonObject().put("faces", false).put("plates", false))
          .put("reasons", List.of("impostor says yes"))).encode();
      HttpServer impostor = impostorVertx.createHttpServer()
          .requestHandler(r -> r.response().putHeader("Content-Type", "application/json").end(allow))
          .listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
      assertEquals(port, impostor.actualPort());

      HttpResponse<byte[]> r = gw.get("/cameras", TestGateway.OPERATOR_KEY);
      assertEquals(503, r.statusCode(), new String(r.body()));
      List<AuditEntry> decisions = gw.decisions();
      AuditEntry last = decisions.get(decisions.size() - 1);
      assertEquals("unavailable", last.event().decision().get("outcome"));
      assertTrue(last.event().decision().get("reasons").toString().contains("without a signed policy revision"),
          last.event().decision().toString());
    } finally {
      impostorVertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
