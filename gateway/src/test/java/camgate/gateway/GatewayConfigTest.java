package camgate.gateway;

import camgate.gateway.policy.OpaProcess;
import camgate.gateway.camera.PrivacyMaskRefresh;
import camgate.redaction.Detectors;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad configuration is refused before anything starts, with a message that says what to fix. */
class GatewayConfigTest {

  private static final Path BASE = Path.of("/srv/camgate");

  private static JsonObject camera(String id) {
    return new JsonObject().put("id", id).put("url", "rtsp://127.0.0.1:8554/" + id).put("zone", "gare");
  }

  @Test
  void theSmallFaceLookIsOnUnlessTurnedOffAndMustBeABoolean() {
    assertTrue(GatewayConfig.fromJson(new JsonObject(), BASE).smallFaceLook(), "privacy first by default");
    JsonObject off = new JsonObject().put("redaction", new JsonObject().put("small_faces", false));
    assertFalse(GatewayConfig.fromJson(off, BASE).smallFaceLook());
    JsonObject wrong = new JsonObject().put("redaction", new JsonObject().put("small_faces", "no"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(wrong, BASE));
    assertTrue(e.getMessage().contains("redaction.small_faces must be true or false"), e.getMessage());
  }

  @Test
  void theDetectionDutyDefaultsToTheLibrarysAndMustBeAFractionAboveZero() {
    assertEquals(Detectors.DEFAULT_DUTY, GatewayConfig.fromJson(new JsonObject(), BASE).detectionDuty());
    JsonObject set = new JsonObject().put("redaction", new JsonObject().put("detection_duty", 0.25));
    assertEquals(0.25, GatewayConfig.fromJson(set, BASE).detectionDuty());
    for (Object wrong : List.of(0, 1.5, -0.1, "half")) {
      JsonObject json = new JsonObject().put("redaction", new JsonObject().put("detection_duty", wrong));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> GatewayConfig.fromJson(json, BASE), "detection_duty " + wrong);
      assertTrue(e.getMessage().contains("redaction.detection_duty must be a number in (0, 1]"), e.getMessage());
    }
  }

