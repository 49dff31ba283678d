package camgate.gateway.publish;

import camgate.gateway.access.Access;
import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.access.HttpCaller;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The DPO's policy API under {@code /admin/policy}. Every call first goes through the access gate as
 * action {@code admin_policy} on {@code {"policy": "camgate"}} with {@code context.operation} read,
 * propose, dry_run, publish or rollback: decided by policy and logged before anything happens.
 * Publications and rollbacks also append a {@code policy_published} audit entry.
 *
 * <p>Without a publisher (external OPA: the gateway does not serve that OPA's policy) every call
 * answers 501 after the gate.
 */
public final class PolicyAdminRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyAdminRoutes.class);
  private static final JsonObject RESOURCE = new JsonObject().put("policy", "camgate");
  private static final int DEFAULT_DRY_RUN = 200;

  private final AccessGate gate;
  private final AuditTrail audit;
  private final Optional<PolicyPublisher> publisher;

  public PolicyAdminRoutes(AccessGate gate, AuditTrail audit, Optional<PolicyPublisher> publisher) {
    this.gate = gate;
    this.audit = audit;
    this.publisher = publisher;
  }

  public void mount(Router router) {
    HttpCaller.jsonBody(gate, "admin_policy", 8L * 1024 * 1024).forEach(h -> router.post("/admin/policy/*").handler(h));
    router.get("/admin/policy").handler(rc -> run(rc, "read", (p, access) -> p.activeWithContent()
        .compose(active -> p.bundleStatus().otherwise(e -> new JsonObject().put("message", e.getMessage()))
            .map(status -> active.put("opa", status)))));
    router.get("/admin/policy/versions").handler(rc -> run(rc, "read", (p, access) -> p.versions().compose(list ->
        p.active().map(active -> new JsonObject().put("active", active.number())
            .put("versions", new JsonArray(list.stream().map(PublishedVersion::toJson).toList()))))));
    router.get("/admin/policy/versions/:number").handler(rc -> run(rc, "read", (p, access) ->
        p.versionWithContent(versionNumber(rc.pathParam("number")))));
    router.post("/admin/policy/proposals").handler(rc -> run(rc, "propose", (p, access) ->
        p.propose(proposal(rc, false)).compose(check -> check.valid() ? Future.succeededFuture(check.toJson())
            : Future.failedFuture(new PolicyRejected(422, check.summary(),
                new JsonObject().put("check", check.toJson()))))));
    router.post("/admin/policy/dry-run").handler(rc -> run(rc, "dry_run", (p, access) ->
        p.dryRun(proposal(rc, false), limit(rc), audit.log()).map(DryRun::toJson)));
    router.post("/admin/policy/publish").handler(rc -> run(rc, "publish", (p, access) -> {
      JsonObject body = body(rc);
      String reason = reason(body);
      return p.publish(proposal(rc, true), access.subject().id(), reason, recorder(access))
          .map(PublishedVersion::toJson);
    }));
    router.post("/admin/policy/rollback").handler(rc -> run(rc, "rollback", (p, access) -> {
      JsonObject body = body(rc);
      String reason = reason(body);
      if (!(body.getValue("version") instanceof Integer version)) {
        throw new PolicyRejected(400, "rollback needs {\"version\": <number from GET /admin/policy/versions>, "
            + "\"reason\": \"...\"}, found version " + body.getValue("version"));
      }
      return p.rollback(version, access.subject().id(), reason, recorder(access))
          .map(PublishedVersion::toJson);
    }));
  }

  private interface Operation {
    Future<JsonObject> run(PolicyPublisher publisher, Access access);
  }

  private void run(RoutingContext rc, String operation, Operation op) {
    HttpCaller.admit(gate, rc, "admin_policy", Target.resource(RESOURCE), new JsonObject().put("operation", operation))
        .onSuccess(access -> {
      if (publisher.isEmpty()) {
        send(rc, 501, new JsonObject().put("error", "the policy workflow needs the gateway's own OPA: with opa.url "
            + "(an external OPA) or opa.signed_bundles false the gateway does not serve the policy; publish "
            + "through that OPA's own bundle service instead"));
        return;
      }
      Future<JsonObject> result;
      try {
        result = op.run(publisher.get(), access);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onSuccess(json -> send(rc, 200, json.put("audit_seq", access.auditSeq())))
          .onFailure(e -> fail(rc, e, access));
    });
  }

  private static void fail(RoutingContext rc, Throwable e, Access access) {
    if (e instanceof PolicyRejected r) {
      send(rc, r.status(), r.body().put("audit_seq", access.auditSeq()));
    } else if (e instanceof IOException) {
      // The OPA tool's failures (time limit, cannot start) are written for the DPO to act on.
      LOG.error("policy operation failed: {}", e.toString());
      send(rc, 500, new JsonObject().put("error", e.getMessage()).put("audit_seq", access.auditSeq()));
    } else {
      LOG.error("policy operation failed", e);
      send(rc, 500, new JsonObject().put("error", "internal error; the gateway log has the details")
          .put("audit_seq", access.auditSeq()));
    }
  }

  private static void send(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** Records a publication's intent before OPA is served it, and its activation once OPA has it. */
  private PolicyPublisher.Recorder recorder(Access access) {
    return new PolicyPublisher.Recorder() {
      @Override
      public Future<?> intent(PublishedVersion v) {
        return audit.append(AccessEvents.policyIntent(access, publication(v), v.revision()));
      }

      @Override
      public Future<?> record(PublishedVersion v) {
        return audit.append(AccessEvents.policyPublished(access, publication(v), v.revision()));
      }
    };
  }

  private static Map<String, Object> publication(PublishedVersion v) {
    Map<String, Object> version = new LinkedHashMap<>();
    version.put("version", v.number());
    version.put("revision", v.revision());
    version.put("content_hash", v.contentHash());
    version.put("author", v.author());
    version.put("reason", v.reason());
    version.put("kind", v.kind());
    version.put("time", v.publishedAt().toString());
    v.rolledBackTo().ifPresent(n -> version.put("rolled_back_to", n));
    return version;
  }

  private static JsonObject body(RoutingContext rc) {
    try {
      JsonObject body = rc.body() == null ? null : rc.body().asJsonObject();
      if (body == null) {
        throw new PolicyRejected(400, "the request body must be a JSON object");
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      throw new PolicyRejected(400, "the request body is not a JSON object: " + e.getMessage());
    }
  }

  /** The proposal part of the body: modules and data (a publication's reason is taken out). */
  private static JsonObject proposal(RoutingContext rc, boolean withReason) {
    JsonObject body = body(rc);
    if (withReason) {
      body.remove("reason");
    }
    return body;
  }

  private static String reason(JsonObject body) {
    Object reason = body.getValue("reason");
    if (!(reason instanceof String s) || s.isBlank()) {
      throw new PolicyRejected(400, "a publication needs a \"reason\" (non-empty text: why the policy changes; "
          + "it is recorded in the version and the audit log)");
    }
    return s.strip();
  }

  private static int versionNumber(String raw) {
    try {
      return Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new PolicyRejected(400, "a version is a number from GET /admin/policy/versions, found '" + raw + "'");
    }
  }

  private static int limit(RoutingContext rc) {
    String raw = rc.request().getParam("limit");
    if (raw == null) {
      return DEFAULT_DRY_RUN;
    }
    try {
      return Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new PolicyRejected(400, "limit must be a number of decisions (1.." + PolicyPublisher.MAX_DRY_RUN
          + "), found '" + raw + "'");
    }
  }

}
