package camgate.audit.tools;

import java.io.PrintStream;

/** Lets tests in camgate.audit run the CLI without exiting the JVM. */
public final class AuditCliAccess {
  private AuditCliAccess() {
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return AuditCli.run(args, out, err);
  }
}
