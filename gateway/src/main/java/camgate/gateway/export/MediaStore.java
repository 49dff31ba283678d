package camgate.gateway.export;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The register of files the gateway keeps (exported clips) in an H2 file database of its own, next to
 * the files themselves. The {@link RetentionSweeper} deletes both when their time is up.
 *
 * <p>BLOCKING throughout (JDBC); thread-safe (one connection, synchronized).
 */
public final class MediaStore implements AutoCloseable {

  private final Connection db;
  private final Path files;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();

  private MediaStore(Connection db, Path files) {
    this.db = db;
    this.files = files;
  }

  /**
   * Opens (or creates) the register in {@code directory}; the files live in {@code directory/files}. BLOCKING.
   *
   * @throws IOException when the database cannot be opened (e.g. another gateway holds it)
   */
  public static MediaStore open(Path directory) throws IOException {
    Path files = directory.resolve("files");
    Files.createDirectories(files);
    // Exported clips are redacted video of people: readable by the gateway's user alone.
    for (Path d : List.of(directory, files)) {
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    }
    try {
      Connection c = DriverManager.getConnection("jdbc:h2:file:" + directory.toAbsolutePath().resolve("media")
          + ";DB_CLOSE_ON_EXIT=FALSE", "camgate", "");
      try (Statement s = c.createStatement()) {
        s.execute("""
            CREATE TABLE IF NOT EXISTS stored_media (
              id VARCHAR(64) PRIMARY KEY,
              kind VARCHAR(32) NOT NULL,
              camera VARCHAR(200) NOT NULL,
              file VARCHAR(1000) NOT NULL,
              bytes BIGINT NOT NULL,
              sha256 VARCHAR(64) NOT NULL,
              created_at TIMESTAMP WITH TIME ZONE NOT NULL,
              retention_days INT NOT NULL,
              legal_hold VARCHAR(200),
              subject VARCHAR(200) NOT NULL,
              audit_seq BIGINT NOT NULL,
              destination VARCHAR(2000) NOT NULL)""");
      }
      // H2 creates its file with the process's umask: the register names who exported what, owner-only too.
      Files.setPosixFilePermissions(directory.resolve("media.mv.db"), PosixFilePermissions.fromString("rw-------"));
      return new MediaStore(c, files);
    } catch (SQLException e) {
      throw new IOException("cannot open the media register in " + directory + ": " + e.getMessage()
          + "; is another gateway running on the same data directory?", e);
    }
  }

  /**
   * Reserves the path of a new file: until {@link #add} registers it or {@link #release} gives it up,
   * the sweeper leaves it alone (it is being written).
   */
  public Path reserve(String id, String extension) {
    pending.add(id);
    return files.resolve(id + "." + extension);
  }

  /** Gives up a reservation (the file was not kept). */
  public void release(String id) {
    pending.remove(id);
  }

  /** Files on disk that neither the register nor a reservation accounts for (left by a crash). BLOCKING. */
  public List<Path> orphans(Set<String> registered) throws IOException {
    try (Stream<Path> list = Files.list(files)) {
      return list.filter(f -> {
        String id = f.getFileName().toString().split("\\.", 2)[0];
        return !registered.contains(id) && !pending.contains(id);
      }).sorted().toList();
    }
  }

  public synchronized void add(StoredMedia m) throws IOException {
    try (PreparedStatement p = db.prepareStatement("INSERT INTO stored_media VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
      p.setString(1, m.id());
      p.setString(2, m.kind());
      p.setString(3, m.camera());
      p.setString(4, m.file().toAbsolutePath().toString());
      p.setLong(5, m.bytes());
      p.setString(6, m.sha256());
      p.setTimestamp(7, Timestamp.from(m.createdAt()));
      p.setInt(8, m.retentionDays());
      p.setString(9, m.legalHold().orElse(null));
      p.setString(10, m.subject());
      p.setLong(11, m.auditSeq());
      p.setString(12, m.destination());
      p.executeUpdate();
      pending.remove(m.id());
    } catch (SQLException e) {
      throw new IOException("cannot record stored file " + m.id() + ": " + e.getMessage(), e);
    }
  }

  /** Every file kept, oldest first. */
  public synchronized List<StoredMedia> all() throws IOException {
    List<StoredMedia> out = new ArrayList<>();
    try (Statement s = db.createStatement();
         ResultSet r = s.executeQuery("SELECT * FROM stored_media ORDER BY created_at, id")) {
      while (r.next()) {
        out.add(new StoredMedia(r.getString("id"), r.getString("kind"), r.getString("camera"),
            Path.of(r.getString("file")), r.getLong("bytes"), r.getString("sha256"),
            r.getTimestamp("created_at").toInstant(), r.getInt("retention_days"),
            Optional.ofNullable(r.getString("legal_hold")), r.getString("subject"), r.getLong("audit_seq"),
            r.getString("destination")));
      }
    } catch (SQLException e) {
      throw new IOException("cannot read the media register: " + e.getMessage(), e);
    }
    return out;
  }

  /** Deletes the file, then its row. */
  public synchronized void remove(StoredMedia m) throws IOException {
    Files.deleteIfExists(m.file());
    try (PreparedStatement p = db.prepareStatement("DELETE FROM stored_media WHERE id = ?")) {
      p.setString(1, m.id());
      p.executeUpdate();
    } catch (SQLException e) {
      throw new IOException("deleted " + m.file() + " but not its register row " + m.id() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      // Closing: nothing left to protect.
    }
  }
}
