package camgate.gateway.publish;

import camgate.audit.AuditEntry;
import camgate.audit.AuditLog;
import camgate.gateway.policy.OpaEndpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The DPO's policy workflow: proposes (check + test), dry-runs against recorded decisions, publishes
 * and rolls back versions as signed bundles that the gateway's OPA verifies and activates.
 *
 * <p>A publication is complete only when OPA reports the new revision active; if it does not within
 * the activation timeout, or the publication cannot be recorded, the previous version is made active
 * again and the call fails. One publication or rollback at a time. Blocking work (H2, opa tool runs)
 * runs on the {@code policy-pool} workers. On a node of a cluster, a {@link Rollout} stretches the same
 * order over every live node (docs/scale.md, "One policy revision").
 *
 * <p>About 600 lines: proposal, dry-run, publication, rollback and the automatic revert share one lock, one
 * store and one sequence of revisions, and their order (intent recorded, served, activated, recorded, or
 * undone), on one gateway or across a cluster, is the contract docs/policy-bundles.md describes; splitting them
 * would scatter that order.
 */
public final class PolicyPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyPublisher.class);
  private static final Duration STATUS_POLL = Duration.ofMillis(200);
  /** How many access decisions a dry-run replays at most. */
  public static final int MAX_DRY_RUN = 5000;

  /**
   * Records a publication durably (the audit log's policy_published entries): its intent before OPA is
   * served the version, so no version is ever in force without a trace, then its activation.
   */
  public interface Recorder {
    /** Records the activation; a failed future undoes it. */
    Future<?> record(PublishedVersion version);

    /** Records the intent, before OPA is served the version; a failed future stops the publication unchanged. */
    default Future<?> intent(PublishedVersion version) {
      return Future.succeededFuture();
    }
  }

  private final Vertx vertx;
  private final PolicyStore store;
  private final BundleSigner signer;
  private final PolicyTester tester;
  private final DecisionReplay replay;
  private final WebClient client;
  private final Supplier<OpaEndpoint> opa;
  private final Duration activationTimeout;
  private final Clock clock;
  private final WorkerExecutor pool;
  private final AtomicBoolean publishing = new AtomicBoolean();
  private volatile Optional<Rollout> rollout = Optional.empty();
  private final Set<String> revisions = ConcurrentHashMap.newKeySet();
  private volatile String activeRevision;

  /**
   * How a stored version reaches the policy engines of a cluster's nodes (docs/scale.md, "One policy revision"):
   * one publication at a time in the whole cluster, version numbers given out by the cluster, and a publication
   * complete only when every live node's OPA reports it active. Without one, this gateway's OPA alone.
   */
  public interface Rollout {
    /** Takes the cluster's publication lock. BLOCKING. @throws PolicyRejected 409 naming the node holding it */
    void lock();

    /** Releases the lock {@link #lock()} took. BLOCKING. */
    void unlock();

    /** The cluster's next version number, never lower than {@code localNext}. BLOCKING. */
    int claimNumber(int localNext);

    /** The revision every node's decisions must come from: the last one every live node activated. */
    String committedRevision();

    /** Serves {@code release} to every live node; fails naming each node that did not report it active in time. */
    Future<Void> activateEverywhere(PolicyRelease release, String why);

    /** Makes {@code next} the cluster's revision if {@code previous} still is; fails with PolicyRejected 409 if not. */
    Future<Void> commit(PolicyRelease previous, PolicyRelease next);

    /** Serves {@code previous} to every live node again; the future says which nodes confirmed it. Never fails. */
    Future<String> restoreEverywhere(PolicyRelease previous, String why);
  }

  private PolicyPublisher(Vertx vertx, PolicyStore store, BundleSigner signer, Path opaBinary, JsonObject configuration,
                          WebClient client, Supplier<OpaEndpoint> opa, Duration activationTimeout, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.signer = signer;
    this.tester = new PolicyTester(opaBinary, Duration.ofSeconds(60), configuration);
    this.replay = new DecisionReplay(opaBinary, Duration.ofSeconds(60));
    this.client = client;
    this.opa = opa;
    this.activationTimeout = activationTimeout;
    this.clock = clock;
    this.pool = vertx.createSharedWorkerExecutor("policy-pool", 2, 2, TimeUnit.MINUTES);
    this.activeRevision = store.active().orElseThrow().revision();
    store.versions().forEach(v -> revisions.add(v.revision()));
  }

  /**
   * Whether this gateway signed {@code revision} (every stored version, including one being published
   * now): a decision from any other revision does not come from the gateway's policy.
   */
  public boolean published(String revision) {
    return revisions.contains(revision);
  }

  /** The revision OPA last confirmed active (at start: the stored active version's, until OPA confirms it). */
  public String activeRevision() {
    return activeRevision;
  }

  /**
   * Opens the policy store in {@code storeDirectory} and the signing key; on first start imports the
   * policy folders as version 1, signed. The OPA address is read lazily: OPA starts after this.
   *
   * @param configuration the gateway's configuration as the configuration guard reads it; every proposal
   *                      is checked against it with the proposal's own guard
   * @throws IOException (in the future) when the store or key cannot be opened or the folders do not build
   * @throws IllegalStateException (in the future) when the active version calls a built-in camgate forbids
   */
  public static Future<PolicyPublisher> open(Vertx vertx, Path storeDirectory, Path privateKey, Path publicKey,
                                             Path opaBinary, List<Path> initialFolders, JsonObject configuration,
                                             Supplier<OpaEndpoint> opa, Duration activationTimeout,
                                             Clock clock) {
    return vertx.executeBlocking(() -> {
      BundleSigner signer = BundleSigner.open(opaBinary, privateKey, publicKey);
      PolicyStore store = PolicyStore.open(storeDirectory);
      try {
        importInitial(store, signer, initialFolders, clock);
        requireAllowedBuiltins(store, new PolicyTester(opaBinary, Duration.ofSeconds(60), configuration));
      } catch (IOException | RuntimeException e) {
        store.close();
        throw e;
      }
      return new PolicyPublisher(vertx, store, signer, opaBinary, configuration, WebClient.create(vertx), opa,
          activationTimeout, clock);
    });
  }

  private static void importInitial(PolicyStore store, BundleSigner signer, List<Path> folders, Clock clock)
      throws IOException {
    for (Path folder : folders) {
      if (!java.nio.file.Files.isDirectory(folder)) {
        throw new IllegalStateException("policy folder " + folder + " does not exist; "
            + "set opa.policies in the configuration to the folders holding the Rego and data files");
      }
    }
    Optional<PublishedVersion> active = store.active();
    PolicySet files = PolicySet.fromFolders(folders);
    if (active.isPresent()) {
      if (!store.content(active.get().number()).contentHash().equals(files.contentHash())) {
        LOG.warn("the policy folders {} differ from the active published version {} ({}); the published version "
            + "stays in force: publish the folders' content with POST /admin/policy/publish to use it", folders,
            active.get().number(), active.get().revision());
      }
      return;
    }
    String hash = files.contentHash();
    PublishedVersion v1 = new PublishedVersion(1, PublishedVersion.revisionOf(1, hash), hash, "camgate-gateway",
        "initial version imported from " + folders, clock.instant(), "initial", Optional.empty());
    store.add(v1, files, signer.sign(files, v1.revision()));
    store.activate(1);
    LOG.info("policy store created: version 1 ({}) imported from {}", v1.revision(), folders);
  }

  /**
   * A version stored before the built-ins were restricted ({@code OpaCapabilities}) is not served: OPA
   * compiles a bundle with every built-in, so the gateway refuses to start on it instead.
   */
  private static void requireAllowedBuiltins(PolicyStore store, PolicyTester tester) throws IOException {
    PublishedVersion active = store.active().orElseThrow();
    PolicyCheck check = tester.compile(store.content(active.number()));
    if (!check.compiled()) {
      throw new IllegalStateException("the active policy version " + active.number() + " (" + active.revision()
          + ") is not served to OPA: " + check.summary() + ":\n" + check.checkOutput() + "\nmove the policy store "
          + "aside to start again from the policy folders (opa.policies), then publish a corrected version");
    }
  }

  /** Publications from now on go through {@code cluster} (set once, when the node joins, before it serves). */
  public void rollOutWith(Rollout cluster) {
    this.rollout = Optional.of(cluster);
  }

  /** The active version with its content and signed bundle, as the store holds it. BLOCKING. */
  public PolicyRelease activeRelease() {
    return releaseOf(store.active().orElseThrow().number());
  }

  /** The highest version number in this node's store. BLOCKING. */
  public int highestNumber() {
    return store.nextNumber() - 1;
  }

  private PolicyRelease releaseOf(int number) {
    return new PolicyRelease(store.version(number).orElseThrow(), store.content(number), store.bundle(number));
  }

  /**
   * Stores a version another node published (if this store does not hold it yet) and makes it the one served
   * to OPA. BLOCKING.
   *
   * @throws IllegalStateException when this store holds another version under the same number, or the content
   *     does not match the version's hash
   */
  public void importRelease(PolicyRelease release) {
    PublishedVersion v = release.version();
    if (!release.content().contentHash().equals(v.contentHash())) {
      throw new IllegalStateException("policy version " + v.number() + " (" + v.revision() + ") arrived with content "
          + "hashing to " + release.content().contentHash() + ", not " + v.contentHash() + "; not served");
    }
    Optional<PublishedVersion> held = store.version(v.number());
    if (held.isPresent() && !held.get().revision().equals(v.revision())) {
      throw new IllegalStateException("policy version " + v.number() + " is " + held.get().revision()
          + " in this node's store but " + v.revision() + " in the cluster: give every node the same opa.policies "
          + "and move this node's policy-store folder aside so that it takes the cluster's versions");
    }
    if (held.isEmpty()) {
      store.add(v, release.content(), release.bundle());
    }
    revisions.add(v.revision());
    if (store.active().orElseThrow().number() != v.number()) {
      store.activate(v.number());
      LOG.info("policy version {} ({}) from the cluster is now served to OPA", v.number(), v.revision());
    }
  }

  /** {@link #importRelease} then waits until OPA reports it active, as {@link #awaitActive} does. */
  public Future<PublishedVersion> adopt(PolicyRelease release, Duration timeout) {
    return blocking(() -> {
      importRelease(release);
      return release.version();
    }).compose(v -> awaitActive(v.revision(), timeout).map(v));
  }

  /** The public key OPA verifies bundles with. */
  public Path publicKey() {
    return signer.publicKey();
  }

  /** The signed archive of the active version, read from the store on each call (OPA polls it). */
  public Future<SignedBundle> activeBundle() {
    return blocking(() -> store.bundle(store.active().orElseThrow().number()));
  }

  /** The active version's record. */
  public Future<PublishedVersion> active() {
    return blocking(() -> store.active().orElseThrow());
  }

  /** The active version with its content: modules and data. */
  public Future<JsonObject> activeWithContent() {
    return blocking(() -> {
      PublishedVersion v = store.active().orElseThrow();
      JsonObject content = store.content(v.number()).toJson();
      return v.toJson().put("modules", content.getJsonObject("modules")).put("data", content.getJsonObject("data"));
    });
  }

  public Future<List<PublishedVersion>> versions() {
    return blocking(store::versions);
  }

  /** One version with its content (modules and data), to read or compare past versions. */
  public Future<JsonObject> versionWithContent(int number) {
    return blocking(() -> {
      PublishedVersion v = store.version(number).orElseThrow(() -> new PolicyRejected(404,
          "no policy version " + number + "; GET /admin/policy/versions lists them"));
      JsonObject content = store.content(number).toJson();
      return v.toJson().put("modules", content.getJsonObject("modules")).put("data", content.getJsonObject("data"));
    });
  }

  /** Checks and tests the active policy with a proposal applied; changes nothing. */
  public Future<PolicyCheck> propose(JsonObject proposal) {
    return blocking(() -> tester.check(candidate(proposal)));
  }

  /**
   * Replays the last {@code limit} access decisions of {@code log} against the active policy with a
   * proposal applied (which must compile); changes nothing.
   */
  public Future<DryRun> dryRun(JsonObject proposal, int limit, AuditLog log) {
    if (limit < 1 || limit > MAX_DRY_RUN) {
      return Future.failedFuture(new PolicyRejected(400, "limit must be 1.." + MAX_DRY_RUN + ", found " + limit));
    }
    return blocking(() -> {
      PolicySet candidate = candidate(proposal);
      // Replaying needs a policy that compiles, not one whose tests pass: the DPO dry-runs drafts.
      PolicyCheck check = tester.compile(candidate);
      if (!check.compiled()) {
        throw new PolicyRejected(422, "the proposal does not compile; nothing was replayed",
            new JsonObject().put("check", check.toJson()));
      }
      long to = log.size();
      List<AuditEntry> picked = new ArrayList<>();
      long from = to;
      // Walk back page by page until enough access decisions are collected.
      while (from > 0 && picked.stream().filter(e -> e.event().type().equals("access_decision")).count() < limit) {
        long pageStart = Math.max(0, from - 1000);
        List<AuditEntry> page = log.entries(pageStart, (int) (from - pageStart));
        picked.addAll(0, page);
        from = pageStart;
      }
      List<AuditEntry> decisions = picked.stream().filter(e -> e.event().type().equals("access_decision")).toList();
      if (decisions.size() > limit) {
        decisions = decisions.subList(decisions.size() - limit, decisions.size());
      }
      long fromSeq = decisions.isEmpty() ? to : decisions.get(0).seq();
      return replay.replay(candidate, decisions, fromSeq, to);
    });
  }

  /**
   * Publishes the active policy with a proposal applied as a new version: checks and tests it, signs
   * it, makes it active, waits until OPA reports it active, then records it with {@code recorder}.
   *
   * @return the new version; fails with {@link PolicyRejected} (400 malformed, 409 nothing to change or
   *     another publication running, 422 invalid, 504 OPA did not activate it, 503 not recorded)
   */
  public Future<PublishedVersion> publish(JsonObject proposal, String author, String reason, Recorder recorder) {
    return exclusive(() -> blocking(() -> {
      PublishedVersion active = onClusterRevision();
      PolicySet candidate = candidate(proposal);
      if (candidate.contentHash().equals(active.contentHash())) {
        throw new PolicyRejected(409, "the proposal changes nothing: it equals the active version "
            + active.number() + " (" + active.revision() + ")");
      }
      PolicyCheck check = tester.check(candidate);
      if (!check.valid()) {
        throw new PolicyRejected(422, check.summary() + "; nothing was published",
            new JsonObject().put("check", check.toJson()));
      }
      return storeVersion(candidate, author, reason, "publish", Optional.empty());
    }).compose(created -> serve(created, recorder)));
  }

  /**
   * Makes the content of an earlier version active again, as a new version (numbers and revisions only
   * grow, so a replayed older bundle stays detectable).
   */
  public Future<PublishedVersion> rollback(int version, String author, String reason, Recorder recorder) {
    return exclusive(() -> blocking(() -> {
      PublishedVersion active = onClusterRevision();
      PublishedVersion target = store.version(version).orElseThrow(() -> new PolicyRejected(404,
          "no policy version " + version + "; GET /admin/policy/versions lists them"));
      if (target.contentHash().equals(active.contentHash())) {
        throw new PolicyRejected(409, "version " + version + " has the same content as the active version "
            + active.number() + " (" + active.revision() + "): nothing to roll back");
      }
      // The old content is checked again like any proposal: the configuration and the tests it must pass
      // may have changed since it was active, and a rollback must not make the running gateway non-compliant.
      PolicySet content = store.content(version);
      PolicyCheck check = tester.check(content);
      if (!check.valid()) {
        throw new PolicyRejected(422, "version " + version + " cannot be made active again: " + check.summary()
            + "; nothing was rolled back", new JsonObject().put("check", check.toJson()));
      }
      return storeVersion(content, author, reason, "rollback", Optional.of(version));
    }).compose(created -> serve(created, recorder)));
  }

  private record Created(PublishedVersion previous, PublishedVersion version) {
  }

  /** The active version, which in a cluster must be the cluster's: a proposal is built on it. */
  private PublishedVersion onClusterRevision() {
    PublishedVersion active = store.active().orElseThrow();
    Optional<Rollout> cluster = rollout;
    if (cluster.isPresent() && !active.revision().equals(cluster.get().committedRevision())) {
      throw new PolicyRejected(503, "this node serves policy " + active.revision() + " but the cluster's revision is "
          + cluster.get().committedRevision() + ": the node is catching up; retry in a few seconds");
    }
    return active;
  }

  private Created storeVersion(PolicySet content, String author, String reason, String kind,
                               Optional<Integer> rolledBackTo) throws IOException {
    PublishedVersion previous = store.active().orElseThrow();
    int number = rollout.isPresent() ? rollout.get().claimNumber(store.nextNumber()) : store.nextNumber();
    String hash = content.contentHash();
    PublishedVersion v = new PublishedVersion(number, PublishedVersion.revisionOf(number, hash), hash, author, reason,
        clock.instant(), kind, rolledBackTo);
    store.add(v, content, signer.sign(content, v.revision()));
    revisions.add(v.revision());
    return new Created(previous, v);
  }

  /** Records the intent, serves the stored version to OPA, then waits for it as {@link #activate} does. */
  private Future<PublishedVersion> serve(Created created, Recorder recorder) {
    if (rollout.isPresent()) {
      return serveEverywhere(created, recorder, rollout.get());
    }
    PublishedVersion v = created.version;
    return recorder.intent(v)
        .recover(e -> Future.failedFuture(intentNotRecorded(v, created.previous, e)))
        .compose(recorded -> blocking(() -> {
          store.activate(v.number());
          LOG.info("policy version {} ({}) by {} is now served to OPA: {}", v.number(), v.revision(), v.author(),
              v.reason());
          return v;
        }))
        .compose(served -> activate(created.previous, v, recorder));
  }

  /** Waits for OPA, records, and undoes the activation when either fails. */
  private Future<PublishedVersion> activate(PublishedVersion previous, PublishedVersion v, Recorder recorder) {
    long served = System.nanoTime();
    return awaitActive(v.revision(), activationTimeout)
        .onSuccess(ok -> LOG.info("OPA verified and activated {} {} ms after it was served", v.revision(),
            (System.nanoTime() - served) / 1_000_000))
        .recover(e -> {
          String why = "OPA did not activate " + v.revision() + " within " + activationTimeout.toSeconds() + " s ("
              + e.getMessage() + ")";
          return revert(previous, v, why).transform(ar -> Future.failedFuture(new PolicyRejected(504,
              why + "; " + revertOutcome(ar, previous), new JsonObject().put("refused_version", v.toJson()))));
        })
        .compose(ok -> recorder.record(v).recover(e -> {
          String why = "the publication of " + v.revision() + " could not be recorded in the audit log ("
              + e.getMessage() + ")";
          return revert(previous, v, why).transform(ar -> Future.failedFuture(new PolicyRejected(503,
              why + ", so it was undone; " + revertOutcome(ar, previous))));
        }))
        .map(ok -> v);
  }

  /**
   * The cluster's order: intent recorded, served to every live node, every node's OPA reports it active, recorded,
   * then made the cluster's revision. When a node does not confirm, or the record fails, every node is served the
   * previous version again (the same revision: decisions are pinned to the cluster's revision, which never moved).
   */
  private Future<PublishedVersion> serveEverywhere(Created created, Recorder recorder, Rollout cluster) {
    PublishedVersion v = created.version;
    PublishedVersion previous = created.previous;
    return blocking(() -> List.of(releaseOf(previous.number()), releaseOf(v.number()))).compose(releases -> {
      PolicyRelease before = releases.get(0);
      PolicyRelease next = releases.get(1);
      String why = v.kind() + " of version " + v.number() + " by " + v.author() + ": " + v.reason();
      return recorder.intent(v)
          .recover(e -> Future.failedFuture(intentNotRecorded(v, previous, e)))
          .compose(recorded -> cluster.activateEverywhere(next, why).recover(e -> {
            String failed = "the cluster did not activate " + v.revision() + ": " + e.getMessage();
            LOG.error("undoing policy version {} ({}): {}", v.number(), v.revision(), failed);
            return cluster.restoreEverywhere(before, "undoing version " + v.number() + ": " + failed)
                .compose(outcome -> {
                  LOG.error("policy version {} undone: {}", v.number(), outcome);
                  return Future.failedFuture(new PolicyRejected(504, failed + "; " + outcome,
                      new JsonObject().put("refused_version", v.toJson())));
                });
          }))
          .compose(ok -> recorder.record(v).recover(e -> {
            String failed = "the publication of " + v.revision() + " could not be recorded in the audit log ("
                + e.getMessage() + ")";
            return cluster.restoreEverywhere(before, "undoing version " + v.number() + ": " + failed)
                .compose(outcome -> Future.failedFuture(new PolicyRejected(503, failed + ", so it was undone; "
                    + outcome)));
          }))
          .compose(ok -> cluster.commit(before, next))
          .map(ok -> v);
    });
  }

  private static PolicyRejected intentNotRecorded(PublishedVersion v, PublishedVersion previous, Throwable e) {
    return new PolicyRejected(503, "the publication of " + v.revision() + " could not be recorded in the audit log "
        + "before it was served (" + e.getMessage() + "), so nothing changed; version " + previous.number()
        + " stays active");
  }

  private static String revertOutcome(io.vertx.core.AsyncResult<PublishedVersion> ar, PublishedVersion previous) {
    return ar.succeeded()
        ? "version " + ar.result().number() + " (" + ar.result().revision() + ", the content of version "
            + previous.number() + ") is active"
        : "restoring the content of version " + previous.number() + " failed too (" + ar.cause().getMessage()
            + "): check OPA's log and GET /admin/policy";
  }

  /**
   * Undoes a failed publication by publishing the previous content again as a new version (kind
   * "revert"): revisions keep growing, so the gateway's replay check never has to accept a lower one,
   * even if OPA did activate the failed version for a moment.
   */
  private Future<PublishedVersion> revert(PublishedVersion previous, PublishedVersion failed, String why) {
    LOG.error("undoing policy version {} ({}): {}", failed.number(), failed.revision(), why);
    return blocking(() -> {
      // Back to content that was in force and recorded before: served at once, no new intent to record.
      Created created = storeVersion(store.content(previous.number()), "camgate-gateway",
          "automatic revert of version " + failed.number() + ": " + why, "revert", Optional.of(previous.number()));
      store.activate(created.version().number());
      return created;
    })
        .compose(created -> awaitActive(created.version().revision(), activationTimeout).map(created.version()))
        .onFailure(e -> LOG.error("OPA did not activate the revert of {}: {}", failed.revision(), e.getMessage()));
  }

  /**
   * Completes when OPA's status reports {@code revision} as the active revision of bundle camgate;
   * fails after {@code timeout} with OPA's last bundle status (e.g. its signature error).
   */
  public Future<Void> awaitActive(String revision, Duration timeout) {
    Promise<Void> done = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    poll(revision, deadline, done);
    return done.future();
  }

  private void poll(String revision, long deadline, Promise<Void> done) {
    bundleStatus().onComplete(ar -> {
      JsonObject status = ar.succeeded() ? ar.result() : new JsonObject().put("message", ar.cause().getMessage());
      if (revision.equals(status.getString("active_revision"))) {
        activeRevision = revision;
        done.complete();
        return;
      }
      if (System.nanoTime() > deadline) {
        done.fail("OPA's bundle status: active revision " + status.getString("active_revision", "none")
            + (status.getString("message") == null ? "" : ", last error " + status.getString("code", "") + ": "
            + status.getString("message")));
        return;
      }
      vertx.setTimer(STATUS_POLL.toMillis(), id -> poll(revision, deadline, done));
    });
  }

  /**
   * OPA's status of bundle camgate: {@code active_revision}, {@code code} and {@code message} of the
   * last failed download or activation (OPA keeps the previous bundle active then).
   */
  public Future<JsonObject> bundleStatus() {
    return opa.get().get(client, "/v1/status").timeout(2000).send().map(r -> {
      JsonObject bundle = r.statusCode() == 200 ? r.bodyAsJsonObject().getJsonObject("result", new JsonObject())
          .getJsonObject("bundles", new JsonObject()).getJsonObject("camgate") : null;
      return bundle == null ? new JsonObject().put("message", "no bundle status yet (HTTP " + r.statusCode() + ")")
          : bundle;
    });
  }

  private PolicySet candidate(JsonObject proposal) {
    if (proposal == null) {
      throw new PolicyRejected(400, "the request body must be a JSON object {\"modules\": {path: rego}, \"data\": {...}}");
    }
    PublishedVersion active = store.active().orElseThrow();
    try {
      return store.content(active.number()).with(proposal);
    } catch (IllegalArgumentException e) {
      throw new PolicyRejected(400, "malformed proposal: " + e.getMessage());
    }
  }

  private <T> Future<T> exclusive(Supplier<Future<T>> operation) {
    if (!publishing.compareAndSet(false, true)) {
      return Future.failedFuture(new PolicyRejected(409, "another publication or rollback is in progress; "
          + "retry when it has finished"));
    }
    Optional<Rollout> cluster = rollout;
    Future<T> f;
    if (cluster.isPresent()) {
      // The cluster's lock, then the operation; the lock is released whatever the outcome.
      f = blocking(() -> {
        cluster.get().lock();
        return true;
      }).compose(locked -> run(operation).transform(ar -> blocking(() -> {
        cluster.get().unlock();
        return true;
      }).transform(ignored -> ar.succeeded() ? Future.succeededFuture(ar.result())
          : Future.<T>failedFuture(ar.cause()))));
    } else {
      f = run(operation);
    }
    return f.onComplete(ar -> publishing.set(false));
  }

  private static <T> Future<T> run(Supplier<Future<T>> operation) {
    try {
      return operation.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return pool.executeBlocking(work, false);
  }

  @Override
  public void close() {
    pool.close();
    client.close();
    store.close();
  }

}
