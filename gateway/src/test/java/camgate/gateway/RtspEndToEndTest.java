package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's RTSP egress through the same access gate as HTTP, played by clients nobody here wrote
 * (FFmpeg's ffprobe and ffmpeg, GStreamer's rtspsrc): Digest login, a decision and a durable entry before
 * media, the redacted picture, refusals, and a policy change that cuts a running session.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RtspEndToEndTest {

  private static final String SECRET = "vms-test-secret";
  private static RtspCamera camera;
  private static TestGateway gw;
  private static String base;

  @BeforeAll
  static void start() throws Exception {
    camera = RtspCamera.serve(TestPaths.ASTRONAUT);
    gw = TestGateway.builder().camera("cam-face", camera.url(), "centre-ville").recheck(Duration.ofSeconds(1))
        .extra("rtsp", new JsonObject().put("port", 0))
        .extra("rtsp_users", new JsonArray().add(TestGateway.rtspUser("vms-1", SECRET, "agent-042")))
        .start();
    gw.awaitLive("cam-face", Duration.ofSeconds(60));
    base = gw.gateway().rtspUrl().orElseThrow().toString();
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

  private static String url(String login, String purpose) {
    return base.replace("rtsp://", "rtsp://" + (login == null ? "" : login + "@"))
        + "/cameras/cam-face?purpose=" + purpose;
  }

  @Test
  @Order(1)
  void ffprobeAndFfmpegPlayTheRedactedViewWithADigestLogin() throws Exception {
    int before = gw.entries().size();
    Run probe = run(30, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
        "-show_entries", "stream=codec_name,width,height", "-of", "default=nw=1",
        url("vms-1:" + SECRET, "securite-voie-publique"));
    assertEquals(0, probe.exit, probe.output);
    assertTrue(probe.output.contains("codec_name=h264"), probe.output);

    Path frame = Files.createTempFile("rtsp-frame", ".png");
    // Five seconds of decoding over TCP, keeping the last picture to look at.
    Run play = run(60, "ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", url("vms-1:" + SECRET,
        "securite-voie-publique"), "-frames:v", "125", "-update", "1", "-y", frame.toString());
    assertEquals(0, play.exit, play.output);
    FaceRedactionTest.assertAstronautRedacted(List.of(frame), "rtsp-ffmpeg-frame.png");

    List<AuditEntry> added = gw.entries().subList(before, gw.entries().size());
    // Each client's first DESCRIBE carries no login (the Digest challenge): refused as anonymous, recorded once
    // per source and minute; then one allowed decision per session.
    List<AuditEntry> decisions = added.stream().filter(e -> e.event().type().equals("access_decision"))
        .filter(e -> !"anonymous".equals(e.event().subject().get("id"))).toList();
    assertEquals(2, decisions.size(), "one decision per RTSP session (ffprobe, ffmpeg)");
    for (AuditEntry d : decisions) {
      assertEquals(Boolean.TRUE, d.event().decision().get("allow"));
      assertEquals("agent-042", d.event().subject().get("id"));
      assertEquals("rtsp", ((java.util.Map<?, ?>) d.event().details().get("request")).get("protocol"));
    }
    await("both sessions' ends").atMost(Duration.ofSeconds(10)).until(() -> gw.entries().stream().skip(before)
        .filter(e -> e.event().type().equals("access_ended")).count() == 2);
    AuditEntry ended = gw.entries().stream().skip(before).filter(e -> e.event().type().equals("access_ended"))
        .reduce((a, b) -> b).orElseThrow();
    assertTrue(((Number) ended.event().details().get("rtp_packets")).longValue() > 50, ended.event().details().toString());
    assertTrue(((Number) ended.event().details().get("bytes")).longValue() > 10_000);
  }

  @Test
  @Order(2)
  void gstreamerPlaysFiveSeconds() throws Exception {
    Run gst = run(60, "gst-launch-1.0", "-e", "rtspsrc", "location=" + url(null, "securite-voie-publique"),
        "protocols=tcp", "user-id=vms-1", "user-pw=" + SECRET, "latency=200", "!", "rtph264depay", "!",
        "avdec_h264", "!", "identity", "eos-after=100", "!", "fakesink");
    assertEquals(0, gst.exit, gst.output);
    assertTrue(gst.output.contains("EOS"), gst.output);
    assertFalse(gst.output.contains("ERROR"), gst.output);
  }

  @Test
  @Order(3)
  void noLoginIsADigestChallengeAndARefusedPurposeIs403WithOneEntry() throws Exception {
    Run anonymous = run(30, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", url(null, "securite-voie-publique"));
    assertNotEquals(0, anonymous.exit);
    assertTrue(anonymous.output.contains("401"), anonymous.output);

    int before = gw.entries().size();
    Run refused = run(30, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", url("vms-1:" + SECRET, "marketing"));
    assertNotEquals(0, refused.exit);
    assertTrue(refused.output.contains("403"), refused.output);
    List<AuditEntry> decisions = gw.entries().stream().skip(before)
        .filter(e -> e.event().type().equals("access_decision")).toList();
    assertEquals(1, decisions.size());
    assertEquals(Boolean.FALSE, decisions.get(0).event().decision().get("allow"));
  }

  @Test
  @Order(4)
  void aPolicyRollbackThatRemovesTheRightCutsTheRunningSession() throws Exception {
    // Version 2 lets cam-face be watched for traffic regulation too; a session opens for that purpose.
    var publisher = gw.gateway().policyPublisher().orElseThrow();
    gw.publishPurpose("cam-face", "regulation-trafic");
    int before = gw.entries().size();
    Process viewer = new ProcessBuilder("ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i",
        url("vms-1:" + SECRET, "regulation-trafic"), "-t", "120", "-f", "null", "-")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      await("the session is admitted").atMost(Duration.ofSeconds(30)).until(() -> gw.entries().stream().skip(before)
          .anyMatch(e -> e.event().type().equals("access_decision")
              && Boolean.TRUE.equals(e.event().decision().get("allow"))));
      // The DPO rolls back to version 1: the next re-check (every second here) cuts the session.
      publisher.rollback(1, "dpo-test", "back to version 1", v -> Future.succeededFuture())
          .await(120, TimeUnit.SECONDS);
      AuditEntry ended = gw.awaitEntry("access_ended", before);
      assertTrue(String.valueOf(ended.event().details().get("reason")).contains("re-check"),
          ended.event().details().toString());
      assertEquals("rtsp", ended.event().details().get("protocol"));
      assertTrue(viewer.waitFor(20, TimeUnit.SECONDS), "the viewer's session was closed");
    } finally {
      viewer.destroyForcibly();
    }
  }

  @Test
  @Order(5)
  void theMetricsRoleReadsPrometheusMetricsAndAnOperatorDoesNot() throws Exception {
    java.net.http.HttpResponse<byte[]> metrics = gw.get("/metrics", TestGateway.METRICS_KEY);
    assertEquals(200, metrics.statusCode(), new String(metrics.body()));
    String text = new String(metrics.body(), StandardCharsets.UTF_8);
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    for (String line : List.of("camgate_camera_frames_total{camera=\"cam-face\"}",
        "camgate_camera_consumers{camera=\"cam-face\",protocol=\"rtsp\"}",
        "camgate_decisions_total{action=\"view_live\",outcome=\"allow\"}", "camgate_bytes_out_bytes_total{protocol=\"rtsp\"}",
        "camgate_audit_append_seconds_count", "camgate_camera_masked_share{camera=\"cam-face\"}",
        "camgate_camera_motion_guard_share{camera=\"cam-face\"}")) {
      assertTrue(text.contains(line), "no " + line + " in\n" + text);
    }
    assertEquals(403, gw.get("/metrics", TestGateway.OPERATOR_KEY).statusCode());
    // The utility cost of redaction, per camera, in the camera list too.
    JsonObject camera = new JsonObject(new String(gw.get("/cameras", TestGateway.OPERATOR_KEY).body()))
        .getJsonArray("cameras").getJsonObject(0);
    double masked = camera.getDouble("masked_share");
    assertTrue(masked > 0 && masked <= 1, "the astronaut's face is masked: " + camera.encode());
    assertTrue(camera.getDouble("motion_guard_share") <= masked, camera.encode());
  }

  @Test
  @Order(6)
  void aSignedUrlFromTheHttpApiPlaysWithFfprobeAndOpensOnlyItsCamera() throws Exception {
    String ask = "/cameras/cam-face/rtsp-url?purpose=securite-voie-publique";
    assertEquals(401, gw.get(ask, null).statusCode(), "the URL is issued to an authenticated subject only");
    assertEquals(403, gw.get("/cameras/cam-face/rtsp-url?purpose=marketing", TestGateway.OPERATOR_KEY).statusCode(),
        "nor for a purpose the policy refuses");
    int before = gw.entries().size();
    java.net.http.HttpResponse<byte[]> issued = gw.get(ask, TestGateway.OPERATOR_KEY);
    assertEquals(200, issued.statusCode(), new String(issued.body(), StandardCharsets.UTF_8));
    JsonObject body = new JsonObject(new String(issued.body(), StandardCharsets.UTF_8));
    String url = body.getString("url");
    assertTrue(url.startsWith(base + "/cameras/cam-face?purpose=securite-voie-publique&token="), url);
    java.time.Instant expires = java.time.Instant.parse(body.getString("expires_at"));
    assertTrue(expires.isAfter(java.time.Instant.now().plusSeconds(60))
        && expires.isBefore(java.time.Instant.now().plusSeconds(301)), "a few minutes: " + expires);

    Run probe = run(30, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
        "-show_entries", "stream=codec_name", "-of", "default=nw=1", url);
    assertEquals(0, probe.exit, probe.output);
    assertTrue(probe.output.contains("codec_name=h264"), probe.output);
    List<AuditEntry> decisions = gw.entries().subList(before, gw.entries().size()).stream()
        .filter(e -> e.event().type().equals("access_decision")).toList();
    assertEquals(List.of("http", "rtsp"), decisions.stream()
        .map(d -> String.valueOf(((java.util.Map<?, ?>) d.event().details().get("request")).get("protocol"))).toList(),
        "the URL's issue and the RTSP session are each decided and recorded");
    for (AuditEntry d : decisions) {
      assertEquals(Boolean.TRUE, d.event().decision().get("allow"));
      assertEquals("agent-042", d.event().subject().get("id"));
    }
    assertFalse(decisions.toString().contains(url.substring(url.indexOf("token=") + 6)), "the token is not logged");

    String token = url.substring(url.indexOf("token=") + 6);
    String claims = token.substring(0, token.indexOf('.'));
    String forged = url.replace(claims, claims.substring(0, claims.length() - 1)
        + (claims.endsWith("A") ? "B" : "A"));
    Run tampered = run(30, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", forged);
    assertTrue(tampered.exit != 0 && tampered.output.contains("401"), "a tampered token: " + tampered.output);
    Run elsewhere = run(30, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
        url.replace("/cameras/cam-face?", "/cameras/cam-gare?"));
    assertTrue(elsewhere.exit != 0 && elsewhere.output.contains("401"), "another camera: " + elsewhere.output);
    Run otherPurpose = run(30, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
        url.replace("purpose=securite-voie-publique", "purpose=regulation-trafic"));
    assertTrue(otherPurpose.exit != 0 && otherPurpose.output.contains("401"), "another purpose: " + otherPurpose.output);
  }

  private record Run(int exit, String output) {
  }

  private static Run run(int seconds, String... command) throws Exception {
    Path log = Files.createTempFile("client", ".log");
    Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    boolean finished = p.waitFor(seconds, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);
    if (!finished) {
      throw new AssertionError(command[0] + " did not finish in " + seconds + " s: " + out);
    }
    return new Run(p.exitValue(), out);
  }
}
