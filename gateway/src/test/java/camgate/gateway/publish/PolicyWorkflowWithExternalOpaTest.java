package camgate.gateway.publish;

import camgate.audit.AuditEntry;
import camgate.gateway.ApiKeys;
import camgate.gateway.tools.ExternalOpa;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With an external OPA the gateway does not serve the policy: the workflow answers 501, still decided and logged. */
class PolicyWorkflowWithExternalOpaTest {

  @Test
  void theWorkflowIsUnavailableButStillDecidedAndAudited() throws Exception {
    JsonArray keys = new JsonArray().add(new JsonObject().put("key_sha256", ApiKeys.hash(PolicyWorkflowTest.DPO_KEY))
        .put("subject", new JsonObject().put("id", "dpo-1").put("roles", new JsonArray().add("dpo")).put("org", "ville")));
    try (ExternalOpa opa = ExternalOpa.start(TestPaths.opa(), TestPaths.root());
         TestGateway gw = TestGateway.builder().externalOpa(opa.url()).extra("api_keys", keys).start()) {
      assertTrue(gw.gateway().policyPublisher().isEmpty());
      HttpResponse<byte[]> r = gw.get("/admin/policy", PolicyWorkflowTest.DPO_KEY);
      assertEquals(501, r.statusCode());
      assertTrue(new String(r.body()).contains("external OPA"), new String(r.body()));
      List<AuditEntry> decisions = gw.decisions();
      AuditEntry last = decisions.get(decisions.size() - 1);
      assertEquals("admin_policy", last.event().action());
      assertEquals(Boolean.TRUE, last.event().decision().get("allow"), "decided by the external OPA's policy");
    }
  }
}
