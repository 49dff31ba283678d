package camgate.gateway.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.audit.ClusterVerifier;
import camgate.gateway.tools.ExternalOpa;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import camgate.gateway.tools.GatewayProcess;
import camgate.gateway.tools.LocalCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Three gateway JVMs on loopback, one cluster, one real RTSP camera (5 fps) behind three camera ids, one real
 * OPA: each camera is redacted by exactly one node; a consumer on another node is decided, recorded and
 * redirected to the owner; a SIGKILLed owner's cameras are served again by the others; it rejoins; a node
 * frozen past its lease publishes nothing after it, and every change of hands is on the record with fencing
 * tokens that only grow and never overlap. The city's register is kept by one node, outlives its keeper's SIGKILL,
 * and the cluster bundle a survivor exports verifies, naming the dead node's log as missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverTest {

  static final List<String> CAMERAS = List.of("cam-demo", "cam-face", "cam-gare");
  static final String PURPOSE = "securite-voie-publique";
  /** The issue's bound for a dead node's cameras to be served again. */
  static final Duration FAILOVER_BOUND = Duration.ofSeconds(10);

  static final String REGISTER_ORIGIN = "camgate.cluster/register";
  static final String RTSP_SECRET = "cluster-vms-secret-0001";

  static ExternalOpa opa;
  static RtspCamera camera;
  static LocalCluster cluster;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    opa = ExternalOpa.start(TestPaths.opa(), TestPaths.root());
    camera = RtspCamera.serveAt(TestPaths.VTEST, 5);
    dir = Files.createTempDirectory("camgate-cluster");
    TestGateway.Builder builder = TestGateway.builder().externalOpa(opa.url()).detectionDeadlineMs(2000);
    for (String id : CAMERAS) {
      builder.camera(id, camera.url(), id.equals("cam-gare") ? "gare" : "centre-ville");
    }
    JsonObject base = builder.json(dir);
    base.getJsonObject("redaction").put("small_faces", false).put("detection_duty", 0.2);
    base.remove("http");
    base.remove("audit");
    // RTSP on every node, with a Digest login for the operator's video wall (a node that does not redact a camera
    // redirects its RTSP consumers to the owner).
    base.put("rtsp", new JsonObject().put("port", 0));
    base.put("rtsp_users", new io.vertx.core.json.JsonArray().add(TestGateway.rtspUser("vms-1", RTSP_SECRET,
        "agent-042")));
    // The city's register key, deployed to every node as an operator would: made once, here, by opening a log.
    Path registerKey = dir.resolve("register-key.pem");
    AuditLog.open(new AuditLogOptions(dir.resolve("register-keygen").resolve("audit"), registerKey, REGISTER_ORIGIN,
        Duration.ofSeconds(2), Clock.systemUTC())).close();
    cluster = LocalCluster.of(dir, 3, base, TestGateway.METRICS_KEY,
        new JsonObject().put("camera_capacity", 2).put("lease_ms", 4000).put("renew_ms", 1000)
            .put("failure_detection_ms", 3000).put("register_key_file", registerKey.toString())
            .put("register_origin", REGISTER_ORIGIN));
    cluster.start(Duration.ofSeconds(180));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (camera != null) {
      camera.close();
    }
    if (opa != null) {
      opa.close();
    }
  }

  static String keyFor(String cameraId) {
    return cameraId.equals("cam-gare") ? TestGateway.GARE_KEY : TestGateway.OPERATOR_KEY;
  }

  static void awaitEachOwnedOnce(Duration timeout) {
    await("every camera redacted by exactly one running node").atMost(timeout).pollInterval(Duration.ofMillis(500))
        .until(() -> cluster.ownerCounts(CAMERAS).values().stream().allMatch(n -> n == 1));
  }

  @Test
  @Order(1)
  void eachCameraIsOwnedOnceAndAnotherNodeRedirectsToItsOwner() throws Exception {
    awaitEachOwnedOnce(Duration.ofSeconds(60));
    Map<String, List<String>> owners = cluster.owners();
    owners.values().forEach(owned -> assertTrue(owned.size() <= 2, "camera_capacity 2 exceeded: " + owners));

    String cam = "cam-demo";
    int owner = cluster.ownerOf(cam);
    GatewayProcess other = cluster.node(owner % 3 + 1);
    HttpResponse<String> redirect = cluster.get(other, "/cameras/" + cam + "/stream.mjpg?purpose=" + PURPOSE,
        keyFor(cam));
    assertEquals(307, redirect.statusCode(), redirect.body());
    String location = redirect.headers().firstValue("Location").orElseThrow();
    assertTrue(location.startsWith(cluster.node(owner).url().toString() + "/cameras/" + cam + "/stream.mjpg?"),
        location);
    assertTrue(location.contains("purpose=" + PURPOSE), location);
    // The node that redirected decided and recorded the access itself.
    long seq = new JsonObject(redirect.body()).getLong("audit_seq");
    assertTrue(seq >= 0);

    LocalCluster.Frame frame = await("a frame of " + cam + " through node " + other.directory().getFileName())
        .atMost(Duration.ofSeconds(60)).until(() -> cluster.firstFrame(other, cam, keyFor(cam), PURPOSE),
            Optional::isPresent).get();
    assertEquals(cluster.node(owner).url().getPort(), frame.servedBy().getPort(), "served by the owner");

    // A VMS asking the other node over RTSP is redirected (RTSP 302) to the owner and plays it there: FFmpeg follows.
    String rtsp = cluster.rtspUrl(owner % 3 + 1).replace("rtsp://", "rtsp://vms-1:" + RTSP_SECRET + "@")
        + "/cameras/" + cam + "?purpose=" + PURPOSE;
    Process probe = new ProcessBuilder("ffprobe", "-v", "info", "-rtsp_transport", "tcp", "-select_streams", "v:0",
        "-show_entries", "stream=codec_name", "-of", "default=nw=1", rtsp).redirectErrorStream(true).start();
    String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(probe.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
    assertEquals(0, probe.exitValue(), out);
    assertTrue(out.contains("codec_name=h264"), out);
    assertTrue(out.contains("Redirecting to " + cluster.rtspUrl(owner) + "/cameras/" + cam + "?purpose=" + PURPOSE),
        "redirected to the owner's RTSP server: " + out);
  }

  @Test
  @Order(2)
  void aKilledOwnersCamerasAreServedAgainWithinTheBoundAndItRejoins() throws Exception {
    String cam = "cam-face";
    int victim = cluster.ownerOf(cam);
    assertNotEquals(0, victim, "cam-face has an owner");
    GatewayProcess survivor = cluster.node(victim % 3 + 1);
    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.firstFrame(survivor, cam, keyFor(cam), PURPOSE),
        Optional::isPresent);

    int victimPort = cluster.node(victim).url().getPort();
    cluster.node(victim).kill();
    long killed = System.nanoTime();
    System.out.println("killed node-" + victim + " at " + Instant.now());
    LocalCluster.Frame frame = await("cam-face served again after its owner was killed")
        .atMost(FAILOVER_BOUND.plusSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          Optional<LocalCluster.Frame> f = cluster.firstFrame(survivor, cam, keyFor(cam), PURPOSE);
          if (f.isEmpty()) {
            System.out.println(Instant.now() + " not served yet: " + cluster.lastRefusal());
          }
          return f;
        }, Optional::isPresent).get();
    Duration failover = Duration.ofNanos(System.nanoTime() - killed);
    System.out.println("failover of cam-face after SIGKILL: " + failover.toMillis() + " ms (served at " + Instant.now()
        + ")");
    assertTrue(failover.compareTo(FAILOVER_BOUND) <= 0, "failover took " + failover.toMillis() + " ms");
    assertNotEquals(victimPort, frame.servedBy().getPort());
    // Served redacted: masked whole while the new owner's pipeline warms up, then by detection; never raw.
    assertTrue(frame.headers().containsKey("x-fail-safe"), "a redacted part says whether it is fail-safe");
    awaitEachOwnedOnce(Duration.ofSeconds(30));

    cluster.node(victim).start().get(180, java.util.concurrent.TimeUnit.SECONDS);
    await("the restarted node takes cameras again").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !cluster.owners().getOrDefault("node-" + victim, List.of()).isEmpty());
    awaitEachOwnedOnce(Duration.ofSeconds(30));
  }

  @Test
  @Order(3)
  void aNodeFrozenPastItsLeaseIsFencedAndRejoins() throws Exception {
    String cam = "cam-gare";
    int frozen = cluster.ownerOf(cam);
    assertNotEquals(0, frozen);
    GatewayProcess node = cluster.node(frozen);
    node.freeze();
    try {
      await("cam-gare taken over while its owner is frozen").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(500)).until(() -> cluster.ownerCounts(CAMERAS).get(cam) == 1);
      Thread.sleep(2_000);  // frozen well past the lease (4 s) and the failure detection (3 s)
    } finally {
      node.resume();
    }
    awaitEachOwnedOnce(Duration.ofSeconds(60));
    await("the resumed node serves cameras again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> cluster.ownerCounts(CAMERAS).values().stream().allMatch(n -> n == 1)
            && !cluster.owners().getOrDefault("node-" + frozen, List.of()).isEmpty());
  }

  @Test
  @Order(4)
  void everyChangeOfHandsIsRecordedWithTokensThatGrowAndNeverOverlap() throws Exception {
    Map<String, List<JsonObject>> byCamera = new HashMap<>();
    for (GatewayProcess node : cluster.nodes()) {
      for (JsonObject e : entries(cluster.download(node, "/audit/export?scope=node",
          TestGateway.AUDITOR_KEY))) {
        if ("camera_owner".equals(e.getString("type"))) {
          byCamera.computeIfAbsent(e.getJsonObject("resource").getString("camera"), k -> new ArrayList<>()).add(e);
        }
      }
    }
    assertEquals(new java.util.TreeSet<>(CAMERAS), new java.util.TreeSet<>(byCamera.keySet()));
    boolean sawLoss = false;
    for (Map.Entry<String, List<JsonObject>> camera : byCamera.entrySet()) {
      Map<Long, JsonObject> acquired = new HashMap<>();
      for (JsonObject e : camera.getValue()) {
        JsonObject d = e.getJsonObject("details");
        if ("acquired".equals(d.getString("change"))) {
          JsonObject previous = acquired.put(d.getLong("token"), e);
          assertTrue(previous == null, camera.getKey() + ": token " + d.getLong("token") + " acquired twice: "
              + previous + " and " + e);
        }
      }
      List<Long> tokens = new ArrayList<>(acquired.keySet());
      tokens.sort(null);
      for (int i = 1; i < tokens.size(); i++) {
        Instant before = Instant.parse(acquired.get(tokens.get(i - 1)).getString("time"));
        Instant after = Instant.parse(acquired.get(tokens.get(i)).getString("time"));
        assertFalse(after.isBefore(before), camera.getKey() + ": token " + tokens.get(i) + " acquired before token "
            + tokens.get(i - 1));
      }
      for (JsonObject e : camera.getValue()) {
        JsonObject d = e.getJsonObject("details");
        if (!"acquired".equals(d.getString("change"))) {
          sawLoss |= "lost".equals(d.getString("change"));
          JsonObject next = acquired.get(d.getLong("token") + 1);
          if (next != null) {
            Instant servedUntil = Instant.parse(d.getString("served_until"));
            Instant nextFrom = Instant.parse(next.getString("time"));
            assertFalse(nextFrom.isBefore(servedUntil), camera.getKey() + ": token " + (d.getLong("token") + 1)
                + " taken at " + nextFrom + " while token " + d.getLong("token") + " could serve until " + servedUntil);
          }
        }
      }
    }
    assertTrue(sawLoss, "the frozen node recorded losing its lease");
  }

  /**
   * The city's register with the keeper killed: a survivor takes the keeper lease and goes on from its replica;
   * {@code GET /audit/export} on the other survivor (a replica) serves the cluster bundle, whose register holds
   * checkpoints of all three nodes and whose verification passes for both live nodes and names the dead one as
   * missing (its log cannot be fetched: that bundle cannot vouch for it, and says so).
   */
  @Test
  @Order(5)
  void theRegisterHoldsEveryNodesCheckpointsAndOutlivesItsKeeper() throws Exception {
    int keeper = await("exactly one keeper of the register").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500)).until(ClusterFailoverTest::keeper, k -> k > 0);
    await("every node's replica has caught up with the keeper's register").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500)).until(() -> {
          double keeperSize = cluster.meter(cluster.node(keeper), "camgate_register_entries");
          for (GatewayProcess node : cluster.nodes()) {
            // A replica is up to two rounds (a few checkpoints) behind the keeper.
            if (cluster.meter(node, "camgate_register_entries") < keeperSize - 6) {
              return false;
            }
          }
          return keeperSize > 0;
        });
    cluster.node(keeper).kill();
    int newKeeper = await("a survivor keeps the register").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500)).until(ClusterFailoverTest::keeper, k -> k > 0 && k != keeper);
    GatewayProcess replica = cluster.nodes().stream().filter(n -> n != cluster.node(keeper)
        && n != cluster.node(newKeeper)).findFirst().orElseThrow();
    double before = cluster.meter(cluster.node(newKeeper), "camgate_register_entries");
    for (GatewayProcess survivor : List.of(replica, cluster.node(newKeeper))) {
      // An access (decided and logged) on each survivor: each log grows, signs a new checkpoint and sends it.
      cluster.download(survivor, "/audit/checkpoints/latest", TestGateway.AUDITOR_KEY);
    }
    await("the new keeper records the survivors' newer checkpoints").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> cluster.meter(cluster.node(newKeeper), "camgate_register_entries") >= before + 2);

    Path bundle = unzip(cluster.download(replica, "/audit/export", TestGateway.AUDITOR_KEY),
        dir.resolve("city-bundle"));
    java.util.Set<String> recorded = new java.util.TreeSet<>();
    for (String line : Files.readAllLines(bundle.resolve("cluster/entries.jsonl"))) {
      JsonObject e = new JsonObject(line);
      if ("node_checkpoint".equals(e.getString("type"))) {
        recorded.add(e.getJsonObject("details").getString("node"));
      }
    }
    assertEquals(java.util.Set.of("node-1", "node-2", "node-3"), recorded, "nodes whose checkpoints are recorded");

    ClusterVerifier.Outcome outcome = ClusterVerifier.verify(bundle, new ClusterVerifier.Options(null, null,
        List.of()));
    System.out.println(String.join("\n", outcome.lines()) + "\n" + outcome.problems());
    String dead = "node-" + keeper;
    assertEquals(1, outcome.problems().size(), "only the dead node is a problem: " + outcome.problems());
    assertEquals("node " + dead, outcome.problems().get(0).subject());
    assertTrue(outcome.problems().get(0).message().contains("missing from the bundle"),
        outcome.problems().get(0).message());
    for (int i = 1; i <= 3; i++) {
      String node = "node-" + i;
      if (!node.equals(dead)) {
        assertTrue(outcome.lines().stream().anyMatch(l -> l.startsWith("node " + node + ": ") && l.endsWith("all match")),
            node + " verified against the register: " + outcome.lines());
      }
    }
  }

  /** The node (1-based) whose {@code camgate_register_keeper} is 1, if exactly one running node's is; else 0. */
  static int keeper() throws IOException, InterruptedException {
    int keeper = 0;
    for (int i = 1; i <= 3; i++) {
      GatewayProcess node = cluster.node(i);
      if (node.alive() && node.running() && cluster.meter(node, "camgate_register_keeper") == 1) {
        if (keeper != 0) {
          return 0;
        }
        keeper = i;
      }
    }
    return keeper;
  }

  /** Unzips a cluster bundle into {@code to} (names checked: nothing lands outside it). */
  static Path unzip(byte[] zip, Path to) throws IOException {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        Path file = to.resolve(entry.getName()).normalize();
        assertTrue(file.startsWith(to), entry.getName());
        Files.createDirectories(file.getParent());
        Files.copy(in, file);
      }
    }
    return to;
  }

  /** The entries of an exported bundle (zip with entries.jsonl). */
  static List<JsonObject> entries(byte[] zip) throws IOException {
    List<JsonObject> entries = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        if (entry.getName().endsWith("entries.jsonl")) {
          for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
              entries.add(new JsonObject(line));
            }
          }
        }
      }
    }
    return entries;
  }
}
