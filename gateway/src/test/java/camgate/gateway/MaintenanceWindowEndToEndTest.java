package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.support.Closing;
import camgate.gateway.support.Images;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.MutableClock;
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
import java.time.Instant;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vendor's maintenance access through the real gateway and OPA, on the gateway's own clock moved
 * through the city-approved window MW-2031-003 (policies/data/maintenance_windows.json: vendor-acme,
 * cam-demo only, 2031-03-04 08:00–12:00 +01:00). One test walks the timeline because the clock is the
 * gateway's.
 */
class MaintenanceWindowEndToEndTest {

  static RtspCamera camera;
  static TestGateway gw;
  static final MutableClock CLOCK = new MutableClock(Instant.parse("2031-03-04T06:00:00Z"));  // 07:00 +01:00

  @BeforeAll
  static void start() throws Exception {
    camera = RtspCamera.serve(TestPaths.ASTRONAUT);
    gw = TestGateway.builder().camera("cam-demo", camera.url(), "centre-ville").clock(CLOCK).start();
  }

  @AfterAll
  static void stop() throws Exception {
    Closing.all(gw, camera);
  }

  @Test
  void theVendorGetsInOnlyInsideItsApprovedWindowOnlyForScopedCamerasAndOnlyRedacted() throws Exception {
    // 07:00, an hour before the window opens.
    JsonObject early = denied("/maintenance/cameras/cam-demo", "camgate.maintenance.no_window");
    AuditEntry refusal = gw.decisions().get(gw.decisions().size() - 1);
    assertEquals(early.getLong("audit_seq"), refusal.seq());
    assertEquals("maintenance", refusal.event().action());
    assertEquals("vendor-acme", refusal.event().subject().get("id"));

    // 10:00 +01:00: inside the window.
    CLOCK.advance(Duration.ofHours(3));
    HttpResponse<byte[]> ok = gw.get("/maintenance/cameras/cam-demo", TestGateway.VENDOR_KEY);
    assertEquals(200, ok.statusCode(), new String(ok.body()));
    JsonObject diagnostics = new JsonObject(new String(ok.body()));
    assertEquals("cam-demo", diagnostics.getString("camera"));
    assertTrue(diagnostics.getJsonObject("status").containsKey("state"), diagnostics.encode());
    assertTrue(diagnostics.getJsonObject("redaction").containsKey("fail_safe_frames"), diagnostics.encode());
    assertEquals(3600L, diagnostics.getLong("access_ends_in_s"), "capped by settings.max_duration_s.maintenance");

    // Out of scope, or anything but maintenance: refused even inside the window.
    denied("/maintenance/cameras/cam-gare", "camgate.maintenance.out_of_scope");
    denied("/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique", "camgate.maintenance.action_forbidden");
    denied("/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique&raw=1&requisition=REQ-2026-0042",
        "camgate.maintenance.action_forbidden");
    HttpResponse<byte[]> export = gw.post("/cameras/cam-demo/exports", TestGateway.VENDOR_KEY, new JsonObject()
        .put("seconds", 1).put("purpose", "securite-voie-publique").put("retention_days", 1)
        .put("destination", new JsonObject().put("name", "archives-pm").put("url", "https://archives.ville.example/exports/x/")));
    assertEquals(403, export.statusCode());
    assertTrue(new JsonObject(new String(export.body())).getJsonArray("rules")
        .contains("camgate.maintenance.action_forbidden"), new String(export.body()));

    // The maintenance stream is the redacted view: the astronaut's face is pixelated.
    gw.awaitLive("cam-demo", Duration.ofSeconds(60));
    HttpResponse<InputStream> stream = gw.open("/maintenance/cameras/cam-demo/stream.mjpg", TestGateway.VENDOR_KEY);
    assertEquals(200, stream.statusCode());
    Mat frame;
    try (MjpegReader reader = new MjpegReader(stream.body())) {
      frame = Images.decode(reader.firstRedacted(500).jpeg());
    }
    Mat original = imread(TestPaths.ASTRONAUT.toString());
    Rect face = FaceRedactionTest.innerFace(original);
    double before = Images.detail(original, face);
    double after = Images.detail(frame, face);
    assertTrue(after <= 0.10 * before, "maintenance sees the face redacted: detail " + after + " of " + before);

    // 11:30 +01:00: half an hour left, and the access says so.
    CLOCK.advance(Duration.ofMinutes(90));
    JsonObject late = new JsonObject(new String(gw.get("/maintenance/cameras/cam-demo", TestGateway.VENDOR_KEY).body()));
    assertEquals(1800L, late.getLong("access_ends_in_s"), late.encode());

    // 11:59:57 +01:00: a stream opened three seconds before the window closes ends with it.
    CLOCK.advance(Duration.ofMinutes(29).plusSeconds(57));
    long logged = gw.entries().size();
    HttpResponse<InputStream> last = gw.open("/maintenance/cameras/cam-demo/stream.mjpg", TestGateway.VENDOR_KEY);
    assertEquals(200, last.statusCode());
    long opened = System.nanoTime();
    long parts = 0;
    try (MjpegReader reader = new MjpegReader(last.body())) {
      while (reader.next() != null) {
        parts++;
      }
    }
    long seconds = Duration.ofNanos(System.nanoTime() - opened).toSeconds();
    assertTrue(seconds < 30, "the stream ended with the window, after " + seconds + " s and " + parts + " frames");
    AuditEntry ended = gw.awaitEntry("access_ended", logged);
    assertEquals("maintenance", ended.event().action());
    assertTrue(String.valueOf(ended.event().details().get("reason")).contains("authorised duration of 3 s"),
        ended.event().details().toString());

    // 12:59:57 +01:00: the window has closed.
    CLOCK.advance(Duration.ofHours(1));
    denied("/maintenance/cameras/cam-demo", "camgate.maintenance.no_window");
  }

  private static JsonObject denied(String path, String rule) throws Exception {
    HttpResponse<byte[]> r = gw.get(path, TestGateway.VENDOR_KEY);
    assertEquals(403, r.statusCode(), path + ": " + new String(r.body()));
    JsonObject body = new JsonObject(new String(r.body()));
    assertTrue(body.getJsonArray("rules").contains(rule), path + " should be refused by " + rule + ": " + body.encode());
    return body;
  }
}
