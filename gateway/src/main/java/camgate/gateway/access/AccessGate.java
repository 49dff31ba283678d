package camgate.gateway.access;

import camgate.audit.AuditEvent;
import camgate.gateway.ApiKeys;
import camgate.gateway.Subject;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.CameraPlacement;
import camgate.gateway.metrics.GatewayMetrics;
import camgate.gateway.policy.PolicyDecision;
import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decide, record, then serve: the one way in for every access, whatever protocol carried it.
 * {@link #admit} authenticates the request's credential, asks the policy, appends the decision to the
 * audit log, resolves the camera, and only then hands back an {@link Access}; every refusal on the way
 * is recorded and sent through the adapter's {@link Replies}.
 *
 * <p>Statuses: 401 no valid credential, 403 denied by policy (reasons in the body), 404 unknown camera,
 * 502 camera not streaming, 503 policy engine or audit log unavailable. Every request that reaches the
 * gate leaves exactly one {@code access_decision} entry, refusals included; if that entry cannot be
 * written, nothing is served. An allowed access that then cannot be served (404, 502) also leaves its
 * {@code access_ended}.
 */
public final class AccessGate {

  private static final Logger LOG = LoggerFactory.getLogger(AccessGate.class);
  /** Anonymous refusals from one source are summarised over this window after the first. */
  private static final Duration ANONYMOUS_WINDOW = Duration.ofMinutes(1);
  private static final int MAX_ANONYMOUS_SOURCES = 10_000;
  /** Streams one subject may have open at once, unless configured otherwise. */
  public static final int DEFAULT_STREAMS_PER_SUBJECT = 8;

  private final ApiKeys keys;
  private final Map<String, CameraFeed> cameras;
  private final AccessServices services;
  private final Supplier<String> policyVersion;
  private final AnonymousRefusals anonymous;
  private final long summaryTimer;
  private final CameraPlacement placement;

  /**
   * @param cameras       the cameras this gateway serves, by id
   * @param policyVersion the version to record for decisions the gateway makes itself (no credential)
   */
  public AccessGate(Vertx vertx, ApiKeys keys, Map<String, CameraFeed> cameras, PolicyDecisionClient policy,
                    AuditTrail trail, Clock clock, Duration recheckInterval, Supplier<String> policyVersion) {
    this(vertx, keys, cameras, policy, trail, clock, recheckInterval, policyVersion, DEFAULT_STREAMS_PER_SUBJECT,
        new GatewayMetrics());
  }

  /**
   * @param streamsPerSubject how many accesses one subject may have served at once ({@code limits.streams_per_subject})
   * @param metrics           where decisions and delivered bytes are counted
   */
  public AccessGate(Vertx vertx, ApiKeys keys, Map<String, CameraFeed> cameras, PolicyDecisionClient policy,
                    AuditTrail trail, Clock clock, Duration recheckInterval, Supplier<String> policyVersion,
                    int streamsPerSubject, GatewayMetrics metrics) {
    this(vertx, keys, cameras, policy, trail, clock, recheckInterval, policyVersion, streamsPerSubject, metrics,
        CameraPlacement.local());
  }

  /**
   * @param placement where each camera is redacted: an access to a camera another node of the cluster redacts is
   *                  decided and recorded here, then redirected there (307); one no node holds is refused (503)
   */
  public AccessGate(Vertx vertx, ApiKeys keys, Map<String, CameraFeed> cameras, PolicyDecisionClient policy,
                    AuditTrail trail, Clock clock, Duration recheckInterval, Supplier<String> policyVersion,
                    int streamsPerSubject, GatewayMetrics metrics, CameraPlacement placement) {
    this.placement = placement;
    this.keys = keys;
    this.cameras = Map.copyOf(cameras);
    this.services = new AccessServices(vertx, policy, trail, clock, recheckInterval,
        new AccessServices.Serving(streamsPerSubject), metrics);
    // An access whose end cannot be recorded is not served on: cut them all when the log fails.
    trail.onAppendFailure(e -> services.serving().all()
        .forEach(a -> a.cut("audit log unavailable (" + e.getMessage() + "): the access cannot be recorded, so it is cut")));
    this.policyVersion = policyVersion;
    this.anonymous = new AnonymousRefusals(trail, clock, ANONYMOUS_WINDOW, MAX_ANONYMOUS_SOURCES);
    this.summaryTimer = vertx.setPeriodic(10_000, id -> anonymous.flushExpired());
  }

  /** Stops the gate's timer and writes the pending summaries of anonymous refusals (at shutdown). */
  public Future<Void> close() {
    services.vertx().cancelTimer(summaryTimer);
    return anonymous.flushAll().timeout(5, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
  }

  /** Where the gateway's operational metrics are counted. */
  public GatewayMetrics metrics() {
    return services.metrics();
  }

  /** The gateway's clock as RFC 3339 with seconds, the form policies read. */
  public String now() {
    return services.now();
  }

  /** The subject a credential stands for, if it is valid. */
  public Optional<Subject> authenticate(Credential credential) {
    if (credential instanceof Credential.Authenticated a) {
      return Optional.of(a.subject());
    }
    if (credential instanceof Credential.ApiKey k) {
      return keys.authenticate(k.key());
    }
    return Optional.empty();
  }

  /**
   * Runs the whole gate for one request. The future succeeds with the access only when it was allowed,
   * recorded and (for a camera) can be served; otherwise the refusal has been sent and the future fails
   * with {@link Refused}.
   */
  public Future<Access> admit(AccessRequest request, Replies replies) {
    JsonObject context = context(request);
    Optional<CameraFeed> feed = request.target() instanceof Target.Camera c
        ? Optional.ofNullable(cameras.get(c.id())) : Optional.empty();
    JsonObject resource = resource(request.target(), feed);
    Optional<Subject> subject = authenticate(request.credential());
    if (subject.isEmpty()) {
      PolicyDecision deny = PolicyDecision.gatewayDeny(
          "no valid credential: send 'Authorization: Bearer <key>' (or X-Api-Key), or sign in",
          "camgate.gateway.unauthenticated", policyVersion.get());
      // Summarised per source and minute after the first: anonymous requests cannot fill the log.
      return anonymous.record(request.origin().clientIp(), () -> AccessEvents.decision(Subject.anonymous(),
              request.action(), AuditTrail.plain(resource), AuditTrail.plain(context), request.origin(), deny, Map.of()))
          .recover(e -> unrecorded(replies, e))
          .compose(seq -> refuse(replies, 401, deny, seq));
    }
    if (request.target() instanceof Target.Listing) {
      return admitListing(request, subject.get(), context, replies);
    }
    JsonObject input = new JsonObject().put("subject", subject.get().toJson()).put("action", request.action())
        .put("resource", resource).put("context", context);
    return services.policy().decide(input)
        .compose(decision -> record(replies, AccessEvents.decision(subject.get(), request.action(),
                AuditTrail.plain(resource), AuditTrail.plain(context), request.origin(), decision, Map.of()))
            .compose(seq -> switch (decision.outcome()) {
              case ALLOW -> serveable(new Access(subject.get(), request.action(), resource, context, decision, seq,
                  feed, request.origin().protocol(), replies, services), feed, request.target(), request.origin());
              case DENY -> refuse(replies, 403, decision, seq);
              case UNAVAILABLE -> refuse(replies, 503, decision, seq);
            }));
  }

  /**
   * A listing is decided by the policy's visibility rule ({@code camgate.visibility.cameras}): the access is
   * allowed, to the cameras it names that this gateway serves, and recorded with that list.
   */
  private Future<Access> admitListing(AccessRequest request, Subject subject, JsonObject context, Replies replies) {
    return services.policy().visibleCameras(subject.toJson(), context)
        .map(ids -> ids.stream().filter(cameras::containsKey).toList())
        .transform(ar -> {
          PolicyDecision decision = ar.succeeded()
              ? PolicyDecision.listing(ar.result().size(), policyVersion.get())
              : PolicyDecision.unavailable("policy engine unavailable: " + ar.cause().getMessage(), policyVersion.get());
          List<String> ids = ar.succeeded() ? ar.result() : List.of();
          return record(replies, AccessEvents.decision(subject, request.action(), Map.of(), AuditTrail.plain(context),
                  request.origin(), decision, AccessEvents.listed(ids)))
              .compose(seq -> decision.allowed()
                  ? Future.succeededFuture(new Access(subject, request.action(),
                      new JsonObject().put("cameras", new JsonArray(ids)), context, decision, seq, Optional.empty(),
                      request.origin().protocol(), replies, services))
                  : refuse(replies, 503, decision, seq));
        });
  }

  /** Where a camera is redacted (this node, another, or none), for statuses. */
  public CameraPlacement.Where placement(String cameraId) {
    return placement.where(cameraId);
  }

  /**
   * Cuts every access being served from a camera (this node lost or gave up its lease): each ends with
   * {@code reason} recorded, and its consumer reconnects to be sent to the new owner.
   */
  public void cutCamera(String cameraId, String reason) {
    services.serving().all().stream()
        .filter(a -> cameraId.equals(a.resource().getString("camera")))
        .forEach(a -> a.cut(reason));
  }

  /** The cameras a listing access may show, in id order. */
  public List<CameraFeed> listed(Access access) {
    return access.resource().getJsonArray("cameras", new JsonArray()).stream()
        .map(id -> cameras.get(String.valueOf(id))).toList();
  }

  /**
   * 404 for an unknown camera; in a cluster, 307 to the node that redacts it, or 503 when none does; 502 for one
   * without frames to give (each ends the access); else the access.
   */
  private Future<Access> serveable(Access access, Optional<CameraFeed> feed, Target target, AccessEvents.Origin origin) {
    if (!(target instanceof Target.Camera c)) {
      return Future.succeededFuture(access);
    }
    if (feed.isEmpty()) {
      // Decided and recorded all the same (the policy denies unknown cameras): probing is visible to the auditor.
      access.refuse(404, "no camera '" + c.id() + "'; GET /cameras lists yours", null);
      return Future.failedFuture(new Refused(404));
    }
    CameraPlacement.Where where = placement.where(c.id());
    if (where.kind() == CameraPlacement.Where.Kind.REMOTE
        && ("http".equals(origin.protocol()) || "rtsp".equals(origin.protocol()) && !where.rtsp().isEmpty())) {
      // The owner decides and records the access again with the same credential, and serves it.
      access.redirect(where, origin);
      return Future.failedFuture(new Refused(307));
    }
    if (where.kind() == CameraPlacement.Where.Kind.REMOTE) {
      access.refuse(503, "camera " + c.id() + " is redacted by node " + where.node() + " of the cluster, which serves"
          + " no " + origin.protocol().toUpperCase(java.util.Locale.ROOT) + ": connect to that node", null);
      return Future.failedFuture(new Refused(503));
    }
    if (where.kind() == CameraPlacement.Where.Kind.UNOWNED) {
      access.refuse(503, "camera " + c.id() + " is redacted by no node of the cluster now (" + where.why()
          + "); nothing is served unredacted: retry in a few seconds", null);
      return Future.failedFuture(new Refused(503));
    }
    if (c.needsFrames() && (!feed.get().status().live() || !feed.get().masksKnown())) {
      access.cameraUnavailable();
      return Future.failedFuture(new Refused(502));
    }
    return Future.succeededFuture(access);
  }

  private JsonObject resource(Target target, Optional<CameraFeed> feed) {
    if (target instanceof Target.Camera c) {
      return new JsonObject().put("camera", c.id()).put("zone", feed.map(f -> f.camera().zone()).orElse(null));
    }
    return target instanceof Target.Resource r ? r.resource().copy() : new JsonObject();
  }

  /** The request context policies see: purpose, requisition, time and client, plus the action's extras. */
  private JsonObject context(AccessRequest request) {
    JsonObject context = new JsonObject()
        .put("purpose", request.purpose())
        .put("requisition", request.requisition())
        .put("time", now())
        .put("client", new JsonObject().put("ip", request.origin().clientIp()));
    request.extraContext().forEach(e -> context.put(e.getKey(), e.getValue()));
    return context;
  }

  /** Appends an access decision; when the log cannot take it, answers 503 and fails. */
  private Future<Long> record(Replies replies, AuditEvent event) {
    services.metrics().decided(event.action(), String.valueOf(event.decision().get("outcome")));
    return services.trail().append(event).map(entry -> entry.seq()).recover(e -> unrecorded(replies, e));
  }

  private static Future<Long> unrecorded(Replies replies, Throwable e) {
    LOG.error("audit append failed, refusing the request: {}", e.toString());
    replies.refuse(Refusal.of(503, "audit log unavailable: the access could not be recorded, so nothing is served; "
        + "check the audit database and disk"));
    return Future.failedFuture(new Refused(503));
  }

  private static Future<Access> refuse(Replies replies, int status, PolicyDecision decision, long seq) {
    String error = switch (status) {
      case 401 -> "authentication required";
      case 403 -> "access denied by policy";
      default -> "policy decision unavailable: denied (fail closed)";
    };
    JsonObject body = new JsonObject().put("error", error).put("reasons", new JsonArray(decision.reasons()))
        .put("rules", new JsonArray(decision.rules())).put("policy_version", decision.policyVersion())
        .put("decision_id", decision.decisionId()).put("audit_seq", seq);
    replies.refuse(new Refusal(status, body, Map.of()));
    return Future.failedFuture(new Refused(status));
  }

  /** The request was refused and already answered; nothing more to do. */
  public static final class Refused extends RuntimeException {
    private final int status;

    Refused(int status) {
      super("refused with status " + status, null, false, false);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }
}
