package camgate.gateway;

import static org.awaitility.Awaitility.await;
import camgate.audit.AuditEntry;
import camgate.gateway.support.Images;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonObject;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** All real: GStreamer RTSP camera on loopback → gateway (OPA, H2 audit, detector) → HTTP MJPEG client. */
class StreamEndToEndTest {

  static RtspCamera camera;
  static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    camera = RtspCamera.serve(TestPaths.VTEST);
    gw = TestGateway.builder().camera("cam-demo", camera.url(), "centre-ville").start();
    gw.awaitLive("cam-demo", Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (camera != null) {
      camera.close();
    }
  }

  @Test
  void streamDeliversRedactedJpegFramesThatChangeOverTime() throws Exception {
    int before = gw.decisions().size();
    HttpResponse<InputStream> response = gw.open("/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique",
        TestGateway.OPERATOR_KEY);
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("multipart/x-mixed-replace"));
    List<Mat> frames = new ArrayList<>();
    try (MjpegReader reader = new MjpegReader(response.body())) {
      int parts = 0;
      while (frames.size() < 12 && parts++ < 400) {
        MjpegReader.Part part = reader.next();
        assertNotNull(part, "stream ended early");
        Mat frame = Images.decode(part.jpeg());
        assertEquals(768, frame.cols(), "vtest.avi is 768x576");
        assertEquals(576, frame.rows());
        if (!part.failSafe()) {
          frames.add(frame);
        }
      }
    }
    assertEquals(12, frames.size(), "12 frames past the fail-safe warm-up");
    double change = Images.meanAbsDiff(frames.get(0), frames.get(frames.size() - 1));
    assertTrue(change > 0.5, "pedestrians move: consecutive frames must differ, mean abs diff was " + change);

    List<AuditEntry> decisions = gw.decisions();
    assertEquals(before + 1, decisions.size(), "one decision row per request");
    AuditEntry d = decisions.get(decisions.size() - 1);
    assertEquals("view_live", d.event().action());
    assertEquals(Boolean.TRUE, d.event().decision().get("allow"));
    assertEquals("agent-042", d.event().subject().get("id"));
    assertFalse(d.event().policyVersion().isBlank());
    awaitEnd(d.seq());
  }

  @Test
  void snapshotIsOneRedactedJpeg() throws Exception {
    HttpResponse<byte[]> r = gw.get("/cameras/cam-demo/snapshot.jpg?purpose=securite-voie-publique",
        TestGateway.OPERATOR_KEY);
    assertEquals(200, r.statusCode(), new String(r.body()));
    assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
    assertEquals(768, Images.decode(r.body()).cols());
  }

  @Test
  void cameraListShowsWhatTheSubjectMaySee() throws Exception {
    HttpResponse<byte[]> mine = gw.get("/cameras", TestGateway.OPERATOR_KEY);
    assertEquals(200, mine.statusCode());
    JsonObject body = new JsonObject(new String(mine.body()));
    assertEquals("cam-demo", body.getJsonArray("cameras").getJsonObject(0).getString("id"));
    assertEquals("live", body.getJsonArray("cameras").getJsonObject(0).getJsonObject("status").getString("state"));

    HttpResponse<byte[]> other = gw.get("/cameras", TestGateway.GARE_KEY);
    assertEquals(200, other.statusCode());
    assertTrue(new JsonObject(new String(other.body())).getJsonArray("cameras").isEmpty(),
        "agent-107 works in zone gare: cam-demo is not theirs");
  }

  @Test
  void healthReportsParts() throws Exception {
    HttpResponse<byte[]> r = gw.get("/health", null);
    assertEquals(200, r.statusCode());
    JsonObject body = new JsonObject(new String(r.body()));
    assertEquals("up", body.getString("policy"));
    assertEquals("up", body.getString("audit"));
    assertEquals(1, body.getJsonObject("cameras").getInteger("live"));
  }

  @Test
  void aSlowConsumerDropsFramesAndItsConnectionIsFreedWhenClosed() throws Exception {
    var hub = gw.gateway().feeds().get("cam-demo").redactedHub();
    int consumersBefore = hub.consumers();
    long seqBefore = gw.entries().size();
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(4096);  // a consumer on a thin link that never reads
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", gw.gateway().url().getPort()));
      socket.getOutputStream().write(("GET /cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nAuthorization: Bearer " + TestGateway.OPERATOR_KEY + "\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      await("the stream subscribes").atMost(Duration.ofSeconds(10)).until(() -> hub.consumers() > consumersBefore);
      assertEquals(consumersBefore + 1, hub.consumers(), "the stream subscribed");
      // Wait until far more has been published than the socket buffers and one write queue hold
      // (~1 MiB on loopback here: a few dozen frames), however fast this machine redacts.
      long published = gw.gateway().feeds().get("cam-demo").status().frames();
      await("100 more frames published").atMost(Duration.ofSeconds(90))
          .until(() -> gw.gateway().feeds().get("cam-demo").status().frames() >= published + 100);
    }
    AuditEntry ended = gw.awaitEntry("access_ended", seqBefore);  // closing the connection ends the access
    long sent = ((Number) ended.event().details().get("frames")).longValue();
    long dropped = ((Number) ended.event().details().get("frames_dropped")).longValue();
    assertTrue(dropped > 0, "a consumer that does not read must lose frames, not queue them (sent " + sent + ")");
    assertTrue(dropped > sent, "most frames are dropped for a consumer that never reads: sent " + sent
        + ", dropped " + dropped);
    assertEquals(consumersBefore, hub.consumers(), "a closed connection unsubscribes");
  }

  /** The end of a stream is appended once the client leaves. */
  private static void awaitEnd(long decisionSeq) {
    AuditEntry e = await("the access_ended entry of decision " + decisionSeq).atMost(Duration.ofSeconds(10))
        .until(() -> gw.entries().stream().filter(x -> x.event().type().equals("access_ended")
            && ((Number) x.event().details().get("decision_seq")).longValue() == decisionSeq).findFirst(),
            java.util.Optional::isPresent)
        .get();
    assertTrue(((Number) e.event().details().get("frames")).longValue() >= 12);
    assertTrue(((Number) e.event().details().get("bytes")).longValue() > 0);
  }
}
