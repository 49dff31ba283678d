package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.support.Closing;
import camgate.gateway.support.Images;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonObject;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rules AccessDecisionTest does not reach, end to end over HTTP through the real gateway and its real
 * OPA (loaded from the signed bundle): requisitions on the raw view, and plate reading by the municipal
 * police. The vendor's window is in MaintenanceWindowEndToEndTest; destinations and retention in
 * ExportEndToEndTest.
 */
class PolicyRulesEndToEndTest {

  static RtspCamera camera;
  static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    camera = RtspCamera.serve(TestPaths.ASTRONAUT);
    gw = TestGateway.builder().camera("cam-face", camera.url(), "centre-ville").start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closing.all(gw, camera);
  }

  @Test
  void automaticPlateReadingIsRefusedToTheMunicipalPolice() throws Exception {
    // agent-042 is a municipal police officer (police-municipale, kind police_municipale) whose role may view
    // cam-face; naming plate reading (LAPI) as the purpose is what the CNIL refused Valenciennes in 2021.
    HttpResponse<byte[]> r = gw.get("/cameras/cam-face/stream.mjpg?purpose=LAPI", TestGateway.OPERATOR_KEY);
    assertEquals(403, r.statusCode());
    JsonObject body = new JsonObject(new String(r.body()));
    assertTrue(body.getJsonArray("rules").contains("camgate.lapi.municipal_police"), body.encode());
    AuditEntry entry = gw.decisions().get(gw.decisions().size() - 1);
    assertEquals(body.getLong("audit_seq"), entry.seq());
    assertEquals("LAPI", entry.event().details().get("purpose"));
    // The same officer with an authorised purpose is let in: it is the plate reading that is refused.
    gw.awaitLive("cam-face", Duration.ofSeconds(60));
    HttpResponse<byte[]> snapshot = gw.get("/cameras/cam-face/snapshot.jpg?purpose=securite-voie-publique",
        TestGateway.OPERATOR_KEY);
    assertEquals(200, snapshot.statusCode(), new String(snapshot.body()));
    assertEquals(Boolean.TRUE, gw.decisions().get(gw.decisions().size() - 1).event().decision().get("allow"));
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
    Rect inner = FaceRedactionTest.innerFace(original);
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
