package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real native crash (a SIGSEGV in OpenCV's code) during detection: in-process it takes the whole JVM, every camera
 * with it (shown in a JVM of its own); in the detector host it costs masked frames until the host is back, and this
 * JVM goes on.
 */
class HostCrashTest {
  @TempDir
  Path dir;
  private IsolatedDetectors isolated;

  @AfterEach
  void stop() {
    if (isolated != null) {
      isolated.close();
    }
    System.clearProperty(HostExchange.CRASH_PROPERTY);
  }

  @Test
  void inProcessTheCrashEndsTheWholeJvm() throws Exception {
    MovingObjectsFixture.requireSources();
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process child = new ProcessBuilder(java, "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir + "/hs_err_pid%p.log",
        "-cp", System.getProperty("java.class.path"), InProcessCrash.class.getName(),
        MovingObjectsFixture.ASTRONAUT.toString()).directory(dir.toFile())
        .redirectError(dir.resolve("stderr.txt").toFile()).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child JVM ended");
    assertNotEquals(0, child.exitValue(), "the JVM died of the crash; stdout:\n" + out);
    assertFalse(out.contains("survived"), out);
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("hs_err_pid")),
          "a JVM crash log says it was a native crash; stdout:\n" + out);
    }
  }

  @Test
  void inTheHostTheCrashCostsMaskedFramesAndThisJvmGoesOn() throws Exception {
    MovingObjectsFixture.requireSources();
    System.setProperty(HostExchange.CRASH_PROPERTY, "true");
    isolated = IsolatedDetectors.start(ModelsDir.get(), true, 1, IsolatedDetectors.DEFAULT_HANG_TIMEOUT);
    long crashed = IsolatedDetectorsTest.HostOutage.run(isolated, isolated::hostPid, isolated::crashHost);
    Path crashLog = Path.of(System.getProperty("java.io.tmpdir"), "camgate-detector-host-hs_err_pid" + crashed + ".log");
    assertTrue(Files.exists(crashLog), "the host's JVM logged a native crash in " + crashLog);
    Files.delete(crashLog);
  }

  @Test
  void aHostThatStopsAnsweringIsKilledAfterTheHangTimeoutAndRestarted() throws Exception {
    MovingObjectsFixture.requireSources();
    System.setProperty(HostExchange.CRASH_PROPERTY, "true");
    // Above the longest real look here (the astronaut's whole-frame pass), far below the default 30 s.
    isolated = IsolatedDetectors.start(ModelsDir.get(), true, 1, Duration.ofSeconds(15));
    IsolatedDetectorsTest.HostOutage.run(isolated, isolated::hostPid, () -> {
      Thread hang = new Thread(isolated::hangHost, "test-hang");
      hang.setDaemon(true);
      hang.start();
    });
  }
}
