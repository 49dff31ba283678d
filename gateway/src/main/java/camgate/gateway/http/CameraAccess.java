package camgate.gateway.http;

import camgate.audit.AuditEvent;
import camgate.gateway.audit.AuditTrail;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.CameraStatus;
import camgate.gateway.camera.FrameHub;
import camgate.gateway.policy.PolicyDecision;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;

/**
 * The access gate for one camera of the path ({@code :id}): decided and logged for the camera, then
 * 404 for an unknown camera and 502 for one that has no frames to give, else the handler runs.
 */
final class CameraAccess {

  interface Handler {
    void handle(CameraFeed feed, Access access);
  }

  private final Map<String, CameraFeed> feeds;
  private final AccessGate gate;
  private final AuditTrail audit;

  CameraAccess(Map<String, CameraFeed> feeds, AccessGate gate, AuditTrail audit) {
    this.feeds = Map.copyOf(feeds);
    this.gate = gate;
    this.audit = audit;
  }

  /** For handlers that serve frames: the camera must be live and its privacy masks loaded. */
  void withFrames(RoutingContext rc, String action, JsonObject extraContext, Handler handler) {
    admit(rc, action, extraContext, true, handler);
  }

  /** For handlers that serve facts about the camera (its status), live or not. */
  void withCamera(RoutingContext rc, String action, JsonObject extraContext, Handler handler) {
    admit(rc, action, extraContext, false, handler);
  }

  private void admit(RoutingContext rc, String action, JsonObject extraContext, boolean needsFrames, Handler handler) {
    String id = rc.pathParam("id");
    CameraFeed feed = feeds.get(id);
    // An unknown camera is still decided and logged (the policy denies it): probing is visible to the auditor.
    JsonObject resource = new JsonObject().put("camera", id).put("zone", feed == null ? null : feed.camera().zone());
    gate.admit(rc, action, resource, extraContext).onSuccess(access -> {
      if (feed == null) {
        rc.response().setStatusCode(404).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("error", "no camera '" + id + "'; GET /cameras lists yours").encode());
        return;
      }
      if (needsFrames && (!feed.status().live() || !feed.masksKnown())) {
        unavailable(rc, feed, access);
        return;
      }
      handler.handle(feed, access);
    });
  }

  /** 502 with the camera's status, and the access's end in the audit log. */
  void unavailable(RoutingContext rc, CameraFeed feed, Access access) {
    CameraStatus status = feed.status();
    String detail = feed.masksKnown() ? status.detail() : "privacy masks not loaded from policy data yet";
    audit.append(new AuditEvent("access_ended", access.subject().toMap(), access.action(),
        AuditTrail.plain(access.resource()), null, access.decision().policyVersion(), access.decision().decisionId(),
        Map.of("decision_seq", access.auditSeq(), "frames", 0, "bytes", 0, "reason", "camera unavailable: " + detail)));
    rc.response().setStatusCode(502).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "camera " + feed.camera().id() + " is not streaming: " + detail)
            .put("status", status.toJson()).encode());
  }

  /** Raw (masks only) only when the decision lifted both face and plate redaction; otherwise fully redacted. */
  static FrameHub hubFor(CameraFeed feed, Access access) {
    PolicyDecision d = access.decision();
    return !d.redactFaces() && !d.redactPlates() ? feed.masksOnlyHub() : feed.redactedHub();
  }
}
