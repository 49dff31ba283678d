package camgate.gateway.tools;

import camgate.gateway.ApiKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code ./camgate bench load}: a gateway in its own process (one looping file camera, the repository's
 * policies) under a bounded load on loopback, measured from outside: consumers (half of them reading at
 * {@code --slow-rate} bytes per second), anonymous requests, and malformed requests (fuzzed paths, headers
 * and bodies), all sent by {@link LoadCrowd} in a third process. It prints the gateway's RSS before, at its peak
 * during, and after; the frame rate of one normal consumer next to its rate before the load (the baseline of the
 * same run) and the camera's own output rate; {@code /health} p50 and p99; audit entries and bytes the load added;
 * files left on disk; CPU by thread group. Bounded in count and time; stops by itself.
 *
 * <p>The normal consumer and the {@code /health} probe run here, at normal priority, and the load at
 * {@code --load-nice} (10): on one machine the load's own CPU is taken from the gateway it measures, which a city's
 * remote consumers would not do. {@code --load-nice 0} measures the even contest.
 */
public final class LoadBench {

  static final String OPERATOR_KEY = "bench-operator-key-0000000000000001";
  static final String AUDITOR_KEY = "bench-auditor-key-00000000000000001";
  static final String STREAM = "/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private URI base;
  private long pid;

