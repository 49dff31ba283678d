package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store fails under the log (another connection shuts the database down, or holds it in exclusive mode):
 * appends fail fast while the fault lasts, and once it is gone the log reopens the store by itself and resumes,
 * with no acknowledged entry lost and none duplicated.
 */
class StoreRecoveryTest {
  @TempDir
  Path tmp;

  /** The exported entries of {@code log}, after checking the bundle verifies. */
  static List<String> verifiedEntries(AuditLog log, Path dir) throws Exception {
    log.export(0, log.size(), dir);
    Verdict verdict = BundleVerifier.verify(dir);
    assertTrue(verdict.valid(), verdict.summary());
    return Files.readAllLines(dir.resolve("entries.jsonl"));
  }

  /** Another connection to the log's database, running {@code sql}; closing it ends what it holds. */
  static Connection admin(AuditLogOptions o, String sql) throws Exception {
    Connection c = DriverManager.getConnection(AuditLog.jdbcUrl(o.databaseFile()));
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
    return c;
  }

  @Test
  void appendsFailFastWhileTheDatabaseIsHeldAndResumeOnceItIsFreed() throws Exception {
    AuditLogOptions o = AuditLogTest.options(tmp.resolve("db"));
    List<String> acknowledged = new ArrayList<>();
    try (AuditLog log = AuditLog.open(o)) {
      acknowledged.add(log.append(AuditLogTest.event(0)).canonicalJson());
      assertTrue(log.status().writable());
      assertNull(log.status().lastError());
      CompletableFuture<Void> back;
      // Exclusive mode 2 closes the log's connections and refuses new ones until it ends: the fault.
      try (Connection exclusive = admin(o, "SET EXCLUSIVE 2")) {
        assertThrows(AuditUnavailableException.class, () -> log.append(AuditLogTest.event(1)));
        AuditStatus down = log.status();
        assertFalse(down.writable());
        assertNotNull(down.lastError());
        assertNotNull(down.unavailableSince());
        assertNotNull(down.nextRetry());
        back = ((H2AuditLog) log).writableAgain();
        AuditUnavailableException fast = assertThrows(AuditUnavailableException.class,
            () -> log.append(AuditLogTest.event(2)));
        assertTrue(fast.getMessage().contains("reopens it by itself"), fast.getMessage());
        CompletableFuture<AuditEntry> async = log.appendAsync(AuditLogTest.event(3)).toCompletableFuture();
        assertTrue(async.isCompletedExceptionally(), "an async append fails at once too, without queueing");
        assertFalse(back.isDone(), "the database is still held: the log cannot have reopened it");
        assertEquals(1, log.size());
      }
      // The fault is gone (the exclusive connection closed): the log reopens the store by itself.
      back.get(60, TimeUnit.SECONDS);
      AuditStatus up = log.status();
      assertTrue(up.writable());
      assertNotNull(up.lastError(), "the last error stays visible after recovery");
      assertNull(up.nextRetry());
      AuditEntry resumed = log.append(AuditLogTest.event(4));
      assertEquals(1, resumed.seq(), "failed appends took no seq");
      acknowledged.add(resumed.canonicalJson());
      assertEquals(acknowledged, verifiedEntries(log, tmp.resolve("bundle")));
    }
    try (AuditLog reopened = AuditLog.open(o)) {
      assertEquals(acknowledged, reopened.entries(0, 10).stream().map(AuditEntry::canonicalJson).toList());
    }
  }

  @Test
  void shutdownOfTheDatabaseFailsAppendsUntilTheLogReopensIt() throws Exception {
    AuditLogOptions o = AuditLogTest.options(tmp.resolve("db"));
    try (AuditLog log = AuditLog.open(o)) {
      AuditEntry first = log.append(AuditLogTest.event(0));
      admin(o, "SHUTDOWN").close();
      assertThrows(AuditUnavailableException.class, () -> log.append(AuditLogTest.event(1)));
      ((H2AuditLog) log).writableAgain().get(60, TimeUnit.SECONDS);
      AuditEntry next = log.append(AuditLogTest.event(2));
      assertEquals(1, next.seq());
      assertTrue(log.checkpointNow().size() >= 2, "checkpoints are signed and stored again");
      assertEquals(List.of(first.canonicalJson(), next.canonicalJson()), verifiedEntries(log, tmp.resolve("bundle")));
    }
  }

  @Test
  void asyncAppendsAcrossAFaultAreEachLoggedAtMostOnceAndAcknowledgedOnesAllAre() throws Exception {
    AuditLogOptions o = AuditLogTest.options(tmp.resolve("db"));
    int n = 4000;
    try (AuditLog log = AuditLog.open(o)) {
      List<CompletableFuture<AuditEntry>> pending = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        pending.add(log.appendAsync(AuditLogTest.event(i)).toCompletableFuture());
        if (i == n / 2) {
          // Mid-stream: some groups are stored, some are queued, some not yet sent.
          admin(o, "SHUTDOWN").close();
        }
      }
      Set<String> acknowledged = new HashSet<>();
      int failed = 0;
      for (CompletableFuture<AuditEntry> p : pending) {
        try {
          acknowledged.add(p.get(60, TimeUnit.SECONDS).canonicalJson());
        } catch (ExecutionException e) {
          assertTrue(e.getCause() instanceof AuditUnavailableException, e.toString());
          failed++;
        }
      }
      assertTrue(failed > 0, "the fault failed no append: it came too late to test anything");
      ((H2AuditLog) log).writableAgain().get(60, TimeUnit.SECONDS);
      acknowledged.add(log.append(AuditLogTest.event(n)).canonicalJson());
      List<String> stored = verifiedEntries(log, tmp.resolve("bundle"));
      assertEquals(stored.size(), new HashSet<>(stored).size(), "an entry was stored twice");
      assertTrue(stored.containsAll(acknowledged), "an acknowledged entry was lost");
      // An entry whose append failed may still be stored (its commit reached the file before the sync failed),
      // never more than once; every stored entry is one that was appended.
      Set<String> decisions = new HashSet<>();
      for (String line : stored) {
        assertTrue(decisions.add(EntryCodec.decode(line).event().decisionId()), "decision logged twice: " + line);
      }
    }
  }
}