  @Test
  void onvifIsOffUnlessConfiguredNeedsRtspAndDiscoveryNamesItsInterface() {
    assertTrue(GatewayConfig.fromJson(new JsonObject(), BASE).onvif().isEmpty());
    JsonObject rtsp = new JsonObject().put("port", 8554);
    JsonArray users = new JsonArray().add(new JsonObject().put("username", "vms-csu").put("secret", "demo")
        .put("subject", new JsonObject().put("id", "vms-csu")));
    JsonObject on = new JsonObject().put("rtsp", rtsp).put("rtsp_users", users).put("onvif", new JsonObject()
        .put("purposes", new JsonObject().put("vms-csu", "securite-voie-publique")));
    var settings = GatewayConfig.fromJson(on, BASE).onvif().orElseThrow();
    assertEquals(java.util.Optional.of("securite-voie-publique"), settings.purposeOf("vms-csu"));
    assertTrue(settings.discovery().isEmpty(), "no WS-Discovery unless an interface is named");
    Map<JsonObject, String> wrong = Map.of(
        new JsonObject().put("onvif", new JsonObject()), "needs an rtsp section",
        new JsonObject().put("rtsp", rtsp).put("onvif", new JsonObject().put("discovery", new JsonObject())),
        "onvif.discovery.interface must name",
        new JsonObject().put("rtsp", rtsp).put("onvif", new JsonObject().put("purposes", "securite")),
        "onvif.purposes must map",
        new JsonObject().put("rtsp", rtsp).put("rtsp_users", users).put("onvif", new JsonObject()
            .put("purposes", new JsonObject().put("vms-typo", "securite-voie-publique"))),
        "'vms-typo', which is not an rtsp_users username");
    wrong.forEach((json, says) -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(json, BASE));
      assertTrue(e.getMessage().contains(says), e.getMessage());
    });
  }

  @Test
  void theDetectorsRunInADetectorHostUnlessInProcessIsAskedFor() {
    assertTrue(GatewayConfig.fromJson(new JsonObject(), BASE).isolatedDetectors(), "a native crash ends the host only");
    JsonObject in = new JsonObject().put("redaction", new JsonObject().put("isolation", "in-process"));
    assertFalse(GatewayConfig.fromJson(in, BASE).isolatedDetectors());
    JsonObject wrong = new JsonObject().put("redaction", new JsonObject().put("isolation", "thread"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(wrong, BASE));
    assertTrue(e.getMessage().contains("redaction.isolation must be \"process\""), e.getMessage());
  }

  @Test
  void opaListensOnItsUnixSocketUnlessTcpIsAskedFor() {
    assertEquals(OpaProcess.Listen.UNIX_SOCKET, GatewayConfig.fromJson(new JsonObject(), BASE).opaListen());
    JsonObject tcp = new JsonObject().put("opa", new JsonObject().put("listen", "tcp"));
    assertEquals(OpaProcess.Listen.TCP_LOOPBACK, GatewayConfig.fromJson(tcp, BASE).opaListen());
    JsonObject wrong = new JsonObject().put("opa", new JsonObject().put("listen", "udp"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(wrong, BASE));
    assertTrue(e.getMessage().contains("opa.listen must be \"unix\""), e.getMessage());
  }

  @Test
  void theRtspTokenKeyIsTheAuditFoldersUnlessAFileIsDeployedWhichMustThenBeReadable() throws IOException {
    GatewayConfig plain = GatewayConfig.fromJson(new JsonObject().put("rtsp", new JsonObject()), BASE);
    assertEquals(plain.auditDirectory().resolve("rtsp-token-key"), plain.rtspTokenKeyFile());
    Path dir = Files.createTempDirectory("camgate-rtsp-key");
    JsonObject missing = new JsonObject().put("rtsp", new JsonObject().put("token_key_file", dir.resolve("k").toString()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(missing, BASE));
    assertTrue(e.getMessage().contains("rtsp.token_key_file") && e.getMessage().contains("not a readable file"),
        e.getMessage());
    Files.writeString(dir.resolve("k"), "c2hhcmVk");
    assertEquals(dir.resolve("k"), GatewayConfig.fromJson(missing, BASE).rtspTokenKeyFile());
  }

  @Test
  void theRegisterKeyMustBeAReadableFileAndIsNeverMadeUp() throws IOException {
    GatewayConfig c = clusterKeyFile("register_key_file", GatewayConfig::clusterRegisterKey);
    assertEquals("camgate.local/cluster", c.clusterRegisterOrigin());
  }

  @Test
  void theRegisterWitnessesAreCheckedBeforeTheStart() throws Exception {
    Path dir = Files.createTempDirectory("camgate-witnesses");
    Files.writeString(dir.resolve("register.pem"), "-----BEGIN PRIVATE KEY-----\n");
    camgate.audit.Witness witness = camgate.audit.Witness.open(dir.resolve("w.pem"), "dpo.example/witness",
        java.util.Map.of(), dir.resolve("w-state"), java.time.Clock.systemUTC());
    String vkey = witness.publicKey().verifierKey();
    Files.writeString(dir.resolve("witness.vkey"), vkey + "\n");
    JsonObject cluster = new JsonObject().put("node_id", "node-1").put("members", new JsonArray().add("127.0.0.1:5701"))
        .put("register_key_file", "register.pem");
    java.util.function.Function<JsonArray, JsonObject> with = w -> new JsonObject().put("cluster",
        cluster.copy().put("witnesses", w));

    GatewayConfig ok = GatewayConfig.fromJson(with.apply(new JsonArray()
        .add(new JsonObject().put("url", "http://10.0.2.5:7380").put("key_file", "witness.vkey"))
        .add(new JsonObject().put("url", "http://10.0.2.6:7380").put("vkey", vkey).put("timeout_ms", 800))), dir);
    List<camgate.gateway.cluster.RegisterWitness> witnesses = ok.clusterWitnesses();
    assertEquals(2, witnesses.size());
    assertEquals("http://10.0.2.5:7380", witnesses.get(0).label());
    assertEquals(vkey, witnesses.get(0).key().key().verifierKey(), "the key file, resolved against the base");
    assertEquals(java.time.Duration.ofMillis(800), witnesses.get(1).timeout());
    assertTrue(GatewayConfig.fromJson(new JsonObject().put("cluster", cluster.copy()), dir).clusterWitnesses()
        .isEmpty());

    java.util.Map<JsonArray, String> wrong = new java.util.LinkedHashMap<>();
    wrong.put(new JsonArray().add(new JsonObject().put("url", "witness:7380").put("vkey", vkey)),
        "cluster.witnesses[0].url 'witness:7380' must be an http(s) URL with a host");
    wrong.put(new JsonArray().add(new JsonObject().put("url", "http://w:7380")),
        "cluster.witnesses[0] needs exactly one of key_file");
    wrong.put(new JsonArray().add(new JsonObject().put("url", "http://w:7380").put("key_file", "nowhere.vkey")),
        "cluster.witnesses[0].key_file " + dir.resolve("nowhere.vkey") + " is not a readable file");
    wrong.put(new JsonArray().add(new JsonObject().put("url", "http://w:7380").put("key_file", "register.pem")),
        "cluster.witnesses[0].key_file " + dir.resolve("register.pem") + " is not a witness key");
    wrong.put(new JsonArray().add(new JsonObject().put("url", "http://w:7380").put("vkey", vkey).put("timeout_ms", 0)),
        "cluster.witnesses[0].timeout_ms must be a positive whole number");
    wrong.put(new JsonArray().add(new JsonObject().put("url", "http://w:7380").put("vkey", vkey))
        .add(new JsonObject().put("url", "http://w:7380").put("vkey", vkey)), "cluster.witnesses[1].url http://w:7380 is"
        + " listed twice");
    wrong.put(new JsonArray().add("http://w:7380"), "cluster.witnesses[0] must be an object");
    for (java.util.Map.Entry<JsonArray, String> w : wrong.entrySet()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> GatewayConfig.fromJson(with.apply(w.getKey()), dir), w.getKey().encode());
      assertTrue(e.getMessage().contains(w.getValue()), e.getMessage());
    }
    JsonObject noRegister = new JsonObject().put("cluster", cluster.copy().put("witnesses", new JsonArray()
        .add(new JsonObject().put("url", "http://w:7380").put("vkey", vkey))));
    noRegister.getJsonObject("cluster").remove("register_key_file");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GatewayConfig.fromJson(noRegister, dir));
    assertTrue(e.getMessage().contains("cluster.witnesses needs cluster.register_key_file"), e.getMessage());
  }

  @Test
  void theClusterPolicyKeyMustBeAReadableFileAndIsNeverMadeUp() throws IOException {
    clusterKeyFile("policy_key_file", GatewayConfig::clusterPolicyKey);
  }

  /** A cluster key file: absent by default, refused while missing (never made up), then resolved against the base. */
  private static GatewayConfig clusterKeyFile(String key, java.util.function.Function<GatewayConfig,
      java.util.Optional<Path>> read) throws IOException {
    JsonObject cluster = new JsonObject().put("node_id", "node-1").put("members", new JsonArray().add("127.0.0.1:5701"));
    assertTrue(read.apply(GatewayConfig.fromJson(new JsonObject().put("cluster", cluster.copy()), BASE)).isEmpty(),
        "no " + key + " by default");
    Path dir = Files.createTempDirectory("camgate-cluster-key");
    JsonObject missing = new JsonObject().put("cluster", cluster.copy().put(key, "key.pem"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(missing, dir));
    assertTrue(e.getMessage().contains("cluster." + key + " " + dir.resolve("key.pem") + " is not a readable file"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("key.pem")), "a missing key is not created");
    Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n");
    GatewayConfig c = GatewayConfig.fromJson(missing, dir);
    assertEquals(dir.resolve("key.pem"), read.apply(c).orElseThrow(), "resolved against the base");
    return c;
  }

  @Test
  void duplicateCameraIdsAreRefused() {
    JsonObject json = new JsonObject().put("cameras", new JsonArray().add(camera("cam-1")).add(camera("cam-1")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(json, BASE));
    assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
  }

  @Test
  void cameraIdsMustBeUrlSafe() {
    JsonObject json = new JsonObject().put("cameras", new JsonArray().add(camera("../etc")));
    assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(json, BASE));
  }

  @Test
  void cameraWithoutZoneIsRefused() {
    JsonObject json = new JsonObject().put("cameras", new JsonArray().add(camera("c").put("zone", null)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(json, BASE));
    assertTrue(e.getMessage().contains("\"zone\""), e.getMessage());
  }

  @Test
  void apiKeysMustBeStoredHashed() {
    JsonObject json = new JsonObject().put("api_keys", new JsonArray().add(new JsonObject()
        .put("key_sha256", "plaintext-key").put("subject", new JsonObject().put("id", "a"))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(json, BASE));
    assertTrue(e.getMessage().contains("sha256sum"), e.getMessage());
  }

  @Test
  void apiKeysAuthenticateByHashAndStayOutOfThePolicyView() {
    JsonObject json = new JsonObject().put("api_keys", new JsonArray().add(new JsonObject()
        .put("key_sha256", ApiKeys.hash("s3cret")).put("subject", new JsonObject().put("id", "agent-042")
            .put("roles", new JsonArray().add("operator")))));
    GatewayConfig config = GatewayConfig.fromJson(json, BASE);
    assertEquals("agent-042", config.apiKeys().authenticate("s3cret").orElseThrow().id());
    assertTrue(config.apiKeys().authenticate("s3cret ").isEmpty());
    assertTrue(config.apiKeys().authenticate(null).isEmpty());
    assertFalse(config.policyView().encode().contains(ApiKeys.hash("s3cret")));
    assertFalse(config.raw().containsKey("api_keys"));
  }

  @Test
  void relativeFilePathsAreTakenFromTheConfigurationFolder() {
    JsonObject json = new JsonObject().put("cameras", new JsonArray().add(new JsonObject().put("id", "f")
        .put("url", "media/clip.avi").put("zone", "z")));
    assertEquals("/srv/camgate/media/clip.avi", GatewayConfig.fromJson(json, BASE).cameras().get(0).url());
  }

  @Test
  void aLoginInACameraUrlIsMovedOutOfItAndOutOfThePolicyView() throws Exception {
    JsonObject json = new JsonObject().put("cameras", new JsonArray()
        .add(new JsonObject().put("id", "a").put("url", "rtsp://admin:pw@10.0.0.17:554/s1").put("zone", "z"))
        .add(new JsonObject().put("id", "b").put("url", "rtsp://10.0.0.18/s1").put("zone", "z")
            .put("credentials", new JsonObject().put("env", "CAM_B_LOGIN"))));
    GatewayConfig config = GatewayConfig.fromJson(json, BASE);
    CameraConfig a = config.cameras().get(0);
    assertEquals("rtsp://10.0.0.17:554/s1", a.url());
    assertEquals("rtsp://10.0.0.17:554", a.publicSource());
    assertEquals("rtsp://admin:pw@10.0.0.17:554/s1", a.urlWithLogin(v -> null));
    assertFalse(a.toString().contains("pw"), a.toString());
    CameraConfig b = config.cameras().get(1);
    assertEquals("rtsp://op:x@10.0.0.18/s1", b.urlWithLogin(v -> v.equals("CAM_B_LOGIN") ? "op:x" : null));
    IOException unset = assertThrows(IOException.class, () -> b.urlWithLogin(v -> null));
    assertTrue(unset.getMessage().contains("CAM_B_LOGIN"), unset.getMessage());
    String view = config.policyView().encode() + config.raw().encode();
    assertFalse(view.contains("admin") || view.contains("10.0.0.17"), view);
  }

  @Test
  void aCameraLoginFileReadableByOthersIsRefused() throws Exception {
    Path f = Files.createTempFile("cam", ".login");
    Files.writeString(f, "op:secret\n");
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    CameraConfig c = new CameraConfig("c", "rtsp://10.0.0.19/s", "z", false, new CameraCredentials.File(f));
    IOException open = assertThrows(IOException.class, () -> c.urlWithLogin(v -> null));
    assertTrue(open.getMessage().contains("chmod 600"), open.getMessage());
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertEquals("rtsp://op:secret@10.0.0.19/s", c.urlWithLogin(v -> null));
  }

  @Test
  void invalidJsonFileNamesTheFile() throws Exception {
    Path f = Files.createTempFile("camgate", ".json");
    Files.writeString(f, "{ cameras: ");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.load(f, BASE));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    Files.delete(f);
  }

  @Test
  void privacyMasksOutsideTheFrameAreRefused() {
    JsonArray masks = new JsonArray().add(new JsonObject().put("label", "door")
        .put("polygon", new JsonArray().add(new JsonArray().add(0.1).add(0.1)).add(new JsonArray().add(1.5).add(0.1))
            .add(new JsonArray().add(0.1).add(0.9))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrivacyMaskRefresh.parse(masks));
    assertTrue(e.getMessage().contains("outside the frame"), e.getMessage());
  }
}
