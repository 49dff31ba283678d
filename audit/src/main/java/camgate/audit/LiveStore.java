package camgate.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database the log currently writes to, opened and checked against the latest signed checkpoint, and whether
 * it works. A store failure makes it unavailable (fail closed: nothing is acknowledged that is not durable); the
 * writer thread then reopens it with backoff ({@link AuditStatus}), checks it again as at open, and resumes.
 */
final class LiveStore {
  private static final Logger LOG = LoggerFactory.getLogger(LiveStore.class);

  private final String url;
  private final Path databaseFile;
  private final Clock clock;
  private volatile AuditStore store;
  private volatile Outage outage; // null while writable
  private volatile String lastError;
  private CompletableFuture<Void> writableAgain = CompletableFuture.completedFuture(null); // guarded by this

  /** Why and since when the store is unavailable, and when the writer next tries to reopen it. */
  private record Outage(Throwable cause, Instant since, int attempts, long retryAtNanos, Instant retryAt) {
  }

  /** A store just opened, with the tree its entries hash to and its latest checkpoint (null if none). */
  record Opened(AuditStore store, MerkleTree tree, SignedCheckpoint latest) {
  }

  LiveStore(String url, Path databaseFile, Clock clock, AuditStore store) {
    this.url = url;
    this.databaseFile = databaseFile;
    this.clock = clock;
    this.store = store;
  }

