package camgate.gateway.policy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A JVM that starts an OpaProcess, prints "opa-pid N" and waits to be killed (OpaLifecycleTest). */
public final class OpaChild {

  private OpaChild() {
  }

  /** Arguments: the OPA binary, the two policy folders, the log file. */
  public static void main(String[] args) throws Exception {
    OpaProcess opa = new OpaProcess(Path.of(args[0]), List.of(Path.of(args[1]), Path.of(args[2])), Path.of(args[3]));
    opa.start().get(60, TimeUnit.SECONDS);
    System.out.println("opa-pid " + opa.process().pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
