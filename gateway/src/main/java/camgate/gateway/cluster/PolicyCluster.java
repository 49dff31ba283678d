package camgate.gateway.cluster;

import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.publish.PolicyPublisher;
import camgate.gateway.publish.PolicyRejected;
import camgate.gateway.publish.PolicyRelease;
import camgate.gateway.publish.PublishedVersion;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One signed policy revision for the whole cluster (docs/scale.md, "One policy revision"): the cluster's revision
 * (its record, content and signed bundle) is a Hazelcast map entry changed only by compare-and-set; a publication
 * holds the cluster's lock, serves the new version to every live node over the event bus, and makes it the
 * cluster's revision only once every node's OPA reported it active. Each node's decisions must come from the
 * cluster's revision (503 otherwise), and a node behind it catches up on its own, before it serves and every
 * {@code cluster.renew_ms} after.
 *
 * <p>Hazelcast calls block: they run on worker threads, never on an event loop.
 */
public final class PolicyCluster implements PolicyPublisher.Rollout, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyCluster.class);
  static final String MAP = "camgate.policy";
  /** The cluster's revision: a {@link PolicyRelease} as JSON text. */
  static final String COMMITTED = "committed";
  /**
   * The cluster's revision alone, written after {@link #COMMITTED}: what each node reads every round, so that
   * a round does not carry the whole bundle between nodes.
   */
  static final String REVISION = "revision";
  /** Every this many rounds a node reads {@link #COMMITTED} itself, in case a publisher died between the two writes. */
  private static final int FULL_READ_ROUNDS = 10;
  /** The highest version number given out, so that no two publications ever use one number. */
  static final String NUMBER = "number";
  /** Held by the node publishing, with a time to live in case it dies meanwhile. */
  static final String LOCK = "lock";
  /** Where each node is told to serve a release and answers once its OPA reports it active. */
  static final String ACTIVATE = "camgate.policy.activate.";
  /** Where each node is told that a revision became the cluster's. */
  static final String COMMIT = "camgate.policy.commit.";

  private final ClusterSettings settings;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final Vertx vertx;
  private final PolicyPublisher publisher;
  private final Duration activationTimeout;
  private final AtomicBoolean catchingUp = new AtomicBoolean();
  private final AtomicReference<String> lockValue = new AtomicReference<>();
  private int rounds;
  private volatile String committed;
  /** When this node last read the cluster's revision while it saw a majority of members (monotonic clock). */
  private volatile long confirmedAt = System.nanoTime() - Duration.ofDays(1).toNanos();
  private volatile Optional<PolicyRelease> caughtUpAtJoin = Optional.empty();
  /** Set when the node starts answering publications; until then a round only reads the cluster's revision. */
  private volatile AuditTrail audit;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private long timer = -1;

  private PolicyCluster(ClusterSettings settings, HazelcastInstance hazelcast, Vertx vertx, PolicyPublisher publisher,
                        Duration activationTimeout) {
    this.settings = settings;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP);
    this.vertx = vertx;
    this.publisher = publisher;
    this.activationTimeout = activationTimeout;
  }

  /**
   * Joins the cluster's policy before this node's OPA starts: the first node's active version becomes the
   * cluster's revision; a later node imports the cluster's revision into its store, so its OPA loads it first.
   * From then on the publisher publishes through the cluster. BLOCKING.
   *
   * @throws IllegalStateException when this node's store holds another version under the cluster's number
   */
  public static PolicyCluster join(ClusterSettings settings, HazelcastInstance hazelcast, Vertx vertx,
                                   PolicyPublisher publisher, Duration activationTimeout) {
    PolicyCluster cluster = new PolicyCluster(settings, hazelcast, vertx, publisher, activationTimeout);
    cluster.raiseNumber(publisher.highestNumber());
    PolicyRelease local = publisher.activeRelease();
    String current = cluster.map.putIfAbsent(COMMITTED, local.toJson().encode());
    if (current == null) {
      cluster.map.put(REVISION, local.revision());
      LOG.info("node {}: the cluster had no policy revision; {} is now the cluster's", settings.nodeId(),
          local.revision());
      cluster.committed = local.revision();
    } else {
      PolicyRelease release = PolicyRelease.fromJson(new JsonObject(current));
      if (!release.revision().equals(local.revision())) {
        publisher.importRelease(release);
        cluster.caughtUpAtJoin = Optional.of(release);
        LOG.info("node {}: caught up from {} to the cluster's policy revision {}", settings.nodeId(), local.revision(),
            release.revision());
      }
      cluster.committed = release.revision();
    }
    if (ClusterNode.liveNodes(hazelcast).size() >= settings.quorum()) {
      cluster.confirmedAt = System.nanoTime();
    }
    publisher.rollOutWith(cluster);
    // Rounds begin now: a start that takes longer than a lease (OPA's first activation) begins with a fresh reading.
    cluster.timer = vertx.setPeriodic(settings.renew().toMillis(), id -> cluster.catchUp());
    return cluster;
  }

  /**
   * Answers publications and keeps this node on the cluster's revision, recording what it activates in
   * {@code audit} (starting with the revision it caught up to when it joined).
   */
  public Future<Void> start(AuditTrail audit) {
    this.audit = audit;
    consumers.add(vertx.eventBus().consumer(ACTIVATE + settings.nodeId(), this::activate));
    consumers.add(vertx.eventBus().<JsonObject>consumer(COMMIT + settings.nodeId(), m -> {
      committed = m.body().getString("revision");
      m.reply(new JsonObject().put("node", settings.nodeId()));
    }));
    return caughtUpAtJoin.map(r -> record(r.version(), "caught up with the cluster when the node joined"))
        .orElse(Future.succeededFuture());
  }

  /**
   * The revision every decision of this node must come from: the last one every live node activated. A node that
   * has not read it while seeing a majority of members for longer than a lease cannot know it (the majority may
   * have published since): then no revision matches, and it refuses every decision until it reads it again.
   */
  @Override
  public String committedRevision() {
    long silentMillis = (System.nanoTime() - confirmedAt) / 1_000_000;
    // Not while the node starts: the first node of a cluster checks its configuration alone.
    if (audit != null && silentMillis > settings.lease().toMillis()) {
      return "unknown (node " + settings.nodeId() + " has not read it with a majority of the cluster's members for "
          + silentMillis + " ms)";
    }
    return committed;
  }

  @Override
  public void lock() {
    SortedSet<String> live = ClusterNode.liveNodes(hazelcast);
    if (live.size() < settings.quorum()) {
      throw new PolicyRejected(503, "node " + settings.nodeId() + " sees " + live.size() + " of "
          + settings.members().size() + " members " + live + ": no publication without a majority; retry when the "
          + "cluster is whole again");
    }
    String mine = new JsonObject().put("node", settings.nodeId()).put("since", System.currentTimeMillis()).encode();
    // The lock outlives a publication's two activation rounds; it expires only if its node died meanwhile.
    long ttl = activationTimeout.multipliedBy(3).plusSeconds(60).toMillis();
    String held = map.putIfAbsent(LOCK, mine, ttl, TimeUnit.MILLISECONDS);
    if (held != null) {
      throw new PolicyRejected(409, "node " + new JsonObject(held).getString("node") + " is publishing a policy "
          + "version now; one publication at a time in the cluster: retry when it has finished");
    }
    lockValue.set(mine);
  }

  @Override
  public void unlock() {
    String mine = lockValue.getAndSet(null);
    if (mine != null) {
      map.remove(LOCK, mine);
    }
  }

  @Override
  public int claimNumber(int localNext) {
    while (true) {
      String current = map.get(NUMBER);
      long next = Math.max(localNext, current == null ? 0 : Long.parseLong(current) + 1);
      boolean claimed = current == null ? map.putIfAbsent(NUMBER, Long.toString(next)) == null
          : map.replace(NUMBER, current, Long.toString(next));
      if (claimed) {
        return Math.toIntExact(next);
      }
    }
  }

  private void raiseNumber(int highest) {
    while (true) {
      String current = map.get(NUMBER);
      if (current != null && Long.parseLong(current) >= highest) {
        return;
      }
      boolean raised = current == null ? map.putIfAbsent(NUMBER, Long.toString(highest)) == null
          : map.replace(NUMBER, current, Long.toString(highest));
      if (raised) {
        return;
      }
    }
  }

  @Override
  public Future<Void> commit(PolicyRelease previous, PolicyRelease next) {
    return vertx.<Void>executeBlocking(() -> {
      compareAndSet(previous, next);
      return null;
    }).compose(v -> announce(next));
  }

  private void compareAndSet(PolicyRelease previous, PolicyRelease next) {
    String current = map.get(COMMITTED);
    String currentRevision = current == null ? "none" : PolicyRelease.fromJson(new JsonObject(current)).revision();
    if (current == null || !currentRevision.equals(previous.revision())
        || !map.replace(COMMITTED, current, next.toJson().encode())) {
      throw new PolicyRejected(409, "the cluster's policy revision changed to " + currentRevision + " while node "
          + settings.nodeId() + " was publishing " + next.revision() + " on top of " + previous.revision()
          + " (its lock expired?): the cluster stays on " + currentRevision + "; publish again from it");
    }
    map.put(REVISION, next.revision());
    committed = next.revision();
    LOG.info("node {}: {} is the cluster's policy revision", settings.nodeId(), next.revision());
  }

  /** Every node learns the new revision now (the publication returns after); one that misses it reads it next round. */
  private Future<Void> announce(PolicyRelease next) {
    List<Future<Object>> answers = new ArrayList<>();
    for (String node : ClusterNode.liveNodes(hazelcast)) {
      answers.add(vertx.eventBus().request(COMMIT + node, new JsonObject().put("revision", next.revision()),
              new DeliveryOptions().setSendTimeout(5000))
          .map(reply -> (Object) null)
          .otherwise(e -> {
            LOG.warn("node {} did not take the cluster's revision {} now ({}); it reads it within {} ms", node,
                next.revision(), e.getMessage(), settings.renew().toMillis());
            return null;
          }));
    }
    return Future.join(answers).mapEmpty();
  }

  @Override
  public Future<Void> activateEverywhere(PolicyRelease release, String why) {
    return askEveryNode(release, why).compose(failures -> failures.isEmpty() ? Future.succeededFuture()
        : Future.failedFuture(String.join("; ", failures)));
  }

  @Override
  public Future<String> restoreEverywhere(PolicyRelease previous, String why) {
    return askEveryNode(previous, why).map(failures -> failures.isEmpty()
        ? "every live node is back on " + previous.revision()
        : "every live node was served " + previous.revision() + " again, but " + String.join("; ", failures)
            + ": until it does, that node refuses decisions (503)");
  }

  /** Asks every live node to serve {@code release}; the future lists each node that did not confirm, and why. */
  private Future<List<String>> askEveryNode(PolicyRelease release, String why) {
    JsonObject body = new JsonObject().put("release", release.toJson()).put("why", why)
        .put("from", settings.nodeId());
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(activationTimeout.plusSeconds(5).toMillis());
    List<String> nodes = List.copyOf(ClusterNode.liveNodes(hazelcast));
    List<Future<String>> answers = new ArrayList<>();
    for (String node : nodes) {
      answers.add(vertx.eventBus().<JsonObject>request(ACTIVATE + node, body, options)
          .map(reply -> (String) null)
          .otherwise(e -> "node " + node + " did not report " + release.revision() + " active within "
              + activationTimeout.toSeconds() + " s (" + e.getMessage() + ")"));
    }
    return Future.join(answers).map(all -> answers.stream().map(Future::result)
        .filter(java.util.Objects::nonNull).toList());
  }

  /** A publishing node's request: serve the release, answer once OPA reports it active and it is recorded. */
  private void activate(Message<JsonObject> m) {
    PolicyRelease release;
    try {
      release = PolicyRelease.fromJson(m.body().getJsonObject("release"));
    } catch (RuntimeException e) {
      m.fail(400, e.getMessage());
      return;
    }
    String why = m.body().getString("why", "") + " (from node " + m.body().getString("from", "?") + ")";
    publisher.adopt(release, activationTimeout)
        .compose(v -> record(v, why))
        .onSuccess(ok -> m.reply(new JsonObject().put("node", settings.nodeId()).put("revision", release.revision())))
        .onFailure(e -> m.fail(504, String.valueOf(e.getMessage())));
  }

  private Future<Void> record(PublishedVersion v, String why) {
    return audit.append(AccessEvents.policyActivated(settings.nodeId(), v.toJson().getMap(), v.revision(), why))
        .mapEmpty();
  }

  /**
   * One round: reads the cluster's revision; when no publication runs and this node serves another, serves the
   * cluster's (a node that missed a publication, or whose publisher died before it finished). Meanwhile its
   * decisions are refused, since they do not come from the cluster's revision.
   */
  private void catchUp() {
    if (!catchingUp.compareAndSet(false, true)) {
      return;
    }
    vertx.<Optional<PolicyRelease>>executeBlocking(() -> {
      if (!hazelcast.getLifecycleService().isRunning()) {
        return Optional.empty();
      }
      boolean majority = ClusterNode.liveNodes(hazelcast).size() >= settings.quorum();
      String hint = map.get(REVISION);
      if (majority && hint != null && hint.equals(committed)) {
        confirmedAt = System.nanoTime();
      }
      String local = publisher.activeRevision();
      if (hint != null && hint.equals(committed) && hint.equals(local) && ++rounds % FULL_READ_ROUNDS != 0) {
        return Optional.empty();
      }
      releaseLockOfDeadNode();
      String current = map.get(COMMITTED);
      if (current == null) {
        reseed(majority);
        return Optional.empty();
      }
      PolicyRelease release = PolicyRelease.fromJson(new JsonObject(current));
      committed = release.revision();
      if (majority) {
        confirmedAt = System.nanoTime();
      }
      if (audit == null) {
        return Optional.<PolicyRelease>empty();  // started nodes only: catching up records what it activates
      }
      boolean publishing = map.containsKey(LOCK);
      return publishing || publisher.activeRelease().revision().equals(release.revision()) ? Optional.empty()
          : Optional.of(release);
    }).compose(behind -> behind.isEmpty() ? Future.succeededFuture()
        : publisher.adopt(behind.get(), activationTimeout).compose(v -> {
          LOG.info("node {}: caught up with the cluster's policy revision {}", settings.nodeId(), v.revision());
          return record(v, "caught up with the cluster's revision");
        }))
        .onFailure(e -> LOG.warn("node {}: not on the cluster's policy revision {} yet: {}", settings.nodeId(),
            committed, e.getMessage()))
        .onComplete(ar -> catchingUp.set(false));
  }

  /**
   * A publishing node that died leaves its lock behind: it is released as soon as the node is no longer a member,
   * so that the nodes it served half-way go back to the cluster's revision now rather than when the lock expires.
   */
  private void releaseLockOfDeadNode() {
    String held = map.get(LOCK);
    if (held == null) {
      return;
    }
    String holder = new JsonObject(held).getString("node");
    if (!ClusterNode.liveNodes(hazelcast).contains(holder) && map.remove(LOCK, held)) {
      LOG.warn("node {} left the cluster while publishing a policy version: its publication lock is released and "
          + "every node goes back to the cluster's revision {}", holder, committed);
    }
  }

  /**
   * The map lost the cluster's revision (its partition's owner and backup died at once): a node of the majority that
   * serves the revision it last knew as the cluster's writes it back, with its highest version number.
   */
  private void reseed(boolean majority) {
    PolicyRelease local = publisher.activeRelease();
    if (!majority || !local.revision().equals(committed)) {
      return;
    }
    raiseNumber(publisher.highestNumber());
    if (map.putIfAbsent(COMMITTED, local.toJson().encode()) == null) {
      map.put(REVISION, local.revision());
      LOG.warn("node {}: the cluster's policy revision was lost from the cluster's map; written back as {}",
          settings.nodeId(), local.revision());
    }
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    consumers.forEach(MessageConsumer::unregister);
  }
}
