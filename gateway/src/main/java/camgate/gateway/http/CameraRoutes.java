package camgate.gateway.http;

import camgate.audit.AuditEvent;
import camgate.gateway.Subject;
import camgate.gateway.audit.AuditTrail;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.FrameHub;
import camgate.gateway.policy.PolicyDecision;
import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The consumer side: the camera list, live MJPEG streams and snapshots, each behind the access gate. */
public final class CameraRoutes {

  private final Vertx vertx;
  private final Map<String, CameraFeed> feeds;
  private final AccessGate gate;
  private final CameraAccess cameraGate;
  private final PolicyDecisionClient policy;
  private final AuditTrail audit;
  private final Duration recheckInterval;
  private final Supplier<String> policyVersion;
  private final int snapshotRetentionDays;

  public CameraRoutes(Vertx vertx, Map<String, CameraFeed> feeds, AccessGate gate, PolicyDecisionClient policy,
                      AuditTrail audit, Duration recheckInterval, Supplier<String> policyVersion,
                      int snapshotRetentionDays) {
    this.vertx = vertx;
    this.feeds = Map.copyOf(feeds);
    this.gate = gate;
    this.cameraGate = new CameraAccess(feeds, gate, audit);
    this.policy = policy;
    this.audit = audit;
    this.recheckInterval = recheckInterval;
    this.policyVersion = policyVersion;
    this.snapshotRetentionDays = snapshotRetentionDays;
  }

  public void mount(Router router) {
    router.get("/cameras").handler(this::list);
    router.get("/cameras/:id/stream.mjpg").handler(this::stream);
    router.get("/cameras/:id/snapshot.jpg").handler(this::snapshot);
    router.get("/admin/policy/cameras/:id/snapshot.jpg").handler(this::maskSnapshot);
  }

  /** GET /cameras: the cameras this subject may see, with their status. */
  private void list(RoutingContext rc) {
    Optional<Subject> subject = gate.authenticate(rc);
    if (subject.isEmpty()) {
      // Same gate as every access: refused, logged, 401.
      gate.admit(rc, "list_cameras", new JsonObject(), new JsonObject());
      return;
    }
    JsonObject context = gate.context(rc, new JsonObject());
    policy.visibleCameras(subject.get().toJson(), context)
        .map(ids -> ids.stream().filter(feeds::containsKey).toList())
        .onComplete(ar -> {
          boolean ok = ar.succeeded();
          List<String> ids = ok ? ar.result() : List.of();
          PolicyDecision decision = ok
              ? new PolicyDecision(PolicyDecision.Outcome.ALLOW, true, true,
                  List.of("camera list filtered by policy camgate.visibility"), List.of("camgate.visibility.cameras"),
                  Optional.empty(), "", policyVersion.get())
              : PolicyDecision.unavailable("policy engine unavailable: " + ar.cause().getMessage(), policyVersion.get());
          Map<String, Object> details = new LinkedHashMap<>();
          details.put("context", AuditTrail.plain(context));
          details.put("cameras", ids);
          audit.append(new AuditEvent("access_decision", subject.get().toMap(), "list_cameras", Map.of(),
                  decision.toAuditMap(), decision.policyVersion(), "", details))
              .onFailure(e -> rc.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                  .end(new JsonObject().put("error", "audit log unavailable: nothing is served").encode()))
              .onSuccess(entry -> {
                if (!ok) {
                  rc.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                      .end(decision.toJson().put("error", "policy decision unavailable: denied (fail closed)").encode());
                  return;
                }
                JsonArray cameras = new JsonArray();
                for (String id : ids) {
                  CameraFeed feed = feeds.get(id);
                  cameras.add(new JsonObject().put("id", id).put("zone", feed.camera().zone())
                      .put("status", feed.status().toJson())
                      .put("stream", "/cameras/" + id + "/stream.mjpg")
                      .put("snapshot", "/cameras/" + id + "/snapshot.jpg"));
                }
                rc.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("cameras", cameras).put("audit_seq", entry.seq()).encode());
              });
        });
  }

  /** GET /cameras/{id}/stream.mjpg[?purpose=…][&raw=1&requisition=…] */
  private void stream(RoutingContext rc) {
    boolean raw = "1".equals(rc.request().getParam("raw")) || "true".equals(rc.request().getParam("raw"));
    String action = raw ? "view_raw" : "view_live";
    cameraGate.withFrames(rc, action, new JsonObject(), (feed, access) -> {
      FrameHub hub = CameraAccess.hubFor(feed, access);
      new MjpegSession(vertx, rc.response(), access, audit, policy, gate::now).start(hub, recheckInterval);
    });
  }

  /** GET /cameras/{id}/snapshot.jpg: the latest redacted frame. */
  private void snapshot(RoutingContext rc) {
    cameraGate.withFrames(rc, "snapshot", retentionContext(), (feed, access) -> {
      Optional<Buffer> jpeg = CameraAccess.hubFor(feed, access).latest().map(f -> Buffer.buffer(f.jpeg()));
      if (jpeg.isEmpty()) {
        cameraGate.unavailable(rc, feed, access);
        return;
      }
      sendJpeg(rc, jpeg.get(), access);
    });
  }

  /**
   * GET /admin/policy/cameras/{id}/snapshot.jpg: the redacted picture the DPO draws dwelling masks on,
   * decided as {@code admin_policy} operation {@code mask_snapshot} (the DPO has no viewing purpose, and
   * an auditor who may read the policy does not get video). Existing masks are already painted in it.
   */
  private void maskSnapshot(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject resource = new JsonObject().put("policy", "camgate").put("camera", id);
    gate.admit(rc, "admin_policy", resource, new JsonObject().put("operation", "mask_snapshot")).onSuccess(access -> {
      CameraFeed feed = feeds.get(id);
      Optional<Buffer> jpeg = feed == null ? Optional.empty()
          : feed.redactedHub().latest().map(f -> Buffer.buffer(f.jpeg()));
      if (jpeg.isEmpty()) {
        rc.response().setStatusCode(feed == null ? 404 : 502).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("error", feed == null ? "no camera '" + id + "'"
                : "camera " + id + " has no picture now: " + feed.status().detail()).encode());
        return;
      }
      sendJpeg(rc, jpeg.get(), access);
    });
  }

  /** One redacted JPEG, never cached, naming the audit entry of the decision that let it out. */
  private static void sendJpeg(RoutingContext rc, Buffer jpeg, Access access) {
    rc.response().putHeader("Content-Type", "image/jpeg").putHeader("Cache-Control", "no-store")
        .putHeader("X-Camgate-Audit-Seq", Long.toString(access.auditSeq())).end(jpeg);
  }

  /**
   * A snapshot leaves the gateway as a file its recipient may keep: the policy checks how long
   * (CSI L252-5: one month at most unless a legal hold applies).
   */
  private JsonObject retentionContext() {
    return new JsonObject().put("retention_days", snapshotRetentionDays);
  }
}
