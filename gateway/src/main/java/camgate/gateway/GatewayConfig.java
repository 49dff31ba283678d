package camgate.gateway;

import camgate.gateway.policy.OpaProcess;
import camgate.redaction.Detectors;
import camgate.redaction.RedactionSettings;
import camgate.gateway.cluster.ClusterSettings;
import camgate.gateway.cluster.RegisterWitness;
import camgate.gateway.console.ConsoleSettings;
import camgate.gateway.onvif.OnvifSettings;
import camgate.gateway.rtsp.RtspUsers;
import camgate.redaction.RedactionStyle;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The gateway's effective configuration, read from one JSON file and checked before anything starts.
 *
 * @param opaUrl           an external OPA to ask; empty means the gateway runs and supervises its own
 * @param policyRoots      the folders OPA loads (Rego packages and their data) when the gateway runs it
 * @param decisionTimeout  how long a policy decision may take before it counts as a deny
 * @param recheckInterval  how often a running stream's access is decided again
 * @param raw              the configuration as read, minus secrets: what the configuration guard sees
 */
public record GatewayConfig(String host, int port, Optional<URI> opaUrl, Path opaBinary, List<Path> policyRoots,
                            Duration decisionTimeout, Duration recheckInterval, Path auditDirectory, String auditOrigin,
                            Path modelsDirectory, RedactionStyle redactionStyle, Duration detectionDeadline,
                            List<CameraConfig> cameras, ApiKeys apiKeys, JsonObject raw) {

  public GatewayConfig {
    cameras = List.copyOf(cameras);
    policyRoots = List.copyOf(policyRoots);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http.port " + port + " is not a TCP port (0-65535; 0 picks a free one)");
    }
    positive(raw, "exports", "max_seconds");
    positive(raw, "exports", "delivery_timeout_ms");
    positive(raw, "retention", "sweep_interval_s");
    positive(raw, "limits", "streams_per_subject");
    if (raw.getValue("cluster") != null) {
      if (!(raw.getValue("cluster") instanceof JsonObject)) {
        throw new IllegalArgumentException("cluster must be an object (node_id, members, port, camera_capacity)");
      }
      ClusterSettings.fromJson(raw.getJsonObject("cluster"));
    }
    Object smallFaces = raw.getJsonObject("redaction", new JsonObject()).getValue("small_faces");
    if (smallFaces != null && !(smallFaces instanceof Boolean)) {
      throw new IllegalArgumentException("redaction.small_faces must be true or false, found " + smallFaces);
    }
    Object listen = raw.getJsonObject("opa", new JsonObject()).getValue("listen");
    if (listen != null && !"unix".equals(listen) && !"tcp".equals(listen)) {
      throw new IllegalArgumentException("opa.listen must be \"unix\" (OPA on a Unix socket in an owner-only "
          + "folder, the default) or \"tcp\" (a loopback port), found " + listen);
    }
    if (raw.getValue("onvif") != null) {
      if (!(raw.getValue("onvif") instanceof JsonObject) || raw.getValue("rtsp") == null) {
        throw new IllegalArgumentException("onvif must be an object, and needs an rtsp section: the ONVIF device "
            + "hands out the RTSP server's URLs");
      }
      Set<String> users = new HashSet<>();
      raw.getJsonArray("rtsp_users", new JsonArray()).forEach(u -> users.add(((JsonObject) u).getString("username")));
      OnvifSettings.fromJson(raw.getJsonObject("onvif")).purposes().keySet().stream().filter(u -> !users.contains(u))
          .findFirst().ifPresent(u -> {
            throw new IllegalArgumentException("onvif.purposes names '" + u + "', which is not an rtsp_users username:"
                + " ONVIF users are the rtsp_users; fix the name or add the user");
          });
    }
    Object isolation = raw.getJsonObject("redaction", new JsonObject()).getValue("isolation");
    if (isolation != null && !"process".equals(isolation) && !"in-process".equals(isolation)) {
      throw new IllegalArgumentException("redaction.isolation must be \"process\" (the detectors in a child process"
          + " that a native crash ends alone, the default) or \"in-process\", found " + isolation);
    }
    Object duty = raw.getJsonObject("redaction", new JsonObject()).getValue("detection_duty");
    if (duty != null && !(duty instanceof Number n && n.doubleValue() > 0 && n.doubleValue() <= 1)) {
      throw new IllegalArgumentException("redaction.detection_duty must be a number in (0, 1] (the share of their"
          + " time the detection threads may work), found " + duty);
    }
  }

  /** Reads and checks a configuration file; relative paths in it are taken from {@code base}. */
  public static GatewayConfig load(Path file, Path base) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IOException("cannot read configuration " + file + ": " + e.getMessage()
          + "; pass an existing file with --config, or run './camgate demo'", e);
    }
    try {
      return fromJson(new JsonObject(text), base);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("configuration " + file + " is not valid JSON: " + e.getMessage());
    }
  }

  /** Builds a configuration from its JSON form; relative paths are taken from {@code base}. */
  public static GatewayConfig fromJson(JsonObject json, Path base) {
    JsonObject http = json.getJsonObject("http", new JsonObject());
    JsonObject opa = json.getJsonObject("opa", new JsonObject());
    JsonObject audit = json.getJsonObject("audit", new JsonObject());
    JsonObject redaction = json.getJsonObject("redaction", new JsonObject());

    List<CameraConfig> cameras = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (Object o : json.getJsonArray("cameras", new JsonArray())) {
      CameraConfig camera = CameraConfig.fromJson((JsonObject) o, base);
      if (!ids.add(camera.id())) {
        throw new IllegalArgumentException("camera id '" + camera.id() + "' appears twice in the configuration");
      }
      if (camera.isFile()) {
        camera = new CameraConfig(camera.id(), resolve(base, camera.url()).toString(), camera.zone(), camera.loop(),
            camera.credentials());
      }
      cameras.add(camera);
    }

    Map<String, Subject> keys = new HashMap<>();
    for (Object o : json.getJsonArray("api_keys", new JsonArray())) {
      JsonObject entry = (JsonObject) o;
      String hash = entry.getString("key_sha256");
      if (hash == null || !hash.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("api_keys entry needs \"key_sha256\" as 64 lower-case hex digits, found '"
            + hash + "'; compute it with: printf %s KEY | sha256sum");
      }
      keys.put(hash, Subject.fromJson(entry.getJsonObject("subject")));
    }

    String opaUrl = opa.getString("url");
    List<Path> roots = opa.getJsonArray("policies", new JsonArray().add("policies/camgate").add("policies/data"))
        .stream().map(p -> resolve(base, String.valueOf(p))).toList();
    String opaBinary = opa.getString("binary", System.getenv().getOrDefault("CAMGATE_OPA", ".camgate/bin/opa"));
    String models = redaction.getString("models", System.getenv().getOrDefault("CAMGATE_MODELS", ".camgate/models"));

    JsonObject raw = json.copy();
    raw.remove("api_keys");  // secrets never reach policies or logs
    raw.remove("cameras");   // logins may sit in camera URLs: cameras() carries them, kept apart
    for (Object u : raw.getJsonArray("rtsp_users", new JsonArray())) {
      if (u instanceof JsonObject user && user.getString("secret_file") != null) {
        user.put("secret_file", resolve(base, user.getString("secret_file")).toString());
      }
    }
    // Never created here: a node signing with a key of its own would start a second register.
    resolveReadable(raw, base, "cluster", "register_key_file", "deploy the city's register key (the same PEM on"
        + " every node, mode 600), or remove the key to run without it");
    // Named, it is deployed (one file for a cluster's nodes), never made here: a node making its own would refuse
    // the others' tokens without a word.
    resolveReadable(raw, base, "rtsp", "token_key_file", "deploy the RTSP token key (the same file on every node,"
        + " mode 600; any node makes one at its first start without the key), or remove the key");
    if (raw.getValue("cluster") instanceof JsonObject c) {
      RegisterWitness.fromSection(c, base);  // checked now, key files resolved: a bad entry stops the start
    }
    resolveReadable(raw, base, "cluster", "policy_key_file", "deploy the cluster's policy signing key (the same"
        + " PKCS#8 P-256 PEM on every node, mode 600, its public key beside it as NAME.pub.pem)");
    resolveReadable(raw, base, "exports", "ca_pem", "give the PEM certificates of the CA that signed the export"
        + " destinations' TLS certificates, or remove the key");
    return new GatewayConfig(
        http.getString("host", "127.0.0.1"),
        http.getInteger("port", 8080),
        Optional.ofNullable(opaUrl).map(URI::create),
        resolve(base, opaBinary),
        roots,
        Duration.ofMillis(opa.getLong("timeout_ms", 1000L)),
        Duration.ofMillis(opa.getLong("recheck_ms", 30_000L)),
        resolve(base, audit.getString("dir", ".camgate/data/audit")),
        audit.getString("origin", "camgate.local/audit"),
        resolve(base, models),
        RedactionStyle.valueOf(redaction.getString("style", "pixelate").toUpperCase()),
        redaction.getValue("deadline_ms") == null ? RedactionSettings.defaults().detectionDeadline()
            : Duration.ofMillis(redaction.getLong("deadline_ms")),
        cameras,
        new ApiKeys(keys),
        raw);
  }

  /**
   * True when the gateway's own OPA loads the policy as signed bundles the gateway serves (the DPO's
   * publish workflow); {@code opa.signed_bundles: false} makes it load the policy folders directly.
   * Always false with an external OPA ({@code opa.url}).
   */
  public boolean signedBundles() {
    return opaUrl.isEmpty() && raw.getJsonObject("opa", new JsonObject()).getBoolean("signed_bundles", true);
  }

  /**
   * How the gateway reaches its own OPA ({@code opa.listen}): a Unix socket in an owner-only folder (default,
   * {@code "unix"}), or a loopback port ({@code "tcp"}, for a system without Unix sockets).
   */
  public OpaProcess.Listen opaListen() {
    return "tcp".equals(raw.getJsonObject("opa", new JsonObject()).getValue("listen")) ? OpaProcess.Listen.TCP_LOOPBACK
        : OpaProcess.Listen.UNIX_SOCKET;
  }

  /** How long a publication waits for OPA to report the new revision active ({@code opa.activation_timeout_ms}). */
  public Duration policyActivationTimeout() {
    return Duration.ofMillis(raw.getJsonObject("opa", new JsonObject()).getLong("activation_timeout_ms", 20_000L));
  }

  /** The longest clip one export may record ({@code exports.max_seconds}, default 120). */
  public int exportMaxSeconds() {
    return raw.getJsonObject("exports", new JsonObject()).getInteger("max_seconds", 120);
  }

  /** How long the destination of an export has to take the clip ({@code exports.delivery_timeout_ms}). */
  public Duration exportDeliveryTimeout() {
    return Duration.ofMillis(raw.getJsonObject("exports", new JsonObject()).getLong("delivery_timeout_ms", 30_000L));
  }

  /**
   * PEM CA certificates to verify export destinations with ({@code exports.ca_pem}, relative to the
   * configuration's folder); absent: the JVM's default trust store.
   */
  public Optional<Path> exportTrustedCertificates() {
    return Optional.ofNullable(raw.getJsonObject("exports", new JsonObject()).getString("ca_pem")).map(Path::of);
  }

  /**
   * Whether faces under 24 px get the detector's second, finer look ({@code redaction.small_faces}, default
   * true): small-face recall 0.94 instead of 0.75, for a full look about five times dearer than a glance.
   */
  public boolean smallFaceLook() {
    return raw.getJsonObject("redaction", new JsonObject()).getBoolean("small_faces", true);
  }

  /**
   * Whether the detectors run in a detector host, a child process ({@code redaction.isolation}: {@code "process"},
   * the default, or {@code "in-process"}): a native crash in ONNX Runtime or OpenCV then ends the host, whose
   * cameras serve frames masked whole until it is restarted, instead of the gateway.
   */
  public boolean isolatedDetectors() {
    return !"in-process".equals(raw.getJsonObject("redaction", new JsonObject()).getString("isolation", "process"));
  }

  /**
   * The share of their time the detection threads may work ({@code redaction.detection_duty}, default
   * {@link Detectors#DEFAULT_DUTY}): lower leaves more of the machine to the streams and the gateway, and makes
   * each camera's passes rarer (the motion guard then masks more of what moves).
   */
  public double detectionDuty() {
    Number duty = (Number) raw.getJsonObject("redaction", new JsonObject()).getValue("detection_duty");
    return duty == null ? Detectors.DEFAULT_DUTY : duty.doubleValue();
  }

  /** How often stored clips past their retention are deleted ({@code retention.sweep_interval_s}, default 1 h). */
  public Duration retentionSweepInterval() {
    return Duration.ofSeconds(raw.getJsonObject("retention", new JsonObject()).getLong("sweep_interval_s", 3600L));
  }

  /**
   * How many days the recipient of a snapshot ({@code "snapshots_days"}) or the gateway's copy of an export
   * ({@code "exports_days"}) may keep it; the configuration guard checks both against CSI L252-5.
   */
  public int retentionDays(String key) {
    return retention().getInteger(key, 30);
  }

  private JsonObject retention() {
    return raw.getJsonObject("retention", new JsonObject().put("snapshots_days", 30).put("exports_days", 30));
  }

  /**
   * How long an HLS viewing session may go without a playlist or segment request before it ends
   * ({@code hls.idle_s}, default 10: five segment durations).
   *
   * @throws IllegalArgumentException if it is not longer than a segment (2 s)
   */
  public Duration hlsIdle() {
    long seconds = raw.getJsonObject("hls", new JsonObject()).getLong("idle_s", 10L);
    if (seconds <= 2) {
      throw new IllegalArgumentException("hls.idle_s must be more than one segment duration (2 s), was " + seconds
          + "; a player asks for the playlist about every 2 s");
    }
    return Duration.ofSeconds(seconds);
  }

  /**
   * The RTSP server's address ({@code rtsp.host}, default the HTTP host; {@code rtsp.port}, 0 picks a free
   * one); empty when the configuration has no {@code rtsp} section (no RTSP server).
   */
  public Optional<java.net.InetSocketAddress> rtsp() {
    JsonObject rtsp = raw.getJsonObject("rtsp");
    if (rtsp == null) {
      return Optional.empty();
    }
    int rtspPort = rtsp.getInteger("port", 8554);
    if (rtspPort < 0 || rtspPort > 65535) {
      throw new IllegalArgumentException("rtsp.port " + rtspPort + " is not a TCP port (0-65535; 0 picks a free one)");
    }
    return Optional.of(java.net.InetSocketAddress.createUnresolved(rtsp.getString("host", host), rtspPort));
  }

  /**
   * The key file of the signed RTSP URL tokens: {@code rtsp.token_key_file}, else {@code rtsp-token-key} in the
   * audit folder (made at the first start). The nodes of a cluster share one file, deployed like the register key,
   * so that a token URL redirected to the camera's owner is valid there.
   */
  public Path rtspTokenKeyFile() {
    JsonObject rtsp = raw.getJsonObject("rtsp", new JsonObject());
    String file = rtsp.getString("token_key_file");
    return file == null ? auditDirectory().resolve("rtsp-token-key") : Path.of(file);
  }

  /**
   * The consumers that log in over RTSP with Digest ({@code rtsp_users}: username, subject, and the secret
   * from {@code secret_env}, {@code secret_file} or, for the demo only, {@code secret}).
   *
   * @throws IllegalArgumentException naming the entry, if one is malformed
   */
  public List<RtspUsers.User> rtspUsers() {
    List<RtspUsers.User> users = new ArrayList<>();
    JsonArray entries = raw.getJsonArray("rtsp_users", new JsonArray());
    for (int i = 0; i < entries.size(); i++) {
      JsonObject u = entries.getJsonObject(i);
      String name = u.getString("username");
      if (name == null || !name.matches("[A-Za-z0-9._@-]{1,64}")) {
        throw new IllegalArgumentException("rtsp_users[" + i + "].username must be 1-64 letters, digits or ._@-");
      }
      RtspUsers.SecretSource secret;
      if (u.getString("secret_env") != null) {
        secret = RtspUsers.SecretSource.env(u.getString("secret_env"));
      } else if (u.getString("secret_file") != null) {
        secret = RtspUsers.SecretSource.file(Path.of(u.getString("secret_file")));
      } else if (u.getString("secret") != null) {
        secret = RtspUsers.SecretSource.inline(u.getString("secret"));
      } else {
        throw new IllegalArgumentException("rtsp_users[" + i + "] (" + name + ") needs secret_env or secret_file");
      }
      users.add(new RtspUsers.User(name, Subject.fromJson(u.getJsonObject("subject")), secret));
    }
    return users;
  }

  /**
   * The ONVIF Profile S device ({@code onvif}: purposes per ONVIF user, name, location, discovery); empty without
   * the section: no ONVIF service.
   */
  public Optional<OnvifSettings> onvif() {
    JsonObject o = raw.getJsonObject("onvif");
    return o == null ? Optional.empty() : Optional.of(OnvifSettings.fromJson(o));
  }

  /** How many streams one subject may have open at once ({@code limits.streams_per_subject}, 8). */
  public int streamsPerSubject() {
    return raw.getJsonObject("limits", new JsonObject()).getInteger("streams_per_subject", 8);
  }

  /**
   * The cluster this gateway is a node of ({@code cluster}: node_id, members, port, camera_capacity, lease
   * timings); empty without the section: a single gateway that redacts every camera itself.
   *
   * @throws IllegalArgumentException naming the key, if the section is malformed
   */
  public Optional<ClusterSettings> cluster() {
    JsonObject c = raw.getJsonObject("cluster");
    return c == null ? Optional.empty() : Optional.of(ClusterSettings.fromJson(c));
  }

  /**
   * The city's register key ({@code cluster.register_key_file}: one PKCS#8 PEM deployed to every node), when the
   * cluster keeps its register; empty otherwise, and the nodes then keep no register.
   */
  public Optional<Path> clusterRegisterKey() {
    JsonObject c = raw.getJsonObject("cluster");
    return c == null || c.getString("register_key_file") == null ? Optional.empty()
        : Optional.of(Path.of(c.getString("register_key_file")));
  }

  /** The witnesses of the city's register ({@code cluster.witnesses}); empty without them. */
  public List<RegisterWitness> clusterWitnesses() {
    JsonObject c = raw.getJsonObject("cluster");
    return c == null ? List.of() : RegisterWitness.fromSection(c.copy(), Path.of(""));
  }

  /**
   * The bundle signing key every node of a cluster shares ({@code cluster.policy_key_file}, its public key beside
   * it as {@code NAME.pub.pem}), so every node's OPA verifies the one bundle a publication signs; empty without.
   */
  public Optional<Path> clusterPolicyKey() {
    JsonObject c = raw.getJsonObject("cluster");
    return c == null || c.getString("policy_key_file") == null ? Optional.empty()
        : Optional.of(Path.of(c.getString("policy_key_file")));
  }

  /** The register's origin ({@code cluster.register_origin}), the same on every node. */
  public String clusterRegisterOrigin() {
    JsonObject c = raw.getJsonObject("cluster", new JsonObject());
    return c.getString("register_origin", "camgate.local/cluster");
  }

  /** The web console's settings, defaults filled in. */
  public ConsoleSettings console() {
    JsonObject c = raw.getJsonObject("console", new JsonObject());
    return new ConsoleSettings(Duration.ofSeconds(c.getLong("session_idle_s", 1800L)),
        Duration.ofSeconds(c.getLong("session_max_s", 28_800L)), c.getInteger("max_failures", 5),
        Duration.ofSeconds(c.getLong("lock_s", 900L)), c.getBoolean("secure_cookie", true),
        c.getLong("body_limit_bytes", 65_536L));
  }

  /** The "people" section as written (the console reads and checks each entry). */
  public JsonArray people() {
    return raw.getJsonArray("people", new JsonArray()).copy();
  }

  /** The configuration as the policy guard reads it (camgate.config.violations). */
  public JsonObject policyView() {
    JsonObject view = new JsonObject();
    view.put("cameras", new JsonArray(cameras.stream().map(CameraConfig::toPolicyJson).toList()));
    view.put("modules", raw.getJsonArray("modules", new JsonArray()
        .add(new JsonObject().put("name", "redaction")
            .put("capabilities", new JsonArray().add("face_detection").add("plate_detection").add("redaction")))));
    view.put("destinations", raw.getJsonArray("destinations", new JsonArray()));
    view.put("consumers", raw.getJsonArray("consumers", new JsonArray()));
    view.put("retention", retention());
    return view;
  }

  public Optional<CameraConfig> camera(String id) {
    return cameras.stream().filter(c -> c.id().equals(id)).findFirst();
  }

  private static void positive(JsonObject raw, String section, String key) {
    Object v = raw.getJsonObject(section, new JsonObject()).getValue(key);
    if (v != null && !(v instanceof Number n && n.longValue() > 0 && n.doubleValue() == n.longValue())) {
      throw new IllegalArgumentException(section + "." + key + " must be a positive whole number, found " + v);
    }
  }

  /** Resolves {@code section.key}, when present, to a readable file's absolute path in {@code raw}. */
  private static void resolveReadable(JsonObject raw, Path base, String section, String key, String advice) {
    JsonObject s = raw.getValue(section) instanceof JsonObject o ? o : null;
    if (s == null || s.getValue(key) == null) {
      return;
    }
    Path file = resolve(base, String.valueOf(s.getValue(key)));
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(section + "." + key + " " + file + " is not a readable file: " + advice);
    }
    s.put(key, file.toString());
  }

  private static Path resolve(Path base, String path) {
    Path p = Path.of(path);
    return p.isAbsolute() ? p : base.resolve(p).normalize();
  }
}
