package camgate.gateway.support;

import static org.awaitility.Awaitility.await;
import camgate.audit.AuditEntry;
import camgate.gateway.ApiKeys;
import camgate.gateway.Gateway;
import camgate.gateway.GatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A real gateway for tests: real OPA over the project's policies, a real H2 audit log in a temp folder. */
public final class TestGateway implements AutoCloseable {

  /** Keys of subjects that exist in policies/data (see policies/README.md). */
  public static final String OPERATOR_KEY = "test-key-agent-042";
  public static final String GARE_KEY = "test-key-agent-107";
  public static final String AUDITOR_KEY = "test-key-auditor-1";
  public static final String FACEID_KEY = "test-key-vms-faceid";
  public static final String VENDOR_KEY = "test-key-vendor-acme";
  public static final String METRICS_KEY = "test-metrics-key-0123456789";

  private final Vertx vertx;
  private final Gateway gateway;
  private final Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(Vertx vertx, Gateway gateway, Path dir) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.dir = dir;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds the configuration JSON a test needs and starts the gateway. */
  public static final class Builder {
    private final JsonArray cameras = new JsonArray();
    private URI externalOpa;
    private boolean opaOverTcp;
    private Duration recheck = Duration.ofSeconds(30);
    private long deadlineMs = 2000;
    private String isolation;
    private final JsonObject extra = new JsonObject();
    private Clock clock = Clock.systemDefaultZone();
    private Path directory;

    public Builder camera(String id, String url, String zone) {
      cameras.add(new JsonObject().put("id", id).put("url", url).put("zone", zone).put("loop", true));
      return this;
    }

    public Builder externalOpa(URI url) {
      this.externalOpa = url;
      return this;
    }

    /** The gateway's own OPA on a loopback port ({@code opa.listen: "tcp"}) instead of its Unix socket. */
    public Builder opaOverTcp() {
      this.opaOverTcp = true;
      return this;
    }

    /** Where the gateway keeps its data (audit log, policy store, media): another gateway's, to restart it. */
    public Builder directory(Path dir) {
      this.directory = dir;
      return this;
    }

    /** The gateway's clock: the time its policy decisions are made at and its retention counts in. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder recheck(Duration interval) {
      this.recheck = interval;
      return this;
    }

    /** A generous detection deadline: on a loaded 2-core CI machine the fail-safe must not be what a test measures. */
    public Builder detectionDeadlineMs(long ms) {
      this.deadlineMs = ms;
      return this;
    }

    /** Sets {@code redaction.isolation} ("process" or "in-process"); unset, the gateway's default. */
    public Builder isolation(String isolation) {
      this.isolation = isolation;
      return this;
    }

    /** Adds a top-level configuration key ("modules", "destinations", ...); "opa_binary" overrides the OPA path. */
    public Builder extra(String key, Object value) {
      extra.put(key, value);
      return this;
    }

    public JsonObject json(Path dir) {
      Path root = TestPaths.root();
      JsonObject opa = new JsonObject().put("timeout_ms", 2000).put("recheck_ms", recheck.toMillis())
          .put("binary", TestPaths.opa().toString())
          .put("policies", new JsonArray().add(root.resolve("policies/camgate").toString())
              .add(root.resolve("policies/data").toString()));
      if (externalOpa != null) {
        opa.put("url", externalOpa.toString());
      }
      if (opaOverTcp) {
        opa.put("listen", "tcp");
      }
      if (extra.containsKey("opa_binary")) {
        opa.put("binary", extra.getString("opa_binary"));
      }
      JsonObject redaction = new JsonObject().put("style", "pixelate").put("deadline_ms", deadlineMs)
          .put("models", TestPaths.models().toString());
      if (isolation != null) {
        redaction.put("isolation", isolation);
      }
      JsonObject json = new JsonObject()
          .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
          .put("opa", opa)
          .put("audit", new JsonObject().put("dir", dir.resolve("audit").toString()).put("origin", "camgate.test/log"))
          .put("redaction", redaction)
          .put("cameras", cameras)
          .put("api_keys", new JsonArray()
              .add(key(OPERATOR_KEY, "agent-042", "operator", "police-municipale", "display"))
              .add(key(GARE_KEY, "agent-107", "operator", "police-municipale", "display"))
              .add(key(AUDITOR_KEY, "auditor-1", "auditor", "cnil", null))
              .add(key(FACEID_KEY, "vms-faceid", "consumer", "vms-example", "face_recognition"))
              .add(key(VENDOR_KEY, "vendor-acme", "vendor", "acme-safe-city", null))
              .add(key(METRICS_KEY, "metrics-local", "metrics", "ville", null)));
      extra.forEach(e -> {
        if (!e.getKey().equals("opa_binary")) {
          json.put(e.getKey(), e.getValue());
        }
      });
      return json;
    }

