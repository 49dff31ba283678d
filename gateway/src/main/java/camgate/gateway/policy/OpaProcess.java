package camgate.gateway.policy;

import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own OPA server: started over the policy folders, or configured to download signed
 * bundles from the gateway ({@link #withSignedBundles}); watched, restarted when it dies, stopped with
 * the gateway and never restarted once stopping began.
 *
 * <p>OPA listens on a Unix socket in a folder only this user may enter ({@link Listen#UNIX_SOCKET}, the
 * default): no other local user can reach it, or take its place while it restarts and receive the
 * gateway's token, as one could take a free loopback port. {@link Listen#TCP_LOOPBACK} is the fallback
 * ({@code opa.listen: "tcp"}), where the token and, with signed bundles, the revision check remain.
 *
 * <p>OPA ends with the JVM: it is started through {@code setpriv --pdeathsig KILL} (util-linux), so the
 * kernel kills it when the JVM dies, even by {@code kill -9}; its pid is kept in {@code opa.pid} beside
 * the log, so a start finds and stops an OPA a previous run left behind (after checking its command
 * line names that pid file).
 *
 * <p>Blocking: process start and health polling run on the supervisor thread, never on an event loop.
 *
 * <p>About 450 lines: starting OPA locked down (token, capabilities, parent-death signal), the pid file of a
 * previous run, the supervisor that restarts it and the shutdown that must never race a restart are one
 * process's life, kept in one place so the locking between them can be read at once.
 */
public final class OpaProcess implements AutoCloseable {

  /** How OPA is reached. */
  public enum Listen {
    /** {@code opa-socket/opa.sock} beside OPA's log, the folder 0700. */
    UNIX_SOCKET,
    /** A free port on 127.0.0.1. */
    TCP_LOOPBACK
  }

  /** The longest path a Unix socket address holds (sun_path is 108 bytes with its terminating NUL). */
  private static final int MAX_SOCKET_PATH = 107;

  private static final Logger LOG = LoggerFactory.getLogger(OpaProcess.class);
  private static final Duration HEALTH_WAIT = Duration.ofSeconds(30);
  /** OPA's log is bounded: 3 files of 5 MB at most (opa.log, opa.log.1, opa.log.2). */
  private static final long LOG_FILE_BYTES = 5L * 1024 * 1024;
  private static final int LOG_FILES = 3;
  /** Asks the kernel to kill OPA when the thread that started it (the supervisor, alive with the JVM) ends. */
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  /** A label in OPA's command line naming our pid file: how a start recognises an OPA of a previous run. */
  static final String PID_FILE_LABEL = "labels.camgate_pid_file=";
  /** OPA's authorization policy (--authorization=basic): a request carrying the gateway's token, nothing else. */
  private static final String AUTHZ = """
      package system.authz

      # camgate: only the gateway, which holds this start's token, may use this OPA.
      default allow := false

      allow if crypto.sha256(input.identity) == "TOKEN_SHA256"
      """;
  /**
   * Loaded beside the policy: OPA assigns a decision_id (which the audit log records) only with
   * decision logging on, and this drops every decision log event, so no request reaches a log.
   */
  private static final String DROP_DECISION_LOGS = """
      package system.log

      # camgate: decision logs are dropped; the gateway's audit log records every decision.
      drop := true
      """;

  private final Path binary;
  private final List<Path> roots;
  private final Path logFile;
  private final RotatingLog log;
  private final Path systemPolicy;
  private final Path pidFile;
  private final Object lifecycle = new Object();
  private final Thread shutdownHook = new Thread(this::close, "opa-shutdown");
  private volatile Runnable beforeLaunch = () -> { };
  /** OPA's socket, null when it listens on {@link #port}. */
  private final Path socket;
  private final int port;
  private final String token = newToken();
  private final AtomicInteger restarts = new AtomicInteger();
  private volatile Process process;
  private volatile boolean stopping;
  private Thread supervisor;

  private final List<String> sources;

  /** An OPA on its Unix socket that loads the policy folders directly (the mode without signed bundles). */
  public OpaProcess(Path binary, List<Path> roots, Path logFile) throws IOException {
    this(binary, roots, logFile, Listen.UNIX_SOCKET);
  }

  /** An OPA that loads the policy folders directly (the mode without signed bundles). */
  public OpaProcess(Path binary, List<Path> roots, Path logFile, Listen listen) throws IOException {
    this(binary, roots, roots.stream().map(Path::toString).toList(), logFile, listen);
  }

  private OpaProcess(Path binary, List<Path> roots, List<String> sources, Path logFile, Listen listen)
      throws IOException {
    this.binary = binary;
    this.roots = List.copyOf(roots);
    this.sources = List.copyOf(sources);
    this.logFile = logFile;
    this.log = new RotatingLog(logFile, LOG_FILE_BYTES, LOG_FILES);
    this.systemPolicy = logFile.toAbsolutePath().resolveSibling("opa-system");
    this.pidFile = logFile.toAbsolutePath().resolveSibling("opa.pid");
    if (listen == Listen.UNIX_SOCKET) {
      this.socket = logFile.toAbsolutePath().resolveSibling("opa-socket").resolve("opa.sock");
      int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
      if (length > MAX_SOCKET_PATH) {
        throw new IOException("OPA's socket " + socket + " would be " + length + " bytes long, over the "
            + MAX_SOCKET_PATH + " a Unix socket address holds; put the gateway's folder (audit.dir) on a shorter "
            + "path, or set opa.listen to \"tcp\"");
      }
      this.port = 0;
    } else {
      this.socket = null;
      this.port = freeLoopbackPort();
    }
  }

  /**
   * An OPA that loads no files but downloads the policy as a signed bundle from {@code bundleService}
   * ({@code GET <service>/bundles/camgate.tar.gz}, polled every 1-2 s) and activates a bundle only if
   * its ES256 signature verifies with {@code publicKey} under key id {@code keyId}; a bad bundle is
   * refused and the previous one stays active. Writes OPA's configuration to {@code configFile}.
   * Until the first bundle is active every decision is undefined, i.e. a deny.
   */
  public static OpaProcess withSignedBundles(Path binary, URI bundleService, String keyId, Path publicKey,
                                             Path configFile, Path logFile) throws IOException {
    return withSignedBundles(binary, bundleService, keyId, publicKey, configFile, logFile, Listen.UNIX_SOCKET);
  }

  /** As {@link #withSignedBundles(Path, URI, String, Path, Path, Path)}, reached as {@code listen} says. */
  public static OpaProcess withSignedBundles(Path binary, URI bundleService, String keyId, Path publicKey,
                                             Path configFile, Path logFile, Listen listen) throws IOException {
    JsonObject config = new JsonObject()
        .put("services", new JsonObject().put("camgate-gateway", new JsonObject().put("url", bundleService.toString())))
        .put("bundles", new JsonObject().put("camgate", new JsonObject()
            .put("service", "camgate-gateway")
            .put("resource", "bundles/camgate.tar.gz")
            .put("persist", false)
            .put("polling", new JsonObject().put("min_delay_seconds", 1).put("max_delay_seconds", 2))
            // Always name the key: OPA before 1.21.3 accepted unsigned bundles when keyid was unset
            // (GHSA-g2pf-6v5v-qcc8, docs/policy-bundles.md).
            .put("signing", new JsonObject().put("keyid", keyId))))
        .put("keys", new JsonObject().put(keyId, new JsonObject().put("algorithm", "ES256")))
        // The status plugin makes GET /v1/status report the active revision and a refused bundle's error;
        // prometheus enables it without a status line in the log on every poll (console) or an upload.
        .put("status", new JsonObject().put("prometheus", true));
    Files.createDirectories(configFile.toAbsolutePath().getParent());
    writePrivate(configFile, config.encodePrettily());  // JSON is YAML
    return new OpaProcess(binary, List.of(), List.of("-c", configFile.toString(),
        "--set-file", "keys." + keyId + ".key=" + publicKey.toAbsolutePath()), logFile, listen);
  }

  /** Where this OPA listens, {@code unix:/.../opa-socket/opa.sock} or {@code http://127.0.0.1:port}; stable. */
  public URI url() {
    if (socket == null) {
      return URI.create("http://127.0.0.1:" + port);
    }
    try {
      return new URI("unix", null, socket.toString(), null);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException("OPA's socket path " + socket + " makes no URI", e);
    }
  }

  /** Where this OPA listens and the token it admits (random per OpaProcess, kept across restarts). */
  public OpaEndpoint endpoint() {
    return new OpaEndpoint(url(), token);
  }

  /** How many times OPA died and was started again. */
  public int restarts() {
    return restarts.get();
  }

  /** The running OPA process (for tests that kill it), or null between restarts. */
  public Process process() {
    return process;
  }

  /**
   * Starts OPA and completes once its health endpoint answers; then keeps it running.
   *
   * @throws IllegalStateException (in the future) when the binary is missing or OPA never becomes healthy
   */
  public CompletableFuture<URI> start() {
    CompletableFuture<URI> ready = new CompletableFuture<>();
    if (!Files.isExecutable(binary)) {
      ready.completeExceptionally(new IllegalStateException("OPA binary not found at " + binary
          + "; run './camgate setup' (it installs OPA v1.22.3 with go install) or set opa.url to an external OPA"));
      return ready;
    }
    for (Path root : roots) {
      if (!Files.isDirectory(root)) {
        ready.completeExceptionally(new IllegalStateException("policy folder " + root + " does not exist; "
            + "set opa.policies in the configuration to the folders holding the Rego and data files"));
        return ready;
      }
    }
    // The JVM's shutdown stops OPA and, before that, any restart (Ctrl-C also reaches OPA directly).
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    supervisor = new Thread(() -> supervise(ready), "opa-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
    return ready;
  }

  /** Runs {@code hook} on the supervisor just before each launch (tests race a restart with close()). */
  void beforeEachLaunch(Runnable hook) {
    beforeLaunch = hook;
  }

  private void supervise(CompletableFuture<URI> ready) {
    Duration backoff = Duration.ofMillis(200);
    while (!stopping) {
      try {
        if (!ready.isDone()) {
          stopPrevious();
          if (!roots.isEmpty()) {
            checkBuiltins();
          }
        }
        Process p = launchUnlessStopping();
        if (p == null) {
          return;
        }
        waitHealthy(p);
        ready.complete(url());
        backoff = Duration.ofMillis(200);
        int exit = p.waitFor();
        if (stopping) {
          return;
        }
        restarts.incrementAndGet();
        LOG.warn("OPA exited with status {}; restarting it (see {})", exit, logFile);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        if (!ready.isDone()) {
          ready.completeExceptionally(e);
          destroy();
          return;
        }
        destroy();  // an OPA that never became healthy is not left beside the next one
        LOG.error("OPA restart failed: {}; retrying in {} ms", e.getMessage(), backoff.toMillis());
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5)
          : backoff.multipliedBy(2);
    }
  }

  /**
   * Starts OPA unless close() began: the check and the start share close()'s lock, so close() either
   * prevents this start or sees (and stops) the process it made.
   */
  private Process launchUnlessStopping() throws IOException {
    beforeLaunch.run();
    synchronized (lifecycle) {
      if (stopping) {
        return null;
      }
      process = launch();
      writePrivate(pidFile, Long.toString(process.pid()));
      return process;
    }
  }

  private Process launch() throws IOException {
    writeSystemPolicy();
    String address = "127.0.0.1:" + port;
    if (socket != null) {
      prepareSocketFolder();
      address = "unix://" + socket;
    }
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
    } else {
      LOG.warn("{} (util-linux) is missing: OPA would outlive a killed JVM until the next start stops it "
          + "through {}; install util-linux", SETPRIV, pidFile);
    }
    command.addAll(List.of(binary.toString(), "run", "--server",
        "--addr", address,
        // Only the gateway may ask: system.authz admits this process's token and nothing else, so no
        // other local process can query OPA or read its policy data.
        "--authentication=token", "--authorization=basic",
        "--log-level", "error",
        "--set", "decision_logs.console=true",
        "--set", "decision_logs.drop_decision=/system/log/drop",
        "--set", PID_FILE_LABEL + pidFile));
    if (socket != null) {
      command.addAll(List.of("--unix-socket-perm", "600"));
    }
    command.addAll(sources);
    command.add(systemPolicy.toString());
    LOG.info("starting OPA: {}", String.join(" ", command));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread pump = new Thread(() -> log.copy(p.getInputStream()), "opa-log");
    pump.setDaemon(true);
    pump.start();
    return p;
  }

  /**
   * The gateway's own modules, loaded beside the policy under package system (a signed bundle's roots
   * leave it out, so activating a bundle does not erase them), in a folder only this user can read.
   */
  private void writeSystemPolicy() throws IOException {
    if (!Files.isDirectory(systemPolicy)) {
      Files.createDirectories(systemPolicy, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    writePrivate(systemPolicy.resolve("log.rego"), DROP_DECISION_LOGS);
    // The token's hash, not the token: the file does not give access.
    writePrivate(systemPolicy.resolve("authz.rego"), AUTHZ.replace("TOKEN_SHA256", sha256Hex(token)));
  }

  /**
   * Makes OPA's socket folder owner-only (0700, even if it existed with other modes: a folder another user could
   * enter would let them reach the socket or bind one there first) and removes the socket a killed OPA left behind,
   * which would keep a new one from binding.
   */
  private void prepareSocketFolder() throws IOException {
    Path folder = socket.getParent();
    if (!Files.isDirectory(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
    Files.deleteIfExists(socket);
  }

  private static String newToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }

  /** Writes a file only its owner can read or write (0600). */
  static void writePrivate(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(RotatingLog.OWNER_ONLY));
    Files.writeString(file, content);
  }

  /**
   * Stops the OPA a previous run left behind (the JVM was killed before it could stop it), if the pid
   * file names one: only a live {@code opa run} whose command line names this pid file, never another
   * process that reused the pid.
   */
  private void stopPrevious() throws IOException, InterruptedException {
    if (!Files.exists(pidFile)) {
      return;
    }
    Optional<ProcessHandle> previous = Optional.empty();
    try {
      previous = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
    } catch (NumberFormatException e) {
      LOG.warn("{} does not hold a pid; ignored", pidFile);
    }
    if (previous.isPresent() && isOurOpa(previous.get())) {
      LOG.warn("stopping OPA (pid {}) left running by a previous run of the gateway ({})", previous.get().pid(),
          pidFile);
      previous.get().destroy();
      try {
        previous.get().onExit().get(5, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        previous.get().destroyForcibly();
      }
    } else {
      LOG.info("{} names no OPA of this gateway (pid gone or reused); nothing to stop", pidFile);
    }
    Files.deleteIfExists(pidFile);
  }

  private boolean isOurOpa(ProcessHandle handle) {
    try {
      List<String> args = List.of(Files.readString(Path.of("/proc", Long.toString(handle.pid()), "cmdline"))
          .split("\0"));
      return handle.isAlive() && !args.isEmpty() && Path.of(args.get(0)).getFileName().toString().equals("opa")
          && args.contains("run") && args.contains(PID_FILE_LABEL + pidFile);
    } catch (IOException | RuntimeException e) {
      return false;  // gone, or not readable: not ours to kill
    }
  }

  /**
   * Refuses policy folders that call a built-in outside {@link OpaCapabilities}: {@code opa run} has no
   * capabilities setting, so the folders are compiled against them before OPA serves them.
   */
  private void checkBuiltins() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "check", "--capabilities",
        OpaCapabilities.file().toString()));
    command.addAll(sources);
    Process check = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (check.waitFor() != 0) {
      throw new IOException("the policy folders " + roots + " do not compile with the built-ins camgate allows, "
          + "so OPA was not started:\n" + OpaCapabilities.annotate(output.strip()) + "\nfix the policy files");
    }
  }

  private void waitHealthy(Process p) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + HEALTH_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("OPA exited with status " + p.exitValue() + " before it became healthy; "
            + "a broken policy or data file is the usual cause: see " + logFile);
      }
      try {
        if (OpaExchange.status(url(), "GET", "/health", endpoint().authorization(), "", Duration.ofMillis(500))
            == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IOException("OPA did not answer /health within " + HEALTH_WAIT.toSeconds() + " s; see " + logFile);
  }

  /** Stops OPA and its supervision for good; safe to call more than once and from any thread. */
  @Override
  public void close() {
    synchronized (lifecycle) {
      stopping = true;
    }
    destroy();
    Thread s = supervisor;
    if (s != null && s != Thread.currentThread()) {
      s.interrupt();
      try {
        s.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", pidFile, e.toString());
    }
    if (Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs or ran already
      }
    }
    log.close();
  }

  private void destroy() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