  public static void main(String[] args) throws Exception {
    int consumers = 100;
    int anonymous = 10_000;
    int bad = 1_000;
    int slowRate = 10 * 1024;
    Path video = null;
    // The load process's CPU priority: 10 by default (see LoadCrowd), 0 to let it compete with the gateway evenly.
    int loadNice = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--consumers" -> consumers = Integer.parseInt(args[++i]);
        case "--anonymous" -> anonymous = Integer.parseInt(args[++i]);
        case "--bad" -> bad = Integer.parseInt(args[++i]);
        case "--slow-rate" -> slowRate = Integer.parseInt(args[++i]);
        case "--video" -> video = Path.of(args[++i]);
        case "--load-nice" -> loadNice = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: bench load [--consumers N] [--anonymous N] [--bad N] [--slow-rate BYTES_PER_S]"
              + " [--video FILE] [--load-nice N]");
          System.exit(2);
        }
      }
    }
    new LoadBench().run(consumers, anonymous, bad, slowRate, loadNice, video);
  }

  private void run(int consumers, int anonymous, int bad, int slowRate, int loadNice, Path video) throws Exception {
    Path dir = Files.createTempDirectory("camgate-bench-load");
    if (video == null) {
      video = camera25(dir);
    }
    Path root = Path.of(System.getenv().getOrDefault("CAMGATE_ROOT", ".")).toAbsolutePath();
    JsonObject config = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("opa", new JsonObject().put("policies", new JsonArray().add(root.resolve("policies/camgate").toString())
            .add(root.resolve("policies/data").toString())))
        .put("audit", new JsonObject().put("dir", dir.resolve("audit").toString()).put("origin", "camgate.bench/load"))
        .put("redaction", new JsonObject().put("style", "pixelate").put("small_faces", false))
        .put("cameras", new JsonArray().add(new JsonObject().put("id", "cam-demo").put("url", video.toString())
            .put("zone", "centre-ville").put("loop", true)))
        .put("limits", new JsonObject().put("streams_per_subject", consumers + 10))
        .put("api_keys", new JsonArray()
            .add(key(OPERATOR_KEY, "agent-042", "operator", "police-municipale", "display"))
            .add(key(AUDITOR_KEY, "auditor-1", "auditor", "cnil", null)));
    Path file = dir.resolve("camgate.json");
    Files.writeString(file, config.encodePrettily());
    Process gateway = new ProcessBuilder("java", "-Xmx2g", "-cp", System.getProperty("java.class.path"),
        "camgate.gateway.Main", "--config", file.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("gateway.log").toFile()).start();
    pid = gateway.pid();
    try {
      base = awaitUrl(dir.resolve("gateway.log"), gateway);
      System.out.printf("gateway pid %d at %s (log %s)%n", pid, base, dir.resolve("gateway.log"));
      awaitLive();
      measure(consumers, anonymous, bad, slowRate, loadNice, dir);
    } finally {
      gateway.destroy();
      if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
        gateway.destroyForcibly();
      }
    }
  }

  private void measure(int consumers, int anonymous, int bad, int slowRate, int crowdNice, Path dir) throws Exception {
    // A tenth of the load first, unmeasured: the figures are those of a gateway that has run, not of its JIT
    // compiling the request paths during the measured window (C2 took 5 of 17 gateway cpu_s there before).
    LoadProcess.start(base, crowdNice, Math.max(1, consumers / 10), anonymous / 10, bad / 10, slowRate, 10)
        .awaitSummary();

    Path uploads = Path.of("file-uploads");
    long filesBefore = files(dir) + files(uploads);
    long auditBytesBefore = bytes(dir.resolve("audit"));
    long entriesBefore = auditSize();
    long rssBefore = rss();

    // The baseline: one normal consumer's frame rate on an otherwise idle gateway, in this same run.
    FrameCounter normal = new FrameCounter(open(base, OPERATOR_KEY, STREAM));
    normal.start();
    Thread.sleep(10_000);
    double fpsBefore = normal.rate();
    double bytesPerFrame = normal.bytes.get() / (double) Math.max(1, normal.frames.get());

    AtomicLong peakRss = new AtomicLong(rssBefore);
    AtomicBoolean loading = new AtomicBoolean(true);
    List<Long> health = Collections.synchronizedList(new ArrayList<>());
    Thread sampler = new Thread(() -> {
      while (loading.get()) {
        try {
          peakRss.accumulateAndGet(rss(), Math::max);
          long t0 = System.nanoTime();
          http.send(HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding());
          health.add(System.nanoTime() - t0);
          Thread.sleep(100);
        } catch (Exception e) {
          health.add(TimeUnit.SECONDS.toNanos(5));
        }
      }
    }, "sampler");
    sampler.start();

    // The load comes from a process of its own, at nice crowdNice: see LoadCrowd.
    LoadProcess crowd = LoadProcess.start(base, crowdNice, consumers, anonymous, bad, slowRate, 20);
    normal.restart();
    long cameraFramesBefore = cameraFrames();
    Map<String, Long> gatewayCpuBefore = threadCpu(Long.toString(pid));
    long gatewayTotalBefore = processCpu(Long.toString(pid));
    long t0 = System.nanoTime();
    String summary = crowd.awaitSummary();
    double loadSeconds = (System.nanoTime() - t0) / 1e9;
    double fpsDuring = normal.rate();
    double cameraFps = (cameraFrames() - cameraFramesBefore) / loadSeconds;
    Map<String, Long> gatewayCpu = minus(threadCpu(Long.toString(pid)), gatewayCpuBefore);
    long gatewayTotal = processCpu(Long.toString(pid)) - gatewayTotalBefore;
    Map<String, String> load = fields(summary);
    loading.set(false);
    sampler.join();
    normal.close();
    Thread.sleep(10_000);
    long rssAfter = rss();
    long entriesAfter = auditSize();
    long auditBytesAfter = bytes(dir.resolve("audit"));
    long filesAfter = files(dir) + files(uploads);

    List<Long> sorted = new ArrayList<>(health);
    Collections.sort(sorted);
    System.out.printf("load: %d consumers (%d at %d B/s), %d anonymous requests in %s s (%s), %d malformed (%s);"
            + " load process at nice %d%n", consumers, (consumers + 1) / 2, slowRate, anonymous,
        load.get("anonymous_seconds"), load.get("anonymous"), bad, load.get("bad"), crowdNice);
    System.out.printf("rss_mb before=%d peak=%d after=%d growth_peak=%d growth_after=%d (target growth <= 200)%n",
        rssBefore >> 20, peakRss.get() >> 20, rssAfter >> 20, (peakRss.get() - rssBefore) >> 20,
        (rssAfter - rssBefore) >> 20);
    System.out.printf("normal_consumer_fps before=%.1f during=%.1f ratio=%.2f (target >= 24 fps); camera_fps_out during=%.1f;"
            + " full_rate_consumers_fps_each~=%.1f (their bytes / the normal consumer's bytes per frame)%n", fpsBefore,
        fpsDuring, fpsDuring / fpsBefore, cameraFps,
        Double.parseDouble(load.get("fast_bytes_per_s_each")) / bytesPerFrame);
    System.out.printf("health_ms p50=%.1f p99=%.1f samples=%d (target p99 <= 50)%n", pct(sorted, 0.5), pct(sorted, 0.99),
        sorted.size());
    System.out.printf("audit entries_added=%d bytes_added=%d bytes_per_anonymous_request=%.1f%n",
        entriesAfter - entriesBefore, auditBytesAfter - auditBytesBefore,
        (auditBytesAfter - auditBytesBefore) / (double) anonymous);
    System.out.printf("files_on_disk before=%d after=%d uploads_dir_exists=%b%n", filesBefore, filesAfter,
        Files.exists(uploads));
    // Where the time went while the load ran: the gateway's threads by name, and the load process, which shares
    // the same cores (a second machine would leave the gateway all of them).
    long received = Long.parseLong(load.get("received_bytes"));
    double generatorCpu = Long.parseLong(load.get("cpu_ticks")) / TICKS;
    StringBuilder groups = new StringBuilder();
    gatewayCpu.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
        .forEach(e -> groups.append(String.format(" %s=%.1f", e.getKey().replace(' ', '_'), e.getValue() / TICKS)));
    System.out.printf("cpu_s over %.1f s of load (%d cores: %.0f cpu_s): gateway=%.1f generator=%.1f "
        + "(streams received %d MB, generator %.1f cpu_s per GB); gateway threads:%s%n",
        loadSeconds, Runtime.getRuntime().availableProcessors(), loadSeconds * Runtime.getRuntime().availableProcessors(),
        gatewayTotal / TICKS, generatorCpu, received >> 20, generatorCpu / (received / 1e9), groups);
  }

  /** A {@link LoadCrowd} process: started, ready (its consumers open), then its one summary line. */
  private record LoadProcess(Process process, java.io.BufferedReader out) {

    static LoadProcess start(URI base, int nice, int consumers, int anonymous, int bad, int slowRate, int seconds)
        throws IOException {
      Process p = new ProcessBuilder("nice", "-n", Integer.toString(nice), "java", "-Xmx1g", "-cp",
          System.getProperty("java.class.path"), LoadCrowd.class.getName(), base.toString(),
          Integer.toString(consumers), Integer.toString(anonymous), Integer.toString(bad), Integer.toString(slowRate),
          Integer.toString(seconds)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8));
      String ready = out.readLine();
      if (!"ready".equals(ready)) {
        p.destroyForcibly();
        throw new IllegalStateException("the load process did not open its consumers: " + ready);
      }
      return new LoadProcess(p, out);
    }

    /** Waits for the summary ({@code k=v ...} after "crowd ") and the process's end. */
    String awaitSummary() throws Exception {
      String summary = out.readLine();
      if (!process.waitFor(60, TimeUnit.SECONDS) || summary == null || !summary.startsWith("crowd ")) {
        process.destroyForcibly();
        throw new IllegalStateException("the load process ended without its summary: " + summary);
      }
      return summary.substring("crowd ".length());
    }
  }

  /** {@code k=v k=v ...} as a map. */
  private static Map<String, String> fields(String line) {
    Map<String, String> m = new java.util.HashMap<>();
    for (String kv : line.trim().split(" ")) {
      int eq = kv.indexOf('=');
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return m;
  }

  /** Frames the camera has published so far, from its status in GET /cameras. */
  private long cameraFrames() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/cameras"))
        .header("Authorization", "Bearer " + OPERATOR_KEY).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).getJsonArray("cameras").getJsonObject(0).getJsonObject("status").getLong("frames");
  }

  /** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
  private static final double TICKS = 100.0;

  /**
   * CPU time (user + system, clock ticks) of each group of threads of process {@code pid} ("self": this one), a
   * group being a thread name without its number: "vert.x-eventloo" (names are cut at 15 characters), "ingest-cam-demo",
   * "redaction-detec", "GC Thread", ... From /proc; threads that ended are not counted.
   */
  static Map<String, Long> threadCpu(String pid) throws IOException {
    Map<String, Long> groups = new java.util.TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", pid, "task"))) {
      for (Path task : tasks.toList()) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException ended) {
          continue;
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[-#0-9]+$", "");
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        groups.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
      }
    }
    return groups;
  }

  /** CPU time (user + system, clock ticks) of process {@code pid} ("self": this one), ended threads included. */
  static long processCpu(String pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", pid, "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> d = new java.util.TreeMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
    return d;
  }

  private static double pct(List<Long> sorted, double p) {
    return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) (p * sorted.size()))) / 1e6;
  }

  /**
   * Opens a stream on a plain socket and returns its body as the socket delivers it. The JDK's HTTP client, used
   * before, copied each stream through its own selector thread and buffer queue: with 100 consumers that load
   * generator took CPU the gateway needs on the same cores (see the cpu_s line).
   */
  static InputStream open(URI base, String key, String path) throws Exception {
    java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort());
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
        + "\r\nAuthorization: Bearer " + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
    String status = line(in);
    if (!status.startsWith("HTTP/1.1 200")) {
      socket.close();
      throw new IllegalStateException("stream refused: " + status);
    }
    while (!line(in).isEmpty()) {
      // response headers
    }
    return in;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  private long auditSize() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/audit/checkpoints/latest"))
        .header("Authorization", "Bearer " + AUDITOR_KEY).build(), HttpResponse.BodyHandlers.ofString());
    Thread.sleep(2500);  // the next checkpoint (every 2 s while entries arrive) covers what came before
    r = http.send(HttpRequest.newBuilder(base.resolve("/audit/checkpoints/latest"))
        .header("Authorization", "Bearer " + AUDITOR_KEY).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).getLong("size");
  }

  private void awaitLive() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/cameras"))
          .header("Authorization", "Bearer " + OPERATOR_KEY).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200 && r.body().contains("\"live\"")) {
        Thread.sleep(15_000);  // past the camera's first detection pass (frames masked whole meanwhile)
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the camera did not go live within 120 s");
  }

  /**
   * The default camera: Debian's vtest.avi (CCTV pedestrians, 10 fps) made into a 1280x720, 25 fps clip with
   * Debian's ffmpeg, so the normal consumer's frame rate is a camera's.
   */
  static Path camera25(Path dir) throws Exception {
    Path out = dir.resolve("camera-720p25.avi");
    Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i", "/usr/share/doc/opencv-doc/examples/data/vtest.avi",
        "-vf", "fps=25,scale=1280:720", "-c:v", "mjpeg", "-q:v", "4", out.toString()).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("ffmpeg could not make the 25 fps test camera; pass --video FILE");
    }
    return out;
  }

  private static URI awaitUrl(Path log, Process gateway) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline && gateway.isAlive()) {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.startsWith("camgate is running at ")) {
          return URI.create(line.substring("camgate is running at ".length()).trim());
        }
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the gateway did not start; see " + log);
  }

  private long rss() throws IOException {
    return rss(Long.toString(pid));
  }

  /** The resident set size of process {@code pid} ("self": this one), in bytes, from /proc. */
  static long rss(String pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return 0;
  }

  private static long files(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  private static long bytes(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** An api_keys entry: the key's SHA-256 and the subject it stands for. */
  static JsonObject key(String key, String id, String role, String org, String capability) {
    JsonArray caps = capability == null ? new JsonArray() : new JsonArray().add(capability);
    return new JsonObject().put("key_sha256", ApiKeys.hash(key)).put("subject", new JsonObject().put("id", id)
        .put("roles", new JsonArray().add(role)).put("org", org).put("capabilities", caps));
  }

  /** Reads an MJPEG stream at full rate and counts its frames. */
  private static final class FrameCounter extends LoadCrowd.Reader {
    private static final byte[] BOUNDARY = "--camgateframe".getBytes(StandardCharsets.US_ASCII);
    private final AtomicLong frames = new AtomicLong();
    private volatile long since = System.nanoTime();
    private volatile long framesAtSince;
    private int matched;

    FrameCounter(InputStream in) {
      super(in, 0);
    }

    @Override
    void received(byte[] chunk, int n) {
      for (int i = 0; i < n; i++) {
        matched = chunk[i] == BOUNDARY[matched] ? matched + 1 : (chunk[i] == '-' ? 1 : 0);
        if (matched == BOUNDARY.length) {
          frames.incrementAndGet();
          matched = 0;
        }
      }
    }

    void restart() {
      framesAtSince = frames.get();
      since = System.nanoTime();
    }

    double rate() {
      return (frames.get() - framesAtSince) / ((System.nanoTime() - since) / 1e9);
    }
  }
}
