package camgate.redaction;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of the detector host ({@link DetectorHost}): starts the child JVM, hands it frames through
 * {@link FrameSlot}s and reads back boxes, one connection per look in flight, and restarts it with backoff when it
 * dies (a native crash, SIGKILL, out of memory) or stops answering (a look older than the hang timeout kills it).
 * While it is down every look fails at once with {@link DetectorUnavailableException}, which the pipeline treats as
 * any detector error: frames are masked whole. Thread-safe.
 */
final class DetectorProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DetectorProcess.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  /** A host that ran this long before it died starts again after the first backoff, not a longer one. */
  private static final Duration STABLE = Duration.ofSeconds(60);
  /** How long loading the models in a new host may take (seconds on a loaded 2-core machine). */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final AtomicInteger RUNS = new AtomicInteger();

  private final Path modelsDir;
  private final boolean smallFaceLook;
  private final Duration hangTimeout;
  private final Path runDir;
  private final ScheduledExecutorService supervisor;
  private final AtomicLong restarts = new AtomicLong();
  private final AtomicInteger slots = new AtomicInteger();
  private final AtomicInteger generations = new AtomicInteger();
  private final List<ModelLine> models;
  private volatile Host host;
  private volatile String downReason = "not started";
  private volatile boolean closed;
  private Duration backoff = FIRST_BACKOFF;

  /** A detector the host loaded, as its handshake names it. */
  record ModelLine(ObjectKind kind, ModelInfo model) {}

  private DetectorProcess(Path modelsDir, boolean smallFaceLook, Duration hangTimeout, Path runDir) throws IOException {
    this.modelsDir = modelsDir;
    this.smallFaceLook = smallFaceLook;
    this.hangTimeout = hangTimeout;
    this.runDir = runDir;
    int run = RUNS.incrementAndGet();
    this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "detector-host-supervisor-" + run);
      t.setDaemon(true);
      return t;
    });
    try {
      Host first = launch();
      this.models = first.models;
      this.host = first;
      first.process.onExit().thenRun(() -> supervisor.execute(() -> ended(first)));
    } catch (IOException | RuntimeException e) {
      supervisor.shutdownNow();
      deleteRunDir();
      throw e;
    }
    supervisor.scheduleWithFixedDelay(this::killIfHung, 250, 250, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a host and waits until its models are loaded. BLOCKING (seconds).
   *
   * @throws IOException if the host cannot start or load the models; the message says why (a missing model names
   *     the file and says to run ./camgate setup)
   */
  static DetectorProcess start(Path modelsDir, boolean smallFaceLook, Duration hangTimeout) throws IOException {
    Path shm = Path.of("/dev/shm");
    Path parent = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    // Owner-only: the frame slots hold unredacted pictures.
    Path runDir = Files.createTempDirectory(parent, "camgate-detect-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return new DetectorProcess(modelsDir.toAbsolutePath(), smallFaceLook, hangTimeout, runDir);
  }

  List<ModelLine> models() {
    return models;
  }

  Path runDir() {
    return runDir;
  }

  /** How many times the host died or was killed for hanging and had to be restarted. */
  long restarts() {
    return restarts.get();
  }

  /** Whether a host is running and answering now. */
  boolean up() {
    return host != null;
  }

  /** The running host's process id, or -1 while it is down. */
  long pid() {
    Host h = host;
    return h == null ? -1 : h.process.pid();
  }

  /** CPU time the running host has used so far, or -1 while it is down or unknown. */
  long cpuNanos() {
    Host h = host;
    return h == null ? -1 : h.process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /**
   * Runs one look in the host. BLOCKING.
   *
   * @throws DetectorUnavailableException if the host is down or died during the look
   * @throws IllegalStateException if the host's detector failed
   */
  HostExchange.Found look(int look, ObjectKind kind, Mat bgr, Box region) {
    return ask(new HostExchange.Request(look, kind, bgr.cols(), bgr.rows(), region), bgr);
  }

  /** The localisation error of the host's {@code kind} detector at a frame size. BLOCKING. */
  double localisationError(ObjectKind kind, int frameWidth, int frameHeight) {
    return ask(new HostExchange.Request(HostExchange.LOCALISATION, kind, frameWidth, frameHeight,
        new Box(ObjectKind.MOTION, 0, 0, frameWidth, frameHeight, 1f)), null).localisationError();
  }

  /**
   * Tests only: makes the host crash in native code ({@link HostExchange#CRASH}) or hang ({@link HostExchange#HANG});
   * it must run with {@value HostExchange#CRASH_PROPERTY}. Returns once the host is gone (a hung one once the hang
   * timeout killed it).
   */
  void failHost(int how) {
    try {
      ask(new HostExchange.Request(how, ObjectKind.FACE, 1, 1, new Box(ObjectKind.MOTION, 0, 0, 1, 1, 1f)), null);
    } catch (DetectorUnavailableException expected) {
      // the host died, as asked
    }
  }

  private HostExchange.Found ask(HostExchange.Request request, Mat bgr) {
    Host h = host;
    if (h == null || closed) {
      throw new DetectorUnavailableException(closed ? "the detectors were closed"
          : "the detector host is down (" + downReason + "); it is being restarted, frames are masked whole until"
              + " it is back");
    }
    Connection c;
    try {
      c = h.borrow();
    } catch (IOException e) {
      throw new DetectorUnavailableException("cannot connect to the detector host (pid " + h.process.pid() + "): "
          + e.getMessage() + "; it is being restarted if it died", e);
    }
    boolean reusable = false;
    h.inFlight.put(c, System.nanoTime());
    try {
      if (bgr != null) {
        c.slot.write(bgr, request.region());
      }
      request.write(c.out);
      try {
        HostExchange.Found found = HostExchange.readAnswer(c.in);
        reusable = true;
        return found;
      } catch (IllegalStateException detectorFailed) {
        reusable = true;
        throw detectorFailed;
      }
    } catch (IOException e) {
      // A broken connection: the host died (or this thread was interrupted, which closes the channel).
      throw new DetectorUnavailableException("the detector host (pid " + h.process.pid() + ") stopped answering: "
          + e + "; it is restarted if it died, frames are masked whole until it is back", e);
    } finally {
      h.inFlight.remove(c);
      if (reusable && !closed && host == h) {
        h.idle.add(c);
      } else {
        h.discard(c); // only this thread uses its slot: closing it here never unmaps a frame being copied
      }
    }
  }

  /** Kills a host a look has waited on longer than the hang timeout: a host that hangs is as good as dead. */
  private void killIfHung() {
    Host h = host;
    if (h == null) {
      return;
    }
    long now = System.nanoTime();
    for (long since : h.inFlight.values()) {
      if (now - since > hangTimeout.toNanos()) {
        LOG.error("the detector host (pid {}) has not answered a look for {} s (hang timeout); killing it",
            h.process.pid(), hangTimeout.toSeconds());
        h.process.destroyForcibly();
        return;
      }
    }
  }

  /** On the supervisor: a host ended. Unless closing, count it, fail its connections, and restart after backoff. */
  private void ended(Host h) {
    if (host == h) {
      host = null;
    }
    h.closeConnections();
    if (closed) {
      return;
    }
    int code = h.process.exitValue();
    boolean stable = Duration.ofNanos(System.nanoTime() - h.startedNanos).compareTo(STABLE) >= 0;
    backoff = stable ? FIRST_BACKOFF : backoff;
    restarts.incrementAndGet();
    downReason = "pid " + h.process.pid() + " ended with exit code " + code + describe(h.process.pid(), code);
    LOG.error("the detector host {}; frames are masked whole until it is back; restarting it in {} ms", downReason,
        backoff.toMillis());
    scheduleRestart();
  }

  /** Why a host ended, as far as its exit code and a crash log tell. */
  private static String describe(long pid, int code) {
    Path crashLog = Path.of(crashLogPattern().toString().replace("%p", Long.toString(pid)));
    if (Files.exists(crashLog)) {
      // With core dumps off, the JVM exits 1 after a fatal error: the crash log tells a crash from an exit.
      return " (a crash in native code; the JVM's crash log is " + crashLog + ")";
    }
    if (code == 137) {
      return " (killed: SIGKILL, the hang timeout or the out-of-memory killer)";
    }
    return code > 128 ? " (signal " + (code - 128) + ")" : "";
  }

  private void scheduleRestart() {
    Duration wait = backoff;
    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    supervisor.schedule(() -> {
      if (closed) {
        return;
      }
      try {
        Host next = launch();
        if (closed) { // closed while it started: it must not outlive the close
          next.process.destroyForcibly();
          return;
        }
        host = next;
        next.process.onExit().thenRun(() -> supervisor.execute(() -> ended(next)));
        LOG.info("the detector host is back (pid {}), after {} restart(s)", next.process.pid(), restarts.get());
      } catch (IOException | RuntimeException e) {
        downReason = "restarting it failed: " + e.getMessage();
        LOG.error("restarting the detector host failed: {}; trying again in {} ms", e.getMessage(), backoff.toMillis());
        scheduleRestart();
      }
    }, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Path crashLogPattern() {
    return Path.of(System.getProperty("java.io.tmpdir"), "camgate-detector-host-hs_err_pid%p.log");
  }

  /** Starts a host process and waits for its handshake. BLOCKING. */
  private Host launch() throws IOException {
    String socket = "host-" + generations.incrementAndGet() + ".sock";
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // No heap limit of its own: JavaCPP caps native memory from the heap size (-Xmx256m refused OpenCV buffers at
    // about 1 GB of RSS, which ONNX Runtime's arenas reach on 720p), and the host should fit what in-process did.
    command.add("-XX:+UseSerialGC");
    command.add("-XX:-CreateCoredumpOnCrash");
    // Never in the working directory (a checkout): a crash log there was how issue 11 was noticed.
    command.add("-XX:ErrorFile=" + crashLogPattern());
    System.getProperties().stringPropertyNames().stream()
        .filter(k -> k.startsWith("camgate.") || k.startsWith("org.slf4j.simpleLogger."))
        .sorted().forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DetectorHost.class.getName());
    command.add(modelsDir.toString());
    command.add(runDir.toString());
    command.add(socket);
    command.add(String.valueOf(smallFaceLook));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    // The host reads its standard input until end of file: this end stays open, and closes when this JVM ends.
    CompletableFuture<List<ModelLine>> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> readHandshake(process, ready), "detector-host-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
    try {
      List<ModelLine> loaded = ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return new Host(process, runDir.resolve(socket), loaded);
    } catch (ExecutionException e) {
      process.destroyForcibly();
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      process.destroyForcibly();
      throw new IOException("the detector host did not load the models within " + START_TIMEOUT.toSeconds()
          + " s; check the machine's load and the models in " + modelsDir);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the detector host started", e);
    }
  }

  private void readHandshake(Process process, CompletableFuture<List<ModelLine>> ready) {
    List<ModelLine> loaded = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (ready.isDone()) {
          LOG.info("detector host: {}", line);
        } else if (line.startsWith(DetectorHost.MODEL + " ")) {
          String[] f = line.split(" ");
          loaded.add(new ModelLine(ObjectKind.valueOf(f[1]), new ModelInfo(f[2], f[3], Float.parseFloat(f[4]))));
        } else if (line.equals(DetectorHost.READY)) {
          ready.complete(List.copyOf(loaded));
        } else if (line.startsWith(DetectorHost.FAILED + " ")) {
          ready.completeExceptionally(new IOException(line.substring(DetectorHost.FAILED.length() + 1)));
        }
      }
    } catch (IOException e) {
      LOG.debug("reading the detector host's output ended: {}", e.toString());
    }
    ready.completeExceptionally(new IOException("the detector host ended before it was ready (exit code "
        + process.onExit().join().exitValue() + "); its log is above"));
  }

  /** Stops the host (it also deletes the run folder when it sees its pipe close) and the supervisor. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    supervisor.shutdownNow(); // interrupts a restart in progress, which then stops the host it started
    try {
      supervisor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Host h = host;
    host = null;
    if (h != null) {
      h.closeConnections();
      h.process.destroy();
      try {
        if (!h.process.waitFor(5, TimeUnit.SECONDS)) {
          h.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    deleteRunDir();
  }

  /** Deletes the run folder, unless the host already has (it does when it sees its pipe close). */
  private void deleteRunDir() {
    if (!Files.exists(runDir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(runDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      if (Files.exists(runDir)) {
        LOG.warn("could not delete the detector host's run folder {}: {}", runDir, e.toString());
      }
    }
  }

  /** One running host process and its connections. */
  private final class Host {
    final Process process;
    final Path socket;
    final List<ModelLine> models;
    final long startedNanos = System.nanoTime();
    final Queue<Connection> idle = new ConcurrentLinkedQueue<>();
    /** Connections with a look in flight, and since when (System.nanoTime). */
    final Map<Connection, Long> inFlight = new ConcurrentHashMap<>();
    private final Queue<Connection> all = new ConcurrentLinkedQueue<>();

    Host(Process process, Path socket, List<ModelLine> models) {
      this.process = process;
      this.socket = socket;
      this.models = models;
    }

    Connection borrow() throws IOException {
      Connection c = idle.poll();
      if (c != null) {
        return c;
      }
      c = new Connection(socket, runDir.resolve("slot-" + slots.incrementAndGet()));
      all.add(c);
      return c;
    }

    void discard(Connection c) {
      all.remove(c);
      c.close();
    }

    /**
     * Closes every connection's socket, so looks in flight fail at once, and frees the idle ones' slots; a look in
     * flight frees its own slot when it fails (its thread may still be copying a frame into it).
     */
    void closeConnections() {
      all.forEach(Connection::disconnect);
      Connection c;
      while ((c = idle.poll()) != null) {
        discard(c);
      }
    }
  }

  /** A connection to the host with its own frame slot: one look at a time. */
  private static final class Connection {
    final SocketChannel channel;
    final FrameSlot slot;
    final DataInputStream in;
    final DataOutputStream out;

    Connection(Path socket, Path slotFile) throws IOException {
      this.slot = FrameSlot.create(slotFile);
      try {
        this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        slot.close();
        throw e;
      }
      this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
      this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
      out.writeUTF(slotFile.getFileName().toString());
      out.flush();
    }

    void disconnect() {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("closing a detector host connection: {}", e.toString());
      }
    }

    void close() {
      disconnect();
      try {
        slot.close();
      } catch (UncheckedIOException e) {
        LOG.debug("closing a frame slot: {}", e.toString());
      }
    }
  }
}
