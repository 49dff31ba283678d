package camgate.gateway.http;

import camgate.audit.AuditEvent;
import camgate.gateway.audit.AuditTrail;
import camgate.gateway.camera.CameraStatus;
import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.camera.FrameHub;
import camgate.gateway.policy.PolicyDecision;
import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One consumer's MJPEG stream: latest-frame delivery with drop-on-backpressure, ended when the
 * camera goes down, the authorised duration runs out, a re-check of the policy no longer allows it,
 * or the client leaves; its end is appended to the audit log.
 */
final class MjpegSession implements FrameHub.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(MjpegSession.class);

  private final Vertx vertx;
  private final Context context;
  private final HttpServerResponse response;
  private final Access access;
  private final AuditTrail audit;
  private final PolicyDecisionClient policy;
  private final Supplier<String> now;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final long startNanos = System.nanoTime();
  private Runnable unsubscribe = () -> { };
  private long frames;
  private long bytes;
  private long dropped;
  private long durationTimer = -1;
  private long recheckTimer = -1;

  MjpegSession(Vertx vertx, HttpServerResponse response, Access access, AuditTrail audit,
               PolicyDecisionClient policy, Supplier<String> now) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.response = response;
    this.access = access;
    this.audit = audit;
    this.policy = policy;
    this.now = now;
  }

  void start(FrameHub hub, Duration recheckInterval) {
    response.setChunked(true)
        .putHeader("Content-Type", "multipart/x-mixed-replace; boundary=" + EncodedFrame.BOUNDARY)
        .putHeader("Cache-Control", "no-store, no-cache, must-revalidate")
        .putHeader("Pragma", "no-cache")
        .putHeader("X-Camgate-Audit-Seq", Long.toString(access.auditSeq()))
        .putHeader("X-Camgate-Policy-Version", access.decision().policyVersion());
    response.closeHandler(v -> end("client closed the connection"));
    response.exceptionHandler(e -> end("connection error: " + e.getMessage()));
    access.decision().maxDuration().ifPresent(max ->
        durationTimer = vertx.setTimer(max.toMillis(), id -> end("authorised duration of " + max.toSeconds()
            + " s reached")));
    recheckTimer = vertx.setPeriodic(recheckInterval.toMillis(), id -> recheck());
    unsubscribe = hub.subscribe(this);
    hub.latest().ifPresent(this::onFrame);
  }

  @Override
  public void onFrame(EncodedFrame frame) {
    // Called on the ingest thread: hand the frame to this connection's event loop.
    context.runOnContext(v -> write(frame));
  }

  @Override
  public void onStatus(CameraStatus status) {
    if (!status.live()) {
      context.runOnContext(v -> end("camera " + status.state().name().toLowerCase() + ": " + status.detail()));
    }
  }

  private void write(EncodedFrame frame) {
    if (ended.get()) {
      return;
    }
    if (response.writeQueueFull()) {
      dropped++;  // slow consumer: skip this frame rather than queue it
      return;
    }
    byte[] part = frame.mjpegPart();
    response.write(Buffer.buffer(part));
    frames++;
    bytes += part.length;
  }

  private void recheck() {
    // Decided at the time of the re-check: a requisition or maintenance window may have ended since.
    JsonObject input = access.policyInput();
    input.put("context", input.getJsonObject("context").copy().put("time", now.get()));
    policy.decide(input).onSuccess(decision -> {
      if (!decision.allowed()) {
        LOG.info("stream of {} on {} stopped by policy re-check: {}", access.subject().id(),
            access.resource().getString("camera"), decision.reasons());
        end("policy re-check did not allow the access any more: " + String.join("; ", decision.reasons()),
            decision);
      }
    });
  }

  void end(String reason) {
    end(reason, null);
  }

  private void end(String reason, PolicyDecision recheck) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    unsubscribe.run();
    if (durationTimer >= 0) {
      vertx.cancelTimer(durationTimer);
    }
    if (recheckTimer >= 0) {
      vertx.cancelTimer(recheckTimer);
    }
    if (!response.closed() && !response.ended()) {
      response.end();
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("decision_seq", access.auditSeq());
    details.put("frames", frames);
    details.put("bytes", bytes);
    details.put("frames_dropped", dropped);
    long millis = (System.nanoTime() - startNanos) / 1_000_000;
    details.put("duration_ms", millis);
    details.put("duration_s", millis / 1000.0);
    details.put("purpose", access.context().getString("purpose"));
    details.put("requisition", access.context().getString("requisition"));
    details.put("reason", reason);
    Map<String, Object> decision = recheck == null ? null : recheck.toAuditMap();
    audit.append(new AuditEvent("access_ended", access.subject().toMap(), access.action(),
            AuditTrail.plain(access.resource()), decision, access.decision().policyVersion(), access.decision().decisionId(),
            details))
        .onFailure(e -> LOG.error("could not record the end of stream {}: {}", access.auditSeq(), e.toString()));
  }
}
