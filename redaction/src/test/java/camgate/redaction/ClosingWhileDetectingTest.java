package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the detectors while detections run, as a shutdown does, ends those runs with an error and crashes
 * nothing. Before {@link OnnxNetwork}, ONNX Runtime freed the session under the running detection and the JVM died of
 * SIGSEGV in {@code OrtSession.run} under {@code PlateTextDetector.detect}, with an hs_err file: in a child JVM,
 * since that crash takes the whole process.
 */
class ClosingWhileDetectingTest {
  private static final Pattern ROUND =
      Pattern.compile("round (\\d+): (\\d+) stopped by close, (\\d+) refused after close, (\\d+) failed otherwise");

  @TempDir
  Path dir;

  @Test
  void closingTheDetectorsUnderRunningDetectionsEndsThemWithoutACrash() throws Exception {
    MovingObjectsFixture.requireSources();
    int rounds = 4;
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ClosingWhileDetecting.class.getName(), ModelsDir.get().toAbsolutePath().toString(), Integer.toString(rounds))
        .directory(dir.toFile()).redirectError(dir.resolve("stderr.txt").toFile()).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the child JVM ended");
    assertEquals(0, child.exitValue(), "the child JVM exits 0 (134 is a crash); stdout:\n" + out + "\nstderr:\n"
        + Files.readString(dir.resolve("stderr.txt")));
    assertEquals(List.of(), crashReports(), "no hs_err file");
    int stoppedInFlight = 0;
    List<String> lines = out.lines().toList();
    assertEquals(rounds, lines.size(), out);
    for (String line : lines) {
      Matcher m = ROUND.matcher(line);
      assertTrue(m.matches(), line);
      int stopped = Integer.parseInt(m.group(2));
      assertEquals(2, stopped + Integer.parseInt(m.group(3)), "both detectors' threads ended by the close: " + line);
      assertEquals(0, Integer.parseInt(m.group(4)), "no other failure: " + line);
      stoppedInFlight += stopped;
    }
    assertTrue(stoppedInFlight > 0, "at least one close met a run in flight, the case that crashed:\n" + out);
  }

  private List<Path> crashReports() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("hs_err_pid")).toList();
    }
  }
}
