package camgate.gateway.publish;

import camgate.gateway.policy.OpaCapabilities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One run of the OPA command-line tool (check, test, eval, build) with a time limit, restricted to
 * the built-ins of {@link OpaCapabilities}. BLOCKING.
 *
 * @param exitCode the process's exit status
 * @param stdout   what it printed on standard output
 * @param stderr   what it printed on standard error
 */
record OpaCommand(int exitCode, String stdout, String stderr) {

  /** The subcommands that compile Rego and so take {@code --capabilities}. */
  private static final Set<String> COMPILING = Set.of("check", "test", "eval", "build");

  /**
   * Runs {@code opa args...} in {@code workDir}; a command that compiles Rego gets {@code --capabilities}
   * with the gateway's restricted built-ins, so a policy calling another built-in fails to compile.
   *
   * @throws IOException when the binary cannot be started, or it runs longer than {@code timeout} (it is killed)
   */
  static OpaCommand run(Path opa, Path workDir, Duration timeout, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(opa.toString());
    command.add(args[0]);
    if (COMPILING.contains(args[0])) {
      command.add("--capabilities");
      command.add(OpaCapabilities.file().toString());
    }
    command.addAll(List.of(args).subList(1, args.length));
    Path out = Files.createTempFile("camgate-opa", ".out");
    Path err = Files.createTempFile("camgate-opa", ".err");
    try {
      Process p = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IOException("'opa " + args[0] + "' took longer than " + timeout.toSeconds()
              + " s and was stopped; simplify the proposal or raise the limit");
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while 'opa " + args[0] + "' ran", e);
      }
      return new OpaCommand(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  boolean succeeded() {
    return exitCode == 0;
  }

  /** Both outputs, for an error message, led by the explanation of any forbidden built-in OPA names. */
  String output() {
    return OpaCapabilities.annotate((stdout + (stdout.isEmpty() || stderr.isEmpty() ? "" : "\n") + stderr).strip());
  }

  /** Deletes a temporary folder and everything in it; best effort, it is only scratch space. */
  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(OpaCommand.class).warn("could not delete scratch folder {}: {}", dir, e.toString());
    }
  }
}
