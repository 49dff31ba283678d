package camgate.gateway.policy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.gateway.support.TestPaths;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's OPA listens on a Unix socket in an owner-only folder, and on no TCP port: no other local user can
 * ask it, or take its place during a restart and receive the gateway's token (as they could a free loopback port).
 */
class OpaSocketTest {
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  /** Debian's Python, which nobody may run (a pyenv shim under /root is not theirs to run). */
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  @TempDir
  Path dir;

  private OpaProcess start() throws Exception {
    // Others may enter the test's folder, as they may a gateway's: only OPA's own folder is to keep them out.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    OpaProcess opa = new OpaProcess(TestPaths.opa(), List.of(TestPaths.root().resolve("policies/camgate"),
        TestPaths.root().resolve("policies/data")), dir.resolve("opa.log"));
    opa.start().get(60, TimeUnit.SECONDS);
    return opa;
  }

  @Test
  void opaListensOnItsSocketInAnOwnerOnlyFolderAndOnNoTcpPort() throws Exception {
    // A folder left open (by hand, or by an older version) is closed again before OPA binds in it.
    Files.createDirectories(dir.resolve("opa-socket"));
    Files.setPosixFilePermissions(dir.resolve("opa-socket"), PosixFilePermissions.fromString("rwxrwxrwx"));
    try (OpaProcess opa = start()) {
      URI url = opa.url();
      assertEquals("unix", url.getScheme(), url.toString());
      Path socket = opa.endpoint().socket().orElseThrow();
      assertEquals(dir.resolve("opa-socket").resolve("opa.sock"), socket);
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
      assertEquals(200, OpaExchange.status(url, "GET", "/health", opa.endpoint().authorization(), "",
          Duration.ofSeconds(5)));
      assertEquals(401, OpaExchange.status(url, "GET", "/health", "", "", Duration.ofSeconds(5)),
          "the token is still required on the socket");

      long pid = opa.process().pid();
      Set<String> sockets = socketInodes(pid);
      assertTrue(sockets.size() > 0, "OPA (pid " + pid + ") holds sockets");
      assertEquals(Set.of(), listening(sockets, "/proc/net/tcp"), "OPA listens on no IPv4 TCP port");
      assertEquals(Set.of(), listening(sockets, "/proc/net/tcp6"), "OPA listens on no IPv6 TCP port");
      assertTrue(Files.readString(Path.of("/proc/net/unix")).contains(socket.toString()),
          "the kernel lists OPA's Unix socket");
    }
  }

  @Test
  void anotherLocalUserCannotReachOpasSocket() throws Exception {
    assertTrue(Files.isExecutable(SETPRIV) && Files.isExecutable(PYTHON),
        "setpriv (util-linux) runs the other user, Debian's python3 the probe");
    try (OpaProcess opa = start()) {
      Path socket = opa.endpoint().socket().orElseThrow();
      // The same probe as root reaches OPA; as nobody it sees the folder but may not enter it.
      assertEquals("connected", asUser(null, socket));
      assertEquals("stat ok", asUser("nobody-stat", socket.getParent()));
      assertEquals("PermissionError", asUser("nobody", socket));
    }
  }

  @Test
  void aSocketLeftByAKilledOpaDoesNotKeepTheNextOneFromStarting() throws Exception {
    try (OpaProcess opa = start()) {
      Path socket = opa.endpoint().socket().orElseThrow();
      Process first = opa.process();
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      assertTrue(Files.exists(socket), "SIGKILL leaves the socket file behind");
      await().atMost(Duration.ofSeconds(60)).until(() -> opa.restarts() == 1 && opa.process() != first
          && healthy(opa));
    }
  }

  private static boolean healthy(OpaProcess opa) {
    try {
      return OpaExchange.status(opa.url(), "GET", "/health", opa.endpoint().authorization(), "",
          Duration.ofSeconds(2)) == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  /**
   * Runs a Python probe as root ({@code who} null) or as nobody: "nobody-stat" stats {@code path}, "nobody" and
   * root connect to it. Prints what happened.
   */
  private static String asUser(String who, Path path) throws Exception {
    String probe = who != null && who.equals("nobody-stat")
        ? "import os,sys\ntry:\n  os.stat(sys.argv[1]); print('stat ok')\nexcept OSError as e: print(type(e).__name__)"
        : "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n  s.connect(sys.argv[1]); print('connected')\n"
            + "except OSError as e: print(type(e).__name__)";
    List<String> command = new java.util.ArrayList<>();
    if (who != null) {
      command.addAll(List.of(SETPRIV.toString(), "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
    }
    command.addAll(List.of(PYTHON.toString(), "-c", probe, path.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return out;
  }

  /** The inodes of the sockets process {@code pid} holds open. */
  private static Set<String> socketInodes(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // an fd closed while listing
        }
      }
    }
    return inodes;
  }

  /** Those of {@code inodes} in LISTEN state (0A) in a /proc/net/tcp-style table. */
  private static Set<String> listening(Set<String> inodes, String table) throws IOException {
    Set<String> found = new HashSet<>();
    List<String> lines = Files.readAllLines(Path.of(table));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
        found.add(f[1]);
      }
    }
    return found;
  }
}
