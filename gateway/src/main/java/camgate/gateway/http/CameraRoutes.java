package camgate.gateway.http;

import camgate.gateway.access.Access;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.HttpCaller;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.CameraPlacement;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.Optional;

/** The consumer side over HTTP: the camera list, live MJPEG streams and snapshots, each through the access gate. */
public final class CameraRoutes {

  private final Vertx vertx;
  private final Map<String, CameraFeed> feeds;
  private final AccessGate gate;
  private final int snapshotRetentionDays;

  public CameraRoutes(Vertx vertx, Map<String, CameraFeed> feeds, AccessGate gate, int snapshotRetentionDays) {
    this.vertx = vertx;
    this.feeds = Map.copyOf(feeds);
    this.gate = gate;
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
    HttpCaller.admit(gate, rc, "list_cameras", Target.listing(), new JsonObject()).onSuccess(access -> {
      JsonArray cameras = new JsonArray();
      for (CameraFeed feed : gate.listed(access)) {
        String id = feed.camera().id();
        cameras.add(new JsonObject().put("id", id).put("zone", feed.camera().zone())
            .put("status", feed.status().toJson())
            .put("owner", owner(gate.placement(id)))
            .put("masked_share", feed.maskedShare().masked())
            .put("motion_guard_share", feed.maskedShare().motionGuard())
            .put("stream", "/cameras/" + id + "/stream.mjpg")
            .put("snapshot", "/cameras/" + id + "/snapshot.jpg"));
      }
      rc.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("cameras", cameras).put("audit_seq", access.auditSeq()).encode());
    });
  }

  /** GET /cameras/{id}/stream.mjpg[?purpose=…][&raw=1&requisition=…] */
  private void stream(RoutingContext rc) {
    boolean raw = "1".equals(rc.request().getParam("raw")) || "true".equals(rc.request().getParam("raw"));
    HttpCaller.admit(gate, rc, raw ? "view_raw" : "view_live", Target.camera(rc.pathParam("id"), true),
        new JsonObject()).onSuccess(access -> MjpegSession.start(vertx, rc.response(), access));
  }

  /**
   * GET /cameras/{id}/snapshot.jpg: the latest frame of the view the decision allows. A snapshot leaves the
   * gateway as a file its recipient may keep: the policy checks how long (CSI L252-5: one month at most
   * unless a legal hold applies).
   */
  private void snapshot(RoutingContext rc) {
    JsonObject retention = new JsonObject().put("retention_days", snapshotRetentionDays);
    HttpCaller.admit(gate, rc, "snapshot", Target.camera(rc.pathParam("id"), true), retention).onSuccess(access ->
        access.view().latest().ifPresentOrElse(frame -> sendJpeg(rc, frame.jpegBuffer(), access),
            access::cameraUnavailable));
  }

  /**
   * GET /admin/policy/cameras/{id}/snapshot.jpg: the redacted picture the DPO draws dwelling masks on,
   * decided as {@code admin_policy} operation {@code mask_snapshot} (the DPO has no viewing purpose, and
   * an auditor who may read the policy does not get video). Existing masks are already painted in it.
   */
  private void maskSnapshot(RoutingContext rc) {
    String id = rc.pathParam("id");
    JsonObject resource = new JsonObject().put("policy", "camgate").put("camera", id);
    HttpCaller.admit(gate, rc, "admin_policy", Target.resource(resource),
        new JsonObject().put("operation", "mask_snapshot")).onSuccess(access -> {
          CameraFeed feed = feeds.get(id);
          Optional<Buffer> jpeg = feed == null ? Optional.empty()
              : feed.redactedHub().latest().map(f -> f.jpegBuffer());
          if (jpeg.isEmpty()) {
            access.refuse(feed == null ? 404 : 502, feed == null ? "no camera '" + id + "'"
                : "camera " + id + " has no picture now: " + feed.status().detail(), null);
            return;
          }
          sendJpeg(rc, jpeg.get(), access);
        });
  }

  /** Which node redacts the camera (a cluster's lease holder and token), or why none does. */
  private static JsonObject owner(CameraPlacement.Where where) {
    JsonObject owner = new JsonObject().put("placement", where.kind().name().toLowerCase());
    if (where.kind() != CameraPlacement.Where.Kind.UNOWNED) {
      owner.put("node", where.node()).put("lease_token", where.token());
    } else {
      owner.put("why", where.why());
    }
    return owner;
  }

  /** One redacted JPEG, never cached, naming the audit entry of the decision that let it out. */
  private static void sendJpeg(RoutingContext rc, Buffer jpeg, Access access) {
    rc.response().putHeader("Content-Type", "image/jpeg").putHeader("Cache-Control", "no-store")
        .putHeader("X-Camgate-Audit-Seq", Long.toString(access.auditSeq())).end(jpeg);
  }
}
