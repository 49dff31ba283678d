package camgate.gateway.publish;

import io.vertx.core.json.JsonObject;

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
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every published policy version with its signed bundle, and which one is active, in an H2 file
 * database of its own (never the audit log's). Versions are only added, never changed: a rollback is
 * a new version with old content.
 *
 * <p>BLOCKING throughout (JDBC); thread-safe (one connection, synchronized).
 */
public final class PolicyStore implements AutoCloseable {

  private final Connection db;

  private PolicyStore(Connection db) {
    this.db = db;
  }

  /** The JDBC URL of the store in {@code directory}; another connection to it in this JVM shares the database. */
  static String jdbcUrl(Path directory) {
    return "jdbc:h2:file:" + directory.toAbsolutePath().resolve("policies") + ";DB_CLOSE_ON_EXIT=FALSE";
  }

  /**
   * Opens (or creates) the store in {@code directory}. BLOCKING.
   *
   * @throws IOException when the database cannot be opened (e.g. another gateway holds it)
   */
  public static PolicyStore open(Path directory) throws IOException {
    Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    try {
      Connection c = DriverManager.getConnection(jdbcUrl(directory), "camgate", "");
      // The store holds every version's policy data (agents, requisitions): its owner's only.
      try (var files = Files.list(directory)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute("""
            CREATE TABLE IF NOT EXISTS policy_version (
              number INT PRIMARY KEY,
              revision VARCHAR(64) NOT NULL UNIQUE,
              content_hash VARCHAR(80) NOT NULL,
              author VARCHAR(200) NOT NULL,
              reason VARCHAR(4000) NOT NULL,
              published_at TIMESTAMP WITH TIME ZONE NOT NULL,
              kind VARCHAR(16) NOT NULL,
              rolled_back_to INT,
              content CLOB NOT NULL,
              bundle BLOB NOT NULL)""");
        s.execute("""
            CREATE TABLE IF NOT EXISTS policy_active (
              id INT PRIMARY KEY CHECK (id = 1),
              number INT NOT NULL REFERENCES policy_version(number))""");
      }
      return new PolicyStore(c);
    } catch (SQLException e) {
      throw new IOException("cannot open the policy store in " + directory + ": " + e.getMessage()
          + "; is another gateway running on the same audit directory?", e);
    }
  }

  /** The active version, empty only before the first one was added. */
  public synchronized Optional<PublishedVersion> active() {
    return query("SELECT v.* FROM policy_version v JOIN policy_active a ON a.number = v.number WHERE a.id = 1")
        .stream().findFirst();
  }

  /** Every version, oldest first. */
  public synchronized List<PublishedVersion> versions() {
    return query("SELECT * FROM policy_version ORDER BY number");
  }

  public synchronized Optional<PublishedVersion> version(int number) {
    return query("SELECT * FROM policy_version WHERE number = " + number).stream().findFirst();
  }

  /** The content of a version. @throws IllegalArgumentException when there is no such version */
  public synchronized PolicySet content(int number) {
    return PolicySet.fromJson(new JsonObject(stringColumn("content", number)));
  }

  /** The signed archive of a version, as stored. @throws IllegalArgumentException when there is no such version */
  public synchronized SignedBundle bundle(int number) {
    try (PreparedStatement ps = db.prepareStatement("SELECT bundle FROM policy_version WHERE number = ?")) {
      ps.setInt(1, number);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalArgumentException("no policy version " + number);
        }
        return new SignedBundle(rs.getBytes(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("policy store read failed: " + e.getMessage(), e);
    }
  }

  /** The next version number to give out. */
  public synchronized int nextNumber() {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(number), 0) FROM policy_version")) {
      rs.next();
      return rs.getInt(1) + 1;
    } catch (SQLException e) {
      throw new IllegalStateException("policy store read failed: " + e.getMessage(), e);
    }
  }

  /**
   * Stores a new version (not yet active). BLOCKING.
   *
   * @throws IllegalStateException when the number is taken or the database cannot write
   */
  public synchronized void add(PublishedVersion v, PolicySet content, SignedBundle bundle) {
    try (PreparedStatement ps = db.prepareStatement("INSERT INTO policy_version (number, revision, content_hash, "
        + "author, reason, published_at, kind, rolled_back_to, content, bundle) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
      ps.setInt(1, v.number());
      ps.setString(2, v.revision());
      ps.setString(3, v.contentHash());
      ps.setString(4, v.author());
      ps.setString(5, v.reason());
      ps.setTimestamp(6, Timestamp.from(v.publishedAt()));
      ps.setString(7, v.kind());
      ps.setObject(8, v.rolledBackTo().orElse(null));
      ps.setString(9, content.toJson().encode());
      ps.setBytes(10, bundle.bytes());
      ps.executeUpdate();
      sync();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot store policy version " + v.number() + ": " + e.getMessage(), e);
    }
  }

  /** Makes a stored version the one served to OPA. BLOCKING. */
  public synchronized void activate(int number) {
    try (PreparedStatement ps = db.prepareStatement("MERGE INTO policy_active (id, number) KEY (id) VALUES (1, ?)")) {
      ps.setInt(1, number);
      ps.executeUpdate();
      sync();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot activate policy version " + number + ": " + e.getMessage(), e);
    }
  }

  /** H2 does not sync a commit to disk by itself; a publication must survive a crash once acknowledged. */
  private void sync() throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute("CHECKPOINT SYNC");
    }
  }

  private String stringColumn(String column, int number) {
    try (PreparedStatement ps = db.prepareStatement("SELECT " + column + " FROM policy_version WHERE number = ?")) {
      ps.setInt(1, number);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalArgumentException("no policy version " + number);
        }
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("policy store read failed: " + e.getMessage(), e);
    }
  }

  private List<PublishedVersion> query(String sql) {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<PublishedVersion> out = new ArrayList<>();
      while (rs.next()) {
        int back = rs.getInt("rolled_back_to");
        Optional<Integer> rolledBackTo = rs.wasNull() ? Optional.empty() : Optional.of(back);
        out.add(new PublishedVersion(rs.getInt("number"), rs.getString("revision"), rs.getString("content_hash"),
            rs.getString("author"), rs.getString("reason"), rs.getTimestamp("published_at").toInstant(),
            rs.getString("kind"), rolledBackTo));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("policy store read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      org.slf4j.LoggerFactory.getLogger(PolicyStore.class).warn("closing the policy store: {}", e.toString());
    }
  }
}
