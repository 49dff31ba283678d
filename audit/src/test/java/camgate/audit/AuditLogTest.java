package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T21:14:00.250Z"), ZoneOffset.UTC);

  static AuditLogOptions options(Path dir) {
    return AuditLogOptions.defaults(dir).withClock(CLOCK).withCheckpointInterval(Duration.ofHours(1));
  }

  static AuditEvent event(int i) {
    return new AuditEvent("access_decision", Map.of("id", "agent-" + i, "roles", List.of("operator")), "view_live",
        Map.of("camera", "cam-" + (i % 17), "zone", "centre-ville"), Map.of("allow", i % 3 != 0),
        "policy-v1", "dec-" + i, Map.of("purpose", "securite-voie-publique"));
  }

  @Test
  void appendAssignsSequentialSeqAndCanonicalJson() throws Exception {
    try (AuditLog log = AuditLog.open(options(tmp))) {
      AuditEntry e0 = log.append(event(0));
      AuditEntry e1 = log.append(event(1));
      assertEquals(0, e0.seq());
      assertEquals(1, e1.seq());
      assertEquals(Instant.parse("2026-11-28T21:14:00.250Z"), e0.time());
      assertEquals(CanonicalJson.canonicalize(EntryCodec.asMap(1, e1.time(), event(1))), e1.canonicalJson());
      assertEquals("{\"action\":\"view_live\",\"decision\":{\"allow\":true},\"decision_id\":\"dec-1\","
          + "\"details\":{\"purpose\":\"securite-voie-publique\"},\"policy_version\":\"policy-v1\","
          + "\"resource\":{\"camera\":\"cam-1\",\"zone\":\"centre-ville\"},\"seq\":1,"
          + "\"subject\":{\"id\":\"agent-1\",\"roles\":[\"operator\"]},\"time\":\"2026-11-28T21:14:00.250Z\","
          + "\"type\":\"access_decision\"}", e1.canonicalJson());
      assertEquals(2, log.size());
      List<AuditEntry> read = log.entries(0, 10);
      assertEquals(List.of(e0.canonicalJson(), e1.canonicalJson()), read.stream().map(AuditEntry::canonicalJson).toList());
      assertEquals("agent-1", read.get(1).event().subject().get("id"));
    }
  }

  @TempDir
  Path tmp;

  @Test
  void asyncAppendsFromOneThreadShareGroupCommitsAndSurviveReopen() throws Exception {
    int n = 3000;
    List<String> acknowledged = new ArrayList<>();
    long batches;
    try (AuditLog log = AuditLog.open(options(tmp))) {
      // One thread queues them all without waiting, as the gateway's event loop does.
      List<java.util.concurrent.CompletableFuture<AuditEntry>> pending = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        pending.add(log.appendAsync(event(i)).toCompletableFuture());
      }
      for (int i = 0; i < n; i++) {
        AuditEntry e = pending.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(i, e.seq(), "queued in order, numbered in order");
        acknowledged.add(e.canonicalJson());
      }
      assertEquals(n, log.size());
      batches = ((H2AuditLog) log).writerStats().batches();
    }
    assertTrue(batches < n / 10, n + " appends took " + batches + " commits: they were not grouped");
    AuditLog reopened = AuditLog.open(options(tmp));
    assertEquals(acknowledged, reopened.entries(0, n).stream().map(AuditEntry::canonicalJson).toList());
    reopened.close();
    // Closed: an async append fails at once instead of waiting forever.
    var failed = reopened.appendAsync(event(n)).toCompletableFuture();
    var e = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> failed.get(5, java.util.concurrent.TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof AuditUnavailableException, e.toString());
  }

  @Test
  void concurrentAppendsAreAllDurableAndSurviveReopen() throws Exception {
    int threads = 16;
    int perThread = 200;
    List<String> acknowledged = new ArrayList<>();
    try (AuditLog log = AuditLog.open(options(tmp))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<List<AuditEntry>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        futures.add(pool.submit(() -> {
          List<AuditEntry> mine = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            mine.add(log.append(event(base + i)));
          }
          return mine;
        }));
      }
      long[] seen = new long[threads * perThread];
      for (Future<List<AuditEntry>> f : futures) {
        for (AuditEntry e : f.get()) {
          seen[(int) e.seq()]++;
          acknowledged.add(e.canonicalJson());
        }
      }
      pool.shutdown();
      for (long count : seen) {
        assertEquals(1, count, "every seq assigned exactly once");
      }
      assertEquals(threads * perThread, log.size());
    }
    try (AuditLog reopened = AuditLog.open(options(tmp))) {
      assertEquals(threads * perThread, reopened.size());
      List<String> stored = reopened.entries(0, threads * perThread).stream().map(AuditEntry::canonicalJson).toList();
      assertEquals(acknowledged.stream().sorted().toList(), stored.stream().sorted().toList());
      assertTrue(reopened.latestCheckpoint().isPresent(), "close signed a final checkpoint");
      assertEquals(threads * perThread, reopened.latestCheckpoint().get().size());
      assertEquals(4, reopened.append(event(9)).seq() / 800);
    }
  }

  @Test
  void storeRefusesUpdateAndDeleteOfEntries() throws Exception {
    AuditLogOptions o = options(tmp);
    try (AuditLog log = AuditLog.open(o)) {
      log.append(event(0));
      try (Connection c = DriverManager.getConnection(AuditLog.jdbcUrl(o.databaseFile()));
           Statement s = c.createStatement()) {
        SQLException update = assertThrows(SQLException.class,
            () -> s.executeUpdate("UPDATE audit_batch SET entries = X'00' WHERE first_seq = 0"));
        assertTrue(update.getMessage().contains("append-only"), update.getMessage());
        SQLException delete = assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM audit_batch"));
        assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
        SQLException truncate = assertThrows(SQLException.class, () -> s.executeUpdate("TRUNCATE TABLE audit_batch"));
        assertTrue(truncate.getMessage() != null, "truncate refused");
        SQLException cpDelete = assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM audit_checkpoint"));
        assertTrue(cpDelete.getMessage().contains("append-only"), cpDelete.getMessage());
      }
      assertEquals(1, log.entries(0, 10).size());
    }
  }

  @Test
  void missingOrForeignKeyFileIsRefusedForAnExistingLog() throws Exception {
    AuditLogOptions o = options(tmp);
    try (AuditLog log = AuditLog.open(o)) {
      log.append(event(0));
    }
    Path moved = tmp.resolve("key-backup.pem");
    Files.move(o.signingKeyFile(), moved);
    java.io.IOException missing = assertThrows(java.io.IOException.class, () -> AuditLog.open(o));
    assertTrue(missing.getMessage().contains("is missing but the audit log was signed"), missing.getMessage());
    assertTrue(!Files.exists(o.signingKeyFile()), "no fresh key was minted");
    SigningKey.generate(o.origin()).writeTo(o.signingKeyFile());
    java.io.IOException foreign = assertThrows(java.io.IOException.class, () -> AuditLog.open(o));
    assertTrue(foreign.getMessage().contains("but the audit log's current key is"), foreign.getMessage());
    Files.delete(o.signingKeyFile());
    Files.move(moved, o.signingKeyFile());
    try (AuditLog log = AuditLog.open(o)) {
      assertEquals(1, log.size());
    }
  }

  @Test
  void entriesEditedBehindTheLogsBackAreDetectedAtOpen() throws Exception {
    AuditLogOptions o = options(tmp);
    try (AuditLog log = AuditLog.open(o)) {
      log.append(event(0));
      log.append(event(1));
    }
    try (Connection c = DriverManager.getConnection(AuditLog.jdbcUrl(o.databaseFile()));
         Statement s = c.createStatement()) {
      // Someone with the database file can drop the triggers; the signed checkpoint still catches the edit.
      s.execute("DROP TRIGGER audit_batch_no_update_row");
      s.execute("DROP TRIGGER audit_batch_no_update");
      s.executeUpdate("UPDATE audit_batch SET entries = REPLACE(entries, CAST('agent-1' AS VARBINARY),"
          + " CAST('agent-7' AS VARBINARY))");
    }
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> AuditLog.open(o));
    assertTrue(e.getMessage().contains("modified outside the log"), e.getMessage());
  }

  /** Who watched what is personal data: the folders the log creates for it are its owner's alone. */
  @Test
  void theFoldersTheLogCreatesAreOwnerOnly() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    AuditLogOptions o = options(tmp.resolve("data"));
    try (AuditLog log = AuditLog.open(o)) {
      log.append(event(1));
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("data"))));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
          AuditStore.fileOf(o.databaseFile()))));
    }
  }

  @Test
  void signingKeyIsOwnerOnly() throws Exception {
    AuditLogOptions o = options(tmp);
    try (AuditLog log = AuditLog.open(o)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(o.signingKeyFile())));
      assertTrue(log.keyFingerprint().matches("SHA256:[0-9a-f]{64}"), log.keyFingerprint());
      assertTrue(log.publicKeyPem().startsWith("-----BEGIN PUBLIC KEY-----"));
    }
    Files.setPosixFilePermissions(o.signingKeyFile(), PosixFilePermissions.fromString("rw-r--r--"));
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> AuditLog.open(o));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }
}
