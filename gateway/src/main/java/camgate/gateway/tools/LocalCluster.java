package camgate.gateway.tools;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway nodes on loopback, each a JVM of its own joined into one cluster, for the cluster's tests and its
 * bench: they share one external OPA (the policy folders) and the same cameras, and each keeps its own audit log.
 * Nodes are named {@code node-1}..{@code node-N}.
 */
public final class LocalCluster implements AutoCloseable {

  private static final Pattern OWNED = Pattern.compile("^camgate_camera_owned\\{camera=\"([^\"]+)\",?} (\\S+)$",
      Pattern.MULTILINE);

  private final List<GatewayProcess> nodes;
  /** Each node's RTSP port (0 when the configuration has no rtsp section). */
  private final List<Integer> rtspPorts;
  private final String metricsKey;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NORMAL).build();
  private final HttpClient direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile String lastRefusal = "";

  private LocalCluster(List<GatewayProcess> nodes, List<Integer> rtspPorts, String metricsKey) {
    this.nodes = List.copyOf(nodes);
    this.rtspPorts = List.copyOf(rtspPorts);
    this.metricsKey = metricsKey;
  }

  /**
   * Writes the nodes' configurations (not started).
   *
   * @param base       a gateway configuration without http, audit and cluster sections (opa, cameras, api_keys…);
   *                   an rtsp section gets a free port per node
   * @param metricsKey an API key of the policy's {@code metrics} role, listed in {@code base}, to read ownership
   * @param cluster    the cluster section's common keys (camera_capacity, lease timings)
   */
  public static LocalCluster of(Path dir, int count, JsonObject base, String metricsKey, JsonObject cluster)
      throws IOException {
    List<Integer> ports = new ArrayList<>();
    JsonArray members = new JsonArray();
    for (int i = 0; i < count; i++) {
      int port = GatewayProcess.freePort();
      ports.add(port);
      members.add("127.0.0.1:" + port);
    }
    List<GatewayProcess> nodes = new ArrayList<>();
    List<Integer> rtspPorts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = "node-" + (i + 1);
      Path nodeDir = dir.resolve(id);
      JsonObject config = base.copy()
          .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
          .put("audit", new JsonObject().put("dir", nodeDir.resolve("audit").toString())
              .put("origin", "camgate.cluster/" + id))
          .put("cluster", cluster.copy().put("node_id", id).put("host", "127.0.0.1").put("port", ports.get(i))
              .put("members", members.copy()));
      rtspPorts.add(base.containsKey("rtsp") ? GatewayProcess.freePort() : 0);
      if (base.containsKey("rtsp")) {
        config.put("rtsp", base.getJsonObject("rtsp").copy().put("host", "127.0.0.1").put("port", rtspPorts.get(i)));
      }
      nodes.add(GatewayProcess.of(nodeDir, config));
    }
    return new LocalCluster(nodes, rtspPorts, metricsKey);
  }

  /** Starts every node at once and waits until each serves HTTP. */
  public void start(Duration timeout) throws Exception {
    List<CompletableFuture<URI>> started = new ArrayList<>();
    for (GatewayProcess node : nodes) {
      started.add(node.start());
    }
    CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public List<GatewayProcess> nodes() {
    return nodes;
  }

  /** Node {@code i}'s RTSP base URL (1-based), e.g. rtsp://127.0.0.1:8554; the base configuration had an rtsp section. */
  public String rtspUrl(int i) {
    if (rtspPorts.get(i - 1) == 0) {
      throw new IllegalStateException("the cluster's configuration has no rtsp section");
    }
    return "rtsp://127.0.0.1:" + rtspPorts.get(i - 1);
  }

  /** Node {@code i} (1-based, as in its name). */
  public GatewayProcess node(int i) {
    return nodes.get(i - 1);
  }

  /** The cameras each running node redacts now, from its {@code camgate_camera_owned} meters; node name → cameras. */
  public Map<String, List<String>> owners() throws IOException, InterruptedException {
    Map<String, List<String>> owners = new TreeMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      GatewayProcess node = nodes.get(i);
      if (!node.alive() || !node.running()) {
        continue;
      }
      List<String> cameras = new ArrayList<>();
      Matcher m = OWNED.matcher(metrics(node));
      while (m.find()) {
        if (Double.parseDouble(m.group(2)) > 0) {
          cameras.add(m.group(1));
        }
      }
      owners.put("node-" + (i + 1), cameras);
    }
    return owners;
  }

  /** A running node's {@code /metrics} text. */
  private String metrics(GatewayProcess node) throws IOException, InterruptedException {
    return direct.send(HttpRequest.newBuilder(node.url().resolve("/metrics"))
        .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + metricsKey).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The value of an untagged meter ({@code name value} line) of a running node; NaN when it has none. */
  public double meter(GatewayProcess node, String name) throws IOException, InterruptedException {
    Matcher m = Pattern.compile("^" + Pattern.quote(name) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics(node));
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  /** Camera → how many running nodes redact it. */
  public Map<String, Integer> ownerCounts(List<String> cameras) throws IOException, InterruptedException {
    Map<String, Integer> counts = new TreeMap<>();
    cameras.forEach(c -> counts.put(c, 0));
    for (List<String> owned : owners().values()) {
      owned.forEach(c -> counts.merge(c, 1, Integer::sum));
    }
    return counts;
  }

  /** The node (1-based) redacting {@code camera} now, or 0. */
  public int ownerOf(String camera) throws IOException, InterruptedException {
    for (Map.Entry<String, List<String>> e : owners().entrySet()) {
      if (e.getValue().contains(camera)) {
        return Integer.parseInt(e.getKey().substring("node-".length()));
      }
    }
    return 0;
  }

  /**
   * Opens a camera's MJPEG stream on {@code via} (redirects followed, as a browser does) and reads its first frame.
   *
   * @return the frame, or empty when the stream is refused or ends before one
   */
  public java.util.Optional<Frame> firstFrame(GatewayProcess via, String camera, String key, String purpose)
      throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(via.url().resolve("/cameras/" + camera + "/stream.mjpg?purpose="
        + purpose)).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + key).GET().build();
    try {
      HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body(); MjpegReader reader = new MjpegReader(in)) {
        if (r.statusCode() != 200) {
          lastRefusal = r.statusCode() + " from " + r.uri().getPort() + ": "
              + new String(in.readNBytes(300), StandardCharsets.UTF_8);
          return java.util.Optional.empty();
        }
        MjpegReader.Part part = reader.next();
        return part == null ? java.util.Optional.empty()
            : java.util.Optional.of(new Frame(r.uri(), part.headers(), part.jpeg().length));
      }
    } catch (IOException e) {
      lastRefusal = e.toString();
      return java.util.Optional.empty();
    }
  }

  /** Why the last {@link #firstFrame} came back empty (status and body, or the I/O error). */
  public String lastRefusal() {
    return lastRefusal;
  }

  /** GET without following redirects, with an API key. */
  public HttpResponse<String> get(GatewayProcess via, String pathAndQuery, String key)
      throws IOException, InterruptedException {
    return direct.send(HttpRequest.newBuilder(via.url().resolve(pathAndQuery)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET the body as bytes (an audit export), with an API key. */
  public byte[] download(GatewayProcess via, String pathAndQuery, String key) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = direct.send(HttpRequest.newBuilder(via.url().resolve(pathAndQuery))
        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + pathAndQuery + " on " + via.url() + " answered " + r.statusCode());
    }
    return r.body();
  }

  /**
   * One MJPEG part as served.
   *
   * @param servedBy the URL that served it (the owner's, after a redirect)
   * @param headers  the part's headers, lower-case names ({@code x-fail-safe: 1} for a frame masked whole)
   */
  public record Frame(URI servedBy, Map<String, String> headers, int bytes) {
    public boolean failSafe() {
      return "1".equals(headers.get("x-fail-safe"));
    }
  }

  /** Stops every node (SIGTERM, then SIGKILL). */
  @Override
  public void close() throws InterruptedException {
    for (GatewayProcess node : nodes) {
      node.close();
    }
  }
}
