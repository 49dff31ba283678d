package camgate.gateway.policy;

import camgate.gateway.support.TestPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OPA lives exactly as long as its gateway: not past a killed JVM, not past close(), not into the next run. */
class OpaLifecycleTest {

  @TempDir
  Path dir;

  private static List<Path> policies() {
    return List.of(TestPaths.root().resolve("policies/camgate"), TestPaths.root().resolve("policies/data"));
  }

  /** A live process, not a zombie waiting to be reaped. */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException gone) {
      return false;
    }
  }

  private static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  @Test
  void opaDiesWithAJvmKilledByKill9() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OpaChild.class.getName(),
        TestPaths.opa().toString(), policies().get(0).toString(), policies().get(1).toString(),
        dir.resolve("opa.log").toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    long pid = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("opa-pid ")) {
          pid = Long.parseLong(line.substring(8).strip());
          break;
        }
      }
      assertTrue(pid > 0, "the child JVM started OPA");
      assertTrue(running(pid));
      jvm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);  // SIGKILL: no shutdown hook runs
      long opa = pid;
      await().atMost(Duration.ofSeconds(10)).until(() -> !running(opa));
    } finally {
      jvm.destroyForcibly();
      if (pid > 0) {
        kill(pid);
      }
    }
  }

  @Test
  void closeDuringARestartLeavesNoOpaRunning() throws Exception {
    AtomicInteger launches = new AtomicInteger();
    AtomicReference<Thread> supervisor = new AtomicReference<>();
    CountDownLatch restarting = new CountDownLatch(1);
    OpaProcess opa = new OpaProcess(TestPaths.opa(), policies(), dir.resolve("opa.log"));
    try {
      opa.beforeEachLaunch(() -> {
        if (launches.incrementAndGet() == 2) {
          supervisor.set(Thread.currentThread());
          restarting.countDown();
          try {
            // Held here (about to start the new OPA) until close() interrupts the supervisor.
            new CountDownLatch(1).await(30, TimeUnit.SECONDS);
          } catch (InterruptedException closing) {
            // go on, as a launch already under way would
          }
        }
      });
      opa.start().get(60, TimeUnit.SECONDS);
      opa.process().destroyForcibly();
      assertTrue(restarting.await(30, TimeUnit.SECONDS), "the supervisor restarts OPA");

      opa.close();
      await().atMost(Duration.ofSeconds(15)).until(() -> !supervisor.get().isAlive());
      assertFalse(opa.process() != null && opa.process().isAlive(), "no OPA started after close()");
      assertFalse(ProcessHandle.current().descendants().anyMatch(p -> p.info().command()
          .map(c -> c.endsWith("/opa")).orElse(false) && running(p.pid())), "no OPA child left");
    } finally {
      opa.close();
      ProcessHandle.current().descendants().filter(p -> p.info().command().map(c -> c.endsWith("/opa"))
          .orElse(false)).forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void anOpaLeftByAPreviousRunIsStoppedAtStart() throws Exception {
    Path pidFile = dir.resolve("opa.pid");
    Process orphan = new ProcessBuilder(TestPaths.opa().toString(), "run", "--server", "--addr", "127.0.0.1:0",
        "--set", OpaProcess.PID_FILE_LABEL + pidFile.toAbsolutePath())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Process stranger = new ProcessBuilder("sleep", "120").start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(Path.of("/proc", Long.toString(orphan.pid()),
          "cmdline")).contains(OpaProcess.PID_FILE_LABEL));
      Files.writeString(pidFile, Long.toString(orphan.pid()));
      try (OpaProcess opa = new OpaProcess(TestPaths.opa(), policies(), dir.resolve("opa.log"))) {
        opa.start().get(60, TimeUnit.SECONDS);
        assertTrue(orphan.waitFor(10, TimeUnit.SECONDS), "the previous run's OPA was stopped");
        assertNotNull(opa.process());
        assertTrue(Files.readString(pidFile).strip().equals(Long.toString(opa.process().pid())), "the pid file names ours");
      }
      assertFalse(Files.exists(pidFile), "close() removes the pid file");

      // A pid file naming a process that is not our OPA (the pid was reused) leaves it alone.
      Files.writeString(pidFile, Long.toString(stranger.pid()));
      try (OpaProcess opa = new OpaProcess(TestPaths.opa(), policies(), dir.resolve("opa.log"))) {
        opa.start().get(60, TimeUnit.SECONDS);
        assertTrue(stranger.isAlive(), "another process is never killed");
      }
    } finally {
      orphan.destroyForcibly();
      stranger.destroyForcibly();
    }
  }
}
