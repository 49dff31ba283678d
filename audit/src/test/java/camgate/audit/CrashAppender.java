package camgate.audit;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Child process of {@link CrashSafetyTest}: appends from many threads forever and prints
 * {@code ACK <seq> <canonical json>} for each acknowledged entry, until it is killed.
 */
public final class CrashAppender {
  private CrashAppender() {
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    AuditLog log = AuditLog.open(AuditLogOptions.defaults(dir).withCheckpointInterval(Duration.ofMillis(200)));
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread worker = new Thread(() -> {
        for (long i = 0; ; i++) {
          AuditEntry e = log.append(new AuditEvent("access_decision", Map.of("id", "agent-" + id, "roles",
              List.of("operator")), "view_live", Map.of("camera", "cam-" + (i % 7)), Map.of("allow", true), "v1",
              "t" + id + "-" + i, Map.of("n", i)));
          synchronized (out) {
            out.println("ACK " + e.seq() + " " + e.canonicalJson());
            out.flush();
          }
        }
      }, "appender-" + t);
      worker.start();
    }
    synchronized (out) {
      out.println("STARTED");
      out.flush();
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
