package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.policy.PolicyDecision;
import camgate.gateway.policy.PolicyDecisionClient;
import camgate.gateway.support.Images;
import camgate.gateway.support.MjpegReader;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import camgate.redaction.Box;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules AccessDecisionTest does not reach, end to end through the real gateway and its real OPA
 * (loaded from the signed bundle): requisitions on the raw view over HTTP; the vendor window and
 * export destinations through the gateway's {@link PolicyDecisionClient} against the gateway's own OPA,
 * because the gateway has no maintenance or export endpoint yet.
 */
class PolicyRulesEndToEndTest {

  static final String VENDOR_KEY = "test-key-vendor-acme";
  static RtspCamera camera;
  static TestGateway gw;
  static Vertx vertx;
  static PolicyDecisionClient decisions;

  @BeforeAll
  static void start() throws Exception {
    camera = RtspCamera.serve(TestPaths.ASTRONAUT);
    gw = TestGateway.builder().camera("cam-face", camera.url(), "centre-ville").start();
    vertx = Vertx.vertx();
    decisions = new PolicyDecisionClient(WebClient.create(vertx), () -> gw.gateway().opaUrl(), Duration.ofSeconds(5),
        () -> "unknown");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (gw != null) {
        gw.close();
      }
      if (vertx != null) {
        vertx.close().await();
      }
    } finally {
      if (camera != null) {
        camera.close();
      }
    }
  }

  private static PolicyDecision decide(JsonObject subject, String action, JsonObject context) {
    JsonObject input = new JsonObject().put("subject", subject).put("action", action)
        .put("resource", new JsonObject().put("camera", "cam-demo").put("zone", "centre-ville"))
        .put("context", context.put("client", new JsonObject().put("ip", "127.0.0.1")));
    return decisions.decide(input).await();
  }

  private static JsonObject subject(String id, String role, String org) {
    return new JsonObject().put("id", id).put("roles", new JsonArray().add(role)).put("org", org)
        .put("capabilities", new JsonArray());
  }

  @Test
  void aVendorOutsideItsMaintenanceWindowIsDenied() {
    JsonObject vendor = subject("vendor-acme", "vendor", "acme-safe-city");
    PolicyDecision now = decide(vendor, "maintenance", new JsonObject().put("time", OffsetDateTime.now().toString()));
    assertFalse(now.allowed(), now.reasons().toString());
    assertEquals(List.of("camgate.maintenance.no_window"), now.rules());
    assertTrue(now.policyVersion().startsWith("v1-"), "decided by the signed bundle: " + now.policyVersion());
    // The same request inside the approved window MW-2031-003 is allowed, capped at the window's end.
    PolicyDecision inside = decide(vendor, "maintenance", new JsonObject().put("time", "2031-03-04T11:00:00+01:00"));
    assertTrue(inside.allowed(), inside.reasons().toString());
    assertEquals(Duration.ofHours(1), inside.maxDuration().orElseThrow());
  }

  @Test
  void anExportToADestinationResemblingAGovernmentDatabaseIsDenied() {
    JsonObject operator = subject("agent-042", "operator", "police-municipale");
    JsonObject taj = new JsonObject().put("name", "relais TAJ").put("url", "https://archives.ville.example/exports/taj/");
    PolicyDecision denied = decide(operator, "export_clip", new JsonObject().put("time", OffsetDateTime.now().toString())
        .put("purpose", "securite-voie-publique").put("retention_days", 30).put("destination", taj));
    assertFalse(denied.allowed());
    assertEquals(List.of("camgate.destinations.government_database"), denied.rules(), denied.reasons().toString());
    assertTrue(denied.reasons().get(0).contains("TAJ"), denied.reasons().toString());
    // The same export to the allow-listed archive without the government file's name is allowed.
    JsonObject archive = new JsonObject().put("name", "archives-pm").put("url", "https://archives.ville.example/exports/pv-1234/");
    PolicyDecision allowed = decide(operator, "export_clip", new JsonObject().put("time", OffsetDateTime.now().toString())
        .put("purpose", "securite-voie-publique").put("retention_days", 30).put("destination", archive));
    assertTrue(allowed.allowed(), allowed.reasons().toString());
  }

  @Test
  void aRawViewUnderAnExpiredRequisitionIsDenied() throws Exception {
    HttpResponse<byte[]> r = gw.get("/cameras/cam-face/stream.mjpg?purpose=securite-voie-publique&raw=1"
        + "&requisition=REQ-2026-0007", TestGateway.OPERATOR_KEY);
    assertEquals(403, r.statusCode());
    JsonObject body = new JsonObject(new String(r.body()));
    assertTrue(body.getJsonArray("rules").contains("camgate.raw.not_in_force"), body.encode());
    AuditEntry entry = gw.decisions().get(gw.decisions().size() - 1);
    assertEquals(body.getLong("audit_seq"), entry.seq());
    assertEquals("view_raw", entry.event().action());
    assertEquals("REQ-2026-0007", entry.event().details().get("requisition"));
  }

  @Test
  void aRawViewUnderAValidRequisitionServesTheFaceUnredacted() throws Exception {
    Mat original = imread(TestPaths.ASTRONAUT.toString());
    Box face = FaceRedactionTest.detectFaces(original).stream()
        .max(java.util.Comparator.comparingDouble(Box::score)).orElseThrow();
    Rect inner = new Rect(face.x() + face.w() / 8, face.y() + face.h() / 8, face.w() * 3 / 4, face.h() * 3 / 4);
    gw.awaitLive("cam-face", Duration.ofSeconds(60));

    Mat raw = firstFrame("/cameras/cam-face/stream.mjpg?purpose=securite-voie-publique&raw=1"
        + "&requisition=REQ-2026-0042", "view_raw");
    AuditEntry entry = gw.decisions().get(gw.decisions().size() - 1);
    assertEquals(Boolean.TRUE, entry.event().decision().get("allow"));
    assertEquals(Map.of("faces", false, "plates", false), entry.event().decision().get("redact"));
    assertEquals(1800L, ((Number) entry.event().decision().get("max_duration_s")).longValue(),
        "capped by the requisition's max_duration_s");

    Mat redacted = firstFrame("/cameras/cam-face/stream.mjpg?purpose=securite-voie-publique", "view_live");
    double before = Images.detail(original, inner);
    double rawDetail = Images.detail(raw, inner);
    double redactedDetail = Images.detail(redacted, inner);
    assertTrue(rawDetail > 0.5 * before, "the raw view keeps the face: detail " + rawDetail + " of " + before);
    assertTrue(redactedDetail <= 0.10 * before, "the live view still redacts it: detail " + redactedDetail);
  }

  /** The first frame past the detector's warm-up of a stream, after checking its decision entry's action. */
  private static Mat firstFrame(String path, String action) throws Exception {
    HttpResponse<InputStream> response = gw.open(path, TestGateway.OPERATOR_KEY);
    assertEquals(200, response.statusCode());
    assertEquals(action, gw.decisions().get(gw.decisions().size() - 1).event().action());
    try (MjpegReader reader = new MjpegReader(response.body())) {
      return Images.decode(reader.firstRedacted(500).jpeg());
    }
  }
}
