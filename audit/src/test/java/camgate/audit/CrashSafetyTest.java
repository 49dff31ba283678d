package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A separate JVM appends under load and is killed with SIGKILL; every acknowledged entry must survive. */
class CrashSafetyTest {
  static final int THREADS = 32;
  static final int ACKS_BEFORE_KILL = 3000;

  @TempDir
  Path dir;

  static long ackCount(Path file) throws java.io.IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    try (var lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
      return lines.filter(l -> l.startsWith("ACK ")).count();
    }
  }

  @Test
  void acknowledgedEntriesSurviveKillMinus9() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // stdout goes to a file, not a pipe: the JDK closes a killed child's pipes and would drop the last acks.
    Path acks = dir.resolve("acks.txt");
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CrashAppender.class.getName(), dir.resolve("log").toString(), String.valueOf(THREADS))
        .redirectOutput(acks.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (ackCount(acks) < ACKS_BEFORE_KILL && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50); // polling a file the child writes; there is nothing to wait on instead
    }
    assertTrue(child.isAlive(), "child died before the kill; see its exit code " + (child.isAlive() ? "" : child.exitValue()));
    // Mid-run: the appenders are still going. destroyForcibly is SIGKILL on Linux: no shutdown hook, no close().
    child.destroyForcibly();
    assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
    Map<Long, String> acknowledged = new TreeMap<>();
    for (String line : Files.readAllLines(acks, StandardCharsets.UTF_8)) {
      // A line cut by the kill has no closing brace: the entry was acknowledged but is not checked.
      if (line.startsWith("ACK ") && line.endsWith("}")) {
        int space = line.indexOf(' ', 4);
        acknowledged.put(Long.parseLong(line.substring(4, space)), line.substring(space + 1));
      }
    }
    assertTrue(acknowledged.size() >= ACKS_BEFORE_KILL, "child acknowledged only " + acknowledged.size() + " entries");
    assertEquals(137, child.exitValue(), "killed by SIGKILL (128 + 9)");

    try (AuditLog log = AuditLog.open(AuditLogOptions.defaults(dir.resolve("log")))) {
      long maxAck = ((TreeMap<Long, String>) acknowledged).lastKey();
      assertTrue(log.size() > maxAck, "log has " + log.size() + " entries, acknowledged up to seq " + maxAck);
      List<AuditEntry> stored = log.entries(0, (int) log.size());
      for (Map.Entry<Long, String> ack : acknowledged.entrySet()) {
        assertEquals(ack.getValue(), stored.get(ack.getKey().intValue()).canonicalJson(), "entry " + ack.getKey());
      }
      long before = log.size();
      AuditEntry next = log.append(AuditLogTest.event(1));
      assertEquals(before, next.seq(), "appends continue after the crash");
      Path bundle = dir.resolve("bundle");
      log.export(0, log.size(), bundle);
      Verdict verdict = BundleVerifier.verify(bundle);
      assertTrue(verdict.valid(), verdict.summary());
      assertEquals(before + 1, verdict.entries());
    }
  }
}
