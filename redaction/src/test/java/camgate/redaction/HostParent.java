package camgate.redaction;

import java.nio.file.Path;

/**
 * A JVM of its own for {@link HostEndsWithParentTest}: starts a detector host, prints its pid and run folder, and
 * waits to be killed.
 */
final class HostParent {
  private HostParent() {}

  public static void main(String[] args) throws Exception {
    IsolatedDetectors isolated = IsolatedDetectors.start(Path.of(args[0]), false, 1,
        IsolatedDetectors.DEFAULT_HANG_TIMEOUT);
    System.out.println("host " + isolated.hostPid() + " " + isolated.runDir());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
