package camgate.audit;

import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's checkpoints: signed with the current key and stored durably, on demand and every half
 * {@code checkpointInterval} while the tree grows, so an acknowledged entry is covered within the interval.
 */
final class CheckpointSchedule {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointSchedule.class);

  private final AuditLogOptions options;
  private final MerkleTree tree;
  private final LiveStore store;
  private final Object lock = new Object();
  private final ScheduledExecutorService timer;
  private volatile SigningKey key;
  private volatile SignedCheckpoint latest;

  CheckpointSchedule(AuditLogOptions options, MerkleTree tree, LiveStore store, SigningKey key,
                     SignedCheckpoint latest) {
    this.options = options;
    this.tree = tree;
    this.store = store;
    this.key = key;
    this.latest = latest;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "audit-checkpointer");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts signing periodically. */
  void start() {
    // Ticking at half the interval bounds the time from an acknowledged entry to a signed checkpoint covering it by
    // the interval itself (half a tick of waiting plus signing), not by twice the interval.
    long period = Math.max(1, options.checkpointInterval().toMillis() / 2);
    timer.scheduleAtFixedRate(this::signIfGrown, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * The lock held while a checkpoint is signed and stored; key rotation holds it from its announcement to the key
   * switch, so no other checkpoint is signed with the old key meanwhile.
   */
  Object lock() {
    return lock;
  }

  SignedCheckpoint latest() {
    return latest;
  }

  SigningKey key() {
    return key;
  }

  /** Signs with {@code next} from now on. Caller holds {@link #lock()}. */
  void switchKey(SigningKey next) {
    key = next;
  }

  /** Signs and stores a checkpoint of the current tree. @throws AuditUnavailableException if it cannot be stored */
  SignedCheckpoint signNow() {
    synchronized (lock) {
      return signAndStore(tree.size());
    }
  }

  /**
   * Signs a checkpoint of {@code size} now and stores it durably. Caller holds {@link #lock()}.
   *
   * @throws AuditUnavailableException if it cannot be stored: the store is then failed (fail closed), because a log
   *     that cannot store checkpoints cannot keep its promises
   */
  SignedCheckpoint signAndStore(long size) {
    Hash root = tree.root(size);
    SignedCheckpoint cp = CheckpointNote.sign(key, options.origin(), size, root, options.clock().instant());
    try {
      store.current().storeCheckpoint(cp);
    } catch (SQLException e) {
      store.fail(e);
      throw new AuditUnavailableException("cannot store the audit checkpoint of size " + size + ": " + e.getMessage(), e);
    }
    SignedCheckpoint l = latest;
    if (l == null || cp.size() >= l.size()) {
      latest = cp;
    }
    return cp;
  }

  /** Takes {@code stored} (the latest checkpoint of a reopened store, or null) as the latest if it is newer. */
  void adopt(SignedCheckpoint stored) {
    synchronized (lock) {
      SignedCheckpoint l = latest;
      if (stored != null && (l == null || stored.size() > l.size())) {
        latest = stored;
      }
    }
  }

  /** Whether entries arrived since the latest checkpoint (or none was ever signed). */
  boolean behind() {
    SignedCheckpoint l = latest;
    return l == null || tree.size() > l.size();
  }

  private void signIfGrown() {
    try {
      SignedCheckpoint l = latest;
      if (!store.failed() && tree.size() > (l == null ? 0 : l.size())) {
        signNow();
      }
    } catch (RuntimeException e) {
      LOG.error("periodic audit checkpoint failed", e);
    }
  }

  /** Stops the periodic signing (waits up to 10 s for one in progress). */
  void stop() {
    timer.shutdown();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
