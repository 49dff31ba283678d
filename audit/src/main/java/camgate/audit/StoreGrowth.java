package camgate.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The benchmark's H2 file growth: bytes of database file per entry after appending entries as the gateway does
 * (each its own commit when the gateway is quiet; async, sharing group commits, when it is busy), with H2's
 * defaults (what the log opened before) next to the log's own settings, in the same run.
 */
final class StoreGrowth {
  private static final int IN_FLIGHT = 256;

  private StoreGrowth() {
  }

  /** File bytes per entry after the appends and after close, and the group commits the appends took. */
  record Growth(double perEntry, double perEntryAfterClose, long commits) {
  }

  static void measure(Path workDir, int entries, PrintStream out) throws IOException, InterruptedException {
    long json = EntryCodec.template(AuditBenchmark.sampleEvent(0)).fill(0, "2026-11-28T21:14:00.000Z")
        .getBytes(StandardCharsets.UTF_8).length;
    for (boolean oneAtATime : new boolean[] {true, false}) {
      String mode = oneAtATime ? "one at a time (a commit each, a quiet gateway)"
          : "async, " + IN_FLIGHT + " in flight (group commits, a busy gateway)";
      Growth before = grow(workDir.resolve("growth-before-" + oneAtATime), AuditStore.H2_DEFAULTS, entries, oneAtATime);
      Growth after = grow(workDir.resolve("growth-after-" + oneAtATime), AuditStore.SETTINGS, entries, oneAtATime);
      out.printf("h2 file per entry after %d appends %s, entries of %d B: before (H2 defaults) %.0f B/entry"
              + " (%d commits), after (%s) %.0f B/entry (%d commits): %.2fx; after close %.0f -> %.0f B/entry%n",
          entries, mode, json, before.perEntry(), before.commits(), AuditStore.SETTINGS.substring(1), after.perEntry(),
          after.commits(), after.perEntry() / before.perEntry(), before.perEntryAfterClose(), after.perEntryAfterClose());
    }
  }

  private static Growth grow(Path dir, String settings, int entries, boolean oneAtATime)
      throws IOException, InterruptedException {
    AuditLogOptions options = AuditLogOptions.defaults(dir);
    Path file = AuditStore.fileOf(options.databaseFile());
    long start;
    long grown;
    long commits;
    try (H2AuditLog log = H2AuditLog.open(options, settings)) {
      start = Files.size(file);
      Semaphore window = new Semaphore(oneAtATime ? 1 : IN_FLIGHT);
      for (int i = 0; i < entries; i++) {
        window.acquire();
        CompletableFuture<AuditEntry> done = log.appendAsync(AuditBenchmark.sampleEvent(i)).toCompletableFuture();
        done.whenComplete((e, x) -> window.release());
      }
      window.acquire(oneAtATime ? 1 : IN_FLIGHT);
      grown = Files.size(file) - start;
      commits = log.writerStats().batches();
    }
    return new Growth(grown / (double) entries, Files.size(file) / (double) entries, commits);
  }
}
