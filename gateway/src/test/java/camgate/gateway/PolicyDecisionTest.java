package camgate.gateway;

import camgate.gateway.policy.OpaEndpoint;
import camgate.gateway.policy.PolicyDecision;
import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's reading of OPA answers, against an HTTP server that answers like a broken or hostile
 * OPA would: nothing but a well-formed allow is an allow.
 */
class PolicyDecisionTest {

  static Vertx vertx;
  static HttpServer server;
  static PolicyDecisionClient client;
  /** The same OPA answers read with signed bundles, where the gateway published v7-abc only. */
  static PolicyDecisionClient signed;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      if (req.method() == io.vertx.core.http.HttpMethod.GET) {
        req.response().putHeader("Content-Type", "application/json").end("{\"result\": []}");
        return;
      }
      req.body().onSuccess(body -> {
        String scenarioFromInput = new JsonObject(body).getJsonObject("input").getString("scenario");
        switch (scenarioFromInput) {
          case "slow" -> vertx.setTimer(3000, t -> req.response().end("{\"result\":{\"allow\":true}}"));
          case "http500" -> req.response().setStatusCode(500).end("{\"code\":\"internal_error\"}");
          default -> req.response().putHeader("Content-Type", "application/json").end(scenarioFromInput);
        }
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    client = new PolicyDecisionClient(WebClient.create(vertx), () -> OpaEndpoint.unauthenticated(
        URI.create("http://127.0.0.1:" + server.actualPort())), Duration.ofMillis(500), () -> "test-version");
    signed = new PolicyDecisionClient(WebClient.create(vertx), () -> OpaEndpoint.unauthenticated(
        URI.create("http://127.0.0.1:" + server.actualPort())), Duration.ofMillis(500), () -> "test-version",
        java.util.Optional.of(java.util.Set.of("v7-abc")::contains));
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private PolicyDecision decide(String scenario) throws Exception {
    return client.decide(new JsonObject().put("scenario", scenario)).await(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "{}                                              | DENY",
      "{\"result\": null}                              | DENY",
      "{\"result\": []}                                | DENY",
      "{\"result\": {}}                                | DENY",
      "{\"result\": {\"allow\": \"true\"}}             | DENY",
      "{\"result\": {\"allow\": 1}}                    | DENY",
      "{\"result\": {\"allow\": false, \"reasons\": [\"no\"]}} | DENY",
      "slow                                            | UNAVAILABLE",
      "http500                                         | UNAVAILABLE",
      "not json                                        | UNAVAILABLE",
  })
  void anythingButAWellFormedAllowIsRefused(String answer, PolicyDecision.Outcome expected) throws Exception {
    PolicyDecision d = decide(answer.trim());
    assertEquals(expected, d.outcome(), d.reasons().toString());
    assertFalse(d.allowed());
    assertFalse(d.reasons().isEmpty(), "a refusal says why");
  }

  @org.junit.jupiter.api.Test
  void anAllowWithoutRedactionTermsRedactsEverything() throws Exception {
    PolicyDecision d = decide("{\"result\": {\"allow\": true}, \"decision_id\": \"d-1\"}");
    assertTrue(d.allowed());
    assertTrue(d.redactFaces());
    assertTrue(d.redactPlates());
    assertEquals("d-1", d.decisionId());
    assertEquals("test-version", d.policyVersion());
  }

  @org.junit.jupiter.api.Test
  void onlyAnExplicitFalseLiftsRedaction() throws Exception {
    PolicyDecision d = decide("{\"result\": {\"allow\": true, \"redact\": {\"faces\": false, \"plates\": \"no\"},"
        + " \"obligations\": {\"max_duration_s\": 900}}}");
    assertFalse(d.redactFaces());
    assertTrue(d.redactPlates(), "a non-boolean is not a false");
    assertEquals(Duration.ofSeconds(900), d.maxDuration().orElseThrow());
  }

  @org.junit.jupiter.api.Test
  void aBundleRevisionNamesThePolicyVersion() throws Exception {
    PolicyDecision d = decide("{\"result\": {\"allow\": false}, \"provenance\": {\"bundles\": {\"camgate\": "
        + "{\"revision\": \"v7-abc\"}}}}");
    assertEquals("v7-abc", d.policyVersion());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      // OPA just restarted, no bundle active yet: undefined and no revision. Not a deny: unavailable (503).
      "{\"decision_id\": \"d-1\"}                                     | UNAVAILABLE",
      // An impostor on OPA's port answering allow, with no revision or with one never published.
      "{\"result\": {\"allow\": true}}                                | UNAVAILABLE",
      "{\"result\": {\"allow\": true}, \"provenance\": {\"bundles\": {\"camgate\": {\"revision\": \"v9-evil\"}}}} | UNAVAILABLE",
      "{\"result\": {\"allow\": true}, \"provenance\": {\"bundles\": {}}}  | UNAVAILABLE",
      // The published revision: its undefined decision is a deny, its allow an allow.
      "{\"provenance\": {\"bundles\": {\"camgate\": {\"revision\": \"v7-abc\"}}}} | DENY",
      "{\"result\": {\"allow\": true}, \"provenance\": {\"bundles\": {\"camgate\": {\"revision\": \"v7-abc\"}}}} | ALLOW",
  })
  void withSignedBundlesOnlyAPublishedRevisionIsBelieved(String answer, PolicyDecision.Outcome expected)
      throws Exception {
    PolicyDecision d = signed.decide(new JsonObject().put("scenario", answer.trim())).await(10, TimeUnit.SECONDS);
    assertEquals(expected, d.outcome(), d.reasons().toString());
    if (expected == PolicyDecision.Outcome.UNAVAILABLE) {
      assertTrue(d.reasons().get(0).contains("denied (fail closed)"), d.reasons().toString());
    }
  }

  @org.junit.jupiter.api.Test
  void withSignedBundlesPolicyDataWithoutAPublishedRevisionIsRefused() {
    // The privacy masks come from policy data: an impostor's empty masks must not be drawn.
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> signed.data("cameras/cam-017/privacy_masks").await(10, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains("without a signed policy revision"), e.getMessage());
  }
}
