package camgate.gateway.policy;

import camgate.gateway.support.TestPaths;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real OPA in signed-bundle mode that has no bundle active yet, as right after a restart: its
 * undefined decisions are "policy unavailable" (503), not denials recorded as the policy's word.
 */
class OpaWithoutBundleTest {

  @TempDir
  Path dir;

  @Test
  void anUndefinedDecisionBeforeAnyBundleIsUnavailableNotADeny() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // The bundle service has nothing to serve yet.
      HttpServer service = vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(404).end())
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      Path publicKey = dir.resolve("key.pub.pem");
      Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n"
          + Base64.getMimeEncoder().encodeToString(gen.generateKeyPair().getPublic().getEncoded())
          + "\n-----END PUBLIC KEY-----\n");
      try (OpaProcess opa = OpaProcess.withSignedBundles(TestPaths.opa(),
          URI.create("http://127.0.0.1:" + service.actualPort()), "camgate-dpo", publicKey,
          dir.resolve("opa-config.json"), dir.resolve("opa.log"))) {
        opa.start().get(60, TimeUnit.SECONDS);
        PolicyDecisionClient client = new PolicyDecisionClient(WebClient.create(vertx), opa::endpoint,
            Duration.ofSeconds(5), () -> "local", Optional.of(revision -> true));
        JsonObject input = new JsonObject().put("subject", new JsonObject().put("id", "agent-042"))
            .put("action", "view_live").put("resource", new JsonObject().put("camera", "cam-demo"));
        PolicyDecision d = client.decide(input).await(10, TimeUnit.SECONDS);
        assertEquals(PolicyDecision.Outcome.UNAVAILABLE, d.outcome(), d.reasons().toString());
        assertTrue(d.reasons().get(0).contains("no signed bundle active yet"), d.reasons().toString());
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
