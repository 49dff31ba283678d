package camgate.gateway;

import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.CameraPlacement;
import camgate.gateway.cluster.CameraOwnership;
import camgate.gateway.cluster.ClusterAuditExport;
import camgate.gateway.cluster.PolicyCluster;
import camgate.gateway.cluster.RegisterKeeper;
import camgate.gateway.camera.PrivacyMaskRefresh;
import camgate.gateway.console.ConsoleRoutes;
import camgate.gateway.export.ClipDelivery;
import camgate.gateway.export.MediaStore;
import camgate.gateway.export.RetentionSweeper;
import camgate.gateway.http.AuditRoutes;
import camgate.gateway.http.CameraRoutes;
import camgate.gateway.http.ExportRoutes;
import camgate.gateway.http.HealthRoutes;
import camgate.gateway.http.HttpVerticle;
import camgate.gateway.hls.HlsRoutes;
import camgate.gateway.http.MaintenanceRoutes;
import camgate.gateway.policy.OpaEndpoint;
import camgate.gateway.policy.OpaProcess;
import camgate.gateway.policy.PolicyDecisionClient;
import camgate.gateway.policy.PolicyVersion;
import camgate.gateway.metrics.GatewayMetrics;
import camgate.gateway.onvif.OnvifRoutes;
import camgate.gateway.publish.BundleServer;
import camgate.gateway.publish.BundleSigner;
import camgate.gateway.publish.PolicyAdminRoutes;
import camgate.gateway.publish.PolicyPublisher;
import camgate.gateway.rtsp.DigestAuthenticator;
import camgate.gateway.rtsp.H264Streams;
import camgate.gateway.rtsp.RtspGate;
import camgate.gateway.rtsp.RtspServer;
import camgate.gateway.rtsp.RtspLinks;
import camgate.gateway.rtsp.RtspServerConfig;
import camgate.gateway.rtsp.RtspTokens;
import camgate.gateway.rtsp.RtspUsers;
import camgate.redaction.Detectors;
import camgate.redaction.IsolatedDetectors;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionSettings;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
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
import java.util.function.Consumer;