  /**
   * Connects to the database and re-hashes every stored entry: the entries must still match the latest signed
   * checkpoint. BLOCKING (reads the whole log).
   *
   * @throws IOException if the entries were removed or modified outside the log
   * @throws SQLException if H2 cannot open the database
   */
  static Opened openVerified(String url, Path databaseFile) throws SQLException, IOException {
    AuditStore store = AuditStore.connect(url, databaseFile);
    try {
      MerkleTree tree = loadTree(store);
      SignedCheckpoint latest = store.latestCheckpoint();
      if (latest != null) {
        if (latest.size() > tree.size()) {
          throw new IOException("audit database has " + tree.size() + " entries but a signed checkpoint covers "
              + latest.size() + ": entries were removed outside the log; export it and run 'camgate audit verify'");
        }
        Hash root = tree.root(latest.size());
        if (!root.equals(latest.root())) {
          throw new IOException("audit database entries 0.." + (latest.size() - 1) + " hash to root " + root.hex()
              + " but the signed checkpoint says " + latest.root().hex() + ": the database was modified outside"
              + " the log; keep it as evidence, export it and run 'camgate audit verify'");
        }
      }
      return new Opened(store, tree, latest);
    } catch (SQLException | IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Re-hashes every stored entry into a new tree, checking the groups are contiguous and intact. BLOCKING. */
  private static MerkleTree loadTree(AuditStore store) throws SQLException, IOException {
    MerkleTree tree = new MerkleTree();
    List<Hash> leaves = new ArrayList<>();
    store.readBatches(0, Long.MAX_VALUE, (first, count, joined) -> {
      if (first != tree.size()) {
        throw new IOException("audit database has entry " + first + " where entry " + tree.size() + " was expected:"
            + " entries are missing; export it and run 'camgate audit verify'");
      }
      List<byte[]> lines = AuditStore.splitLines(joined);
      if (lines.size() != count) {
        throw new IOException("audit database group at seq " + first + " holds " + lines.size() + " entries but"
            + " records " + count + ": it was modified outside the log; export it and run 'camgate audit verify'");
      }
      for (byte[] line : lines) {
        leaves.add(TreeHasher.hashLeaf(line));
      }
      tree.append(leaves);
      leaves.clear();
    });
    return tree;
  }

  /**
   * The store to write to or read from.
   *
   * @throws AuditUnavailableException while the store is unavailable
   */
  AuditStore current() {
    Outage o = outage;
    if (o != null) {
      throw new AuditUnavailableException("audit store unavailable since " + o.since() + " (" + o.cause().getMessage()
          + "); the log reopens it by itself, next attempt at " + o.retryAt() + "; treat the entry as not logged", o.cause());
    }
    return store;
  }

  /** Whether the store is unavailable now. */
  boolean failed() {
    return outage != null;
  }

  /** What made the store unavailable, or null while it is writable. */
  Throwable failure() {
    Outage o = outage;
    return o == null ? null : o.cause();
  }

  /** Records a store failure: {@link #current()} refuses until {@link #reopen} succeeds. */
  synchronized void fail(Throwable cause) {
    if (outage != null) {
      return;
    }
    lastError = String.valueOf(cause.getMessage());
    outage = scheduled(cause, clock.instant(), 0, clock);
    writableAgain = new CompletableFuture<>();
    LOG.error("audit store failed; appends fail until it is reopened (first attempt in {} ms)",
        AuditStatus.FIRST_RETRY_MS, cause);
  }

  private static Outage scheduled(Throwable cause, Instant since, int attempts, Clock clock) {
    long delay = AuditStatus.retryDelayMillis(attempts);
    return new Outage(cause, since, attempts, System.nanoTime() + delay * 1_000_000, clock.instant().plusMillis(delay));
  }

  /** Whether the store is unavailable and its next reopening is due. */
  boolean retryDue() {
    Outage o = outage;
    return o != null && System.nanoTime() - o.retryAtNanos() >= 0;
  }

  AuditStatus status() {
    Outage o = outage;
    return o == null ? new AuditStatus(true, lastError, null, null, 0)
        : new AuditStatus(false, lastError, o.since(), o.retryAt(), o.attempts());
  }

  /** Completes when the store is writable again (at once if it is). */
  synchronized CompletableFuture<Void> writableAgain() {
    return writableAgain;
  }

  /**
   * Reopens the database after a failure and checks it as at open, and that it still holds every entry of
   * {@code tree} (what the log acknowledged); entries committed but never acknowledged (a failed sync) are
   * added to {@code tree}. On failure, schedules the next attempt. Writer thread only: nothing else extends
   * {@code tree}. BLOCKING.
   *
   * @param latestStored given the latest stored checkpoint (null if none) before the store becomes writable
   * @return whether the store is writable again
   */
  boolean reopen(MerkleTree tree, Consumer<SignedCheckpoint> latestStored) {
    Outage o = outage;
    store.close();
    Opened opened = null;
    try {
      opened = openVerified(url, databaseFile);
      long known = tree.size();
      MerkleTree stored = opened.tree();
      if (stored.size() < known) {
        throw new IOException("audit database holds " + stored.size() + " entries but the log had acknowledged "
            + known + ": acknowledged entries are missing (a file restored from a backup?); keep it as evidence");
      }
      if (known > 0 && !stored.root(known).equals(tree.root(known))) {
        throw new IOException("audit database entries 0.." + (known - 1) + " differ from those the log wrote;"
            + " keep it as evidence, export it and run 'camgate audit verify'");
      }
      List<Hash> unacknowledged = new ArrayList<>();
      for (long i = known; i < stored.size(); i++) {
        unacknowledged.add(stored.leaf(i));
      }
      tree.append(unacknowledged);
      latestStored.accept(opened.latest());
      synchronized (this) {
        store = opened.store();
        outage = null;
        writableAgain.complete(null);
      }
      LOG.info("audit store reopened after {} attempt(s); appends resume at seq {}", o.attempts() + 1, tree.size());
      return true;
    } catch (SQLException | IOException | RuntimeException e) {
      if (opened != null) {
        opened.store().close();
      }
      synchronized (this) {
        lastError = "reopening the audit database failed: " + e.getMessage();
        outage = scheduled(o.cause(), o.since(), o.attempts() + 1, clock);
      }
      LOG.warn("reopening the audit store failed (attempt {}), next in {} ms: {}", o.attempts() + 1,
          AuditStatus.retryDelayMillis(o.attempts() + 1), e.getMessage());
      return false;
    }
  }

  String url() {
    return url;
  }

  /** Closes the database connections. */
  void close() {
    store.close();
  }
}
