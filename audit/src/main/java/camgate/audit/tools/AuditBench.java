package camgate.audit.tools;

import camgate.audit.AuditBenchmark;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/** {@code ./camgate bench audit}: see {@link AuditBenchmark}. */
final class AuditBench {
  private AuditBench() {
  }

  static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
    return AuditBenchmark.run(args, out, err);
  }
}
