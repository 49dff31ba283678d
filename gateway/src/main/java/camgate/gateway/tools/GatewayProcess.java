package camgate.gateway.tools;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in a JVM of its own ({@code camgate.gateway.Main --config}), as a cluster node runs: it can be
 * killed with SIGKILL, frozen with SIGSTOP and resumed, and restarted on the same folder and ports. Its output
 * goes to {@code gateway.log} in its folder.
 */
public final class GatewayProcess implements AutoCloseable {

  private static final String READY = "camgate is running at ";

  private final Path dir;
  private final JsonObject config;
  private Process process;
  private volatile URI url;
  private volatile boolean frozen;

  private GatewayProcess(Path dir, JsonObject config) {
    this.dir = dir;
    this.config = config;
  }

  /** A node that will run on {@code config} in {@code dir} (not started yet). */
  public static GatewayProcess of(Path dir, JsonObject config) {
    return new GatewayProcess(dir, config);
  }

  /** A free TCP port on loopback, for a cluster member. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts the JVM; the future completes with its HTTP URL once it prints it (fails if it exits first). */
  public CompletableFuture<URI> start() throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("camgate.json");
    Files.writeString(file, config.encodePrettily());
    // Surefire's forked JVM names the test class path apart; a tool's JVM has it as its own class path.
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx768m", "-XX:+UseSerialGC", "-XX:ActiveProcessorCount=1", "-cp", classpath,
        "camgate.gateway.Main", "--config", file.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    url = null;
    process = pb.start();
    Process p = process;
    Path log = dir.resolve("gateway.log");
    return CompletableFuture.supplyAsync(() -> {
      CompletableFuture<URI> ready = new CompletableFuture<>();
      Thread pump = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log,
                 java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true)) {
          String line;
          while ((line = r.readLine()) != null) {
            out.println(line);
            if (line.startsWith(READY)) {
              ready.complete(URI.create(line.substring(READY.length()).trim()));
            }
          }
        } catch (IOException e) {
          ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("gateway in " + dir + " exited before it was ready; "
            + "see " + log));
      }, "gateway-output-" + dir.getFileName());
      pump.setDaemon(true);
      pump.start();
      URI u = ready.join();
      url = u;
      return u;
    });
  }

  public URI url() {
    if (url == null) {
      throw new IllegalStateException("gateway in " + dir + " is not running");
    }
    return url;
  }

  public long pid() {
    return process.pid();
  }

  public Path directory() {
    return dir;
  }

  /** SIGKILL: no shutdown hook, no final checkpoint, leases left to expire. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    url = null;
  }

  /** SIGSTOP: the JVM freezes, sockets stay open. */
  public void freeze() throws IOException, InterruptedException {
    frozen = true;
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze}. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
    frozen = false;
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** True once the node has printed its URL (started), until it is killed; false while frozen. */
  public boolean running() {
    return url != null && !frozen;
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGTERM (the gateway's orderly stop), SIGKILL if it has not stopped within 30 s. */
  @Override
  public void close() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    try {
      resume();  // a frozen JVM would keep SIGTERM pending
    } catch (IOException | IllegalStateException e) {
      // it stops by SIGKILL below all the same
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
