package camgate.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuditLog} on an embedded H2 file database: the parts ({@link LiveStore} opening and checking the
 * database, {@link GroupCommit} appending, {@link CheckpointSchedule} signing, {@link BundleExport},
 * {@link KeyRotation}) share one in-memory {@link MerkleTree}, which only the group-commit writer extends.
 */
final class H2AuditLog implements AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(H2AuditLog.class);
  /** Databases open in this JVM: a second writer on the same embedded database would fork the tree. */
  private static final Set<String> OPEN = ConcurrentHashMap.newKeySet();

  private final LiveStore store;
  private final MerkleTree tree;
  private final GroupCommit commit;
  private final CheckpointSchedule checkpoints;
  private final BundleExport export;
  private final KeyRotation rotation;
  private boolean closed;

  private H2AuditLog(AuditLogOptions options, LiveStore store, MerkleTree tree, SigningKey key,
                     SignedCheckpoint latest) {
    this.store = store;
    this.tree = tree;
    this.checkpoints = new CheckpointSchedule(options, tree, store, key, latest);
    this.commit = new GroupCommit(options, tree, store, checkpoints);
    this.export = new BundleExport(options, tree, store, checkpoints);
    this.rotation = new KeyRotation(options, tree, store, commit, checkpoints);
  }

  static String jdbcUrl(Path databaseFile) {
    return AuditStore.jdbcUrl(databaseFile);
  }

  static H2AuditLog open(AuditLogOptions options) throws IOException {
    return open(options, AuditStore.SETTINGS);
  }

  /** Opens with other H2 URL settings than the log's own: for the benchmark's before/after. */
  static H2AuditLog open(AuditLogOptions options, String settings) throws IOException {
    String url = AuditStore.jdbcUrl(options.databaseFile(), settings);
    if (!OPEN.add(url)) {
      throw new IOException("audit database " + options.databaseFile() + " is already open in this JVM;"
          + " share the one AuditLog instead of opening it twice");
    }
    LiveStore.Opened opened = null;
    try {
      opened = LiveStore.openVerified(url, options.databaseFile());
      String recordedKeyId = opened.store().latestRecordedKeyId();
      Path nextKey = Path.of(options.signingKeyFile() + ".next");
      if (recordedKeyId != null && !Files.exists(options.signingKeyFile()) && !Files.exists(nextKey)) {
        // Never mint a fresh key for an existing log: its checkpoints would not verify against the announced keys.
        throw new IOException("signing key " + options.signingKeyFile() + " is missing but the audit log was signed"
            + " with key " + recordedKeyId + "; restore the key file (mode 600) from backup");
      }
      SigningKey key = SigningKey.loadOrCreate(options.signingKeyFile(), options.origin());
      LiveStore store = new LiveStore(url, options.databaseFile(), options.clock(), opened.store());
      H2AuditLog log = new H2AuditLog(options, store, opened.tree(), key, opened.latest());
      if (recordedKeyId == null) {
        opened.store().recordKey(key.publicKey(), opened.tree().size()); // first start
      }
      log.rotation.recoverInterrupted();
      String current = log.checkpoints.key().publicKey().keyId();
      String expected = opened.store().latestRecordedKeyId();
      if (!current.equals(expected)) {
        throw new IOException("signing key " + options.signingKeyFile() + " has key id " + current + " but the audit"
            + " log's current key is " + expected + "; restore the right key file, or announce a new key with"
            + " AuditLog.rotateKey() from the right one");
      }
      log.commit.start();
      log.checkpoints.start();
      LOG.info("audit log open: {} entries, signing key {} {}", opened.tree().size(), key.publicKey().keyId(),
          key.publicKey().fingerprint());
      return log;
    } catch (SQLException | IOException | RuntimeException e) {
      if (opened != null) {
        opened.store().close();
      }
      OPEN.remove(url);
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot open the audit database at " + options.databaseFile() + ": " + e.getMessage()
          + "; check the path is writable and no other process holds it", e);
    }
  }

  GroupCommit.Stats writerStats() {
    return commit.stats();
  }

  /** Completes when the store is writable again (at once if it is): what a test waits on instead of sleeping. */
  CompletableFuture<Void> writableAgain() {
    return store.writableAgain();
  }

  /**
   * Appends a line of another log with the same key and origin (a replica), keeping its seq, time and bytes.
   * Callers serialise replication: the line's seq must be this log's size.
   *
   * @throws IllegalArgumentException if the line is not the canonical entry of seq {@link #size()}
   */
  AuditEntry appendVerbatim(String line) {
    AuditEntry decoded = EntryCodec.decode(line);
    if (decoded.seq() != tree.size()) {
      throw new IllegalArgumentException("replicated entry has seq " + decoded.seq() + " but this replica holds "
          + tree.size() + " entries; send the entries from seq " + tree.size());
    }
    String expected = EntryCodec.template(decoded.event()).fill(decoded.seq(), CheckpointNote.formatTime(decoded.time()));
    if (!expected.equals(line)) {
      throw new IllegalArgumentException("replicated entry " + decoded.seq() + " is not in canonical form: it was not"
          + " written by an audit log, refusing it");
    }
    AuditEntry stored = commit.append(decoded.event(), decoded.time());
    if (!stored.canonicalJson().equals(line)) {
      // Only if another append raced this one: the replica has forked from its keeper, say so loudly.
      throw new IllegalStateException("replica stored entry " + stored.seq() + " differently from its keeper's line;"
          + " appends other than replication reached this replica");
    }
    return stored;
  }

  /** Signs and stores a checkpoint of exactly {@code size} entries (at most {@link #size()}). BLOCKING. */
  SignedCheckpoint checkpointAt(long size) {
    if (size < 0 || size > tree.size()) {
      throw new IllegalArgumentException("checkpoint size must be 0.." + tree.size() + ", found " + size);
    }
    synchronized (checkpoints.lock()) {
      return checkpoints.signAndStore(size);
    }
  }

  @Override
  public AuditStatus status() {
    return store.status();
  }

  @Override
  public AuditEntry append(AuditEvent event) {
    return commit.append(event);
  }

  @Override
  public CompletionStage<AuditEntry> appendAsync(AuditEvent event) {
    return commit.appendAsync(event);
  }

  @Override
  public long size() {
    return tree.size();
  }

  @Override
  public Optional<SignedCheckpoint> latestCheckpoint() {
    return Optional.ofNullable(checkpoints.latest());
  }

  @Override
  public SignedCheckpoint checkpointNow() {
    return checkpoints.signNow();
  }

  @Override
  public InclusionProof inclusionProof(long seq, long treeSize) {
    return tree.inclusionProof(seq, treeSize);
  }

  @Override
  public ConsistencyProof consistencyProof(long fromSize, long toSize) {
    return tree.consistencyProof(fromSize, toSize);
  }

  @Override
  public Hash root(long treeSize) {
    return tree.root(treeSize);
  }

  @Override
  public List<AuditEntry> entries(long fromSeq, int limit) {
    if (fromSeq < 0 || limit < 0) {
      throw new IllegalArgumentException("entries needs fromSeq >= 0 and limit >= 0, found " + fromSeq + ", " + limit);
    }
    long end = Math.min(tree.size(), fromSeq + limit);
    List<AuditEntry> out = new ArrayList<>();
    if (fromSeq < end) {
      store.current().readEntries(fromSeq, end,
          line -> out.add(EntryCodec.decode(new String(line, StandardCharsets.UTF_8))));
    }
    return out;
  }

  @Override
  public void export(long fromSeq, long toSeqExclusive, Path dir) throws IOException {
    export.toDirectory(fromSeq, toSeqExclusive, dir);
  }

  @Override
  public void exportZip(long fromSeq, long toSeqExclusive, OutputStream out) throws IOException {
    export.toZip(fromSeq, toSeqExclusive, out);
  }

  @Override
  public String publicKeyPem() {
    return checkpoints.key().publicKey().pem();
  }

  @Override
  public String keyFingerprint() {
    return checkpoints.key().publicKey().fingerprint();
  }

  @Override
  public NoteKey publicKey() {
    return checkpoints.key().publicKey();
  }

  @Override
  public AuditEntry rotateKey() throws IOException {
    return rotation.rotate();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    commit.close();
    checkpoints.stop();
    try {
      if (!store.failed() && checkpoints.behind()) {
        checkpoints.signNow();
      }
    } catch (RuntimeException e) {
      LOG.error("final audit checkpoint failed", e);
    } finally {
      store.close();
      OPEN.remove(store.url());
    }
  }
}