/**
 * The running gateway: its OPA, audit log, camera feeds and HTTP server, started in the order that
 * keeps it closed until every part is ready, and stopped in reverse.
 *
 * <p>Start-up order: policy engine → configuration guard → audit log → detectors → cameras → HTTP.
 * With signed bundles (the default with the gateway's own OPA) the policy engine step is: policy store
 * and signing key → loopback bundle service → OPA → OPA has verified and activated the active version.
 * A failure at any step stops what was started and fails the returned future with the reason.
 *
 * <p>About 400 lines on purpose: it is the one place where the order of start-up and shutdown of every part
 * is written down (what must be ready before what, what stops first), which is what keeps the gateway closed
 * until it can decide, record and redact. Each part's own work lives in its package.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  private static final Duration MASK_REFRESH = Duration.ofSeconds(10);
  /** How long a signed RTSP URL opens a session: long enough to paste it into a VMS, short as a leaked URL. */
  private static final Duration RTSP_TOKEN_LIFETIME = Duration.ofMinutes(2);

  private final Vertx vertx;
  private final GatewayConfig config;
  private final Clock clock;
  private final Map<String, CameraFeed> feeds = new LinkedHashMap<>();
  private final AtomicReference<String> policyVersion = new AtomicReference<>("unknown");
  private OpaProcess opaProcess;
  private PolicyPublisher publisher;
  private BundleServer bundleServer;
  private URI opaUrl;
  private OpaEndpoint opaEndpoint;
  private PolicyDecisionClient policy;
  private AuditLog auditLog;
  private AuditTrail audit;
  private Detectors detectors;
  /** The detector host, when the detectors run in one ({@code redaction.isolation: process}); else null. */
  private IsolatedDetectors detectorHost;
  private MediaStore mediaStore;
  private RetentionSweeper retention;
  private ClipDelivery delivery;
  private long retentionTimer = -1;
  private HttpVerticle http;
  private AccessGate gate;
  private RtspServer rtsp;
  private RtspTokens rtspTokens;
  private String rtspDeployment;
  private OnvifRoutes onvif;
  private String discoveryDeployment;
  private H264Streams h264;
  private HlsRoutes hls;
  private final GatewayMetrics metrics = new GatewayMetrics();
  private String deploymentId;
  private long maskTimer = -1;
  private final Optional<HazelcastInstance> hazelcast;
  private CameraOwnership ownership;
  private RegisterKeeper keeper;
  private PolicyCluster policyCluster;

  private Gateway(Vertx vertx, GatewayConfig config, Clock clock, Optional<HazelcastInstance> hazelcast) {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
    this.hazelcast = hazelcast;
  }

  /** Starts a gateway; the future fails (with everything started so far stopped) if any part cannot start. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, Clock clock) {
    return start(vertx, config, clock, Optional.empty());
  }

  /**
   * Starts a gateway, a node of a cluster when the configuration has a {@code cluster} section: then
   * {@code hazelcast} is the member its {@code vertx} is clustered on, and the node redacts only the cameras
   * whose lease it holds.
   *
   * @throws IllegalArgumentException if a cluster section comes without a Hazelcast member or the reverse
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, Clock clock,
                                      Optional<HazelcastInstance> hazelcast) {
    if (config.cluster().isPresent() != hazelcast.isPresent()) {
      return Future.failedFuture(new IllegalArgumentException(hazelcast.isPresent()
          ? "a Hazelcast member was given but the configuration has no cluster section"
          : "the configuration has a cluster section: start the gateway through Main, which joins the cluster"));
    }
    Gateway g = new Gateway(vertx, config, clock, hazelcast);
    return vertx.<Void>executeBlocking(() -> {
          OwnerOnlyFolder.prepare(config.auditDirectory());
          return null;
        })
        .compose(v -> g.startPolicy())
        .compose(v -> g.checkConfiguration())
        .compose(v -> g.startAudit())
        .compose(v -> g.startMediaStore())
        .compose(v -> g.startCameras())
        .compose(v -> g.openRtspTokens())
        .compose(v -> g.startHttp())
        .compose(v -> g.startRtsp())
        .compose(v -> g.startDiscovery())
        .compose(v -> g.recordStart())
        .compose(v -> g.startOwnership())
        .map(v -> g)
        .recover(e -> g.stop().transform(ignored -> Future.failedFuture(e)));
  }

  private Future<Void> startPolicy() {
    if (config.signedBundles()) {
      return startSignedPolicy();
    }
    if (config.opaUrl().isEmpty()) {
      policyVersion.set(PolicyVersion.of(config.policyRoots()));
    }
    Future<URI> url;
    if (config.opaUrl().isPresent()) {
      url = Future.succeededFuture(config.opaUrl().get());
    } else {
      try {
        opaProcess = new OpaProcess(config.opaBinary(), config.policyRoots(),
            config.auditDirectory().resolveSibling("opa.log"), config.opaListen());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
      url = Future.fromCompletionStage(opaProcess.start());
    }
    return url.map(u -> {
      connectPolicy(u);
      return null;
    });
  }

  /**
   * The DPO's workflow: policy store and signing key (version 1 imported from the policy folders on
   * first start) → loopback bundle service → OPA configured to download and verify signed bundles →
   * wait until OPA reports the active version. Until then OPA's decisions are undefined, i.e. denies.
   */
  private Future<Void> startSignedPolicy() {
    Path dir = config.auditDirectory();
    // OPA's own start-up comes on top of its first download: never wait less than this at start.
    Duration startWait = config.policyActivationTimeout().compareTo(Duration.ofSeconds(30)) > 0
        ? config.policyActivationTimeout() : Duration.ofSeconds(30);
    Path signingKey = dir.resolve("policy-signing-key.pem");
    if (hazelcast.isPresent()) {
      // One key for the cluster: every node's OPA verifies the very bundle a publication signed.
      signingKey = config.clusterPolicyKey().orElse(null);
      if (signingKey == null) {
        return Future.failedFuture(new IllegalStateException("a node of a cluster serving signed policy bundles "
            + "needs cluster.policy_key_file: the same P-256 key (PKCS#8 PEM, mode 600, its public key beside it as "
            + "NAME.pub.pem) on every node; or give every node one external OPA (opa.url)"));
      }
    }
    String keyName = signingKey.getFileName().toString().replaceFirst("\\.pem$", "");
    return PolicyPublisher.open(vertx, dir.resolve("policy-store"), signingKey,
            signingKey.resolveSibling(keyName + ".pub.pem"), config.opaBinary(), config.policyRoots(),
            config.policyView(), () -> opaEndpoint,
            config.policyActivationTimeout(), clock)
        .compose(p -> {
          publisher = p;
          return hazelcast.isEmpty() ? Future.succeededFuture(p) : vertx.executeBlocking(() -> {
              // Catches up with the cluster's revision before OPA starts, so OPA loads that one first.
              policyCluster = PolicyCluster.join(config.cluster().get(), hazelcast.get(), vertx, p,
                  config.policyActivationTimeout());
              return p;
            });
        })
        .compose(p -> {
          bundleServer = new BundleServer(vertx, p);
          return bundleServer.start();
        })
        .compose(bundleUrl -> vertx.<OpaProcess>executeBlocking(() -> OpaProcess.withSignedBundles(config.opaBinary(),
            bundleUrl, BundleSigner.KEY_ID, publisher.publicKey(), dir.resolveSibling("opa-config.json"),
            dir.resolveSibling("opa.log"), config.opaListen())))
        .compose(process -> {
          opaProcess = process;
          return Future.fromCompletionStage(process.start());
        })
        .compose(u -> {
          connectPolicy(u);
          return publisher.active();
        })
        .compose(active -> publisher.awaitActive(active.revision(), startWait)
            .recover(e -> Future.failedFuture(new IllegalStateException("OPA did not activate the signed policy "
                + "bundle " + active.revision() + " within " + startWait.toSeconds() + " s: "
                + e.getMessage() + "; see " + dir.resolveSibling("opa.log"))))
            .onSuccess(v -> LOG.info("OPA verified and activated policy version {} ({})", active.number(),
                active.revision())));
  }

  private void connectPolicy(URI u) {
    opaUrl = u;
    opaEndpoint = opaProcess != null ? opaProcess.endpoint() : OpaEndpoint.unauthenticated(u);
    WebClient client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true)
        .setConnectTimeout((int) Math.max(100, config.decisionTimeout().toMillis())));
    policy = new PolicyDecisionClient(client, () -> opaEndpoint, config.decisionTimeout(), this::policyVersion,
        publisher == null ? Optional.empty() : Optional.of(publisher::published),
        Optional.ofNullable(policyCluster).map(c -> c::committedRevision));
    LOG.info("policy engine at {} (policy version {})", u, policyVersion());
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
        })
        .compose(v -> openRegister())
        // Before the start is recorded: the revision this node caught up to on joining is on its log first.
        .compose(v -> policyCluster == null ? Future.succeededFuture() : policyCluster.start(audit));
  }

  /**
   * This node's copy of the city's register, when the cluster keeps one ({@code cluster.register_key_file}): its
   * own H2 file in the node's state folder, signed with the key every node shares.
   */
  private Future<Void> openRegister() {
    if (hazelcast.isEmpty() || config.clusterRegisterKey().isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.<RegisterKeeper>executeBlocking(() -> RegisterKeeper.open(config.cluster().get(), hazelcast.get(),
            vertx, new AuditLogOptions(config.auditDirectory().resolve("register"), config.clusterRegisterKey().get(),
                config.clusterRegisterOrigin(), Duration.ofSeconds(2), clock), auditLog, config.clusterWitnesses()))
        .map(k -> {
          keeper = k;
          LOG.info("city's register copy: {} entries, cluster key fingerprint {}", k.register().log().size(),
              k.register().log().keyFingerprint());
          return null;
        });
  }

  /**
   * The register of exported clips and its retention sweeper, which runs once now (what expired while
   * the gateway was down goes first) and then every {@code retention.sweep_interval_s}.
   */
  private Future<Void> startMediaStore() {
    return vertx.<MediaStore>executeBlocking(() -> MediaStore.open(config.auditDirectory().resolve("media")))
        .map(store -> {
          mediaStore = store;
          retention = new RetentionSweeper(vertx, store, audit, policy, clock, this::policyVersion);
          delivery = new ClipDelivery(vertx, config.exportDeliveryTimeout(), config.exportTrustedCertificates());
          retention.sweep().onFailure(e -> LOG.error("retention sweep failed: {}", e.toString()));
          retentionTimer = vertx.setPeriodic(config.retentionSweepInterval().toMillis(), id ->
              retention.sweep().onFailure(e -> LOG.error("retention sweep failed: {}", e.toString())));
          return null;
        });
  }

  private Future<Void> startCameras() {
    // Model loading and the first use of FFmpeg (native libraries) take seconds: off the event loop.
    return vertx.<Void>executeBlocking(() -> {
      // Once, here, for the whole process: OpenCV works on the streams' and detectors' own threads.
      RedactionPipeline.useCallingThreadsForOpenCv();
      if (config.isolatedDetectors()) {
        // A native crash in detection then ends the detector host, not the gateway (issue 11).
        detectorHost = IsolatedDetectors.start(config.modelsDirectory(), config.smallFaceLook(),
            config.detectionDuty(), IsolatedDetectors.DEFAULT_HANG_TIMEOUT);
        detectors = detectorHost.detectors();
      } else {
        detectors = Detectors.load(config.modelsDirectory(), config.smallFaceLook(), config.detectionDuty());
      }
      RedactionSettings settings = RedactionSettings.defaults()
          .withStyle(config.redactionStyle())
          .withDetectionDeadline(config.detectionDeadline());
      for (CameraConfig camera : config.cameras()) {
        // A fresh pipeline each time the feed starts: in a cluster, each lease begins with the warm-up fail-safe.
        CameraFeed feed = new CameraFeed(camera, () -> RedactionPipeline.create(detectors, settings), clock, 80);
        feeds.put(camera.id(), feed);
      }
      if (hazelcast.isPresent()) {
        // FFmpeg's native libraries load now, not on the first failover: seconds a taken-over camera would wait.
        org.bytedeco.javacv.FFmpegFrameGrabber.tryLoad();
        // Each feed starts when this node holds its lease (startOwnership), never before.
        ownership = new CameraOwnership(config.cluster().get(), hazelcast.get(), feeds, audit, this::policyVersion);
      } else {
        feeds.values().forEach(CameraFeed::start);
      }
      return null;
    }).map(v -> {
      PrivacyMaskRefresh masks = new PrivacyMaskRefresh(policy, feeds.values());
      masks.refresh();
      maskTimer = vertx.setPeriodic(MASK_REFRESH.toMillis(), id -> masks.refresh());
      return null;
    });
  }

  private Future<Void> startHttp() {
    gate = new AccessGate(vertx, config.apiKeys(), feeds, policy, audit, clock, config.recheckInterval(),
        this::policyVersion, config.streamsPerSubject(), metrics,
        ownership == null ? CameraPlacement.local() : ownership);
    // One H.264 encoding per camera view, shared by HLS and RTSP.
    h264 = new H264Streams();
    hls = new HlsRoutes(vertx, gate, h264, config.hlsIdle());
    metrics.cameras(feeds.values(), feed -> h264.subscribers(feed) - hls.encoderSubscriptions(feed.camera().id()),
        feed -> hls.sessions(feed.camera().id()), feed -> h264.subscribers(feed));
    if (ownership != null) {
      metrics.ownership(feeds.keySet(), ownership::holds, () -> ownership.unowned().size());
    }
    if (keeper != null) {
      metrics.register(keeper::keeps, () -> keeper.register().log().size());
      metrics.registerWitnesses(keeper.witnessMeters());
    }
    metrics.auditPending(audit::pending);
    if (detectorHost != null) {
      metrics.detectorHost(detectorHost);
    }
    audit.onAppendLatency(metrics::auditAppended);
    CameraRoutes cameras = new CameraRoutes(vertx, feeds, gate, config.retentionDays("snapshots_days"));
    HealthRoutes health = new HealthRoutes(vertx, policy, audit, feeds.values(), gate,
        Optional.ofNullable(detectorHost));
    AuditRoutes auditRoutes = new AuditRoutes(gate, audit, Optional.ofNullable(keeper).map(k ->
        new ClusterAuditExport(k, hazelcast.get(), config.auditDirectory().resolve("cluster-export"))));
    ExportRoutes exports = new ExportRoutes(vertx, gate, audit, mediaStore, delivery, clock,
        config.exportMaxSeconds(), config.retentionDays("exports_days"));
    MaintenanceRoutes maintenance = new MaintenanceRoutes(vertx, gate);
    PolicyAdminRoutes policyAdmin = new PolicyAdminRoutes(gate, audit, Optional.ofNullable(publisher));
    // The console is mounted first: its session handler must run before every gated route.
    ConsoleRoutes console = new ConsoleRoutes(vertx, config, gate, audit, clock);
    List<Consumer<Router>> routes = new ArrayList<>(
        List.of(console::mount, cameras::mount, hls::mount, exports::mount, maintenance::mount, health::mount,
            auditRoutes::mount,
            policyAdmin::mount));
    if (rtspTokens != null) {
      routes.add(new RtspLinks(gate, rtspTokens, this::rtspUrl)::mount);
    }
    config.onvif().ifPresent(settings -> {
      // One device for the whole gateway, each camera a profile; its endpoint stays the same across restarts.
      onvif = new OnvifRoutes(vertx, gate, new RtspUsers(config.rtspUsers(), System::getenv), settings, clock,
          this::rtspUrl, config.retentionDays("snapshots_days"), "urn:uuid:" + java.util.UUID.nameUUIDFromBytes(
              ("camgate-onvif " + config.auditOrigin()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      routes.add(onvif::mount);
    });
    http = new HttpVerticle(config.host(), config.port(), routes);
    return vertx.deployVerticle(http).map(id -> {
      deploymentId = id;
      return null;
    });
  }

  /** The key of the signed RTSP URL tokens, in the state folder (made on first start), when RTSP is configured. */
  private Future<Void> openRtspTokens() {
    if (config.rtsp().isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.<RtspTokens>executeBlocking(() -> RtspTokens.open(config.rtspTokenKeyFile(),
        RTSP_TOKEN_LIFETIME, clock)).map(t -> {
          rtspTokens = t;
          return null;
        });
  }

  /**
   * The RTSP server for video-management systems, when configured: each session is admitted through the same
   * access gate as HTTP, and each camera view is H.264-encoded once for all its subscribers.
   */
  private Future<Void> startRtsp() {
    if (config.rtsp().isEmpty()) {
      return Future.succeededFuture();
    }
    var address = config.rtsp().get();
    RtspGate port = new RtspGate(gate, new RtspUsers(config.rtspUsers(), System::getenv),
        DigestAuthenticator.create("camgate", clock), rtspTokens, h264);
    rtsp = new RtspServer(port, RtspServerConfig.of(address.getHostString(), address.getPort()));
    return vertx.deployVerticle(rtsp).map(id -> {
      rtspDeployment = id;
      return null;
    });
  }

  /** WS-Discovery for the ONVIF device, when configured: off by default, on one interface a city network chose. */
  private Future<Void> startDiscovery() {
    if (onvif == null || config.onvif().get().discovery().isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(onvif.discovery(config.host(), () -> http.actualPort())).map(id -> {
      discoveryDeployment = id;
      return null;
    });
  }

  private Future<Void> recordStart() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("cameras", config.cameras().stream().map(CameraConfig::id).toList());
    details.put("signing_key_fingerprint", auditLog.keyFingerprint());
    details.put("models", detectors.models().stream().map(m -> m.name() + " sha256:" + m.sha256()).toList());
    details.put("http", url().toString());
    rtspUrl().ifPresent(u -> details.put("rtsp", u.toString()));
    return audit.append(AccessEvents.gatewayStart(details, policyVersion())).mapEmpty();
  }

  /** Joins the cameras' placement once HTTP is up: other nodes redirect consumers to this node's URL. */
  private Future<Void> startOwnership() {
    if (ownership == null) {
      return Future.succeededFuture();
    }
    ownership.onStopServing(gate::cutCamera);
    ownership.start(url().toString(), rtspUrl().map(String::valueOf).orElse(""));
    LOG.info("cluster node {}: camera ownership started", ownership.nodeId());
    if (keeper != null) {
      keeper.start();
    }
    return Future.succeededFuture();
  }

  /** This node's camera ownership, when the gateway is a node of a cluster. */
  public Optional<CameraOwnership> ownership() {
    return Optional.ofNullable(ownership);
  }

  /** This node's part in the city's register, when the cluster keeps one ({@code cluster.register_key_file}). */
  public Optional<RegisterKeeper> registerKeeper() {
    return Optional.ofNullable(keeper);
  }

  public URI url() {
    return URI.create("http://" + config.host() + ":" + http.actualPort());
  }

  /** The RTSP server's base URL, when one runs. */
  public Optional<URI> rtspUrl() {
    return rtsp == null ? Optional.empty()
        : Optional.of(URI.create("rtsp://" + config.rtsp().get().getHostString() + ":" + rtsp.actualPort()));
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

  /** The policy version gateway-made decisions record: the signed revision OPA last confirmed, or the folders' hash. */
  public String policyVersion() {
    return publisher != null ? publisher.activeRevision() : policyVersion.get();
  }

  /** The DPO's publish workflow, present when the gateway serves its OPA signed bundles. */
  public Optional<PolicyPublisher> policyPublisher() {
    return Optional.ofNullable(publisher);
  }

  /** The retention sweeper of exported clips (tests and operators may run a sweep now). */
  public RetentionSweeper retention() {
    return retention;
  }

  /** The register of exported clips the gateway keeps. */
  public MediaStore mediaStore() {
    return mediaStore;
  }

  /** Stops HTTP first (no new access), then cameras, the audit log (final checkpoint) and OPA. */
  public Future<Void> stop() {
    if (hls != null) {
      hls.close();  // the HLS sessions' ends are recorded while the log still takes them
    }
    Future<Void> releaseCameras = ownership == null && keeper == null && policyCluster == null
        ? Future.succeededFuture()
        : vertx.executeBlocking(() -> {
          if (keeper != null) {
            keeper.close();
          }
          if (policyCluster != null) {
            policyCluster.close();
          }
          if (ownership != null) {
            ownership.close();
          }
          return null;
        });
    Future<Void> undeployRtsp = releaseCameras.otherwiseEmpty()
        .compose(v -> discoveryDeployment == null ? Future.succeededFuture() : vertx.undeploy(discoveryDeployment))
        .otherwiseEmpty()
        .compose(v -> rtspDeployment == null ? Future.succeededFuture() : vertx.undeploy(rtspDeployment));
    return undeployRtsp.otherwiseEmpty()
        .compose(v -> deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId))
        .otherwiseEmpty()
        .compose(v -> gate == null ? Future.succeededFuture() : gate.close())
        .compose(v -> vertx.executeBlocking(() -> {
      if (maskTimer >= 0) {
        vertx.cancelTimer(maskTimer);
      }
      if (retentionTimer >= 0) {
        vertx.cancelTimer(retentionTimer);
      }
      if (h264 != null) {
        h264.close();
      }
      feeds.values().forEach(CameraFeed::close);
      if (delivery != null) {
        delivery.close();
      }
      if (mediaStore != null) {
        mediaStore.close();
      }
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
      if (publisher != null) {
        publisher.close();
      }
      return null;
    })).compose(v -> bundleServer == null ? Future.succeededFuture() : bundleServer.stop());
  }

  static Path defaultRoot() {
    return Path.of(System.getenv().getOrDefault("CAMGATE_ROOT", ".")).toAbsolutePath().normalize();
  }
}
