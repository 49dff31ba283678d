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
  void theRegisterKeyMustBeAReadableFileAndIsNeverMadeUp() throws IOException {
    JsonObject cluster = new JsonObject().put("node_id", "node-1").put("members", new JsonArray().add("127.0.0.1:5701"));
    assertTrue(GatewayConfig.fromJson(new JsonObject().put("cluster", cluster.copy()), BASE).clusterRegisterKey()
        .isEmpty(), "no key, no register");
    Path dir = Files.createTempDirectory("camgate-register-key");
    JsonObject missing = new JsonObject().put("cluster", cluster.copy().put("register_key_file", "register.pem"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.fromJson(missing, dir));
    assertTrue(e.getMessage().contains("cluster.register_key_file " + dir.resolve("register.pem")
        + " is not a readable file"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("register.pem")), "a missing key is not created");
    Files.writeString(dir.resolve("register.pem"), "-----BEGIN PRIVATE KEY-----\n");
    GatewayConfig c = GatewayConfig.fromJson(missing, dir);
    assertEquals(dir.resolve("register.pem"), c.clusterRegisterKey().orElseThrow(), "resolved against the base");
    assertEquals("camgate.local/cluster", c.clusterRegisterOrigin());
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
