package camgate.gateway.rtsp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real client (ffmpeg, GStreamer, VLC) as a process with a deadline, its output kept in files. */
public final class ExternalClient {

  /** What a client run gave. */
  public record Run(int exitCode, boolean timedOut, String stdout, String stderr, Duration took) {
    @Override
    public String toString() {
      return "exit " + exitCode + (timedOut ? " (killed at deadline)" : "") + " after " + took.toMillis() + " ms\n"
          + "--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private ExternalClient() {
  }

  /** Skips nothing: fails with the install command if the tool is missing. */
  public static void require(String tool, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return;
      }
    }
    throw new AssertionError(tool + " is not installed; run ./camgate setup (apt-get install " + debianPackage + ")");
  }

  public static Run run(Path workDir, Duration deadline, List<String> command) throws IOException, InterruptedException {
    return run(workDir, deadline, command, Map.of());
  }

  public static Run run(Path workDir, Duration deadline, List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "client", ".out");
    Path err = Files.createTempFile(workDir, "client", ".err");
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
            new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    long started = System.nanoTime();
    Process p = pb.start();
    boolean finished = p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      p.destroy();
      if (!p.waitFor(3, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    return new Run(finished ? p.exitValue() : -1, !finished, Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8), took);
  }

  /** The last {@code frame=N} of FFmpeg's {@code -progress} output: how many pictures it decoded (-1: none said). */
  public static int lastFrameCount(String progress) {
    int frames = -1;
    for (String line : progress.split("\n")) {
      if (line.startsWith("frame=")) {
        frames = Integer.parseInt(line.substring(6).trim());
      }
    }
    return frames;
  }
}
