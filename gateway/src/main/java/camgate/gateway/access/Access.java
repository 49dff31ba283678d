package camgate.gateway.http;

import camgate.gateway.Subject;
import camgate.gateway.policy.PolicyDecision;
import io.vertx.core.json.JsonObject;

/**
 * An access that was decided, logged and allowed: what the handler may now serve, and under which terms.
 *
 * @param auditSeq the sequence number of the decision's entry in the audit log
 */
public record Access(Subject subject, String action, JsonObject resource, JsonObject context,
                     PolicyDecision decision, long auditSeq) {

  /** The policy input this access was decided on, to decide it again (a running stream's re-check). */
  public JsonObject policyInput() {
    return new JsonObject().put("subject", subject.toJson()).put("action", action).put("resource", resource)
        .put("context", context);
  }
}
