package camgate.gateway.cluster;

import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.audit.ClusterRegister;
import camgate.audit.NoteKey;
import camgate.audit.SignedCheckpoint;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This node's part in the city's register ({@link ClusterRegister}, docs/scale.md "One register for the city"):
 * every renewal period it sends its log's latest signed checkpoint to the keeper over the event bus, and takes
 * back the register entries its replica lacks; the node holding the {@value #LEASE} lease is the keeper, the one
 * event-bus consumer of {@value #ADDRESS}{@code <its node id>}, which records each checkpoint only while its fenced
 * lease is valid.
 *
 * <p>Replication rides on the checkpoint round: a node's request carries its replica's size (its acknowledgement)
 * and the keeper's answer carries the entries after it, so every live replica is at most one round behind. When
 * the keeper dies, the next lease holder goes on with its own replica.
 *
 * <p>All register work (H2, signing) runs on this class's own thread or a worker thread, never on an event loop.
 */
public final class RegisterKeeper implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RegisterKeeper.class);
  /** The keeper's lease in {@link LeaseTable}, with the cameras' fencing. */
  static final String LEASE = "register";
  /**
   * Where nodes send their checkpoints, followed by the keeper's node id (read from its lease): only the keeper
   * consumes it, and a node's own address is never served by another node's stale subscription.
   */
  static final String ADDRESS = "camgate.register.record.";
  /** Where each node answers the entries of its replica from a size: a new keeper catches up from it. */
  static final String REPLICA_ADDRESS = "camgate.register.replica.";
  /** Most register entries a reply carries: a replica far behind catches up over a few rounds. */
  private static final int BATCH = 500;

  private final ClusterSettings settings;
  private final HazelcastInstance hazelcast;
  private final Vertx vertx;
  private final LeaseTable table;
  private final AuditLogOptions options;
  private volatile ClusterRegister register;
  private final AuditLog nodeLog;
  // Two threads: a round waiting for a slow or lost reply must never delay the lease's renewal.
  private final ScheduledExecutorService leaseLoop = Executors.newSingleThreadScheduledExecutor(CameraOwnership.daemon("register-lease"));
  private final ScheduledExecutorService rounds = Executors.newSingleThreadScheduledExecutor(CameraOwnership.daemon("register-round"));
  // A third: a witness slow to answer must delay neither the lease nor the recording of checkpoints.
  private final ScheduledExecutorService witnessing = Executors.newSingleThreadScheduledExecutor(CameraOwnership.daemon("register-witness"));
  private final WitnessRound witnesses;
  private volatile CameraOwnership.Held held;
  private volatile MessageConsumer<JsonObject> consumer;
  private MessageConsumer<JsonObject> replicaConsumer;
  private volatile String lastProblem = "";
  private long lastLeaseTickNanos = System.nanoTime();
  private long quietUntilNanos = System.nanoTime();

  private RegisterKeeper(ClusterSettings settings, HazelcastInstance hazelcast, Vertx vertx, AuditLogOptions options,
                         ClusterRegister register, AuditLog nodeLog, List<RegisterWitness> witnesses) {
    this.settings = settings;
    this.hazelcast = hazelcast;
    this.vertx = vertx;
    this.table = new LeaseTable(hazelcast.getMap(LeaseTable.MAP), System::currentTimeMillis);
    this.options = options;
    this.register = register;
    this.nodeLog = nodeLog;
    this.witnesses = new WitnessRound(witnesses);
    for (String line : register.latestCosigned()) {
      JsonObject cosigned = new JsonObject(line);
      this.witnesses.held(cosigned.getString("note"), cosigned.getLong("size"));
    }
  }

  /**
   * Opens this node's copy of the register ({@code options}: its H2 file in the node's state folder, the key every
   * node shares, the cluster's origin). BLOCKING.
   *
   * @param witnesses {@code cluster.witnesses}: the keeper has each cosign what every live replica acknowledged
   * @throws IOException as {@link ClusterRegister#open} does
   */
  public static RegisterKeeper open(ClusterSettings settings, HazelcastInstance hazelcast, Vertx vertx,
                                    AuditLogOptions options, AuditLog nodeLog, List<RegisterWitness> witnesses)
      throws IOException {
    return new RegisterKeeper(settings, hazelcast, vertx, options, ClusterRegister.open(options), nodeLog, witnesses);
  }

  public void start() {
    replicaConsumer = vertx.eventBus().consumer(REPLICA_ADDRESS + settings.nodeId(), m ->
        vertx.executeBlocking(() -> new JsonObject().put("lines", new JsonArray(
                register.entriesFrom(Math.min(m.body().getLong("from", 0L), register.log().size()), BATCH))))
            .onSuccess(m::reply).onFailure(e -> m.fail(503, e.getMessage())));
    leaseLoop.scheduleWithFixedDelay(this::leaseTick, 0, settings.renew().toMillis(), TimeUnit.MILLISECONDS);
    rounds.scheduleWithFixedDelay(this::round, 0, settings.renew().toMillis(), TimeUnit.MILLISECONDS);
    if (!witnesses.targets().isEmpty()) {
      witnessing.scheduleWithFixedDelay(this::witnessRound, settings.renew().toMillis(), settings.renew().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * A configured witness as this node sees it, for the meters.
   *
   * @param witness      its label (URL)
   * @param cosignedSize the latest register size of which this node holds its valid cosignature (the keeper's own, or
   *                     a replica's adopted from the keeper)
   * @param failures     how many times it did not cosign when this node, as keeper, asked
   *     (both live values held by the keeper: the meters' weak references keep them)
   */
  public record WitnessMeter(String witness, Number cosignedSize, Number failures) {
  }

  /** One {@link WitnessMeter} per configured witness, in the configuration's order. */
  public List<WitnessMeter> witnessMeters() {
    return witnesses.targets().stream()
        .map(t -> new WitnessMeter(t.witness.label(), t.cosigned, t.failures)).toList();
  }

  private void witnessRound() {
    if (!keeps() || !hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    try {
      java.util.Set<String> replicas = new java.util.HashSet<>(liveNodes());
      replicas.remove(settings.nodeId());
      witnesses.run(register, replicas, this::keeps);
    } catch (RuntimeException e) {
      LOG.warn("node {}: witness round failed: {}", settings.nodeId(), e.toString());
    }
  }

  /** This node's copy of the register (the keeper's log, or a replica at most one round behind it). */
  public ClusterRegister register() {
    return register;
  }

  /** True while this node holds the keeper lease and its local deadline has not passed. */
  public boolean keeps() {
    CameraOwnership.Held h = held;
    return h != null && h.valid(System.nanoTime());
  }

  private void leaseTick() {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    try {
      keepLease();
    } catch (RuntimeException e) {
      LOG.warn("register lease on node {}: {}", settings.nodeId(), e.toString());
    }
  }

  private void round() {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    try {
      sendCheckpoint();
      lastProblem = "";
    } catch (Exception e) {
      String problem = String.valueOf(e.getMessage());
      if (!problem.equals(lastProblem)) {
        LOG.warn("node {}: checkpoint not recorded in the register this round: {}", settings.nodeId(), problem);
      }
      lastProblem = problem;
    }
  }

  /** Claims the keeper lease when it is free, renews it while held; a minority neither claims nor keeps it. */
  private void keepLease() {
    long sent = System.nanoTime();
    if (sent - lastLeaseTickNanos > settings.lease().toNanos()) {
      // Not run for longer than a lease (frozen, starved): this node's view of the map may be a stale partition
      // copy, and a claim in it could name a second keeper. Let membership settle first, as CameraOwnership does.
      quietUntilNanos = sent + settings.failureDetection().multipliedBy(2).toNanos();
    }
    lastLeaseTickNanos = sent;
    boolean quorate = liveMembers() >= settings.quorum();
    CameraOwnership.Held h = held;
    if (h != null && (!quorate || !h.valid(sent)
        || table.renew(LEASE, settings.nodeId(), h.token(), settings.lease().toMillis()).isEmpty())) {
      stopKeeping(h, quorate ? "the keeper lease was expired or taken" : "this node is in a minority");
      return;
    }
    if (h != null) {
      held = CameraOwnership.Held.sentAt(h.token(), sent, settings);
      return;
    }
    if (!quorate || sent - quietUntilNanos < 0) {
      return;
    }
    Lease lease = table.claim(LEASE, settings.nodeId(), settings.lease().toMillis());
    if (lease.node().equals(settings.nodeId()) && lease.heldAt(System.currentTimeMillis())) {
      catchUp();
      witnesses.reset();
      held = CameraOwnership.Held.sentAt(lease.token(), sent, settings);
      consumer = vertx.eventBus().consumer(ADDRESS + settings.nodeId(), this::onCheckpoint);
      LOG.info("node {} keeps the city's register (lease token {}, {} entries)", settings.nodeId(), lease.token(),
          register.log().size());
    }
  }

  /**
   * Before a new keeper records anything: takes from every other live replica the entries its own lacks (the dead
   * keeper replicated them to some nodes, not yet to this one), so that it goes on with the longest copy and no
   * replica finds the register forked.
   */
  private synchronized void catchUp() {
    for (String node : liveNodes()) {
      if (node.equals(settings.nodeId())) {
        continue;
      }
      try {
        while (true) {
          JsonObject reply = vertx.eventBus().<JsonObject>request(REPLICA_ADDRESS + node,
                  new JsonObject().put("from", register.log().size()))
              .toCompletionStage().toCompletableFuture().get(settings.lease().toMillis(), TimeUnit.MILLISECONDS)
              .body();
          List<String> lines = reply.getJsonArray("lines", new JsonArray()).stream().map(String::valueOf).toList();
          if (lines.isEmpty()) {
            break;
          }
          register.replicate(lines);
        }
      } catch (Exception e) {
        LOG.warn("new keeper {} could not catch up from the replica of node {}: {}", settings.nodeId(), node,
            e.toString());
      }
    }
  }

  private void stopKeeping(CameraOwnership.Held h, String why) {
    held = null;
    MessageConsumer<JsonObject> c = consumer;
    consumer = null;
    if (c != null) {
      c.unregister();
    }
    LOG.warn("node {} no longer keeps the register (lease token {}): {}", settings.nodeId(), h.token(), why);
  }

  private int liveMembers() {
    return liveNodes().size();
  }

  /** The node ids of the live members. */
  java.util.Set<String> liveNodes() {
    return ClusterNode.liveNodes(hazelcast);
  }

  /** One round of this node: its latest checkpoint to the keeper, the entries its replica lacks back. BLOCKING. */
  private void sendCheckpoint() throws Exception {
    Optional<SignedCheckpoint> latest = nodeLog.latestCheckpoint();
    if (latest.isEmpty()) {
      return;  // the node signs its first checkpoint within its checkpoint interval
    }
    Lease lease = table.read(java.util.Set.of(LEASE)).get(LEASE);
    if (lease == null || !lease.heldAt(System.currentTimeMillis())) {
      throw new IllegalStateException("no node holds the keeper lease now");
    }
    NoteKey key = nodeLog.publicKey();
    ClusterRegister copy = register;
    long replicaSize = copy.log().size();
    // The root goes with the size: a copy that differs from the keeper's (a dead keeper's, back) acknowledges nothing.
    JsonObject request = new JsonObject().put("node", settings.nodeId()).put("origin", key.name())
        .put("public_key_pem", key.pem()).put("note", latest.get().note()).put("replica_size", replicaSize)
        .put("replica_root", copy.log().root(replicaSize).hex());
    JsonObject reply;
    try {
      reply = vertx.eventBus().<JsonObject>request(ADDRESS + lease.node(), request,
              new DeliveryOptions().setSendTimeout(roundTimeoutMillis()))
          .toCompletionStage().toCompletableFuture().get(roundTimeoutMillis() * 2, TimeUnit.MILLISECONDS)
          .body();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IllegalStateException(cause instanceof ReplyException r && r.failureCode() > 0
          ? "the keeper refused it: " + r.getMessage() : "no keeper answered (" + cause + ")", cause);
    }
    List<String> lines = reply.getJsonArray("lines", new JsonArray()).stream().map(String::valueOf).toList();
    if (!lines.isEmpty()) {
      try {
        register.replicate(lines);
      } catch (IllegalArgumentException e) {
        if (keeps() || !e.getMessage().contains("differs")) {
          throw e;
        }
        setAside(e);
        return;
      }
    }
    adoptCosigned(reply.getJsonArray("cosigned", new JsonArray()));
  }

  /**
   * A replica keeps the keeper's latest cosigned checkpoints once it holds their size, so that its own export ends
   * at a cosigned checkpoint too. Each is checked against this copy and the configured witness keys first.
   */
  private void adoptCosigned(JsonArray cosigned) throws IOException {
    List<camgate.audit.ClusterVerifier.WitnessKey> keys = witnesses.targets().stream().map(t -> t.witness.key())
        .toList();
    if (keys.isEmpty()) {
      return;
    }
    for (Object o : cosigned) {
      String line = String.valueOf(o);
      try {
        if (register.adopt(line, keys)) {
          JsonObject c = new JsonObject(line);
          witnesses.held(c.getString("note"), c.getLong("size"));
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("node {}: a cosigned register checkpoint from the keeper was not kept: {}", settings.nodeId(),
            e.getMessage());
      }
    }
  }

  /**
   * This replica holds entries the keeper's log does not: it was the keeper and died before replicating its last
   * round (those entries were node checkpoints the newer ones cover again). The copy is kept aside as evidence,
   * never deleted, and a fresh replica is taken from the keeper over the next rounds.
   */
  private synchronized void setAside(IllegalArgumentException fork) throws IOException {
    Path db = Path.of(options.databaseFile() + ".mv.db");
    Path aside = db.resolveSibling(options.databaseFile().getFileName() + "-forked-" + System.currentTimeMillis()
        + ".mv.db");
    LOG.error("node {}: its copy of the register differs from the keeper's ({}); moved to {} and taken again from"
        + " the keeper", settings.nodeId(), fork.getMessage(), aside);
    ClusterRegister old = register;
    old.close();
    Files.move(db, aside);
    Path cosigned = Path.of(options.databaseFile() + "-cosigned.jsonl");
    if (Files.exists(cosigned)) {
      Files.move(cosigned, Path.of(aside + "-cosigned.jsonl"));
    }
    register = ClusterRegister.open(options);
  }

  /** Two rounds: a request lost at a change of keeper is given up in time for the next round to go to the new one. */
  private long roundTimeoutMillis() {
    return settings.renew().toMillis() * 2;
  }

  /** The keeper's side of a round, on a worker thread: fence, register, record, answer the missing entries. */
  private void onCheckpoint(Message<JsonObject> message) {
    JsonObject m = message.body();
    vertx.<JsonObject>executeBlocking(() -> {
      if (!keeps()) {
        throw new IllegalStateException("node " + settings.nodeId() + " no longer holds the keeper lease");
      }
      String node = m.getString("node");
      acknowledge(node, m.getLong("replica_size", 0L), m.getString("replica_root"));
      register.registerNode(node, m.getString("origin"), m.getString("public_key_pem"));
      if (!keeps()) {
        throw new IllegalStateException("node " + settings.nodeId() + " lost the keeper lease while recording");
      }
      register.record(node, m.getString("note"));
      long from = Math.min(m.getLong("replica_size", 0L), register.log().size());
      boolean self = node.equals(settings.nodeId());
      return new JsonObject().put("size", register.log().size())
          .put("lines", new JsonArray(self ? List.of() : register.entriesFrom(from, BATCH)))
          .put("cosigned", new JsonArray(self ? List.of() : register.latestCosigned()));
    }).onSuccess(message::reply).onFailure(e -> message.fail(e instanceof IllegalArgumentException ? 400 : 503,
        e.getMessage()));
  }

  /**
   * Keeps a replica's acknowledgement for the witness round: its size counts only if its copy has the keeper's
   * root at that size (a copy that forked acknowledges nothing until it is taken again).
   */
  private void acknowledge(String node, long size, String root) {
    boolean same = root != null && size <= register.log().size() && register.log().root(size).hex().equals(root);
    witnesses.acknowledge(node, same ? size : 0);
  }

  @Override
  public void close() {
    leaseLoop.shutdownNow();
    rounds.shutdownNow();
    witnessing.shutdownNow();
    try {
      leaseLoop.awaitTermination(5, TimeUnit.SECONDS);
      rounds.awaitTermination(5, TimeUnit.SECONDS);
      witnessing.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (replicaConsumer != null) {
      replicaConsumer.unregister();
    }
    CameraOwnership.Held h = held;
    if (h != null) {
      stopKeeping(h, "node " + settings.nodeId() + " is stopping");
      try {
        table.release(LEASE, settings.nodeId(), h.token());
      } catch (RuntimeException e) {
        LOG.debug("keeper lease not released at stop ({}); it expires by itself", e.toString());
      }
    }
    register.close();
  }
}