    public TestGateway start() throws Exception {
      Path dir = directory != null ? directory : Files.createTempDirectory("camgate-test");
      Vertx vertx = Vertx.vertx();
      GatewayConfig config = GatewayConfig.fromJson(json(dir), dir);
      try {
        Gateway g = Gateway.start(vertx, config, clock).await(90, TimeUnit.SECONDS);
        return new TestGateway(vertx, g, dir);
      } catch (Exception e) {
        vertx.close().await(10, TimeUnit.SECONDS);
        throw e;
      }
    }

    private static JsonObject key(String key, String id, String role, String org, String capability) {
      JsonArray caps = capability == null ? new JsonArray() : new JsonArray().add(capability);
      return new JsonObject().put("key_sha256", ApiKeys.hash(key)).put("subject", new JsonObject().put("id", id)
          .put("roles", new JsonArray().add(role)).put("org", org).put("capabilities", caps));
    }
  }

  /**
   * Publishes, as the DPO would, a policy version that also lets {@code camera} be watched for {@code purpose}.
   */
  public void publishPurpose(String camera, String purpose) throws Exception {
    var publisher = gateway.policyPublisher().orElseThrow(() -> new AssertionError("no signed-bundle publisher"));
    JsonObject cameras = publisher.activeWithContent().await(30, TimeUnit.SECONDS).getJsonObject("data")
        .getJsonObject("cameras");
    cameras.getJsonObject(camera).getJsonArray("purposes").add(purpose);
    publisher.publish(new JsonObject().put("data", new JsonObject().put("cameras", cameras)), "dpo-test",
        camera + " also for " + purpose, v -> io.vertx.core.Future.succeededFuture()).await(120, TimeUnit.SECONDS);
  }

  /** A file only its owner may read (0600) holding {@code secret}: what the gateway asks of a {@code secret_file}. */
  public static Path secretFile(String secret) throws IOException {
    Path file = Files.createTempFile("camgate", ".secret");
    Files.writeString(file, secret);
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  /**
   * An {@code rtsp_users} entry: {@code username} logging in with {@code secret} (from a {@link #secretFile}) as the
   * display operator {@code subjectId} of the municipal police (its zones come from the policy data).
   */
  public static JsonObject rtspUser(String username, String secret, String subjectId) throws IOException {
    return new JsonObject().put("username", username).put("secret_file", secretFile(secret).toString())
        .put("subject", new JsonObject().put("id", subjectId).put("roles", new JsonArray().add("operator"))
            .put("org", "police-municipale").put("capabilities", new JsonArray().add("display")));
  }

  public Gateway gateway() {
    return gateway;
  }

  public Path directory() {
    return dir;
  }

  public URI uri(String pathAndQuery) {
    return gateway.url().resolve(pathAndQuery);
  }

  /** GET with an API key (null: none), whole body. */
  public HttpResponse<byte[]> get(String pathAndQuery, String key) throws IOException, InterruptedException {
    return http.send(request(pathAndQuery, key).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** POST a JSON body with an API key (null: none), whole answer. */
  public HttpResponse<byte[]> post(String pathAndQuery, String key, JsonObject body)
      throws IOException, InterruptedException {
    // A publication waits for OPA to activate the new bundle: allow for that on a loaded machine.
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(120))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** GET a stream: headers now, body as it arrives. */
  public HttpResponse<InputStream> open(String pathAndQuery, String key) throws IOException, InterruptedException {
    return http.send(request(pathAndQuery, key).build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private HttpRequest.Builder request(String pathAndQuery, String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  /** Every access decision in the audit log so far. */
  public List<AuditEntry> decisions() {
    return entries().stream().filter(e -> e.event().type().equals("access_decision")).toList();
  }

  /**
   * The first audit entry of a type at or after index {@code from}, waiting up to 10 s: a stream's end is
   * appended just after its connection closes.
   */
  public AuditEntry awaitEntry(String type, long from) {
    return await("a " + type + " entry in the audit log from index " + from).atMost(Duration.ofSeconds(10))
        .until(() -> entries().stream().skip(from).filter(e -> e.event().type().equals(type)).findFirst(),
            Optional::isPresent)
        .get();
  }

  public List<AuditEntry> entries() {
    return gateway.auditLog().entries(0, 1_000_000);
  }

  /** Waits until a camera publishes frames (its first detection pass done). */
  public void awaitLive(String cameraId, Duration timeout) {
    var feed = gateway.feeds().get(cameraId);
    await("camera " + cameraId + " live").atMost(timeout)
        .until(() -> feed.status().live() && feed.redactedHub().latest().isPresent());
  }

  @Override
  public void close() throws Exception {
    try {
      gateway.stop().await(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
