package camgate.gateway.publish;

import static org.awaitility.Awaitility.await;
import camgate.audit.AuditEntry;
import camgate.gateway.ApiKeys;
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

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DPO's policy workflow through the real gateway, its real OPA loading signed bundles, and the
 * real H2 policy store and audit log. The tests run in order on one gateway: each builds on the
 * versions the previous ones published.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyWorkflowTest {

  static final String DPO_KEY = "test-key-dpo-1";
  /** Allowed for cam-demo by the initial policy; the proposal withdraws it. */
  static final String WITHDRAWN = "protection-batiments-publics";
  /** Not authorised for cam-demo by the initial policy; the proposal authorises it. */
  static final String ADDED = "regulation-trafic";
  /**
   * The DPO changes cam-demo's purposes (data) and updates the Rego test that pinned them (module):
   * later views of cam-demo for WITHDRAWN flip to deny, for ADDED to allow.
   */
  static final JsonObject PROPOSAL = new JsonObject();
  /** The same data change without the test update: opa test must catch it. */
  static final JsonObject DATA_ONLY = new JsonObject();

  static TestGateway gw;
  @BeforeAll
  static void start() throws Exception {
    JsonArray keys = new JsonArray()
        .add(key(TestGateway.OPERATOR_KEY, "agent-042", "operator", "police-municipale"))
        .add(key(TestGateway.GARE_KEY, "agent-107", "operator", "police-municipale"))
        .add(key(TestGateway.AUDITOR_KEY, "auditor-1", "auditor", "ville"))
        .add(key(DPO_KEY, "dpo-1", "dpo", "ville"));
    gw = TestGateway.builder().camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville")
        .extra("api_keys", keys).start();
    JsonObject cameras = new JsonObject(Files.readString(TestPaths.root().resolve("policies/data/cameras.json")))
        .getJsonObject("cameras");
    cameras.getJsonObject("cam-demo").put("purposes", new JsonArray().add("securite-voie-publique").add(ADDED));
    DATA_ONLY.put("data", new JsonObject().put("cameras", cameras));
    String test = Files.readString(TestPaths.root().resolve("policies/camgate/purposes/purposes_test.rego"));
    assertTrue(test.contains("view(\"" + WITHDRAWN + "\")") && test.contains("view(\"" + ADDED + "\")"),
        "purposes_test.rego changed: adapt this test's proposal");
    String updated = test.replace("view(\"" + WITHDRAWN + "\")", "view(\"@\")")
        .replace("view(\"" + ADDED + "\")", "view(\"" + WITHDRAWN + "\")").replace("view(\"@\")", "view(\"" + ADDED + "\")");
    PROPOSAL.put("data", DATA_ONLY.getJsonObject("data").copy())
        .put("modules", new JsonObject().put("camgate/purposes/purposes_test.rego", updated));
    gw.awaitLive("cam-demo", Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private static JsonObject key(String key, String id, String role, String org) {
    return new JsonObject().put("key_sha256", ApiKeys.hash(key)).put("subject", new JsonObject().put("id", id)
        .put("roles", new JsonArray().add(role)).put("org", org).put("capabilities", new JsonArray().add("display")));
  }

  // ---- helpers ------------------------------------------------------------------------------

  record Answer(int status, JsonObject body) {
  }

  static Answer get(String path, String key) throws Exception {
    HttpResponse<byte[]> r = gw.get(path, key);
    return new Answer(r.statusCode(), new JsonObject(new String(r.body())));
  }

  static Answer post(String path, String key, JsonObject body) throws Exception {
    HttpResponse<byte[]> r = gw.post(path, key, body);
    return new Answer(r.statusCode(), new JsonObject(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Opens agent-042's cam-demo view for a purpose, reads only the headers, closes it. */
  static HttpResponse<InputStream> view(String purpose) throws Exception {
    HttpResponse<InputStream> r = gw.open("/cameras/cam-demo/stream.mjpg?purpose=" + purpose, TestGateway.OPERATOR_KEY);
    r.body().close();
    return r;
  }

  /**
   * Asserts that a view was allowed: its decision entry says so and it is served (200), or, if the
   * test camera happens to be reconnecting, refused only for that (502) after the allowed decision.
   */
  static HttpResponse<InputStream> allowedView(String purpose) throws Exception {
    HttpResponse<InputStream> r = view(purpose);
    assertTrue(r.statusCode() == 200 || r.statusCode() == 502, "allowed view answered " + r.statusCode());
    AuditEntry decision = lastDecision();
    assertEquals(purpose, decision.event().details().get("purpose"));
    assertEquals(Boolean.TRUE, decision.event().decision().get("allow"), decision.event().decision().toString());
    return r;
  }

  static AuditEntry lastDecision() {
    List<AuditEntry> d = gw.decisions();
    return d.get(d.size() - 1);
  }

  static JsonObject activeVersion() throws Exception {
    Answer a = get("/admin/policy", DPO_KEY);
    assertEquals(200, a.status(), a.body().encode());
    return a.body();
  }

  static int versionCount() throws Exception {
    Answer a = get("/admin/policy/versions", DPO_KEY);
    assertEquals(200, a.status(), a.body().encode());
    return a.body().getJsonArray("versions").size();
  }

  static JsonObject opaStatus() throws Exception {
    return gw.gateway().policyPublisher().orElseThrow().bundleStatus().await();
  }

  static JsonObject awaitOpaStatus(Predicate<JsonObject> condition, String what) throws Exception {
    return await("OPA reports " + what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(PolicyWorkflowTest::opaStatus, condition::test);
  }

  static List<AuditEntry> published() {
    return gw.entries().stream().filter(e -> e.event().type().equals("policy_published")).toList();
  }

  // ---- tests --------------------------------------------------------------------------------

  @Test
  @Order(1)
  void theActivePolicyIsReadableByTheDpoAndTheAuditorOnly() throws Exception {
    JsonObject active = activeVersion();
    assertEquals(1, active.getInteger("version"));
    assertEquals("initial", active.getString("kind"));
    assertEquals("camgate-gateway", active.getString("author"));
    assertTrue(active.getString("revision").startsWith("v1-"), active.getString("revision"));
    assertTrue(active.getString("content_hash").startsWith("sha256:"));
    assertTrue(active.getJsonObject("modules").containsKey("camgate/decision.rego"));
    assertTrue(active.getJsonObject("data").getJsonObject("cameras").containsKey("cam-demo"));
    assertEquals(active.getString("revision"), active.getJsonObject("opa").getString("active_revision"),
        "OPA reports the stored active version as its active bundle revision");
    AuditEntry read = lastDecision();
    assertEquals("admin_policy", read.event().action());
    assertEquals(Map.of("policy", "camgate"), read.event().resource());
    assertEquals("read", ((Map<?, ?>) read.event().details().get("context")).get("operation"));

    assertEquals(200, get("/admin/policy", TestGateway.AUDITOR_KEY).status());
    Answer operator = get("/admin/policy", TestGateway.OPERATOR_KEY);
    assertEquals(403, operator.status());
    Answer auditorPublishes = post("/admin/policy/publish", TestGateway.AUDITOR_KEY,
        PROPOSAL.copy().put("reason", "not allowed"));
    assertEquals(403, auditorPublishes.status(), auditorPublishes.body().encode());
    assertTrue(auditorPublishes.body().getJsonArray("rules").contains("camgate.admin.operation_forbidden"));
    assertEquals(1, versionCount());
  }

  @Test
  @Order(2)
  void aBrokenProposalIsRejectedWithOpasErrorAndNothingChanges() throws Exception {
    JsonObject before = activeVersion();
    long publishedBefore = published().size();
    JsonObject broken = new JsonObject().put("modules", new JsonObject()
        .put("camgate/raw/raw.rego", "package camgate.raw\n\ndeny contains x if {\n\tx := \n}\n"));

    Answer proposal = post("/admin/policy/proposals", DPO_KEY, broken);
    assertEquals(422, proposal.status(), proposal.body().encode());
    JsonObject check = proposal.body().getJsonObject("check");
    assertFalse(check.getBoolean("valid"));
    assertFalse(check.getJsonObject("check").getBoolean("ok"));
    assertTrue(check.getJsonObject("check").getString("errors").contains("rego_parse_error"),
        "OPA's own error is returned: " + check.encode());
    assertTrue(check.getJsonObject("check").getString("errors").contains("camgate/raw/raw.rego"),
        "the error names the module: " + check.encode());

    Answer publish = post("/admin/policy/publish", DPO_KEY, broken.copy().put("reason", "try a broken rule"));
    assertEquals(422, publish.status(), publish.body().encode());
    Answer dryRun = post("/admin/policy/dry-run", DPO_KEY, broken);
    assertEquals(422, dryRun.status(), dryRun.body().encode());

    JsonObject after = activeVersion();
    assertEquals(before.getString("revision"), after.getString("revision"));
    assertEquals(before.getString("content_hash"), after.getString("content_hash"));
    assertEquals(before.getJsonObject("modules"), after.getJsonObject("modules"));
    assertEquals(1, versionCount());
    assertEquals(publishedBefore, published().size());
    assertEquals(before.getString("revision"), opaStatus().getString("active_revision"));
  }

  @Test
  @Order(3)
  void aProposalIsTestedWithOpaTest() throws Exception {
    Answer valid = post("/admin/policy/proposals", DPO_KEY, PROPOSAL);
    assertEquals(200, valid.status(), valid.body().encode());
    assertTrue(valid.body().getBoolean("valid"));
    assertTrue(valid.body().getJsonObject("test").getInteger("passed") > 100,
        "the proposal's own tests ran: " + valid.body().encode());
    assertEquals(0, valid.body().getJsonObject("test").getInteger("failed"));

    // The data change alone contradicts the purposes tests: opa test on the proposal says which.
    Answer failing = post("/admin/policy/proposals", DPO_KEY, DATA_ONLY);
    assertEquals(422, failing.status(), failing.body().encode());
    JsonObject test = failing.body().getJsonObject("check").getJsonObject("test");
    assertEquals(Set.of("data.camgate.purposes_test.test_authorised_purpose_allowed",
            "data.camgate.purposes_test.test_legal_purpose_not_authorised_for_camera_denied"),
        test.getJsonArray("failures").stream().map(f -> ((String) f).substring(0, ((String) f).indexOf(' ')))
            .collect(Collectors.toSet()), test.encode());
    assertEquals(2, test.getInteger("failed"));

    // A new camera with a purpose outside the legal list: the proposal's configuration guard refuses it.
    JsonObject cameras = DATA_ONLY.getJsonObject("data").getJsonObject("cameras").copy();
    cameras.put("cam-new", cameras.getJsonObject("cam-demo").copy().put("purposes", new JsonArray().add("marketing")));
    Answer illegal = post("/admin/policy/proposals", DPO_KEY,
        new JsonObject().put("data", new JsonObject().put("cameras", cameras)));
    assertEquals(422, illegal.status(), illegal.body().encode());
    JsonArray violations = illegal.body().getJsonObject("check").getJsonObject("guard").getJsonArray("violations");
    assertTrue(violations.stream().anyMatch(v -> ((String) v).startsWith(
        "[camgate.config.data] camera cam-new has purpose marketing")), violations.encode());

    Answer malformed = post("/admin/policy/proposals", DPO_KEY, new JsonObject().put("modules",
        new JsonObject().put("../escape.rego", "package x")));
    assertEquals(400, malformed.status(), malformed.body().encode());
    assertEquals(1, versionCount());
  }

  @Test
  @Order(4)
  void aDryRunListsExactlyTheDecisionsThatWouldChange() throws Exception {
    allowedView(WITHDRAWN);
    AuditEntry allowed = lastDecision();
    assertEquals(WITHDRAWN, allowed.event().details().get("purpose"));
    assertEquals(403, view(ADDED).statusCode());
    AuditEntry denied = lastDecision();
    assertEquals(ADDED, denied.event().details().get("purpose"));
    // Unchanged under the proposal: must not be listed.
    allowedView("securite-voie-publique");
    assertEquals(403, view("marketing").statusCode());
    assertEquals(403, gw.open("/cameras/cam-demo/stream.mjpg?purpose=" + ADDED, TestGateway.GARE_KEY).statusCode());

    Answer dryRun = post("/admin/policy/dry-run?limit=1000", DPO_KEY, PROPOSAL);
    assertEquals(200, dryRun.status(), dryRun.body().encode());
    JsonObject result = dryRun.body();
    Map<Long, JsonObject> changes = result.getJsonArray("changes").stream().map(o -> (JsonObject) o)
        .collect(Collectors.toMap(c -> c.getLong("seq"), c -> c));
    assertEquals(Set.of(allowed.seq(), denied.seq()), changes.keySet(), "exactly the two flipped decisions: "
        + result.encode());
    JsonObject toDeny = changes.get(allowed.seq());
    assertEquals("allow_to_deny", toDeny.getString("change"));
    assertEquals(new JsonArray().add("camgate.purposes.not_authorised"), toDeny.getJsonArray("rules"));
    assertFalse(toDeny.getJsonObject("after").getBoolean("allow"));
    JsonObject toAllow = changes.get(denied.seq());
    assertEquals("deny_to_allow", toAllow.getString("change"));
    assertEquals(new JsonArray().add("camgate.purposes.not_authorised"), toAllow.getJsonArray("rules"),
        "the rule that denied before and no longer fires");
    assertEquals(1, result.getLong("allow_to_deny"));
    assertEquals(1, result.getLong("deny_to_allow"));
    long opaDecisions = gw.decisions().stream().filter(e -> !e.event().decisionId().isEmpty()
        && e.seq() <= dryRun.body().getLong("audit_seq")).count();
    assertEquals(opaDecisions, result.getLong("replayed").longValue(), "every earlier OPA decision was replayed");
    assertEquals(1, versionCount(), "a dry-run publishes nothing");
  }

  @Test
  @Order(5)
  void publishingChangesLaterDecisionsAndIsAudited() throws Exception {
    String v1 = activeVersion().getString("revision");
    Answer noReason = post("/admin/policy/publish", DPO_KEY, PROPOSAL);
    assertEquals(400, noReason.status(), noReason.body().encode());
    assertTrue(noReason.body().getString("error").contains("reason"));

    Answer publish = post("/admin/policy/publish", DPO_KEY, PROPOSAL.copy().put("reason", "cam-demo now regulates traffic"));
    assertEquals(200, publish.status(), publish.body().encode());
    JsonObject v2 = publish.body();
    assertEquals(2, v2.getInteger("version"));
    assertEquals("dpo-1", v2.getString("author"));
    assertEquals("cam-demo now regulates traffic", v2.getString("reason"));
    assertTrue(v2.getString("revision").startsWith("v2-"));
    assertEquals(v2.getString("revision"), opaStatus().getString("active_revision"),
        "publish returns only once OPA has activated the new revision");

    HttpResponse<InputStream> added = allowedView(ADDED);
    if (added.statusCode() == 200) {
      assertEquals(v2.getString("revision"), added.headers().firstValue("X-Camgate-Policy-Version").orElse(""));
    }
    assertEquals(v2.getString("revision"), lastDecision().event().policyVersion(), "the decision records v2");
    assertEquals(403, view(WITHDRAWN).statusCode());
    assertEquals(v2.getString("revision"), lastDecision().event().policyVersion());

    AuditEntry entry = published().get(published().size() - 1);
    Map<String, Object> d = entry.event().details();
    assertEquals(2, ((Number) d.get("version")).intValue());
    assertEquals(v2.getString("content_hash"), d.get("content_hash"));
    assertEquals("dpo-1", d.get("author"));
    assertEquals("cam-demo now regulates traffic", d.get("reason"));
    assertEquals("publish", d.get("kind"));
    assertEquals(v2.getString("revision"), entry.event().policyVersion());
    assertEquals(v2.getLong("audit_seq"), ((Number) d.get("decision_seq")).longValue(),
        "the publication points at the decision that allowed it");

    JsonObject active = activeVersion();
    assertEquals(2, active.getInteger("version"));
    assertTrue(active.getJsonObject("data").getJsonObject("cameras").getJsonObject("cam-demo")
        .getJsonArray("purposes").contains(ADDED));
    Answer same = post("/admin/policy/publish", DPO_KEY, PROPOSAL.copy().put("reason", "again"));
    assertEquals(409, same.status(), "publishing the active content again changes nothing");
    assertNotEquals(v1, active.getString("revision"));
    assertEquals(2, versionCount());
  }

  @Test
  @Order(6)
  void rollingBackRestoresAnEarlierVersionAsANewOne() throws Exception {
    List<PublishedVersion> before = gw.gateway().policyPublisher().orElseThrow().versions().await();
    String v1Hash = before.get(0).contentHash();
    Answer unknown = post("/admin/policy/rollback", DPO_KEY, new JsonObject().put("version", 42).put("reason", "x"));
    assertEquals(404, unknown.status(), unknown.body().encode());

    Answer rollback = post("/admin/policy/rollback", DPO_KEY,
        new JsonObject().put("version", 1).put("reason", "the swap was a mistake"));
    assertEquals(200, rollback.status(), rollback.body().encode());
    JsonObject v3 = rollback.body();
    assertEquals(3, v3.getInteger("version"));
    assertEquals("rollback", v3.getString("kind"));
    assertEquals(1, v3.getInteger("rolled_back_to"));
    assertEquals(v1Hash, v3.getString("content_hash"), "version 1's content, byte for byte");
    assertTrue(v3.getString("revision").startsWith("v3-"), "a new, higher revision: " + v3.getString("revision"));

    assertEquals(403, view(ADDED).statusCode());
    assertEquals(v3.getString("revision"), lastDecision().event().policyVersion());
    allowedView(WITHDRAWN);

    Map<String, Object> d = published().get(published().size() - 1).event().details();
    assertEquals(3, ((Number) d.get("version")).intValue());
    assertEquals("rollback", d.get("kind"));
    assertEquals(1, ((Number) d.get("rolled_back_to")).intValue());
    assertEquals("the swap was a mistake", d.get("reason"));
    assertEquals(3, versionCount());

    // Every past version stays readable with its content, so the DPO and the auditor can compare any two.
    Answer v1 = get("/admin/policy/versions/1", DPO_KEY);
    Answer v2 = get("/admin/policy/versions/2", DPO_KEY);
    assertEquals(200, v2.status(), v2.body().encode());
    assertEquals(2, v2.body().getInteger("version"));
    assertTrue(v2.body().getJsonObject("data").getJsonObject("cameras").getJsonObject("cam-demo")
        .getJsonArray("purposes").contains(ADDED), "version 2 added the purpose");
    assertFalse(v1.body().getJsonObject("data").getJsonObject("cameras").getJsonObject("cam-demo")
        .getJsonArray("purposes").contains(ADDED), "version 1 did not have it");
    assertEquals(v1Hash, v1.body().getString("content_hash"));
    assertEquals(v1Hash, PolicySet.fromJson(v1.body()).contentHash(), "version 1's content as served hashes to its hash");
    assertEquals(404, get("/admin/policy/versions/99", DPO_KEY).status());
    assertEquals(400, get("/admin/policy/versions/latest", DPO_KEY).status());
    assertEquals(403, get("/admin/policy/versions/1", TestGateway.OPERATOR_KEY).status(), "an operator may not read it");
  }

  @Test
  @Order(7)
  void aBundleWithAMissingOrBadSignatureIsRefusedAndThePreviousStaysActive() throws Exception {
    PolicyPublisher publisher = gw.gateway().policyPublisher().orElseThrow();
    PublishedVersion active = publisher.active().await();
    PolicySet lax = PolicySet.fromJson(activeVersion()).with(PROPOSAL);
    Path work = Files.createTempDirectory("camgate-forged");
    SignedBundle genuine = storedBundle(active.number());
    try {
      // Signed with a key OPA does not trust, bypassing the gateway's signer.
      Path otherKey = work.resolve("other.pem");
      var gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      Files.writeString(otherKey, "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder().encodeToString(gen.generateKeyPair().getPrivate().getEncoded())
          + "\n-----END PRIVATE KEY-----\n");
      serveBypassingTheSigner(active.number(), build(lax, work, "v90-other-key", "--signing-alg", "ES256",
          "--signing-key", otherKey.toString()));
      JsonObject refused = awaitOpaStatus(s -> "bundle_error".equals(s.getString("code"))
          && s.getString("message", "").contains("signature"), "a signature error");
      assertEquals(active.revision(), refused.getString("active_revision"), "the previous bundle stays active");
      assertEquals(403, view(ADDED).statusCode(), "decisions still come from the signed policy");
      assertEquals(active.revision(), lastDecision().event().policyVersion());

      serveBypassingTheSigner(active.number(), build(lax, work, "v91-unsigned"));
      refused = awaitOpaStatus(s -> s.getString("message", "").contains(".signatures.json"), "a missing signature");
      assertEquals(active.revision(), refused.getString("active_revision"));
      assertEquals(403, view(ADDED).statusCode());
      assertEquals(active.revision(), lastDecision().event().policyVersion());
    } finally {
      serveBypassingTheSigner(active.number(), genuine);
      OpaCommand.deleteTree(work);
    }
    awaitOpaStatus(s -> s.getString("code") == null, "the genuine bundle loading cleanly again");
    assertEquals(active.revision(), opaStatus().getString("active_revision"));
  }

  @Test
  @Order(8)
  void anOlderCorrectlySignedBundleReplayedToOpaIsRefusedByTheGateway() throws Exception {
    PolicyPublisher publisher = gw.gateway().policyPublisher().orElseThrow();
    PublishedVersion active = publisher.active().await();
    PublishedVersion v2 = publisher.versions().await().get(1);
    SignedBundle genuine = storedBundle(active.number());
    try {
      // v2 is genuinely signed and OPA accepts it; only the gateway's revision check stops it.
      serveBypassingTheSigner(active.number(), storedBundle(v2.number()));
      awaitOpaStatus(s -> v2.revision().equals(s.getString("active_revision")), "the replayed revision active");
      HttpResponse<InputStream> replayed = view(ADDED);
      assertEquals(503, replayed.statusCode(), "v2 would allow this view, but it is older than v3: fail closed");
      AuditEntry entry = lastDecision();
      assertEquals("unavailable", entry.event().decision().get("outcome"));
      assertTrue(entry.event().decision().get("reasons").toString().contains("older than v3"),
          entry.event().decision().toString());
    } finally {
      serveBypassingTheSigner(active.number(), genuine);
    }
    awaitOpaStatus(s -> active.revision().equals(s.getString("active_revision")), "the current revision back");
    allowedView(WITHDRAWN);
    assertEquals(active.revision(), lastDecision().event().policyVersion());
  }

  @Test
  @Order(9)
  void thePolicySigningKeyIsPrivate() throws Exception {
    Path key = gw.directory().resolve("audit/policy-signing-key.pem");
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
        Files.getPosixFilePermissions(key));
    assertTrue(Files.readString(gw.directory().resolve("audit/policy-signing-key.pub.pem")).contains("PUBLIC KEY"));
  }

  @Test
  @Order(10)
  void publishedVersionsSurviveARestartAndStayInForce() throws Exception {
    PolicyPublisher before = gw.gateway().policyPublisher().orElseThrow();
    PublishedVersion active = before.active().await();
    int versions = before.versions().await().size();
    Path dir = gw.directory();
    gw.close();
    gw = null;
    // Same audit directory (store, keys, audit log), no camera: only the policy side is under test.
    JsonObject json = TestGateway.builder().extra("api_keys", new JsonArray()
        .add(key(DPO_KEY, "dpo-1", "dpo", "ville"))).json(dir);
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      camgate.gateway.Gateway restarted = camgate.gateway.Gateway.start(vertx,
          camgate.gateway.GatewayConfig.fromJson(json, dir), java.time.Clock.systemDefaultZone())
          .await(90, java.util.concurrent.TimeUnit.SECONDS);
      try {
        PolicyPublisher after = restarted.policyPublisher().orElseThrow();
        assertEquals(active, after.active().await(), "the published version is still the active one");
        assertEquals(versions, after.versions().await().size());
        assertEquals(active.revision(), after.bundleStatus().await().getString("active_revision"),
            "OPA loaded the stored version, not the policy folders");
        assertEquals(active.revision(), restarted.policyVersion());
      } finally {
        restarted.stop().await(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  // ---- bypassing the signer -----------------------------------------------------------------

  private static SignedBundle build(PolicySet set, Path work, String revision, String... signing) throws Exception {
    Path stage = Files.createTempDirectory(work, "stage");
    set.writeTo(stage, false);
    Path out = work.resolve(revision + ".tar.gz");
    String[] args = new String[]{"build", "--bundle", ".", "-o", out.toString(), "--revision", revision};
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(signing))
        .toArray(String[]::new);
    OpaCommand build = OpaCommand.run(TestPaths.opa(), stage, Duration.ofSeconds(60), all);
    assertTrue(build.succeeded(), build.output());
    return new SignedBundle(Files.readAllBytes(out));
  }

  private static Connection storeConnection() throws Exception {
    return DriverManager.getConnection(PolicyStore.jdbcUrl(gw.directory().resolve("audit/policy-store")),
        "camgate", "");
  }

  private static SignedBundle storedBundle(int number) throws Exception {
    try (Connection c = storeConnection();
         PreparedStatement ps = c.prepareStatement("SELECT bundle FROM policy_version WHERE number = ?")) {
      ps.setInt(1, number);
      var rs = ps.executeQuery();
      assertTrue(rs.next());
      return new SignedBundle(rs.getBytes(1));
    }
  }

  /** Writes an archive straight into the store row the bundle service serves, as an attacker on the store would. */
  private static void serveBypassingTheSigner(int number, SignedBundle bundle) throws Exception {
    try (Connection c = storeConnection();
         PreparedStatement ps = c.prepareStatement("UPDATE policy_version SET bundle = ? WHERE number = ?")) {
      ps.setBytes(1, bundle.bytes());
      ps.setInt(2, number);
      assertEquals(1, ps.executeUpdate());
    }
  }
}
