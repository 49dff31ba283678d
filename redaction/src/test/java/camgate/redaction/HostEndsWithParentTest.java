package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway killed with SIGKILL leaves no detector host behind (nor its frame slots, unredacted pictures in
 * /dev/shm): the host sees its pipe close and ends within seconds.
 */
class HostEndsWithParentTest {
  @TempDir
  Path dir;
  private Process parent;
  private ProcessHandle host;

  @AfterEach
  void cleanUp() {
    if (parent != null) {
      parent.destroyForcibly();
    }
    if (host != null) {
      host.destroyForcibly(); // only when the test failed: the orphan it found
    }
  }

  @Test
  void theHostEndsWhenItsParentIsKilled() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    parent = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HostParent.class.getName(),
        ModelsDir.get().toAbsolutePath().toString()).directory(dir.toFile())
        .redirectError(dir.resolve("stderr.txt").toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertNotNull(line, "the parent printed its host; stderr:\n" + Files.readString(dir.resolve("stderr.txt")));
    String[] words = line.split(" ");
    Optional<ProcessHandle> found = ProcessHandle.of(Long.parseLong(words[1]));
    assertTrue(found.isPresent() && found.get().isAlive(), "the host runs: " + line);
    host = found.get();
    Path runDir = Path.of(words[2]);
    assertTrue(Files.isDirectory(runDir), "the run folder exists: " + runDir);

    parent.destroyForcibly(); // SIGKILL: no shutdown hook, no close
    assertTrue(parent.waitFor(10, TimeUnit.SECONDS), "the parent died");
    host.onExit().get(10, TimeUnit.SECONDS);
    assertFalse(host.isAlive(), "the host ended with its parent");
    host = null;
    assertFalse(Files.exists(runDir), "the host deleted its run folder: " + runDir);
  }
}
