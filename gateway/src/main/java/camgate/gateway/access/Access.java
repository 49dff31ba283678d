package camgate.gateway.access;

import camgate.gateway.Subject;
import camgate.gateway.access.AccessEvents.Delivery;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.CameraPlacement;
import camgate.gateway.camera.FrameHub;
import camgate.gateway.policy.PolicyDecision;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * An access that was decided, recorded and allowed: what may now be served, under which terms, and
 * the rest of its life. A session that serves over time calls {@link #serve} once; from then on the
 * access decides itself again every {@code opa.recheck_ms}, ends itself when its authorised duration
 * runs out, when a re-check no longer allows it or cannot be asked, or when the audit log can no
 * longer record its end, and tells the session to stop. Whatever ends it, its {@code access_ended}
 * entry is written exactly once, with what was delivered.
 *
 * <p>Frame counters are updated from the serving connection's event loop only.
 */
public final class Access {

  private static final Logger LOG = LoggerFactory.getLogger(Access.class);
  /** How long a session told to stop has to end the access itself, with what it delivered. */
  private static final java.time.Duration CUT_GRACE = java.time.Duration.ofSeconds(2);

  private final Subject subject;
  private final String action;
  private final JsonObject resource;
  private final JsonObject context;
  private final PolicyDecision decision;
  private final long auditSeq;
  private final Optional<CameraFeed> camera;
  private final Replies replies;
  private final AccessServices services;
  private final String protocol;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final long startMillis;
  private Consumer<String> cut = reason -> { };
  private String cutReason;
  private PolicyDecision cutDecision;
  private Context servingContext;
  private long frames;
  private long bytes;
  private long dropped;
  private long durationTimer = -1;
  private long recheckTimer = -1;

  Access(Subject subject, String action, JsonObject resource, JsonObject context, PolicyDecision decision,
         long auditSeq, Optional<CameraFeed> camera, String protocol, Replies replies, AccessServices services) {
    this.protocol = protocol;
    this.subject = subject;
    this.action = action;
    this.resource = resource.copy();
    this.context = context.copy();
    this.decision = decision;
    this.auditSeq = auditSeq;
    this.camera = camera;
    this.replies = replies;
    this.services = services;
    this.startMillis = services.clock().millis();
  }

  public Subject subject() {
    return subject;
  }

  public String action() {
    return action;
  }

  /** The resource as the policy saw it (a copy). */
  public JsonObject resource() {
    return resource.copy();
  }

  /** The context as the policy saw it: purpose, requisition, time, client, extras (a copy). */
  public JsonObject context() {
    return context.copy();
  }

  public PolicyDecision decision() {
    return decision;
  }

  /** The sequence number of this access's decision entry in the audit log. */
  public long auditSeq() {
    return auditSeq;
  }

  /**
   * The camera this access is to.
   *
   * @throws IllegalStateException if the access was not to a camera
   */
  public CameraFeed camera() {
    return camera.orElseThrow(() -> new IllegalStateException("access " + auditSeq + " (" + action
        + ") is not to a camera"));
  }

  /**
   * The view this decision allows of its camera: masks only (dwellings still masked) for a raw view whose
   * decision lifted both face and plate redaction, the fully redacted view otherwise, whatever a policy says
   * for any other action (maintenance, for one, is not a judicial requisition).
   */
  public FrameHub view() {
    CameraFeed feed = camera();
    boolean raw = "view_raw".equals(action) && !decision.redactFaces() && !decision.redactPlates();
    return raw ? feed.masksOnlyHub() : feed.redactedHub();
  }

  /** The policy input this access was decided on, at {@code time}: what a re-check asks again. */
  JsonObject policyInput(String time) {
    return new JsonObject().put("subject", subject.toJson()).put("action", action).put("resource", resource.copy())
        .put("context", context.copy().put("time", time));
  }

  /**
   * Starts the access's life over time: the maximum-duration timer and the periodic re-check, on the calling
   * context (the serving connection's event loop). {@code cut} is called once, on that context, with the reason
   * when the access ends by itself; the session then closes its connection (and need not call {@link #end}).
   * When the subject already has as many accesses served as allowed, the access is refused (429, recorded as
   * its end) and this returns false: the session sends nothing.
   *
   * @throws IllegalStateException if called twice
   */
  public boolean serve(Consumer<String> cut) {
    if (servingContext != null) {
      throw new IllegalStateException("access " + auditSeq + " is already being served");
    }
    if (!services.serving().tryAdd(this)) {
      refuse(429, "subject " + subject.id() + " already has " + services.serving().perSubject()
          + " streams open (limits.streams_per_subject): close one first", null);
      return false;
    }
    this.cut = cut;
    this.servingContext = services.vertx().getOrCreateContext();
    decision.maxDuration().ifPresent(max -> durationTimer = services.vertx().setTimer(max.toMillis(),
        id -> endByItself("authorised duration of " + max.toSeconds() + " s reached", null)));
    recheckTimer = services.vertx().setPeriodic(services.recheckInterval().toMillis(), id -> recheck());
    return true;
  }

  /** One frame of {@code size} bytes handed to the connection. */
  public void sent(long size) {
    frames++;
    bytes += size;
  }

  /** Frames and bytes delivered, counted by the protocol adapter in bulk (RTSP counts RTP packets and bytes). */
  public void delivered(long frameCount, long byteCount) {
    frames += frameCount;
    bytes += byteCount;
  }

  /** One frame skipped because the connection was still busy (a slow consumer). */
  public void dropped() {
    dropped++;
  }

  /** Ends the access (idempotent) and records its end with what was delivered; the session closes itself. */
  public Future<Void> end(String reason) {
    return end(reason, null, Delivery.NOTHING);
  }

  /** Ends the access with protocol-specific counts added to its end entry (e.g. RTP packets). */
  public Future<Void> end(String reason, Delivery protocolCounts) {
    return end(reason, null, protocolCounts);
  }

  /**
   * Refuses to serve after all (the camera has no picture, the export could not be made): sends the refusal
   * through the protocol adapter and records the end.
   */
  public void refuse(int status, String error, JsonObject detail) {
    JsonObject body = new JsonObject().put("error", error).put("audit_seq", auditSeq);
    if (detail != null) {
      body.mergeIn(detail);
    }
    replies.refuse(new Refusal(status, body, Map.of()));
    end(error);
  }

  /**
   * Another node of the cluster redacts the camera: 307 to the same path there (an HTTP adapter adds the query),
   * and the access ends here as redirected. Nothing of the camera was served by this node.
   */
  void redirect(CameraPlacement.Where owner, AccessEvents.Origin origin) {
    String why = "camera " + camera().camera().id() + " is redacted by node " + owner.node() + " (lease token "
        + owner.token() + "): follow the redirect";
    String location = ("rtsp".equals(origin.protocol()) ? owner.rtsp() : owner.url()) + origin.path();
    JsonObject body = new JsonObject().put("error", why).put("audit_seq", auditSeq).put("owner", owner.node())
        .put("location", location);
    replies.refuse(new Refusal(307, body, Map.of("Location", location)));
    end("redirected to node " + owner.node() + " (lease token " + owner.token() + ")");
  }

  /** The camera cannot serve now: 502 with its status (no URL, no library message), and the access ends. */
  public void cameraUnavailable() {
    CameraFeed feed = camera();
    String detail = feed.masksKnown() ? feed.status().detail() : "privacy masks not loaded from policy data yet";
    refuse(502, "camera " + feed.camera().id() + " is not streaming: " + detail,
        new JsonObject().put("status", feed.status().toJson()));
  }

  private void recheck() {
    if (!services.trail().writable()) {
      // The end of this access could not be recorded now: stop serving rather than serve unrecorded.
      endByItself("audit log unavailable: the access cannot be recorded, so it is cut", null);
      return;
    }
    // Decided at the time of the re-check: a requisition or maintenance window may have ended since.
    services.policy().decide(policyInput(services.now())).onSuccess(d -> {
      if (!d.allowed()) {
        LOG.info("access {} of {} to {} cut by policy re-check: {}", auditSeq, subject.id(), resource, d.reasons());
        endByItself((d.outcome() == PolicyDecision.Outcome.UNAVAILABLE
            ? "policy re-check could not be made: " : "policy re-check did not allow the access any more: ")
            + String.join("; ", d.reasons()), d);
      }
    });
  }

  /** Ends a served access from outside its session (the audit log went down): the session is told to stop. */
  void cut(String reason) {
    endByItself(reason, null);
  }

  private void endByItself(String reason, PolicyDecision recheck) {
    synchronized (this) {
      if (ended.get() || cutReason != null) {
        return;
      }
      cutReason = reason;
      cutDecision = recheck;
    }
    if (servingContext == null) {
      end(reason, recheck, Delivery.NOTHING);
      return;
    }
    // The session closes and ends the access with what it delivered; if it has not within a grace period, the
    // access ends itself without those counts.
    servingContext.runOnContext(v -> cut.accept(reason));
    services.vertx().setTimer(CUT_GRACE.toMillis(), id -> end(reason, recheck, Delivery.NOTHING));
  }

  private Future<Void> end(String reason, PolicyDecision recheck, Delivery protocolCounts) {
    if (!ended.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    synchronized (this) {
      if (cutReason != null) {
        // Cut by the access itself: its reason and re-check decision are what the record must say.
        reason = cutReason;
        recheck = cutDecision;
      }
    }
    if (durationTimer >= 0) {
      services.vertx().cancelTimer(durationTimer);
    }
    if (recheckTimer >= 0) {
      services.vertx().cancelTimer(recheckTimer);
    }
    services.serving().remove(this);
    Delivery delivery = new Delivery(frames, bytes, dropped, protocolCounts.extra());
    services.metrics().delivered(protocol, bytes);
    long millis = services.clock().millis() - startMillis;
    return services.trail().appendEventually(AccessEvents.ended(this, delivery, millis, reason, recheck)).mapEmpty();
  }

  /** True once the access has ended. */
  public boolean ended() {
    return ended.get();
  }
}
