package camgate.gateway.cluster;

import camgate.audit.AuditEvent;
import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.CameraPlacement;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Which cameras this node redacts: every renewal period it computes the placement over the live members
 * ({@link RendezvousPlacement}), claims the leases of the cameras placed on it, renews those it holds, and gives
 * up those placed elsewhere; each camera's feed runs only while its lease is held.
 *
 * <p>Safety does not wait for this loop. A held lease has a local deadline on the monotonic clock, earlier than
 * the lease record's expiry by a margin; the feed's fence refuses every frame past it, and a second thread
 * stops the feed and cuts its consumers. A node that was frozen (SIGSTOP, a long GC pause) therefore publishes
 * nothing of a camera whose lease has passed, and claims nothing until membership has had time to settle; a node
 * in a minority (fewer live members than a majority of {@code cluster.members}) claims and renews nothing.
 *
 * <p>Every change of hands is an audit entry on this node's log ({@link AccessEvents#cameraOwner}); a camera is
 * started only once its {@code acquired} entry is durable.
 */
public final class CameraOwnership implements CameraPlacement, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CameraOwnership.class);
  static final String NODES_MAP = "camgate.node-urls";
  /** Each node's RTSP base URL (absent for a node without an RTSP server), for RTSP redirects. */
  static final String RTSP_MAP = "camgate.node-rtsp-urls";

  private final ClusterSettings settings;
  private final HazelcastInstance hazelcast;
  private final LeaseTable table;
  private final IMap<String, String> nodeUrls;
  private final IMap<String, String> nodeRtspUrls;
  private final Map<String, CameraFeed> feeds;
  private final AuditTrail audit;
  private final Supplier<String> policyVersion;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(daemon("camera-ownership"));
  private final ScheduledExecutorService enforcer = Executors.newSingleThreadScheduledExecutor(daemon("lease-fence"));
  private final ExecutorService feedControl = Executors.newCachedThreadPool(daemon("camera-feed-control"));
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private volatile Map<String, Lease> view = Map.of();
  private volatile Map<String, String> urls = Map.of();
  private volatile Map<String, String> rtspUrls = Map.of();
  private volatile Set<String> live = Set.of();
  private volatile BiConsumer<String, String> cut = (camera, why) -> { };
  private volatile long lastTickNanos = System.nanoTime();
  private volatile long quietUntilNanos = System.nanoTime();
  private volatile boolean closed;

  /** A lease this node holds: its token, and the monotonic instant after which nothing may be published. */
  record Held(long token, long deadlineNanos) {
    boolean valid(long nowNanos) {
      return nowNanos - deadlineNanos < 0;
    }

    /** A lease renewed (or claimed) by a request sent at {@code sentNanos}: valid until a margin before it expires. */
    static Held sentAt(long token, long sentNanos, ClusterSettings settings) {
      return new Held(token, sentNanos + settings.lease().minus(settings.safetyMargin()).toNanos());
    }
  }

  public CameraOwnership(ClusterSettings settings, HazelcastInstance hazelcast, Map<String, CameraFeed> feeds,
                         AuditTrail audit, Supplier<String> policyVersion) {
    this.settings = settings;
    this.hazelcast = hazelcast;
    this.table = new LeaseTable(hazelcast.getMap(LeaseTable.MAP), System::currentTimeMillis);
    this.nodeUrls = hazelcast.getMap(NODES_MAP);
    this.nodeRtspUrls = hazelcast.getMap(RTSP_MAP);
    this.feeds = Map.copyOf(feeds);
    this.audit = audit;
    this.policyVersion = policyVersion;
    for (CameraFeed feed : this.feeds.values()) {
      String id = feed.camera().id();
      feed.fenceWith(() -> holds(id));
    }
  }

  /** Whom to tell when this node stops serving a camera (the access gate cuts its consumers). */
  public void onStopServing(BiConsumer<String, String> cut) {
    this.cut = cut;
  }

  /**
   * Announces this node's HTTP URL and RTSP URL (for redirects; {@code rtspUrl} empty without an RTSP server) and
   * starts the loop and the fence.
   */
  public void start(String url, String rtspUrl) {
    if (rtspUrl.isEmpty()) {
      nodeRtspUrls.remove(settings.nodeId());
    } else {
      nodeRtspUrls.put(settings.nodeId(), rtspUrl);
    }
    nodeUrls.put(settings.nodeId(), url);
    long period = settings.renew().toMillis();
    lastTickNanos = System.nanoTime();
    loop.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
    enforcer.scheduleWithFixedDelay(this::enforce, 50, 50, TimeUnit.MILLISECONDS);
  }

  /** True while this node holds the camera's lease and its local deadline has not passed. */
  public boolean holds(String camera) {
    Held h = held.get(camera);
    return h != null && h.valid(System.nanoTime());
  }

  @Override
  public Where where(String camera) {
    Held h = held.get(camera);
    if (h != null && h.valid(System.nanoTime())) {
      return Where.local(settings.nodeId(), h.token());
    }
    Lease lease = view.get(camera);
    if (lease == null || !lease.heldAt(System.currentTimeMillis()) || !live.contains(lease.node())) {
      return Where.unowned(live.size() < settings.quorum()
          ? "this node reaches " + live.size() + " of " + settings.members().size() + " members, fewer than a majority"
          : "no live node holds its lease (taken over, or no node has room: cluster.camera_capacity)");
    }
    if (lease.node().equals(settings.nodeId())) {
      return Where.unowned("this node's lease is being renewed");
    }
    String url = urls.get(lease.node());
    return url == null ? Where.unowned("node " + lease.node() + " holds it but has not announced its URL yet")
        : Where.remote(lease.node(), url, rtspUrls.getOrDefault(lease.node(), ""), lease.token());
  }

  /** Cameras this node redacts now. */
  public Set<String> owned() {
    Set<String> owned = new TreeSet<>();
    held.forEach((camera, h) -> {
      if (h.valid(System.nanoTime())) {
        owned.add(camera);
      }
    });
    return owned;
  }

  /** Cameras no live node holds, as this node last read the leases. */
  public Set<String> unowned() {
    Set<String> unowned = new TreeSet<>();
    for (String camera : feeds.keySet()) {
      if (where(camera).kind() == Where.Kind.UNOWNED) {
        unowned.add(camera);
      }
    }
    return unowned;
  }

  public String nodeId() {
    return settings.nodeId();
  }

  private void tick() {
    if (closed || !hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    long now = System.nanoTime();
    long gap = now - lastTickNanos;
    lastTickNanos = now;
    if (gap > settings.lease().toNanos()) {
      // This node did not run for longer than a lease (frozen, or starved): its view of the cluster is stale, and
      // a claim now could land in a partition it no longer owns. Let membership settle first.
      quietUntilNanos = now + settings.failureDetection().multipliedBy(2).toNanos();
      LOG.warn("node {} did not run for {} ms (longer than a lease): claiming nothing for {} ms", settings.nodeId(),
          gap / 1_000_000, settings.failureDetection().multipliedBy(2).toMillis());
    }
    try {
      live = liveNodes();
      boolean quorate = live.size() >= settings.quorum();
      boolean quiet = now - quietUntilNanos < 0;
      Map<String, String> desired = quorate
          ? RendezvousPlacement.assign(feeds.keySet(), live, settings.cameraCapacity()) : Map.of();
      for (String camera : feeds.keySet()) {
        boolean mine = settings.nodeId().equals(desired.get(camera));
        Held h = held.get(camera);
        try {
          if (h != null && !quorate) {
            lose(camera, h, "this node reaches " + live.size() + " of " + settings.members().size()
                + " members, fewer than a majority: it may not hold leases");
          } else if (h != null && !mine) {
            release(camera, h, desired.get(camera) == null ? "no node has room for it"
                : "placement moved it to node " + desired.get(camera));
          } else if (h != null) {
            renew(camera, h);
          } else if (mine && !quiet) {
            claim(camera);
          }
        } catch (RuntimeException e) {
          LOG.warn("lease of camera {} on node {}: {}", camera, settings.nodeId(), e.toString());
        }
      }
      view = table.read(feeds.keySet());
      urls = Map.copyOf(nodeUrls);
      rtspUrls = Map.copyOf(nodeRtspUrls);
    } catch (RuntimeException e) {
      LOG.warn("ownership round on node {} failed: {}", settings.nodeId(), e.toString());
    }
  }

  private Set<String> liveNodes() {
    return Set.copyOf(ClusterNode.liveNodes(hazelcast));
  }

  private void claim(String camera) {
    long sent = System.nanoTime();
    Lease lease = table.claim(camera, settings.nodeId(), settings.lease().toMillis());
    if (!lease.node().equals(settings.nodeId()) || lease.expiresAtMillis() <= System.currentTimeMillis()) {
      return;  // still another node's: it gives it up at its next round, or its lease runs out
    }
    Held h = Held.sentAt(lease.token(), sent, settings);
    held.put(camera, h);
    try {
      audit.append(event(camera, "acquired", lease.token(), "placement puts it on this node", null))
          .toCompletionStage().toCompletableFuture().get(settings.lease().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // An owner change that cannot be recorded is not made.
      held.remove(camera, h);
      table.release(camera, settings.nodeId(), lease.token());
      LOG.error("camera {}: lease {} given back, its acquisition could not be recorded: {}", camera, lease.token(),
          e.toString());
      return;
    }
    LOG.info("node {} redacts camera {} (lease token {})", settings.nodeId(), camera, lease.token());
    CameraFeed feed = feeds.get(camera);
    feedControl.execute(() -> {
      if (holds(camera)) {
        feed.start();
      }
    });
  }

  private void renew(String camera, Held h) {
    long sent = System.nanoTime();
    if (table.renew(camera, settings.nodeId(), h.token(), settings.lease().toMillis()).isPresent()) {
      held.replace(camera, h, Held.sentAt(h.token(), sent, settings));
    } else {
      lose(camera, h, "the lease was expired or taken when this node came to renew it");
    }
  }

  /** Gives the camera up on purpose: stops serving first, then frees the lease for its next holder at once. */
  private void release(String camera, Held h, String why) {
    if (!held.remove(camera, h)) {
      return;
    }
    Instant until = Instant.now();
    stopServing(camera, "camera handed over: " + why);
    table.release(camera, settings.nodeId(), h.token());
    audit.appendEventually(event(camera, "released", h.token(), why, until));
  }

  /** The lease ran out or was taken: the fence already refuses frames; stop the feed and record it. */
  private void lose(String camera, Held h, String why) {
    if (!held.remove(camera, h)) {
      return;
    }
    long now = System.nanoTime();
    long sinceDeadline = Math.max(0, now - h.deadlineNanos());
    Instant until = Instant.now().minusNanos(sinceDeadline);
    LOG.warn("node {} lost camera {} (lease token {}): {}", settings.nodeId(), camera, h.token(), why);
    stopServing(camera, "this node lost the camera's lease: " + why);
    audit.appendEventually(event(camera, "lost", h.token(), why, until));
  }

  private void enforce() {
    long now = System.nanoTime();
    held.forEach((camera, h) -> {
      if (!h.valid(now)) {
        lose(camera, h, "the lease could not be renewed before it expired");
      }
    });
  }

  private void stopServing(String camera, String why) {
    cut.accept(camera, why + "; reconnect to be served by its new owner");
    CameraFeed feed = feeds.get(camera);
    feedControl.execute(() -> {
      if (!holds(camera)) {
        feed.stop("not redacted by this node: " + why);
      }
    });
  }

  private AuditEvent event(String camera, String change, long token, String why, Instant servedUntil) {
    return AccessEvents.cameraOwner(camera, settings.nodeId(), change, token, why, servedUntil, policyVersion.get());
  }

  /** Gives every held camera back (recorded), so the others take them at once rather than after expiry. */
  @Override
  public void close() {
    closed = true;
    loop.shutdownNow();
    enforcer.shutdownNow();
    for (Map.Entry<String, Held> e : List.copyOf(held.entrySet())) {
      try {
        release(e.getKey(), e.getValue(), "node " + settings.nodeId() + " is stopping");
      } catch (RuntimeException ex) {
        LOG.warn("camera {} not released at stop ({}); its lease expires by itself", e.getKey(), ex.toString());
      }
    }
    try {
      nodeUrls.remove(settings.nodeId());
      nodeRtspUrls.remove(settings.nodeId());
    } catch (RuntimeException e) {
      LOG.debug("node URL not withdrawn: {}", e.toString());
    }
    feedControl.shutdown();
  }

  static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
