package camgate.gateway.http;

import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.access.HttpCaller;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.policy.PolicyDecisionClient;
import camgate.redaction.IsolatedDetectors;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;

/**
 * GET /metrics for the monitoring system, and GET /health: liveness of the gateway's parts for supervisors and load balancers, without
 * credentials and without anything an attacker could use (no camera ids, no URLs).
 */
public final class HealthRoutes {

  private final PolicyDecisionClient policy;
  private final AuditTrail audit;
  private final Collection<CameraFeed> feeds;
  private final AccessGate gate;
  private final Optional<IsolatedDetectors> detectorHost;
  private static final Duration PROBE_EVERY = Duration.ofSeconds(1);
  private static final int DOWN_AFTER = 3;
  /** Probes failed in a row since the last success; -1 before the first success. */
  private volatile int failedProbes = -1;
  private volatile boolean probing;

  /**
   * Starts probing the policy engine every {@link #PROBE_EVERY}: {@code /health} answers from the latest probes at
   * once (OPA counts as down after {@link #DOWN_AFTER} failed probes in a row), so a supervisor's check never waits
   * behind the requests it is meant to judge.
   */
  public HealthRoutes(Vertx vertx, PolicyDecisionClient policy, AuditTrail audit, Collection<CameraFeed> feeds,
                      AccessGate gate, Optional<IsolatedDetectors> detectorHost) {
    this.detectorHost = detectorHost;
    this.policy = policy;
    this.audit = audit;
    this.feeds = feeds;
    this.gate = gate;
    probe();
    vertx.setPeriodic(PROBE_EVERY.toMillis(), id -> probe());
  }

  private void probe() {
    if (probing) {
      return;
    }
    probing = true;
    policy.data("camgate/decision").onComplete(ar -> {
      probing = false;
      int before = failedProbes;
      failedProbes = ar.succeeded() ? 0 : before < 0 ? -1 : before + 1;
    });
  }

  /** Up once a probe succeeded and until {@link #DOWN_AFTER} probes in a row have failed. */
  private boolean policyUp() {
    int failed = failedProbes;
    return failed >= 0 && failed < DOWN_AFTER;
  }

  public void mount(Router router) {
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(this::metrics);
  }

  /** GET /metrics: Prometheus text exposition, for the policy's metrics role (decided and recorded). */
  private void metrics(RoutingContext rc) {
    HttpCaller.admit(gate, rc, "metrics", Target.resource(new JsonObject().put("metrics", "gateway")),
        new JsonObject()).onSuccess(access -> rc.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").putHeader("Cache-Control", "no-store")
            .end(gate.metrics().scrape()));
  }

  private void health(RoutingContext rc) {
    boolean opaUp = policyUp();
    boolean auditUp = audit.writable();
    long live = feeds.stream().filter(f -> f.status().live()).count();
    boolean ok = opaUp && auditUp;
    // A detector host restarting masks every frame whole: the gateway serves, degraded.
    boolean detectorsUp = detectorHost.map(IsolatedDetectors::up).orElse(true);
    JsonObject body = new JsonObject()
        .put("status", ok ? (live == feeds.size() && detectorsUp ? "ok" : "degraded") : "failing")
        .put("policy", opaUp ? "up" : "down")
        .put("audit", auditUp ? "up" : "down")
        .put("cameras", new JsonObject().put("live", live).put("total", feeds.size()));
    detectorHost.ifPresent(h -> body.put("detectors", new JsonObject().put("isolation", "process")
        .put("host", h.up() ? "up" : "restarting").put("restarts", h.restarts())));
    rc.response().setStatusCode(ok ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
