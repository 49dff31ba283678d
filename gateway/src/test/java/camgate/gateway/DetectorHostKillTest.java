package camgate.gateway;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.gateway.support.Images;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import camgate.gateway.tools.MjpegReader;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;

/**
 * A gateway whose detector host is killed with SIGKILL, as a native crash in ONNX Runtime or OpenCV would end it:
 * the camera's stream goes on with frames masked whole, never one with the face open, {@code /health} answers
 * throughout, and once the host is back the stream is redacted from detection again.
 */
class DetectorHostKillTest {

  @Test
  void theStreamKeepsServingMaskedFramesWhileTheDetectorHostRestarts() throws Exception {
    Mat original = imread(TestPaths.ASTRONAUT.toString());
    assertFalse(original.empty(), "astronaut.png (Debian python3-skimage) must be installed");
    Rect face = FaceRedactionTest.innerFace(original);
    try (RtspCamera camera = RtspCamera.serve(TestPaths.ASTRONAUT);
         TestGateway gw = TestGateway.builder().camera("cam-face", camera.url(), "centre-ville")
             .isolation("process").start()) {
      gw.awaitLive("cam-face", Duration.ofSeconds(90));
      ProcessHandle host = ProcessHandle.current().children().filter(DetectorHostKillTest::isDetectorHost)
          .findFirst().orElseThrow(() -> new AssertionError("no detector host among this JVM's children"));
      HttpResponse<InputStream> response = gw.open("/cameras/cam-face/stream.mjpg?purpose=securite-voie-publique",
          TestGateway.OPERATOR_KEY);
      assertEquals(200, response.statusCode());
      try (MjpegReader reader = new MjpegReader(response.body())) {
        assertNotNull(reader.firstRedacted(500), "redacted from detection before the kill");

        host.destroyForcibly();
        host.onExit().join();
        int masked = 0;
        int healthChecks = 0;
        boolean back = false;
        long until = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!back && System.nanoTime() < until) {
          MjpegReader.Part part = reader.next();
          assertNotNull(part, "the stream went on while the detector host was down");
          Mat picture = Images.decode(part.jpeg());
          assertTrue(Images.detail(picture, face) < 0.15 * Images.detail(original, face),
              "every frame has the face redacted (fail-safe " + part.failSafe() + ")");
          if (part.failSafe()) {
            masked++;
            if (masked % 10 == 1) {
              HttpResponse<byte[]> health = gw.get("/health", null);
              assertEquals(200, health.statusCode(), "/health answers while the host restarts");
              healthChecks++;
            }
          } else if (masked > 0) {
            back = true;
          }
        }
        assertTrue(masked > 0, "frames were masked whole during the outage");
        assertTrue(healthChecks > 0, "/health was asked during the outage");
        assertTrue(back, "the stream was redacted from detection again after the restart");
      }
      JsonObject health = new JsonObject(new String(gw.get("/health", null).body(), StandardCharsets.UTF_8));
      assertEquals("up", health.getJsonObject("detectors").getString("host"), health.encode());
      assertEquals(1L, health.getJsonObject("detectors").getLong("restarts"), health.encode());
      String metrics = new String(gw.get("/metrics", TestGateway.METRICS_KEY).body(), StandardCharsets.UTF_8);
      assertTrue(List.of(metrics.split("\n")).contains("camgate_detector_host_restarts_total 1.0"), metrics);
    }
  }

  /** Read from /proc: {@code ProcessHandle.Info} gives no command line for one as long as a Maven class path. */
  private static boolean isDetectorHost(ProcessHandle p) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")),
          StandardCharsets.UTF_8).contains("camgate.redaction.DetectorHost");
    } catch (IOException e) {
      return false; // ended meanwhile
    }
  }
}
