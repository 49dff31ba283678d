package camgate.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AuditLog} on an embedded H2 file database.
 *
 * <p>Appends go through one writer thread ({@code audit-writer}) that takes every request waiting in the queue
 * (up to {@value #MAX_BATCH}) and writes them as one transaction followed by one sync to disk: group commit.
 * A caller is released only after that sync. The first store failure makes the log unavailable for good
 * (fail closed): it never reopens the database itself.
 *
 * <p>A group is stored as ONE row of {@code audit_batch}: its first seq, its entry count, and its entries'
 * canonical JSON joined by newlines (canonical JSON never contains a raw newline), i.e. a slice of
 * {@code entries.jsonl}. Measured on the 2-core build machine, one row per entry spent ~40 µs per row in H2's
 * B-tree and capped group commit near 9,000 entries/s; one row per group removes that cost.
 */
final class H2AuditLog implements AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(H2AuditLog.class);
  static final int MAX_BATCH = 1024;
  private static final int QUEUE_CAPACITY = 65_536;
  private static final int EXPORT_PAGE = 10_000;
  /** Paths open in this JVM: a second writer on the same embedded database would fork the tree. */
  private static final Set<String> OPEN = ConcurrentHashMap.newKeySet();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AuditLogOptions options;
  private final String url;
  private final Connection writeConnection;
  private final Connection sideConnection; // checkpoints and reads; guarded by itself
  private final MerkleTree tree;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
  private final Thread writer;
  private final ScheduledExecutorService checkpointer;
  private final Object checkpointLock = new Object();
  private volatile SigningKey signingKey;
  private volatile SignedCheckpoint latest;
  private volatile Throwable failure;
  private volatile boolean closing;
  private boolean closed;
  // Writer statistics (written by the writer thread only; read for benchmarks).
  private volatile long batches;
  private volatile long batchedEntries;
  private volatile long storeNanos;
  private volatile long syncNanos;

  /** Group-commit statistics: batches written, entries in them, time in insert+commit, time in sync. */
  record WriterStats(long batches, long entries, long storeNanos, long syncNanos) {
  }

  WriterStats writerStats() {
    return new WriterStats(batches, batchedEntries, storeNanos, syncNanos);
  }

  private record Pending(EntryCodec.Template template, AuditEvent event, CompletableFuture<AuditEntry> done) {
  }

  private H2AuditLog(AuditLogOptions options, String url, Connection writeConnection, Connection sideConnection,
                     MerkleTree tree, SigningKey key, SignedCheckpoint latest) {
    this.options = options;
    this.url = url;
    this.writeConnection = writeConnection;
    this.sideConnection = sideConnection;
    this.tree = tree;
    this.signingKey = key;
    this.latest = latest;
    this.writer = new Thread(this::writeLoop, "audit-writer");
    this.writer.setDaemon(true);
    this.checkpointer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "audit-checkpointer");
      t.setDaemon(true);
      return t;
    });
  }

  static String jdbcUrl(Path databaseFile) {
    String path = databaseFile.toAbsolutePath().normalize().toString();
    if (path.endsWith(".mv.db")) {
      path = path.substring(0, path.length() - ".mv.db".length());
    }
    // DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook must not close the database before close() signs the
    // final checkpoint.
    return "jdbc:h2:file:" + path + ";DB_CLOSE_ON_EXIT=FALSE";
  }

  static H2AuditLog open(AuditLogOptions options) throws IOException {
    String url = jdbcUrl(options.databaseFile());
    if (!OPEN.add(url)) {
      throw new IOException("audit database " + options.databaseFile() + " is already open in this JVM;"
          + " share the one AuditLog instead of opening it twice");
    }
    Connection write = null;
    Connection side = null;
    try {
      Path parent = options.databaseFile().toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      write = DriverManager.getConnection(url);
      side = DriverManager.getConnection(url);
      createSchema(side);
      String recordedKeyId = latestRecordedKeyId(side);
      Path nextKey = Path.of(options.signingKeyFile() + ".next");
      if (recordedKeyId != null && !Files.exists(options.signingKeyFile()) && !Files.exists(nextKey)) {
        // Never mint a fresh key for an existing log: its checkpoints would not verify against the announced keys.
        throw new IOException("signing key " + options.signingKeyFile() + " is missing but the audit log was signed"
            + " with key " + recordedKeyId + "; restore the key file (mode 600) from backup");
      }
      SigningKey key = SigningKey.loadOrCreate(options.signingKeyFile(), options.origin());
      MerkleTree tree = loadTree(side);
      SignedCheckpoint latest = loadLatestCheckpoint(side);
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
      write.setAutoCommit(false);
      restrictToOwner(options.databaseFile());
      H2AuditLog log = new H2AuditLog(options, url, write, side, tree, key, latest);
      if (recordedKeyId == null) {
        log.recordKey(key.publicKey()); // first start
      }
      log.recoverRotation();
      String current = log.signingKey.publicKey().keyId();
      String expected = latestRecordedKeyId(side);
      if (!current.equals(expected)) {
        throw new IOException("signing key " + options.signingKeyFile() + " has key id " + current + " but the audit"
            + " log's current key is " + expected + "; restore the right key file, or announce a new key with"
            + " AuditLog.rotateKey() from the right one");
      }
      log.start();
      LOG.info("audit log open: {} entries, signing key {} {}", tree.size(), key.publicKey().keyId(),
          key.publicKey().fingerprint());
      return log;
    } catch (SQLException | IOException | RuntimeException e) {
      closeQuietly(write);
      closeQuietly(side);
      OPEN.remove(url);
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot open the audit database at " + options.databaseFile() + ": " + e.getMessage()
          + "; check the path is writable and no other process holds it", e);
    }
  }

  private void start() {
    writer.start();
    // Ticking at half the interval bounds the time from an acknowledged entry to a signed checkpoint covering it by
    // the interval itself (half a tick of waiting plus signing), not by twice the interval.
    long period = Math.max(1, options.checkpointInterval().toMillis() / 2);
    checkpointer.scheduleAtFixedRate(this::checkpointIfGrown, period, period, TimeUnit.MILLISECONDS);
  }

  private static void createSchema(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS audit_batch (first_seq BIGINT PRIMARY KEY, entry_count INT NOT NULL,"
          + " entries VARBINARY NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS audit_checkpoint (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
          + " tree_size BIGINT NOT NULL, root BINARY(32) NOT NULL, created_ms BIGINT NOT NULL,"
          + " key_id VARCHAR(8) NOT NULL, note VARCHAR NOT NULL)");
      // Every signing key ever used, so an export can ship the first one as the bundle's root of trust.
      s.execute("CREATE TABLE IF NOT EXISTS audit_signing_key (key_id VARCHAR(8) PRIMARY KEY, public_pem VARCHAR NOT NULL,"
          + " first_used_size BIGINT NOT NULL)");
      for (String table : List.of("audit_batch", "audit_checkpoint", "audit_signing_key")) {
        // H2 never fires triggers for TRUNCATE but refuses to truncate a table that a foreign key references:
        // an always-empty table holding such a key closes that path (and makes plain DROP TABLE fail too).
        s.execute("CREATE TABLE IF NOT EXISTS " + table + "_truncate_guard (ref BIGINT REFERENCES " + table + ")");
        for (String op : List.of("UPDATE", "DELETE")) {
          // Row triggers alone miss H2's fast path for an unconditional DELETE: add statement triggers too.
          s.execute("CREATE TRIGGER IF NOT EXISTS " + table + "_no_" + op.toLowerCase() + "_row BEFORE " + op
              + " ON " + table + " FOR EACH ROW CALL '" + AppendOnlyTrigger.class.getName() + "'");
          s.execute("CREATE TRIGGER IF NOT EXISTS " + table + "_no_" + op.toLowerCase() + " BEFORE " + op
              + " ON " + table + " CALL '" + AppendOnlyTrigger.class.getName() + "'");
        }
      }
    }
  }

  /** The database holds personal data (who watched what): owner-only, like the key. */
  private static void restrictToOwner(Path databaseFile) throws IOException {
    String name = databaseFile.getFileName().toString();
    Path file = databaseFile.resolveSibling(name.endsWith(".mv.db") ? name : name + ".mv.db");
    if (Files.exists(file) && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
  }

  private static MerkleTree loadTree(Connection c) throws SQLException, IOException {
    MerkleTree tree = new MerkleTree();
    List<Hash> chunk = new ArrayList<>(MAX_BATCH);
    long expected = 0;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT first_seq, entry_count, entries FROM audit_batch ORDER BY first_seq")) {
      while (rs.next()) {
        long first = rs.getLong(1);
        int count = rs.getInt(2);
        if (first != expected) {
          throw new IOException("audit database has entry " + first + " where entry " + expected + " was expected:"
              + " entries are missing; export it and run 'camgate audit verify'");
        }
        List<byte[]> lines = splitLines(rs.getBytes(3));
        if (lines.size() != count) {
          throw new IOException("audit database group at seq " + first + " holds " + lines.size() + " entries but"
              + " records " + count + ": it was modified outside the log; export it and run 'camgate audit verify'");
        }
        for (byte[] line : lines) {
          chunk.add(TreeHasher.hashLeaf(line));
        }
        tree.append(chunk);
        chunk.clear();
        expected += count;
      }
    }
    return tree;
  }

  /** Splits a stored group into its entries (separated by '\n'). */
  static List<byte[]> splitLines(byte[] blob) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= blob.length; i++) {
      if (i == blob.length || blob[i] == '\n') {
        out.add(java.util.Arrays.copyOfRange(blob, start, i));
        start = i + 1;
      }
    }
    return out;
  }

  /**
   * Calls {@code sink} with the canonical bytes of entries {@code [from, to)} in order. Holds the side connection.
   *
   * @throws AuditUnavailableException if the store cannot be read
   */
  private void readEntries(long from, long to, java.util.function.Consumer<byte[]> sink) {
    if (from >= to) {
      return;
    }
    synchronized (sideConnection) {
      try (PreparedStatement ps = sideConnection.prepareStatement("SELECT first_seq, entries FROM audit_batch"
          + " WHERE first_seq >= COALESCE((SELECT MAX(first_seq) FROM audit_batch WHERE first_seq <= ?), 0)"
          + " AND first_seq < ? ORDER BY first_seq")) {
        ps.setLong(1, from);
        ps.setLong(2, to);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long seq = rs.getLong(1);
            for (byte[] line : splitLines(rs.getBytes(2))) {
              if (seq >= from && seq < to) {
                sink.accept(line);
              }
              seq++;
            }
          }
        }
      } catch (SQLException e) {
        throw new AuditUnavailableException("cannot read audit entries: " + e.getMessage(), e);
      }
    }
  }

  private static SignedCheckpoint loadLatestCheckpoint(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT tree_size, root, created_ms, key_id, note FROM audit_checkpoint ORDER BY tree_size DESC, id DESC LIMIT 1")) {
      return rs.next() ? checkpointFrom(rs) : null;
    }
  }

  private static SignedCheckpoint checkpointFrom(ResultSet rs) throws SQLException {
    return new SignedCheckpoint(rs.getLong(1), Hash.of(rs.getBytes(2)), Instant.ofEpochMilli(rs.getLong(3)),
        rs.getString(4), rs.getString(5));
  }

  @Override
  public AuditEntry append(AuditEvent event) {
    checkAvailable();
    Pending p = new Pending(EntryCodec.template(event), event, new CompletableFuture<>());
    try {
      queue.put(p);
      while (true) {
        try {
          return p.done.get(1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // close() may have drained the queue just before this put: a request the writer will never see must not
          // wait forever.
          if (!writer.isAlive()) {
            p.done.completeExceptionally(new AuditUnavailableException("audit log is closed"));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AuditUnavailableException("interrupted while waiting for the audit entry to become durable;"
          + " treat it as not logged", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuditUnavailableException aue) {
        throw new AuditUnavailableException(aue.getMessage(), aue);
      }
      throw new AuditUnavailableException("audit append failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public CompletionStage<AuditEntry> appendAsync(AuditEvent event) {
    try {
      checkAvailable();
    } catch (AuditUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    Pending p = new Pending(EntryCodec.template(event), event, new CompletableFuture<>());
    if (!queue.offer(p)) {
      return CompletableFuture.failedFuture(new AuditUnavailableException("audit queue full (" + QUEUE_CAPACITY
          + " entries waiting): the store cannot keep up; treat the entry as not logged"));
    }
    // close() may have drained the queue just before this offer: take the request back if the writer is gone.
    if ((closing || !writer.isAlive()) && queue.remove(p)) {
      p.done.completeExceptionally(new AuditUnavailableException("audit log is closed"));
    }
    // A copy, so that a caller cannot complete the writer's own future.
    return p.done.thenApply(entry -> entry);
  }

  private void checkAvailable() {
    Throwable f = failure;
    if (f != null) {
      throw new AuditUnavailableException("audit store failed earlier (" + f.getMessage() + "); nothing can be"
          + " logged until the gateway restarts with a working database", f);
    }
    if (closing) {
      throw new AuditUnavailableException("audit log is closed");
    }
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    try (PreparedStatement insert = writeConnection.prepareStatement(
        "INSERT INTO audit_batch (first_seq, entry_count, entries) VALUES (?, ?, ?)");
         Statement sync = writeConnection.createStatement()) {
      long next = tree.size();
      while (true) {
        Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing) {
            break;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        if (failure != null) {
          failAll(batch, failure);
          continue;
        }
        try {
          List<AuditEntry> entries = new ArrayList<>(batch.size());
          List<Hash> leaves = new ArrayList<>(batch.size());
          Instant now = Instant.ofEpochMilli(options.clock().millis());
          String nowText = CheckpointNote.formatTime(now);
          java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream(batch.size() * 512);
          for (Pending p : batch) {
            long seq = next + entries.size();
            String json = p.template.fill(seq, nowText);
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            if (!entries.isEmpty()) {
              blob.write('\n');
            }
            blob.write(bytes, 0, bytes.length);
            entries.add(new AuditEntry(seq, now, p.event, json));
            leaves.add(TreeHasher.hashLeaf(bytes));
          }
          insert.setLong(1, next);
          insert.setInt(2, entries.size());
          insert.setBytes(3, blob.toByteArray());
          long t0 = System.nanoTime();
          insert.executeUpdate();
          writeConnection.commit();
          long t1 = System.nanoTime();
          // H2 commits are not synced to disk by themselves; this writes the store and fsyncs: the entries
          // are acknowledged only after it returns.
          sync.execute("CHECKPOINT SYNC");
          long t2 = System.nanoTime();
          storeNanos += t1 - t0;
          syncNanos += t2 - t1;
          batches++;
          batchedEntries += entries.size();
          tree.append(leaves);
          next += entries.size();
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done.complete(entries.get(i));
          }
        } catch (SQLException | RuntimeException e) {
          failure = e;
          LOG.error("audit store failed; the log is now unavailable until restart", e);
          try {
            writeConnection.rollback();
          } catch (SQLException ignored) {
            // The connection is usually what broke; the failure above is what matters.
          }
          failAll(batch, e);
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = e;
    } catch (SQLException e) {
      failure = e;
      LOG.error("audit writer cannot prepare its statements", e);
    } finally {
      List<Pending> rest = new ArrayList<>();
      queue.drainTo(rest);
      failAll(rest, failure != null ? failure : new IllegalStateException("closed"));
    }
  }

  private static void failAll(List<Pending> batch, Throwable cause) {
    for (Pending p : batch) {
      p.done.completeExceptionally(new AuditUnavailableException("audit entry not stored: " + cause.getMessage(), cause));
    }
  }

  private void checkpointIfGrown() {
    try {
      SignedCheckpoint l = latest;
      if (failure == null && tree.size() > (l == null ? 0 : l.size())) {
        checkpointNow();
      }
    } catch (RuntimeException e) {
      LOG.error("periodic audit checkpoint failed", e);
    }
  }

  @Override
  public long size() {
    return tree.size();
  }

  @Override
  public Optional<SignedCheckpoint> latestCheckpoint() {
    return Optional.ofNullable(latest);
  }

  @Override
  public SignedCheckpoint checkpointNow() {
    synchronized (checkpointLock) {
      long size = tree.size();
      return signAndStore(size);
    }
  }

  /** Signs a checkpoint of {@code size} now and stores it durably. Caller holds {@link #checkpointLock}. */
  private SignedCheckpoint signAndStore(long size) {
    Hash root = tree.root(size);
    SignedCheckpoint cp = CheckpointNote.sign(signingKey, options.origin(), size, root, options.clock().instant());
    synchronized (sideConnection) {
      try (PreparedStatement ps = sideConnection.prepareStatement(
          "INSERT INTO audit_checkpoint (tree_size, root, created_ms, key_id, note) VALUES (?, ?, ?, ?, ?)");
           Statement sync = sideConnection.createStatement()) {
        ps.setLong(1, cp.size());
        ps.setBytes(2, cp.root().bytes());
        ps.setLong(3, cp.time().toEpochMilli());
        ps.setString(4, cp.keyId());
        ps.setString(5, cp.note());
        ps.executeUpdate();
        sync.execute("CHECKPOINT SYNC");
      } catch (SQLException e) {
        // A log that cannot store checkpoints cannot keep its promises: appends fail from now on too (fail closed).
        failure = e;
        throw new AuditUnavailableException("cannot store the audit checkpoint of size " + size + ": " + e.getMessage(), e);
      }
    }
    SignedCheckpoint l = latest;
    if (l == null || cp.size() >= l.size()) {
      latest = cp;
    }
    return cp;
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
    if (fromSeq >= end) {
      return out;
    }
    readEntries(fromSeq, end, line -> out.add(EntryCodec.decode(new String(line, StandardCharsets.UTF_8))));
    return out;
  }

  @Override
  public void export(long fromSeq, long toSeqExclusive, Path dir) throws IOException {
    long size = tree.size();
    if (fromSeq < 0 || fromSeq > toSeqExclusive || toSeqExclusive > size) {
      throw new IllegalArgumentException("export needs 0 <= fromSeq <= toSeqExclusive <= size " + size
          + ", found [" + fromSeq + ", " + toSeqExclusive + ")");
    }
    Files.createDirectories(dir);
    List<SignedCheckpoint> checkpoints = checkpointsUpTo(toSeqExclusive);
    if (checkpoints.isEmpty() || checkpoints.get(checkpoints.size() - 1).size() != toSeqExclusive) {
      synchronized (checkpointLock) {
        checkpoints.add(signAndStore(toSeqExclusive));
      }
    }
    Path entriesTmp = dir.resolve("entries.jsonl.tmp");
    try (BufferedWriter out = Files.newBufferedWriter(entriesTmp, StandardCharsets.UTF_8)) {
      java.io.IOException[] writeFailure = new java.io.IOException[1];
      for (long from = 0; from < toSeqExclusive && writeFailure[0] == null; from += EXPORT_PAGE) {
        readEntries(from, Math.min(toSeqExclusive, from + EXPORT_PAGE), line -> {
          try {
            out.write(new String(line, StandardCharsets.UTF_8));
            out.write('\n');
          } catch (IOException e) {
            writeFailure[0] = e;
          }
        });
      }
      if (writeFailure[0] != null) {
        throw writeFailure[0];
      }
    }
    Path checkpointsTmp = dir.resolve("checkpoints.jsonl.tmp");
    try (BufferedWriter out = Files.newBufferedWriter(checkpointsTmp, StandardCharsets.UTF_8)) {
      SignedCheckpoint previous = null;
      for (SignedCheckpoint cp : checkpoints) {
        ObjectNode o = JSON.createObjectNode();
        o.put("size", cp.size());
        o.put("root", cp.root().hex());
        o.put("time", CheckpointNote.formatTime(cp.time()));
        o.put("key_id", cp.keyId());
        o.put("note", cp.note());
        if (previous != null && previous.size() > 0) {
          ObjectNode consistency = o.putObject("consistency");
          consistency.put("from_size", previous.size());
          ArrayNode path = consistency.putArray("path");
          tree.consistencyProof(previous.size(), cp.size()).path().forEach(h -> path.add(h.hex()));
        }
        out.write(JSON.writeValueAsString(o));
        out.write('\n');
        previous = cp;
      }
    }
    Map<String, Object> bundle = new LinkedHashMap<>();
    bundle.put("origin", options.origin());
    bundle.put("report_from", fromSeq);
    bundle.put("report_to", toSeqExclusive);
    bundle.put("exported_at", CheckpointNote.formatTime(options.clock().instant()));
    Files.writeString(dir.resolve("bundle.json"), JSON.writeValueAsString(bundle) + "\n");
    Files.writeString(dir.resolve("public-key.pem"), firstKeyPem(checkpoints));
    Files.move(entriesTmp, dir.resolve("entries.jsonl"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(checkpointsTmp, dir.resolve("checkpoints.jsonl"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** The key that signed the first exported checkpoint: the bundle's root of trust (later keys are announced in entries). */
  private String firstKeyPem(List<SignedCheckpoint> checkpoints) {
    String keyId = checkpoints.get(0).keyId();
    synchronized (sideConnection) {
      try (PreparedStatement ps = sideConnection.prepareStatement(
          "SELECT public_pem FROM audit_signing_key WHERE key_id = ?")) {
        ps.setString(1, keyId);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return rs.getString(1);
          }
        }
      } catch (SQLException e) {
        throw new AuditUnavailableException("cannot read the audit signing keys: " + e.getMessage(), e);
      }
    }
    throw new AuditUnavailableException("the first checkpoint was signed by key " + keyId + ", which the database does"
        + " not record; the bundle would have no root of trust");
  }

  /** The key id of the most recently announced signing key, or null on first start. */
  private static String latestRecordedKeyId(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT key_id FROM audit_signing_key ORDER BY first_used_size DESC LIMIT 1")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Records a signing key (idempotent). */
  private void recordKey(NoteKey key) {
    synchronized (sideConnection) {
      try (PreparedStatement ps = sideConnection.prepareStatement("INSERT INTO audit_signing_key (key_id, public_pem,"
          + " first_used_size) SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM audit_signing_key WHERE key_id = ?)")) {
        ps.setString(1, key.keyId());
        ps.setString(2, key.pem());
        ps.setLong(3, tree.size());
        ps.setString(4, key.keyId());
        ps.executeUpdate();
      } catch (SQLException e) {
        throw new AuditUnavailableException("cannot record the audit signing key: " + e.getMessage(), e);
      }
    }
  }

  private List<SignedCheckpoint> checkpointsUpTo(long size) {
    List<SignedCheckpoint> out = new ArrayList<>();
    synchronized (sideConnection) {
      try (PreparedStatement ps = sideConnection.prepareStatement("SELECT tree_size, root, created_ms, key_id, note"
          + " FROM audit_checkpoint WHERE tree_size <= ? ORDER BY tree_size, id")) {
        ps.setLong(1, size);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(checkpointFrom(rs));
          }
        }
      } catch (SQLException e) {
        throw new AuditUnavailableException("cannot read audit checkpoints: " + e.getMessage(), e);
      }
    }
    return out;
  }

  @Override
  public String publicKeyPem() {
    return signingKey.publicKey().pem();
  }

  @Override
  public String keyFingerprint() {
    return signingKey.publicKey().fingerprint();
  }

  @Override
  public NoteKey publicKey() {
    return signingKey.publicKey();
  }

  private final Object rotationLock = new Object();

  /**
   * Crash-safe order: (1) the new key goes to {@code <key>.next} (mode 600); (2) a {@code key_rotation} entry announcing
   * it is appended durably; (3) a checkpoint signed by the OLD key covers that entry; (4) the old key is copied to
   * {@code <key>.retired-<keyId>} and {@code .next} atomically replaces the key file; (5) new checkpoints use the new
   * key. A crash after (2) is completed by {@link #recoverRotation()} at the next open.
   */
  @Override
  public AuditEntry rotateKey() throws IOException {
    synchronized (rotationLock) {
      checkAvailable();
      SigningKey old = signingKey;
      SigningKey next = SigningKey.generate(options.origin());
      Path nextFile = sibling(".next");
      Files.deleteIfExists(nextFile);
      next.writeTo(nextFile);
      AuditEntry announcement;
      // Held from the announcement to the switch: once one old-key checkpoint covers the announcement, the verifier
      // trusts only the new key, so the periodic checkpointer must not sign another one with the old key meanwhile.
      synchronized (checkpointLock) {
        announcement = append(rotationEvent(old.publicKey(), next.publicKey()));
        finishRotation(old, next, nextFile, announcement.seq());
      }
      LOG.info("audit signing key rotated: {} -> {} {}", old.publicKey().keyId(), next.publicKey().keyId(),
          next.publicKey().fingerprint());
      return announcement;
    }
  }

  static AuditEvent rotationEvent(NoteKey old, NoteKey next) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("new_key_pem", next.pem());
    details.put("new_key_id", next.keyId());
    details.put("new_key_fingerprint", next.fingerprint());
    details.put("previous_key_id", old.keyId());
    return new AuditEvent(BundleVerifier.KEY_ROTATION, null, "rotate_key", null, null, null, null, details);
  }

  /** Steps (3) to (5) of {@link #rotateKey()}: the announcement (entry {@code announcedSeq}) is already durable. */
  private void finishRotation(SigningKey old, SigningKey next, Path nextFile, long announcedSeq) throws IOException {
    synchronized (checkpointLock) {
      SignedCheckpoint l = latest;
      if (l == null || l.size() <= announcedSeq) {
        signAndStore(tree.size()); // signed by the old key; covers the announcement
      }
      recordKey(next.publicKey());
      Path retired = sibling(".retired-" + old.publicKey().keyId());
      if (!Files.exists(retired)) {
        old.writeTo(retired);
      }
      Files.move(nextFile, options.signingKeyFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      signingKey = next;
    }
  }

  private Path sibling(String suffix) {
    Path key = options.signingKeyFile().toAbsolutePath();
    return key.resolveSibling(key.getFileName() + suffix);
  }

  /**
   * Completes a rotation interrupted by a crash: if {@code <key>.next} exists and the log's last {@code key_rotation}
   * entry announces it, finish steps (3) to (5); if no entry announces it, the rotation never happened: remove it.
   */
  private void recoverRotation() throws IOException {
    Path nextFile = sibling(".next");
    if (!Files.exists(nextFile)) {
      return;
    }
    SigningKey next = SigningKey.loadOrCreate(nextFile, options.origin());
    long[] announcedSeq = {-1};
    String announced = lastAnnouncedKeyId(announcedSeq);
    if (next.publicKey().keyId().equals(announced)) {
      LOG.warn("completing an interrupted audit key rotation to {}", announced);
      finishRotation(signingKey, next, nextFile, announcedSeq[0]);
    } else {
      LOG.warn("removing {}: no key_rotation entry announces it (the rotation was interrupted before it was logged)",
          nextFile);
      Files.delete(nextFile);
    }
  }

  /** The key id announced by the last key_rotation entry (its seq into {@code seqOut[0]}), or null. */
  private String lastAnnouncedKeyId(long[] seqOut) {
    String[] last = new String[1];
    byte[] marker = ("\"type\":\"" + BundleVerifier.KEY_ROTATION + "\"}").getBytes(StandardCharsets.UTF_8);
    for (long from = 0; from < tree.size(); from += EXPORT_PAGE) {
      readEntries(from, Math.min(tree.size(), from + EXPORT_PAGE), line -> {
        if (endsWith(line, marker)) {
          com.fasterxml.jackson.databind.JsonNode entry = CanonicalJson.parse(line);
          last[0] = entry.path("details").path("new_key_id").asText(null);
          seqOut[0] = entry.path("seq").asLong(-1);
        }
      });
    }
    return last[0];
  }

  private static boolean endsWith(byte[] line, byte[] suffix) {
    if (line.length < suffix.length) {
      return false;
    }
    for (int i = 0; i < suffix.length; i++) {
      if (line[line.length - suffix.length + i] != suffix[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    checkpointer.shutdown();
    try {
      checkpointer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      SignedCheckpoint l = latest;
      if (failure == null && tree.size() > (l == null ? 0 : l.size())) {
        checkpointNow();
      } else if (failure == null && l == null) {
        checkpointNow();
      }
    } catch (RuntimeException e) {
      LOG.error("final audit checkpoint failed", e);
    } finally {
      closeQuietly(writeConnection);
      closeQuietly(sideConnection);
      OPEN.remove(url);
    }
  }

  private static void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException e) {
      LOG.warn("closing an audit database connection failed: {}", e.getMessage());
    }
  }
}
