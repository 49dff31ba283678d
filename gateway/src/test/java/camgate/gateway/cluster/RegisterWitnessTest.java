package camgate.gateway.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.audit.ClusterRegister;
import camgate.audit.NoteKey;
import camgate.audit.Witness;
import camgate.audit.WitnessServer;
import camgate.audit.tools.AuditCli;
import camgate.gateway.Gateway;
import camgate.gateway.GatewayConfig;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import camgate.gateway.tools.ExternalOpa;
import camgate.gateway.tools.GatewayProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The city's register cosigned by a witness (issue 14): three clustered gateway nodes in this JVM (Hazelcast and the
 * event bus on loopback, no camera, one real OPA, real H2 logs) and a real {@code ./camgate witness} server on
 * loopback. The keeper has the witness cosign what every live replica acknowledged; {@code GET /audit/export} on
 * either node is a bundle that {@code audit verify --witness-key} accepts; a witness that is down stops nothing and
 * is caught up with; a lagging replica holds the witness back; the next keeper goes on with the same witness.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegisterWitnessTest {

  static final String REGISTER_ORIGIN = "camgate.witness-test/register";
  static final Pattern WITNESSED = Pattern.compile("^camgate_register_witnessed_size\\{witness=\"([^\"]+)\",?} (\\S+)$",
      Pattern.MULTILINE);

  static ExternalOpa opa;
  static Path dir;
  static Path witnessKey;
  static Path witnessState;
  static Path witnessVkey;
  static Map<String, NoteKey> witnessedLogs;
  static int witnessPort;
  static WitnessServer witnessServer;
  static final List<Node> nodes = new ArrayList<>();
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One gateway node of the cluster, in this JVM. */
  record Node(String id, ClusterNode member, Gateway gateway) {
    RegisterKeeper keeper() {
      return gateway.registerKeeper().orElseThrow();
    }

    ClusterRegister register() {
      return keeper().register();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    opa = ExternalOpa.start(TestPaths.opa(), TestPaths.root());
    dir = Files.createTempDirectory("camgate-witness");
    // The city's register key, made once as an operator would; the witness is told the register's public key.
    Path registerKey = dir.resolve("register-key.pem");
    try (AuditLog keygen = AuditLog.open(new AuditLogOptions(dir.resolve("register-keygen").resolve("audit"),
        registerKey, REGISTER_ORIGIN, Duration.ofSeconds(2), Clock.systemUTC()))) {
      witnessedLogs = Map.of(REGISTER_ORIGIN, Witness.readLogKey(REGISTER_ORIGIN, keygen.publicKeyPem()));
    }
    witnessKey = dir.resolve("witness-key.pem");
    witnessState = dir.resolve("witness-state");
    witnessPort = GatewayProcess.freePort();
    startWitness();
    witnessVkey = dir.resolve("witness.vkey");

    List<Integer> ports = List.of(GatewayProcess.freePort(), GatewayProcess.freePort(), GatewayProcess.freePort());
    JsonArray members = new JsonArray();
    ports.forEach(p -> members.add("127.0.0.1:" + p));
    for (int i = 0; i < ports.size(); i++) {
      String id = "node-" + (i + 1);
      Path nodeDir = dir.resolve(id);
      JsonObject json = TestGateway.builder().externalOpa(opa.url()).json(nodeDir);
      json.getJsonObject("audit").put("origin", "camgate.witness-test/" + id);
      json.put("cluster", new JsonObject().put("node_id", id).put("host", "127.0.0.1").put("port", ports.get(i))
          .put("members", members.copy()).put("camera_capacity", 1).put("lease_ms", 4000).put("renew_ms", 1000)
          .put("failure_detection_ms", 3000).put("register_key_file", registerKey.toString())
          .put("register_origin", REGISTER_ORIGIN)
          .put("witnesses", new JsonArray().add(new JsonObject().put("url", "http://127.0.0.1:" + witnessPort)
              .put("key_file", "../witness.vkey").put("timeout_ms", 2000))));
      GatewayConfig config = GatewayConfig.fromJson(json, nodeDir);
      ClusterNode member = ClusterNode.start(config.cluster().get()).await(60, TimeUnit.SECONDS);
      try {
        Gateway gateway = Gateway.start(member.vertx(), config, Clock.systemUTC(), Optional.of(member.hazelcast()))
            .await(120, TimeUnit.SECONDS);
        nodes.add(new Node(id, member, gateway));
      } catch (Exception e) {
        member.close().await(10, TimeUnit.SECONDS);
        throw e;
      }
    }
  }

  /** Starts (or restarts) the witness from its key and state folder, as {@code ./camgate witness} does. */
  static void startWitness() throws IOException {
    Witness witness = Witness.open(witnessKey, "camgate.witness-test/witness", witnessedLogs, witnessState,
        Clock.systemUTC());
    Files.writeString(dir.resolve("witness.vkey"), witness.publicKey().verifierKey() + "\n");
    witnessServer = WitnessServer.start(witness, "127.0.0.1", witnessPort);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Node n : nodes) {
      n.gateway().stop().await(30, TimeUnit.SECONDS);
      n.member().close().await(10, TimeUnit.SECONDS);
    }
    if (witnessServer != null) {
      witnessServer.close();
    }
    if (opa != null) {
      opa.close();
    }
  }

  /** The size of the register the witness last cosigned, from its own durable state (0 before any). */
  static long witnessedSize() throws IOException {
    try (DirectoryStream<Path> heads = Files.newDirectoryStream(witnessState, "*.head")) {
      for (Path head : heads) {
        String[] lines = Files.readString(head, StandardCharsets.UTF_8).split("\n");
        if (lines[0].equals(REGISTER_ORIGIN)) {
          return Long.parseLong(lines[1]);
        }
      }
    }
    return 0;
  }

  static Node keeper() {
    return await("one node keeps the register").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> nodes.stream().filter(n -> n.keeper().keeps()).toList(), k -> k.size() == 1).get(0);
  }

  static Node replica(Node keeper) {
    return nodes.stream().filter(n -> n != keeper).findFirst().orElseThrow();
  }

  /** An access decided and logged on the node: its own log grows, so it signs and sends a newer checkpoint. */
  static void access(Node node) throws Exception {
    HttpResponse<byte[]> r = get(node, "/audit/checkpoints/latest", TestGateway.AUDITOR_KEY);
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
  }

  static HttpResponse<byte[]> get(Node node, String path, String key) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(node.gateway().url() + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Every node's copy of the register is as long as the keeper's, and the witness cosigned that size. */
  static long awaitWitnessedWhole() {
    return await("the witness cosigned the whole register, known to every node").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(300)).until(() -> {
          List<Node> keepers = nodes.stream().filter(n -> n.keeper().keeps()).toList();
          if (keepers.size() != 1) {
            return -1L;
          }
          long size = keepers.get(0).register().log().size();
          boolean whole = witnessedSize() == size
              && nodes.stream().allMatch(n -> n.register().log().size() == size && n.register().witnessedSize() == size);
          return whole ? size : -1L;
        }, s -> s > 0);
  }

  /** {@code audit verify DIR ARGS...} as the CLI runs it: exit code, then stdout and stderr. */
  static String[] verify(Path bundle, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> argv = new ArrayList<>(List.of("verify", bundle.toString()));
    argv.addAll(List.of(args));
    int code = AuditCli.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)};
  }

  static Path export(Node node, String name) throws Exception {
    HttpResponse<byte[]> r = get(node, "/audit/export", TestGateway.AUDITOR_KEY);
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    Path to = dir.resolve(name);
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        Path file = to.resolve(e.getName()).normalize();
        assertTrue(file.startsWith(to), e.getName());
        Files.createDirectories(file.getParent());
        Files.copy(in, file);
      }
    }
    return to;
  }

  static void assertVerifiesWithTheWitness(Path bundle, long size) {
    String[] v = verify(bundle, "--witness-key", witnessVkey.toString());
    assertEquals("0", v[0], v[1] + v[2]);
    assertTrue(v[1].contains("cosigned the latest cluster checkpoint (size " + size + ")"), v[1]);
  }

  @Test
  @Order(1)
  void anExportFromEitherNodeVerifiesWithThePinnedWitnessAndNotWithAnother() throws Exception {
    Node keeper = keeper();
    for (int i = 0; i < 3; i++) {
      for (Node n : nodes) {
        access(n);
      }
    }
    long size = awaitWitnessedWhole();
    assertTrue(keeper.register().nodes().keySet().containsAll(List.of("node-1", "node-2", "node-3")),
        "every node recorded: " + keeper.register().nodes().keySet());

    // From the replica: its copy and the cosignatures it took from the keeper.
    Path fromReplica = export(replica(keeper), "from-replica");
    assertVerifiesWithTheWitness(fromReplica, size);
    Path fromKeeper = export(keeper, "from-keeper");
    assertVerifiesWithTheWitness(fromKeeper, size);

    // Another witness's key (a real one, that never saw this register) is not satisfied by the bundle.
    Witness other = Witness.open(dir.resolve("other-witness.pem"), "camgate.witness-test/other", witnessedLogs,
        dir.resolve("other-witness-state"), Clock.systemUTC());
    Path otherVkey = dir.resolve("other-witness.vkey");
    Files.writeString(otherVkey, other.publicKey().verifierKey() + "\n");
    String[] v = verify(fromReplica, "--witness-key", otherVkey.toString());
    assertEquals("1", v[0], v[1] + v[2]);
    assertTrue(v[2].contains("INVALID: witness camgate.witness-test/other"), v[2]);
    assertTrue(v[2].contains("no valid cosignature on the latest cluster checkpoint (size " + size + ","), v[2]);

    // The meter, on both nodes.
    for (Node n : nodes) {
      Matcher m = WITNESSED.matcher(new String(get(n, "/metrics", TestGateway.METRICS_KEY).body(),
          StandardCharsets.UTF_8));
      assertTrue(m.find(), "camgate_register_witnessed_size on " + n.gateway().url());
      assertEquals("http://127.0.0.1:" + witnessPort, m.group(1));
      assertEquals(size, (long) Double.parseDouble(m.group(2)));
    }
  }

  @Test
  @Order(2)
  void aWitnessDownStopsNeitherLoggingNorAccessAndIsCaughtUpWith() throws Exception {
    Node keeper = keeper();
    long before = awaitWitnessedWhole();
    RegisterKeeper.WitnessMeter meter = keeper.keeper().witnessMeters().get(0);
    long failures = meter.failures().longValue();
    witnessServer.close();
    try {
      // Accesses go on, decided and logged on every node, and the register records the nodes' newer checkpoints.
      await("the register grows while its witness is down").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            for (Node n : nodes) {
              access(n);
            }
            return keeper.register().log().size() >= before + 4 && nodes.stream()
                .allMatch(n -> n.register().log().size() >= before + 2);
          });
      await("the keeper counts the witness's failures").atMost(Duration.ofSeconds(30))
          .until(() -> meter.failures().longValue() >= failures + 2);
      assertEquals(before, witnessedSize(), "nothing reached the witness while it was down");
      assertEquals(before, keeper.register().witnessedSize());
    } finally {
      startWitness();
    }
    long after = awaitWitnessedWhole();
    assertTrue(after >= before + 4, "caught up from " + before + " to " + after);
    assertVerifiesWithTheWitness(export(replica(keeper), "after-outage"), after);
  }

  @Test
  @Order(3)
  void theKeeperHasTheWitnessCosignNoMoreThanAReplicaAcknowledged() throws Exception {
    Node keeper = keeper();
    Node replica = replica(keeper);
    awaitWitnessedWhole();
    long held;
    long keeperSize;
    // The replica's checkpoint round blocks on its copy of the register (held here): it acknowledges nothing newer.
    synchronized (replica.register()) {
      held = replica.register().log().size();
      await("the keeper's register grows past the lagging replica").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            access(keeper);
            return keeper.register().log().size() >= held + 3;
          });
      // Several witness rounds (one a second) with the keeper well ahead of the replica.
      await("the witness stays at what the replica holds").during(Duration.ofSeconds(4))
          .atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200)).until(() -> witnessedSize() <= held);
      keeperSize = keeper.register().log().size();
      assertTrue(keeperSize >= held + 3, keeperSize + " vs " + held);
      assertEquals(held, replica.register().log().size(), "the replica lagged");
    }
    long after = awaitWitnessedWhole();
    assertTrue(after >= keeperSize, "the witness catches up once the replica does: " + after + " < " + keeperSize);
  }

  @Test
  @Order(4)
  void theNextKeeperGoesOnWithTheWitness() throws Exception {
    Node old = keeper();
    long before = awaitWitnessedWhole();
    nodes.remove(old);
    old.gateway().stop().await(30, TimeUnit.SECONDS);
    old.member().close().await(10, TimeUnit.SECONDS);
    Node next = keeper();
    assertTrue(next != old);
    await("the next keeper records the survivors' newer checkpoints").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500)).until(() -> {
          for (Node n : nodes) {
            access(n);
          }
          return next.register().log().size() >= before + 4;
        });
    long after = awaitWitnessedWhole();
    assertTrue(after >= before + 4, "the witness cosigned the next keeper's register: " + before + " -> " + after);
    // The stopped node's log cannot be fetched: the one problem is that it is missing; the witness part verifies.
    String[] v = verify(export(replica(next), "after-failover"), "--witness-key", witnessVkey.toString());
    assertEquals("1", v[0], v[1] + v[2]);
    assertTrue(v[1].contains("cosigned the latest cluster checkpoint (size " + after + ")"), v[1]);
    List<String> problems = v[2].lines().filter(l -> l.startsWith("INVALID")).toList();
    assertEquals(1, problems.size(), v[2]);
    assertTrue(problems.get(0).startsWith("INVALID: node " + old.id() + ": its log is missing from the bundle"),
        problems.get(0));
  }
}
