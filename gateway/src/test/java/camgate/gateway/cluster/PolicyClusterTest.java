package camgate.gateway.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.audit.AuditEntry;
import camgate.gateway.ApiKeys;
import camgate.gateway.Gateway;
import camgate.gateway.GatewayConfig;
import camgate.gateway.publish.BundleSigner;
import camgate.gateway.publish.PolicyPublisher;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Three gateways in one JVM, each a clustered Vert.x on its own Hazelcast member (loopback), each with its own
 * OPA loading signed bundles and its own H2 policy store and audit log, no cameras: one signed policy revision
 * for the cluster. A publication on one node returns once every node's OPA reports it active; a node that does
 * not confirm fails it, naming the node, and every node is served the previous revision again; a node that was
 * away catches up before it serves; two publications at once on two nodes: one wins, the other is refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyClusterTest {

  static final String DPO_KEY = "test-key-dpo-cluster";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Path dir;
  static List<Integer> ports = new ArrayList<>();
  static final Node[] nodes = new Node[3];

  /** One node: its cluster membership and its gateway. */
  record Node(String id, Path dir, ClusterNode member, Gateway gateway) {
    PolicyPublisher publisher() {
      return gateway.policyPublisher().orElseThrow();
    }

    URI uri(String path) {
      return gateway.url().resolve(path);
    }

    void stop() throws Exception {
      gateway.stop().await(60, TimeUnit.SECONDS);
      member.close().await(30, TimeUnit.SECONDS);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("camgate-policy-cluster");
    // The cluster's policy key, deployed to every node as an operator would: made once, here.
    BundleSigner.open(TestPaths.opa(), dir.resolve("policy-key.pem"), dir.resolve("policy-key.pub.pem"));
    for (int i = 0; i < 3; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        ports.add(s.getLocalPort());
      }
    }
    List<CompletableFuture<Node>> starting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      starting.add(CompletableFuture.supplyAsync(() -> startNode(n)));
    }
    for (int i = 0; i < 3; i++) {
      nodes[i] = starting.get(i).get(240, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (Node node : nodes) {
      if (node != null) {
        node.stop();
      }
    }
  }

  static Node startNode(int i) {
    try {
      String id = "node-" + (char) ('a' + i);
      Path nodeDir = dir.resolve(id);
      JsonObject json = TestGateway.builder().extra("api_keys", new JsonArray().add(new JsonObject()
          .put("key_sha256", ApiKeys.hash(DPO_KEY))
          .put("subject", new JsonObject().put("id", "dpo-1").put("roles", new JsonArray().add("dpo"))
              .put("org", "ville")))).json(nodeDir);
      json.getJsonObject("opa").put("activation_timeout_ms", 8000);
      json.put("cluster", new JsonObject().put("node_id", id).put("host", "127.0.0.1").put("port", ports.get(i))
          .put("members", new JsonArray(ports.stream().map(p -> "127.0.0.1:" + p).toList()))
          .put("lease_ms", 4000).put("renew_ms", 1000).put("failure_detection_ms", 3000)
          .put("policy_key_file", dir.resolve("policy-key.pem").toString()));
      GatewayConfig config = GatewayConfig.fromJson(json, nodeDir);
      ClusterNode member = ClusterNode.start(config.cluster().get()).await(60, TimeUnit.SECONDS);
      Gateway gateway = Gateway.start(member.vertx(), config, Clock.systemDefaultZone(),
          Optional.of(member.hazelcast())).await(180, TimeUnit.SECONDS);
      return new Node(id, nodeDir, member, gateway);
    } catch (Exception e) {
      throw new IllegalStateException("node " + i + " did not start: " + e, e);
    }
  }

  /** A proposal adding one designated agent: a change no Rego test pins. */
  static JsonObject proposal(Node node, String agent, String reason) throws Exception {
    JsonObject agents = node.publisher().activeWithContent().await(30, TimeUnit.SECONDS).getJsonObject("data")
        .getJsonObject("agents");
    agents.put(agent, agents.getJsonObject("agent-042").copy().put("name", agent + " (test)")
        .put("designation", "arrêté du maire n° TEST-" + agent + " (L252-2)"));
    return new JsonObject().put("data", new JsonObject().put("agents", agents)).put("reason", reason);
  }

  static CompletableFuture<HttpResponse<String>> publish(Node node, JsonObject proposal) {
    return HTTP.sendAsync(HttpRequest.newBuilder(node.uri("/admin/policy/publish"))
        .header("Authorization", "Bearer " + DPO_KEY).timeout(Duration.ofSeconds(120))
        .POST(HttpRequest.BodyPublishers.ofString(proposal.encode())).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Asks the node something the DPO may read: one access decision, recorded in the node's log. */
  static HttpResponse<String> decision(Node node) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(node.uri("/admin/policy/versions"))
        .header("Authorization", "Bearer " + DPO_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static int decide(Node node) throws Exception {
    return decision(node).statusCode();
  }

  static List<AuditEntry> entries(Node node, String type) {
    return node.gateway().auditLog().entries(0, 100_000).stream().filter(e -> e.event().type().equals(type)).toList();
  }

  /** The policy revision the node's latest access decision came from. */
  static String lastDecisionRevision(Node node) {
    List<AuditEntry> decisions = entries(node, "access_decision");
    return decisions.get(decisions.size() - 1).event().policyVersion();
  }

  static String storeRevision(Node node) throws Exception {
    return node.publisher().active().await(10, TimeUnit.SECONDS).revision();
  }

  static boolean activated(Node node, String revision) {
    return entries(node, "policy_activated").stream().anyMatch(e -> revision.equals(e.event().policyVersion()));
  }

  @Test
  @Order(1)
  void aPublicationReturnsOnlyOnceEveryNodeHasItActive() throws Exception {
    String before = nodes[0].publisher().activeRevision();
    for (Node node : nodes) {
      assertEquals(before, node.publisher().activeRevision(), "every node starts on the cluster's revision");
    }
    HttpResponse<String> r = publish(nodes[0], proposal(nodes[0], "agent-901", "designate agent 901"))
        .get(120, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    String revision = new JsonObject(r.body()).getString("revision");
    assertTrue(revision.startsWith("v2-"), revision);
    // No waiting here: the publication returned, so every node's OPA has already reported it active.
    for (Node node : nodes) {
      assertEquals(revision, node.publisher().activeRevision(), node.id() + "'s OPA");
      assertTrue(activated(node, revision), node.id() + " records the revision it activated in its own log");
    }
    assertEquals(200, decide(nodes[1]));
    assertEquals(revision, lastDecisionRevision(nodes[1]), "a decision on another node comes from the new revision");
    assertEquals(1, entries(nodes[0], "policy_published").size(), "the publishing node records the publication");
    assertEquals(0, entries(nodes[1], "policy_published").size());
  }

  @Test
  @Order(2)
  void aNodeThatDoesNotActivateFailsThePublicationAndEveryNodeIsServedThePreviousRevision() throws Exception {
    String previous = nodes[0].publisher().activeRevision();
    Process opaOfB = nodes[1].gateway().opaProcess().orElseThrow().process();
    signal("STOP", opaOfB.pid());
    HttpResponse<String> r;
    try {
      CompletableFuture<HttpResponse<String>> pending = publish(nodes[0],
          proposal(nodes[0], "agent-902", "designate agent 902"));
      // While node-b has not confirmed, node-a's OPA runs the new revision, but node-a does not decide with it.
      await("node-a's OPA on the revision being published").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> pending.isDone() || !nodes[0].publisher().activeRevision().equals(previous));
      assertTrue(!pending.isDone(), "node-b cannot have confirmed: " + (pending.isDone() ? pending.get().body() : ""));
      HttpResponse<String> refused = decision(nodes[0]);
      assertEquals(503, refused.statusCode(), "no decision from a revision not active on every node");
      assertTrue(refused.body().contains("but the cluster's revision is " + previous), refused.body());
      r = pending.get(120, TimeUnit.SECONDS);
    } finally {
      signal("CONT", opaOfB.pid());
    }
    assertEquals(504, r.statusCode(), r.body());
    String error = new JsonObject(r.body()).getString("error");
    assertTrue(error.contains("node node-b did not report v3-"), error);
    assertTrue(!error.contains("node node-a did not") && !error.contains("node node-c did not"), error);
    for (Node node : nodes) {
      assertEquals(previous, storeRevision(node), node.id() + " serves the previous revision again");
      await(node.id() + " back on " + previous).atMost(Duration.ofSeconds(30))
          .until(() -> decide(node) == 200 && previous.equals(lastDecisionRevision(node)));
    }
    assertTrue(entries(nodes[0], "policy_published").size() == 1, "the failed publication is not recorded as one");
  }

  @Test
  @Order(3)
  void aNodeAwayDuringAPublicationCatchesUpBeforeItServes() throws Exception {
    Node c = nodes[2];
    c.stop();
    nodes[2] = null;
    await("node-c gone from the cluster").atMost(Duration.ofSeconds(30))
        .until(() -> ClusterNode.liveNodes(nodes[0].member().hazelcast()).size() == 2);
    HttpResponse<String> r = publish(nodes[0], proposal(nodes[0], "agent-903", "designate agent 903"))
        .get(120, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    String revision = new JsonObject(r.body()).getString("revision");

    nodes[2] = startNode(2);
    Node back = nodes[2];
    assertEquals(revision, back.publisher().activeRevision(), "node-c's OPA is on the cluster's revision once started");
    List<AuditEntry> log = back.gateway().auditLog().entries(0, 100_000);
    AuditEntry caughtUp = log.stream().filter(e -> e.event().type().equals("policy_activated")
        && revision.equals(e.event().policyVersion())).findFirst().orElse(null);
    assertNotNull(caughtUp, "node-c records the revision it caught up to");
    AuditEntry started = log.stream().filter(e -> e.event().action().equals("gateway_start")).reduce((a, b) -> b)
        .orElseThrow();
    assertTrue(caughtUp.seq() < started.seq(), "caught up before it started serving");
    assertEquals(revision, started.event().policyVersion(), "node-c started serving on the cluster's revision");
    assertEquals(200, decide(back));
    assertEquals(revision, lastDecisionRevision(back), "its first decision comes from the cluster's revision");
  }

  @Test
  @Order(4)
  void twoPublicationsAtOnceOnTwoNodesOneWinsTheOtherIsRefused() throws Exception {
    JsonObject onA = proposal(nodes[0], "agent-904", "designate agent 904");
    JsonObject onB = proposal(nodes[1], "agent-905", "designate agent 905");
    CompletableFuture<HttpResponse<String>> a = publish(nodes[0], onA);
    CompletableFuture<HttpResponse<String>> b = publish(nodes[1], onB);
    HttpResponse<String> ra = a.get(120, TimeUnit.SECONDS);
    HttpResponse<String> rb = b.get(120, TimeUnit.SECONDS);
    List<Integer> statuses = List.of(ra.statusCode(), rb.statusCode());
    assertTrue(statuses.contains(200) && statuses.contains(409), ra.body() + " / " + rb.body());
    HttpResponse<String> won = ra.statusCode() == 200 ? ra : rb;
    HttpResponse<String> lost = ra.statusCode() == 200 ? rb : ra;
    assertTrue(new JsonObject(lost.body()).getString("error").contains("is publishing a policy version now"),
        lost.body());
    String revision = new JsonObject(won.body()).getString("revision");
    for (Node node : nodes) {
      assertEquals(revision, node.publisher().activeRevision(), node.id());
      assertEquals(revision, storeRevision(node), node.id());
    }
  }

  @Test
  @Order(5)
  void aRollbackOnAnyNodeGoesTheSameWay() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(nodes[2].uri("/admin/policy/rollback"))
        .header("Authorization", "Bearer " + DPO_KEY).timeout(Duration.ofSeconds(120))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("version", 2)
            .put("reason", "back to agent 901 alone").encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject version = new JsonObject(r.body());
    assertEquals("rollback", version.getString("kind"));
    String revision = version.getString("revision");
    for (Node node : nodes) {
      assertEquals(revision, node.publisher().activeRevision(), node.id());
      assertTrue(activated(node, revision), node.id() + " records the rollback it activated");
    }
    assertEquals(200, decide(nodes[0]));
    assertEquals(revision, lastDecisionRevision(nodes[0]));
  }

  @Test
  @Order(6)
  void aNodeCutOffFromTheMajorityRefusesDecisions() throws Exception {
    Node c = nodes[2];
    assertEquals(200, decide(c));
    for (int i = 0; i < 2; i++) {
      nodes[i].stop();
      nodes[i] = null;
    }
    // The majority could publish without it: it cannot know the cluster's revision any more.
    HttpResponse<String> refused = await("node-c alone refuses decisions").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500)).until(() -> decision(c), r -> r.statusCode() == 503);
    assertTrue(refused.body().contains("with a majority of the cluster's members"), refused.body());
  }

  static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
  }
}
