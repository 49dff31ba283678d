package camgate.gateway.http;

import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.HttpCaller;
import camgate.gateway.camera.CameraFeed;
import camgate.redaction.RedactionStats;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;

/**
 * The vendor's maintenance access (action {@code maintenance}), allowed by policy only inside a
 * maintenance window the city approved, for the cameras in its scope, and only for as long as the
 * window lasts:
 * <ul>
 *   <li>{@code GET /maintenance/cameras/{id}}: the camera's diagnostics (ingest state, frame rate,
 *       redaction counters), no image;</li>
 *   <li>{@code GET /maintenance/cameras/{id}/stream.mjpg}: the fully redacted view, whatever the
 *       decision says, to check the camera's picture after an intervention.</li>
 * </ul>
 */
public final class MaintenanceRoutes {

  private final Vertx vertx;
  private final AccessGate gate;

  public MaintenanceRoutes(Vertx vertx, AccessGate gate) {
    this.vertx = vertx;
    this.gate = gate;
  }

  public void mount(Router router) {
    router.get("/maintenance/cameras/:id").handler(this::diagnostics);
    router.get("/maintenance/cameras/:id/stream.mjpg").handler(this::stream);
  }

  private void diagnostics(RoutingContext rc) {
    HttpCaller.admit(gate, rc, "maintenance", Target.camera(rc.pathParam("id"), false), new JsonObject())
        .onSuccess(access -> {
          CameraFeed feed = access.camera();
          RedactionStats stats = feed.redactionStats();
          JsonObject body = new JsonObject().put("camera", feed.camera().id()).put("zone", feed.camera().zone())
              .put("status", feed.status().toJson())
              .put("privacy_masks_loaded", feed.masksKnown())
              .put("redaction", new JsonObject().put("frames", stats.frames())
                  .put("fail_safe_frames", stats.failSafeFrames()).put("detector_errors", stats.detectorErrors())
                  .put("late_frames", stats.lateFrames()).put("masked_share", feed.maskedShare().masked())
                  .put("motion_guard_share", feed.maskedShare().motionGuard()))
              .put("consumers", feed.redactedHub().consumers() + feed.masksOnlyHub().consumers())
              .put("access_ends_in_s", access.decision().maxDuration().map(Duration::toSeconds).orElse(0L))
              .put("audit_seq", access.auditSeq());
          rc.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
              .end(body.encode());
        });
  }

  private void stream(RoutingContext rc) {
    // The fully redacted view: Access.view() never gives maintenance the masks-only one.
    HttpCaller.admit(gate, rc, "maintenance", Target.camera(rc.pathParam("id"), true), new JsonObject())
        .onSuccess(access -> MjpegSession.start(vertx, rc.response(), access));
  }
}
