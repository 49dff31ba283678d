package camgate.gateway;

import static org.awaitility.Awaitility.await;
import camgate.gateway.camera.CameraStatus;
import camgate.gateway.support.Images;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The camera side: an HTTP MJPEG camera, and an RTSP camera that drops and comes back. */
class CameraSourcesTest {

  private static final String PURPOSE = "?purpose=securite-voie-publique";

  /** A real MJPEG-over-HTTP camera on loopback: another gateway's stream, read by FFmpeg's mpjpeg demuxer. */
  @Test
  void httpMjpegCameraIsIngested() throws Exception {
    try (RtspCamera rtsp = RtspCamera.serve(TestPaths.VTEST);
         TestGateway upstream = TestGateway.builder().camera("cam-demo", rtsp.url(), "centre-ville").start()) {
      upstream.awaitLive("cam-demo", Duration.ofSeconds(60));
      String mjpegUrl = upstream.uri("/cameras/cam-demo/stream.mjpg" + PURPOSE + "&key="
          + URLEncoder.encode(TestGateway.OPERATOR_KEY, StandardCharsets.UTF_8)).toString();
      try (TestGateway gw = TestGateway.builder().camera("cam-demo", mjpegUrl, "centre-ville").start()) {
        gw.awaitLive("cam-demo", Duration.ofSeconds(60));
        HttpResponse<byte[]> snap = gw.get("/cameras/cam-demo/snapshot.jpg" + PURPOSE, TestGateway.OPERATOR_KEY);
        assertEquals(200, snap.statusCode());
        assertEquals(768, Images.decode(snap.body()).cols());
      }
    }
  }

  @Test
  void aCameraThatDropsIsReportedAndReconnected() throws Exception {
    RtspCamera camera = RtspCamera.serve(TestPaths.VTEST);
    int port = camera.port();
    try (TestGateway gw = TestGateway.builder().camera("cam-demo", camera.url(), "centre-ville").start()) {
      gw.awaitLive("cam-demo", Duration.ofSeconds(60));
      HttpResponse<InputStream> stream = gw.open("/cameras/cam-demo/stream.mjpg" + PURPOSE, TestGateway.OPERATOR_KEY);
      assertEquals(200, stream.statusCode());
      MjpegReader reader = new MjpegReader(stream.body());
      assertNotNull(reader.next());

      camera.close();  // the camera goes away

      // The consumer's stream ends (it is not left hanging), and the camera is reported down.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      MjpegReader.Part part;
      do {
        part = reader.next();
      } while (part != null && System.nanoTime() < deadline);
      assertNull(part, "the stream must end when its camera drops");
      awaitState(gw, CameraStatus.State.DOWN);
      HttpResponse<byte[]> refused = gw.get("/cameras/cam-demo/stream.mjpg" + PURPOSE, TestGateway.OPERATOR_KEY);
      assertEquals(502, refused.statusCode());
      assertTrue(new String(refused.body()).contains("\"state\""), "the consumer is told the camera's status");

      camera = RtspCamera.serve(TestPaths.VTEST, port);  // it comes back
      awaitState(gw, CameraStatus.State.LIVE);
      gw.awaitLive("cam-demo", Duration.ofSeconds(60));
      assertEquals(200, gw.get("/cameras/cam-demo/snapshot.jpg" + PURPOSE, TestGateway.OPERATOR_KEY).statusCode());
    } finally {
      camera.close();
    }
  }

  private static void awaitState(TestGateway gw, CameraStatus.State state) {
    await("cam-demo " + state).atMost(Duration.ofSeconds(40))
        .until(() -> gw.gateway().feeds().get("cam-demo").status().state() == state);
  }
}
