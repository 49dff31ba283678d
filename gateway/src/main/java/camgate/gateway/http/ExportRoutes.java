package camgate.gateway.http;

import camgate.gateway.access.Access;
import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.access.HttpCaller;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.export.ClipDelivery;
import camgate.gateway.export.ClipRecorder;
import camgate.gateway.export.ExportRequest;
import camgate.gateway.export.MediaStore;
import camgate.gateway.export.RecordedClip;
import camgate.gateway.export.StoredMedia;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /cameras/{id}/exports}: records a clip of the camera's redacted view, keeps it for its
 * retention, and sends it to the destination the policy allowed.
 *
 * <p>Order, each step only after the previous one succeeded: the access decision (action
 * {@code export_clip}, with destination, retention and purpose in its context) is logged; the clip is
 * recorded and registered; an {@code export_stored} entry (file hash, destination, retention end) is
 * logged; only then does the clip leave, and an {@code export_delivery} entry records the outcome.
 * Answers 201 when delivered, 502 when the destination refused it or could not be reached (the
 * clip stays until its retention ends), 400 for a malformed request (nothing decided, nothing kept).
 */
public final class ExportRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ExportRoutes.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final AccessGate gate;
  private final AuditTrail audit;
  private final MediaStore store;
  private final ClipRecorder recorder;
  private final ClipDelivery delivery;
  private final Clock clock;
  private final int maxSeconds;
  private final int retentionDays;

  /**
   * @param retentionDays how long the gateway keeps its copy at most ({@code retention.exports_days}); a
   *                      request asking for less is kept for less
   */
  public ExportRoutes(Vertx vertx, AccessGate gate, AuditTrail audit, MediaStore store, ClipDelivery delivery,
                      Clock clock, int maxSeconds, int retentionDays) {
    this.vertx = vertx;
    this.gate = gate;
    this.audit = audit;
    this.store = store;
    this.recorder = new ClipRecorder(vertx);
    this.delivery = delivery;
    this.clock = clock;
    this.maxSeconds = maxSeconds;
    this.retentionDays = retentionDays;
  }

  public void mount(Router router) {
    HttpCaller.jsonBody(gate, "export_clip", 64 * 1024).forEach(h -> router.post("/cameras/:id/exports").handler(h));
    router.post("/cameras/:id/exports").handler(this::export);
  }

  private void export(RoutingContext rc) {
    ExportRequest request;
    try {
      request = ExportRequest.parse(rc.body().buffer(), maxSeconds);
    } catch (IllegalArgumentException e) {
      send(rc, 400, new JsonObject().put("error", "malformed export request: " + e.getMessage()));
      return;
    }
    HttpCaller.admit(gate, rc, "export_clip", Target.camera(rc.pathParam("id"), true), request.context())
        .onSuccess(access -> export(rc, request, access));
  }

  private void export(RoutingContext rc, ExportRequest request, Access access) {
    CameraFeed feed = access.camera();
    String id = "exp-" + HexFormat.of().formatHex(randomBytes());
    var file = store.reserve(id, "mjpg");
    recorder.record(access.view(), request.duration(), file)
        .compose(clip -> register(id, clip, feed, access, request))
        .onFailure(e -> {
          store.release(id);
          LOG.warn("export {} of camera {} failed: {}", id, feed.camera().id(), e.getMessage());
          access.refuse(503, "the export was not made: " + e.getMessage() + "; nothing was kept or sent", null);
        })
        .onSuccess(stored -> delivery.deliver(stored.media(), request.destinationUrl())
            .onSuccess(outcome -> audit.append(AccessEvents.exportDelivery(access, id, request.destinationUrl(),
                    outcome.delivered(), outcome.status(), outcome.detail()))
                .onComplete(logged -> {
                  JsonObject body = new JsonObject().put("export", stored.json())
                      .put("delivery", new JsonObject().put("delivered", outcome.delivered())
                          .put("status", outcome.status()).put("detail", outcome.detail())
                          .put("audit_seq", logged.succeeded() ? logged.result().seq() : null))
                      .put("audit_seq", access.auditSeq());
                  if (logged.failed()) {
                    body.put("warning", "the delivery outcome could not be written to the audit log: "
                        + logged.cause().getMessage());
                  }
                  send(rc, outcome.delivered() ? 201 : 502, body);
                })));
  }

  private record Stored(StoredMedia media, JsonObject json) {
  }

  /** Registers the clip, then logs it; when the log refuses, the clip is deleted again and nothing is sent. */
  private Future<Stored> register(String id, RecordedClip clip, CameraFeed feed, Access access, ExportRequest request) {
    int days = Math.min(retentionDays, request.retentionDays().orElse(retentionDays));
    StoredMedia media = new StoredMedia(id, "export_clip", feed.camera().id(), clip.file(), clip.bytes(), clip.sha256(),
        clock.instant(), days, request.legalHold(), access.subject().id(), access.auditSeq(), request.destinationUrl());
    Map<String, Object> details = new LinkedHashMap<>(media.toMap());
    details.put("frames", clip.frames());
    details.put("fail_safe_frames", clip.failSafeFrames());
    details.put("frames_dropped", clip.droppedFrames());
    details.put("seconds", request.duration().toSeconds());
    return vertx.executeBlocking(() -> {
      store.add(media);
      return media;
    }, false).compose(m -> audit.append(AccessEvents.exportStored(access, details))
        .recover(e -> vertx.executeBlocking(() -> {
          store.remove(media);
          return null;
        }, false).transform(ar -> Future.failedFuture("the audit log did not take the export's record ("
            + e.getMessage() + ")")))
        .map(entry -> new Stored(media, new JsonObject(details).put("audit_seq", entry.seq()))));
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  private static void send(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
