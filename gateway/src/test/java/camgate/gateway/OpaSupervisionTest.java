package camgate.gateway;

import static org.awaitility.Awaitility.await;
import camgate.gateway.policy.OpaProcess;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway's own OPA: started, restarted after a crash, stopped with the gateway; the configuration guard runs first. */
class OpaSupervisionTest {

  @Test
  void supervisedOpaIsRestartedAfterACrash() throws Exception {
    Process opa;
    try (TestGateway gw = TestGateway.builder()
        .camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville").start()) {
      OpaProcess supervised = gw.gateway().opaProcess().orElseThrow();
      opa = supervised.process();
      opa.destroyForcibly().waitFor();

      int status = await("decisions work again once OPA is back").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> gw.get("/cameras", TestGateway.OPERATOR_KEY).statusCode(),
              s -> s == 200 && supervised.restarts() == 1);
      assertEquals(200, status, "decisions work again once OPA is back");
      assertEquals(1, supervised.restarts());
      assertTrue(supervised.process().isAlive());
      opa = supervised.process();
    }
    assertTrue(!opa.isAlive(), "OPA stops with the gateway");
  }

  @Test
  void configurationGuardRefusesAFaceRecognitionModule() {
    TestGateway.Builder builder = TestGateway.builder()
        .camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville")
        .extra("modules", new JsonArray().add(new JsonObject().put("name", "faceid")
            .put("capabilities", new JsonArray().add("face_recognition"))));
    Exception e = assertThrows(Exception.class, builder::start);
    assertTrue(e.getMessage().contains("configuration guard"), e.getMessage());
    assertTrue(e.getMessage().contains("faceid"), "the violation names the module: " + e.getMessage());
  }

  @Test
  void missingOpaBinarySaysHowToInstallIt() {
    TestGateway.Builder builder = TestGateway.builder()
        .camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville")
        .extra("opa_binary", "/nonexistent/opa");
    Exception e = assertThrows(Exception.class, builder::start);
    assertTrue(e.getMessage().contains("./camgate setup"), e.getMessage());
  }
}
