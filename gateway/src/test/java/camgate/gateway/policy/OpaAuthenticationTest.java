package camgate.gateway.policy;

import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway's OPA answers the gateway only: a local process without its token is refused every API. */
class OpaAuthenticationTest {

  private static final String DECISION = "/v1/data/camgate/decision";

  @TempDir
  Path dir;

  /** What OPA answers, over its Unix socket or its port alike. */
  static int status(URI opa, String method, String path, String authorization) throws Exception {
    return OpaExchange.status(opa, method, path, authorization, method.equals("POST") ? "{\"input\":{}}" : "",
        Duration.ofSeconds(5));
  }

  @Test
  void onlyTheGatewaysTokenOpensOpa() throws Exception {
    try (OpaProcess opa = new OpaProcess(TestPaths.opa(), List.of(TestPaths.root().resolve("policies/camgate"),
        TestPaths.root().resolve("policies/data")), dir.resolve("opa.log"))) {
      URI url = opa.start().get(60, TimeUnit.SECONDS);
      for (String[] call : new String[][]{{"POST", DECISION}, {"GET", "/v1/data/agents"}, {"GET", "/health"},
          {"GET", "/v1/policies"}, {"PUT", "/v1/data/agents"}}) {
        assertEquals(401, status(url, call[0], call[1], ""), "no token: " + call[0] + " " + call[1]);
        assertEquals(401, status(url, call[0], call[1], "Bearer not-the-token"), "wrong token: " + call[1]);
      }
      assertEquals(200, status(url, "POST", DECISION, opa.endpoint().authorization()));
      assertEquals(200, status(url, "GET", "/health", opa.endpoint().authorization()));

      String token = opa.endpoint().token();
      assertTrue(token.length() >= 40, "a long random token");
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          assertFalse(Files.readString(f).contains(token), "the token is written nowhere: " + f);
        }
      }
      assertFalse(opa.endpoint().toString().contains(token), "nor logged");
    }
  }

  @Test
  void theTokenGuardSurvivesTheSignedBundle() throws Exception {
    try (TestGateway gw = TestGateway.builder().start()) {
      URI opa = gw.gateway().opaUrl();
      // The bundle is active (start-up waited for it) and its roots leave system.authz in place.
      assertEquals(200, gw.get("/cameras", TestGateway.OPERATOR_KEY).statusCode(), "the gateway still decides");
      assertEquals(401, status(opa, "POST", DECISION, ""));
      assertEquals(401, status(opa, "GET", "/v1/data/requisitions", ""));
      assertEquals(401, status(opa, "GET", "/v1/status", ""));
    }
  }
}
