package camgate.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's rows in one H2 file database, over two connections: one for the group-commit writer, one (guarded
 * by itself) for checkpoints, keys and reads.
 *
 * <p>A group commit is ONE row of {@code audit_batch}: its first seq, its entry count, and its entries' canonical
 * JSON joined by newlines (canonical JSON never contains a raw newline), i.e. a slice of {@code entries.jsonl}.
 * One row per entry capped group commit (see Storage in {@code audit/README.md}).
 */
final class AuditStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditStore.class);

  private final Connection writeConnection;
  private final Connection sideConnection;
  private final PreparedStatement insertBatch;
  private final Statement writeSync;

  private AuditStore(Connection writeConnection, Connection sideConnection) throws SQLException {
    this.writeConnection = writeConnection;
    this.sideConnection = sideConnection;
    writeConnection.setAutoCommit(false);
    this.insertBatch = writeConnection.prepareStatement(
        "INSERT INTO audit_batch (first_seq, entry_count, entries) VALUES (?, ?, ?)");
    this.writeSync = writeConnection.createStatement();
  }

  /**
   * The H2 settings the log opens its database with (why, measured: {@code audit/README.md}, Storage):
   * DB_CLOSE_ON_EXIT=FALSE so H2's shutdown hook cannot close the database before close() signs the final
   * checkpoint; CACHE_SIZE=1024 (KB) because H2 underestimates our large group rows and its default 16 MB page
   * cache kept every group an export read, i.e. the whole log, on the heap; COMPRESS=TRUE because every commit
   * writes a new chunk holding the last leaf page of {@code audit_batch} again, and compressed JSON makes it and
   * the live data a fraction of the size. RETENTION_TIME stays at H2's 45 s (see the README: lowering it would
   * reuse the file's dead space at once, but H2 warns it is unsafe).
   */
  static final String SETTINGS = ";DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=1024;COMPRESS=TRUE";
  /** H2's defaults, as the log opened its database before: the benchmark's "before". */
  static final String H2_DEFAULTS = ";DB_CLOSE_ON_EXIT=FALSE";

  /** The JDBC URL of {@code databaseFile} (with or without {@code .mv.db}) with the log's {@link #SETTINGS}. */
  static String jdbcUrl(Path databaseFile) {
    return jdbcUrl(databaseFile, SETTINGS);
  }

  /** The JDBC URL of {@code databaseFile} with {@code settings} (';'-prefixed H2 URL settings). */
  static String jdbcUrl(Path databaseFile, String settings) {
    String path = databaseFile.toAbsolutePath().normalize().toString();
    if (path.endsWith(".mv.db")) {
      path = path.substring(0, path.length() - ".mv.db".length());
    }
    return "jdbc:h2:file:" + path + settings;
  }

  /**
   * Connects to the database at {@code url}, creating its tables and triggers if missing, and makes the file
   * owner-only. BLOCKING.
   *
   * @throws SQLException if H2 cannot open or write the database
   */
  static AuditStore connect(String url, Path databaseFile) throws SQLException, IOException {
    Path parent = databaseFile.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      // H2 writes more than the database beside it (a trace file on errors): a folder of its own, owner-only.
      Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Connection write = DriverManager.getConnection(url);
    Connection side = null;
    try {
      side = DriverManager.getConnection(url);
      AuditSchema.create(side);
      AuditStore store = new AuditStore(write, side);
      restrictToOwner(databaseFile);
      return store;
    } catch (SQLException | IOException | RuntimeException e) {
      closeQuietly(side);
      closeQuietly(write);
      throw e;
    }
  }

  /** The database holds personal data (who watched what): owner-only, like the key. */
  private static void restrictToOwner(Path databaseFile) throws IOException {
    Path file = fileOf(databaseFile);
    if (Files.exists(file) && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }

  /** The file H2 keeps the database in: {@code databaseFile} with {@code .mv.db}. */
  static Path fileOf(Path databaseFile) {
    String name = databaseFile.getFileName().toString();
    return databaseFile.resolveSibling(name.endsWith(".mv.db") ? name : name + ".mv.db");
  }

  /**
   * Writes one group of entries as one row, commits and syncs to disk. Writer thread only. BLOCKING.
   *
   * @return nanoseconds spent in insert + commit, then in the sync
   */
  long[] writeBatch(long firstSeq, int count, byte[] joinedEntries) throws SQLException {
    insertBatch.setLong(1, firstSeq);
    insertBatch.setInt(2, count);
    insertBatch.setBytes(3, joinedEntries);
    long t0 = System.nanoTime();
    try {
      insertBatch.executeUpdate();
      writeConnection.commit();
    } catch (SQLException e) {
      try {
        writeConnection.rollback();
      } catch (SQLException ignored) {
        // The connection is usually what broke; the failure being thrown is what matters.
      }
      throw e;
    }
    long t1 = System.nanoTime();
    // H2 commits are not synced to disk by themselves; this writes the store and fsyncs: the entries are
    // acknowledged only after it returns.
    writeSync.execute("CHECKPOINT SYNC");
    return new long[] {t1 - t0, System.nanoTime() - t1};
  }

  /** Splits a stored group into its entries (separated by '\n'). */
  static List<byte[]> splitLines(byte[] blob) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= blob.length; i++) {
      if (i == blob.length || blob[i] == '\n') {
        out.add(Arrays.copyOfRange(blob, start, i));
        start = i + 1;
      }
    }
    return out;
  }

  /** One stored group: its first seq, its entry count and its entries joined by '\n'. */
  interface BatchSink {
    void accept(long firstSeq, int count, byte[] joinedEntries) throws IOException;
  }

  /**
   * Calls {@code sink} with every stored group holding an entry of {@code [from, to)}, in order, holding the side
   * connection meanwhile: keep the range small (a page) and the sink quick, except at open. BLOCKING.
   *
   * @throws SQLException if the store cannot be read
   */
  void readBatches(long from, long to, BatchSink sink) throws SQLException, IOException {
    synchronized (sideConnection) {
      try (PreparedStatement ps = sideConnection.prepareStatement("SELECT first_seq, entry_count, entries"
          + " FROM audit_batch WHERE first_seq >= COALESCE((SELECT MAX(first_seq) FROM audit_batch"
          + " WHERE first_seq <= ?), 0) AND first_seq < ? ORDER BY first_seq")) {
        ps.setLong(1, from);
        ps.setLong(2, to);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            sink.accept(rs.getLong(1), rs.getInt(2), rs.getBytes(3));
          }
        }
      }
    }
  }

  /**
   * Calls {@code sink} with the canonical bytes of entries {@code [from, to)} in order. BLOCKING.
   *
   * @throws AuditUnavailableException if the store cannot be read
   */
  void readEntries(long from, long to, Consumer<byte[]> sink) {
    if (from >= to) {
      return;
    }
    try {
      readBatches(from, to, (first, count, joined) -> {
        long seq = first;
        for (byte[] line : splitLines(joined)) {
          if (seq >= from && seq < to) {
            sink.accept(line);
          }
          seq++;
        }
      });
    } catch (SQLException | IOException e) {
      throw new AuditUnavailableException("cannot read audit entries: " + e.getMessage(), e);
    }
  }

  /** The latest stored checkpoint (largest size, then newest), or null. */
  SignedCheckpoint latestCheckpoint() throws SQLException {
    synchronized (sideConnection) {
      try (Statement s = sideConnection.createStatement(); ResultSet rs = s.executeQuery("SELECT tree_size, root,"
          + " created_ms, key_id, note FROM audit_checkpoint ORDER BY tree_size DESC, id DESC LIMIT 1")) {
        return rs.next() ? checkpointFrom(rs) : null;
      }
    }
  }

  /** Every stored checkpoint of size at most {@code size}, in size order. @throws AuditUnavailableException if unreadable */
  List<SignedCheckpoint> checkpointsUpTo(long size) {
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

  private static SignedCheckpoint checkpointFrom(ResultSet rs) throws SQLException {
    return new SignedCheckpoint(rs.getLong(1), Hash.of(rs.getBytes(2)), Instant.ofEpochMilli(rs.getLong(3)),
        rs.getString(4), rs.getString(5));
  }

  /** Stores a signed checkpoint and syncs it to disk. BLOCKING. */
  void storeCheckpoint(SignedCheckpoint cp) throws SQLException {
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
      }
    }
  }

  /** The key id of the most recently announced signing key, or null on first start. */
  String latestRecordedKeyId() throws SQLException {
    synchronized (sideConnection) {
      try (Statement s = sideConnection.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT key_id FROM audit_signing_key ORDER BY first_used_size DESC LIMIT 1")) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Records a signing key first used at tree size {@code firstUsedSize} (idempotent). @throws AuditUnavailableException */
  void recordKey(NoteKey key, long firstUsedSize) {
    synchronized (sideConnection) {
      try (PreparedStatement ps = sideConnection.prepareStatement("INSERT INTO audit_signing_key (key_id, public_pem,"
          + " first_used_size) SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM audit_signing_key WHERE key_id = ?)")) {
        ps.setString(1, key.keyId());
        ps.setString(2, key.pem());
        ps.setLong(3, firstUsedSize);
        ps.setString(4, key.keyId());
        ps.executeUpdate();
      } catch (SQLException e) {
        throw new AuditUnavailableException("cannot record the audit signing key: " + e.getMessage(), e);
      }
    }
  }

  /** The public key PEM recorded for {@code keyId}. @throws AuditUnavailableException if unreadable or unknown */
  String publicKeyPem(String keyId) {
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

  @Override
  public void close() {
    closeQuietly(writeConnection);
    closeQuietly(sideConnection);
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
