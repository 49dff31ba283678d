package camgate.gateway;

import camgate.audit.AuditEvent;
import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.gateway.audit.AuditTrail;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.console.ConsoleRoutes;
import camgate.gateway.http.AccessGate;
import camgate.gateway.http.AuditRoutes;
import camgate.gateway.http.CameraRoutes;
import camgate.gateway.http.HealthRoutes;
import camgate.gateway.http.HttpVerticle;
import camgate.gateway.policy.OpaProcess;
import camgate.gateway.policy.PolicyDecisionClient;
import camgate.gateway.policy.PolicyVersion;
import camgate.redaction.Detectors;
import camgate.redaction.NormalizedPoint;
import camgate.redaction.PrivacyMask;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running gateway: its OPA, audit log, camera feeds and HTTP server, started in the order that
 * keeps it closed until every part is ready, and stopped in reverse.
 *
 * <p>Start-up order: policy engine → configuration guard → audit log → detectors → cameras → HTTP.
 * A failure at any step stops what was started and fails the returned future with the reason.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  private static final Duration MASK_REFRESH = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final GatewayConfig config;
  private final Clock clock;
  private final Map<String, CameraFeed> feeds = new LinkedHashMap<>();
  private final AtomicReference<String> policyVersion = new AtomicReference<>("unknown");
  private OpaProcess opaProcess;
  private URI opaUrl;
  private PolicyDecisionClient policy;
  private AuditLog auditLog;
  private AuditTrail audit;
  private Detectors detectors;
  private HttpVerticle http;
  private String deploymentId;
  private long maskTimer = -1;

  private Gateway(Vertx vertx, GatewayConfig config, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
  }

  /** Starts a gateway; the future fails (with everything started so far stopped) if any part cannot start. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, Clock clock) {
    Gateway g = new Gateway(vertx, config, clock);
    return g.startPolicy()
        .compose(v -> g.checkConfiguration())
        .compose(v -> g.startAudit())
        .compose(v -> g.startCameras())
        .compose(v -> g.startHttp())
        .compose(v -> g.recordStart())
        .map(v -> g)
        .recover(e -> g.stop().transform(ignored -> Future.failedFuture(e)));
  }

  private Future<Void> startPolicy() {
    if (config.opaUrl().isEmpty()) {
      policyVersion.set(PolicyVersion.of(config.policyRoots()));
    }
    Future<URI> url;
    if (config.opaUrl().isPresent()) {
      url = Future.succeededFuture(config.opaUrl().get());
    } else {
      try {
        opaProcess = new OpaProcess(config.opaBinary(), config.policyRoots(),
            config.auditDirectory().resolveSibling("opa.log"));
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
      url = Future.fromCompletionStage(opaProcess.start());
    }
    return url.map(u -> {
      opaUrl = u;
      WebClient client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true)
          .setConnectTimeout((int) Math.max(100, config.decisionTimeout().toMillis())));
      policy = new PolicyDecisionClient(client, () -> opaUrl, config.decisionTimeout(), policyVersion::get);
      LOG.info("policy engine at {} (policy version {})", u, policyVersion.get());
      return null;
    });
  }

  private Future<Void> checkConfiguration() {
    return policy.configViolations(config.policyView()).compose(violations -> {
      if (violations.isEmpty()) {
        return Future.succeededFuture();
      }
      return Future.failedFuture(new IllegalStateException("the configuration guard (camgate.config.violations) "
          + "refuses this configuration:\n  - " + String.join("\n  - ", violations)
          + "\nfix the configuration, or have the DPO change the policy"));
    });
  }

  private Future<Void> startAudit() {
    return vertx.<AuditLog>executeBlocking(() -> AuditLog.open(new AuditLogOptions(
            config.auditDirectory().resolve("audit"), config.auditDirectory().resolve("signing-key.pem"),
            config.auditOrigin(), Duration.ofSeconds(2), clock)))
        .map(log -> {
          auditLog = log;
          audit = new AuditTrail(vertx, log);
          LOG.info("audit log: {} entries, signing key fingerprint {}", log.size(), log.keyFingerprint());
          return null;
        });
  }

  private Future<Void> startCameras() {
    return vertx.<Detectors>executeBlocking(() -> Detectors.load(config.modelsDirectory())).map(d -> {
      detectors = d;
      RedactionSettings settings = RedactionSettings.defaults()
          .withStyle(config.redactionStyle())
          .withDetectionDeadline(config.detectionDeadline());
      for (CameraConfig camera : config.cameras()) {
        CameraFeed feed = new CameraFeed(camera, RedactionPipeline.create(detectors, settings), clock, 80);
        feeds.put(camera.id(), feed);
        feed.start();
      }
      refreshMasks();
      maskTimer = vertx.setPeriodic(MASK_REFRESH.toMillis(), id -> refreshMasks());
      return null;
    });
  }

  /** Privacy masks come from policy data, so the DPO's publication changes them everywhere. */
  private void refreshMasks() {
    for (CameraFeed feed : feeds.values()) {
      policy.data("cameras/" + feed.camera().id() + "/privacy_masks").onSuccess(result -> {
        if (result.isEmpty()) {
          if (!feed.masksKnown()) {
            LOG.warn("camera {} has no privacy_masks in policy data: it stays dark (and policy denies viewing it)",
                feed.camera().id());
          }
          return;
        }
        try {
          feed.updateMasks(parseMasks(result.get()));
        } catch (RuntimeException e) {
          LOG.error("privacy masks of camera {} are malformed, keeping the previous ones: {}", feed.camera().id(),
              e.getMessage());
        }
      });
    }
  }

  static List<PrivacyMask> parseMasks(Object json) {
    if (!(json instanceof JsonArray array)) {
      throw new IllegalArgumentException("privacy_masks must be a list, found " + json);
    }
    List<PrivacyMask> masks = new ArrayList<>();
    for (Object o : array) {
      JsonObject m = (JsonObject) o;
      List<NormalizedPoint> points = new ArrayList<>();
      for (Object p : m.getJsonArray("polygon")) {
        JsonArray xy = (JsonArray) p;
        double x = xy.getDouble(0);
        double y = xy.getDouble(1);
        if (x < 0 || x > 1 || y < 0 || y > 1) {
          throw new IllegalArgumentException("mask '" + m.getString("label") + "' has point (" + x + ", " + y
              + ") outside the frame: coordinates are fractions 0..1 of width and height");
        }
        points.add(new NormalizedPoint(x, y));
      }
      if (points.size() < 3) {
        throw new IllegalArgumentException("mask '" + m.getString("label") + "' needs at least 3 points");
      }
      masks.add(new PrivacyMask(m.getString("label", "mask"), points));
    }
    return masks;
  }

  private Future<Void> startHttp() {
    AccessGate gate = new AccessGate(config.apiKeys(), policy, audit, clock, policyVersion::get);
    CameraRoutes cameras = new CameraRoutes(vertx, feeds, gate, policy, audit, config.recheckInterval(),
        policyVersion::get, config.policyView().getJsonObject("retention").getInteger("snapshots_days", 30));
    HealthRoutes health = new HealthRoutes(policy, audit, feeds.values());
    AuditRoutes auditRoutes = new AuditRoutes(gate, audit);
    // The console is mounted first: its session handler must run before every gated route.
    ConsoleRoutes console = new ConsoleRoutes(vertx, config, gate, audit, feeds);
    http = new HttpVerticle(config.host(), config.port(),
        List.of(console::mount, cameras::mount, health::mount, auditRoutes::mount));
    return vertx.deployVerticle(http).map(id -> {
      deploymentId = id;
      return null;
    });
  }

  private Future<Void> recordStart() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("cameras", config.cameras().stream().map(CameraConfig::id).toList());
    details.put("signing_key_fingerprint", auditLog.keyFingerprint());
    details.put("models", detectors.models().stream().map(m -> m.name() + " sha256:" + m.sha256()).toList());
    details.put("http", url().toString());
    return audit.append(new AuditEvent("admin", Map.of("id", "camgate-gateway"), "gateway_start", Map.of(), null,
        policyVersion.get(), "", details)).mapEmpty();
  }

  public URI url() {
    return URI.create("http://" + config.host() + ":" + http.actualPort());
  }

  public URI opaUrl() {
    return opaUrl;
  }

  public Optional<OpaProcess> opaProcess() {
    return Optional.ofNullable(opaProcess);
  }

  public AuditLog auditLog() {
    return auditLog;
  }

  public Map<String, CameraFeed> feeds() {
    return Map.copyOf(feeds);
  }

  public String policyVersion() {
    return policyVersion.get();
  }

  /** Stops HTTP first (no new access), then cameras, the audit log (final checkpoint) and OPA. */
  public Future<Void> stop() {
    Future<Void> undeploy = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
    return undeploy.otherwiseEmpty().compose(v -> vertx.executeBlocking(() -> {
      if (maskTimer >= 0) {
        vertx.cancelTimer(maskTimer);
      }
      feeds.values().forEach(CameraFeed::close);
      if (audit != null) {
        audit.close();
      }
      if (auditLog != null) {
        auditLog.close();
      }
      if (detectors != null) {
        detectors.close();
      }
      if (opaProcess != null) {
        opaProcess.close();
      }
      return null;
    }));
  }

  static Path defaultRoot() {
    return Path.of(System.getenv().getOrDefault("CAMGATE_ROOT", ".")).toAbsolutePath().normalize();
  }
}
