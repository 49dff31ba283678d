package camgate.gateway.publish;

import camgate.audit.AuditLog;
import camgate.gateway.Gateway;
import camgate.gateway.GatewayConfig;
import camgate.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publication OPA does not confirm in time is undone: the previous content is published again as a
 * new version, nothing is recorded as published, and the caller gets 504 saying so.
 */
class PolicyPublicationUndoTest {

  @Test
  void aPublicationOpaDoesNotConfirmInTimeIsUndoneAsANewVersion() throws Exception {
    Path dir = Files.createTempDirectory("camgate-undo");
    JsonObject json = TestGateway.builder().extra("api_keys", new JsonArray().add(new JsonObject()
        .put("key_sha256", camgate.gateway.ApiKeys.hash(PolicyWorkflowTest.DPO_KEY))
        .put("subject", new JsonObject().put("id", "dpo-1").put("roles", new JsonArray().add("dpo"))
            .put("org", "ville")))).json(dir);
    // OPA polls every 1-2 s: it can never confirm within 1 ms.
    json.getJsonObject("opa").put("activation_timeout_ms", 1);
    Vertx vertx = Vertx.vertx();
    try {
      Gateway gw = Gateway.start(vertx, GatewayConfig.fromJson(json, dir), Clock.systemDefaultZone())
          .await(90, TimeUnit.SECONDS);
      try {
        PolicyPublisher publisher = gw.policyPublisher().orElseThrow();
        PublishedVersion v1 = publisher.active().await();
        // A new designated agent: a change no Rego test pins, so only OPA's confirmation is missing.
        JsonObject agents = publisher.activeWithContent().await().getJsonObject("data").getJsonObject("agents");
        agents.put("agent-900", agents.getJsonObject("agent-042").copy().put("name", "Agent 900 (demo)")
            .put("designation", "arrêté du maire n° DEMO-2026-900 (L252-2)"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.url()
                + "/admin/policy/publish")).header("Authorization", "Bearer " + PolicyWorkflowTest.DPO_KEY)
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("data", new JsonObject()
                .put("agents", agents)).put("reason", "designate agent 900").encode())).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(504, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertTrue(body.getString("error").contains("OPA did not activate v2-"), body.encode());
        assertEquals(2, body.getJsonObject("refused_version").getInteger("version"));

        List<PublishedVersion> versions = publisher.versions().await();
        assertEquals(3, versions.size(), versions.toString());
        PublishedVersion revert = versions.get(2);
        assertEquals("revert", revert.kind());
        assertEquals(v1.contentHash(), revert.contentHash(), "the previous content, published again");
        assertEquals(1, revert.rolledBackTo().orElseThrow());
        assertEquals(revert, publisher.active().await(), "the revert is what the bundle service serves");
        publisher.awaitActive(revert.revision(), Duration.ofSeconds(20)).await();

        AuditLog log = gw.auditLog();
        assertTrue(log.entries(0, 10_000).stream().noneMatch(e -> e.event().type().equals("policy_published")),
            "an unconfirmed publication is not recorded as published");
      } finally {
        gw.stop().await(30, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
