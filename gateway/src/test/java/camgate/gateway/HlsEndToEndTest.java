package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.rtsp.ExternalClient;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HLS through the same access gate as MJPEG and RTSP, against a real gateway (real OPA, H2 audit log, an RTSP camera
 * showing the astronaut's face) and a client nobody here wrote (FFmpeg's HLS demuxer): one decision and one entry per
 * viewing session however many requests it makes, the redacted picture, refusals, tokens that die with the access
 * (client end, idle, policy rollback at the re-check).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HlsEndToEndTest {

  private static final int IDLE_S = 4;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static RtspCamera camera;
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    camera = RtspCamera.serve(TestPaths.ASTRONAUT);
    gw = TestGateway.builder().camera("cam-face", camera.url(), "centre-ville").recheck(Duration.ofSeconds(1))
        .extra("hls", new JsonObject().put("idle_s", IDLE_S)).start();
    gw.awaitLive("cam-face", Duration.ofSeconds(60));
    // Past the detector's warm-up, when frames may wait for it: the camera publishes at its own rate.
    var feed = gw.gateway().feeds().get("cam-face");
    await("cam-face at 10 fps or more").atMost(Duration.ofSeconds(60))
        .until(() -> feed.status().framesPerSecond() >= 10);
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

  private static String master(String purpose) {
    return "/cameras/cam-face/hls/index.m3u8?purpose=" + purpose;
  }

  @Test
  @Order(1)
  void ffmpegPlaysFiveSecondsOfTheRedactedViewWithOneDecision() throws Exception {
    int before = gw.entries().size();
    Path dir = Files.createTempDirectory("hls-frames");
    Path received = dir.resolve("received.ts");
    // FFmpeg follows the live playlist for six seconds of the camera's time and keeps what it received; then every
    // picture of it is decoded (apart, so that a machine slower than real time at PNG does not starve the session).
    ExternalClient.Run play = ExternalClient.run(dir, Duration.ofSeconds(90), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-i", gw.uri(master("securite-voie-publique") + "&key=" + TestGateway.OPERATOR_KEY).toString(),
        "-t", "6", "-c", "copy", received.toString(), "-progress", "pipe:1"));
    assertEquals(0, play.exitCode(), play.toString());
    long playedMicros = play.stdout().lines().filter(l -> l.startsWith("out_time_us="))
        .mapToLong(l -> Long.parseLong(l.substring(12).trim())).max().orElse(0);
    assertTrue(playedMicros >= 5_000_000, "at least 5 s received: " + playedMicros + " µs\n" + play + "\n"
        + entries("access_ended", before));
    // The SPS has no frame rate (OpenH264 writes no VUI timing): the pictures keep their own timestamps (vfr).
    ExternalClient.Run decode = ExternalClient.run(dir, Duration.ofSeconds(90), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-i", received.toString(), "-vsync", "vfr", dir.resolve("frame-%04d.png").toString()));
    assertEquals(0, decode.exitCode(), decode.toString());
    assertTrue(decode.stderr().isBlank(), "FFmpeg decoded with errors: " + decode);
    List<Path> pictures;
    try (var files = Files.list(dir)) {
      pictures = files.filter(f -> f.getFileName().toString().startsWith("frame-")).sorted().toList();
    }
    // At whatever rate a loaded machine redacts, 5 pictures a second or more.
    assertTrue(pictures.size() >= 25, pictures.size() + " pictures in " + playedMicros + " µs");
    int frames = pictures.size();
    FaceRedactionTest.assertAstronautRedacted(pictures, "hls-ffmpeg-frame.png");

    List<AuditEntry> decisions = entries("access_decision", before);
    assertEquals(1, decisions.size(), "one decision for the whole viewing session: " + decisions);
    AuditEntry decision = decisions.get(0);
    assertEquals(Boolean.TRUE, decision.event().decision().get("allow"));
    assertEquals("view_live", decision.event().action());
    assertEquals("agent-042", decision.event().subject().get("id"));
    Map<?, ?> request = (Map<?, ?>) decision.event().details().get("request");
    assertEquals("/cameras/cam-face/hls/index.m3u8", request.get("path"), "the token is never in the log");
    // FFmpeg stops asking: the session ends idle, with what it delivered.
    AuditEntry ended = awaitEntry("access_ended", before, Duration.ofSeconds(IDLE_S + 10));
    Map<String, Object> details = ended.event().details();
    assertEquals("hls", details.get("protocol"));
    assertEquals(decision.seq(), ((Number) details.get("decision_seq")).longValue());
    assertTrue(String.valueOf(details.get("reason")).startsWith("idle"), details.toString());
    assertTrue(((Number) details.get("segments")).longValue() >= 3, details.toString());
    assertTrue(((Number) details.get("frames")).longValue() >= frames, details.toString());
    assertTrue(((Number) details.get("bytes")).longValue() > 10_000, details.toString());
    assertEquals(1, entries("access_decision", before).size(), "still one decision");
  }

  @Test
  @Order(2)
  void aRefusedPurposeIs403WithOneEntryAndNoToken() throws Exception {
    int before = gw.entries().size();
    HttpResponse<byte[]> refused = gw.get(master("marketing"), TestGateway.OPERATOR_KEY);
    assertEquals(403, refused.statusCode());
    String body = new String(refused.body(), StandardCharsets.UTF_8);
    assertTrue(body.contains("access denied by policy") && !body.contains("index.m3u8"), body);
    List<AuditEntry> decisions = entries("access_decision", before);
    assertEquals(1, decisions.size());
    assertEquals(Boolean.FALSE, decisions.get(0).event().decision().get("allow"));
    assertEquals(401, gw.get(master("securite-voie-publique"), null).statusCode(), "no key, no session");
  }

  @Test
  @Order(3)
  void aTokenServesItsSessionUntilTheClientEndsItThenNothing() throws Exception {
    int before = gw.entries().size();
    Session session = Session.open("securite-voie-publique");
    HttpResponse<byte[]> playlist = get(session.playlist());
    assertEquals(200, playlist.statusCode());
    String text = new String(playlist.body(), StandardCharsets.UTF_8);
    assertTrue(text.contains("#EXT-X-TARGETDURATION:2") && text.contains("#EXT-X-MEDIA-SEQUENCE:"), text);
    List<String> names = Arrays.stream(text.split("\n")).filter(l -> l.endsWith(".ts")).toList();
    assertTrue(!names.isEmpty(), text);
    HttpResponse<byte[]> segment = get(session.base + names.get(names.size() - 1));
    assertEquals(200, segment.statusCode());
    assertEquals("video/mp2t", segment.headers().firstValue("Content-Type").orElse(""));
    assertEquals(0x47, segment.body()[0], "a transport stream");
    for (int i = 0; i < 5; i++) {
      assertEquals(200, get(session.playlist()).statusCode());
    }
    String metrics = new String(gw.get("/metrics", TestGateway.METRICS_KEY).body(), StandardCharsets.UTF_8);
    assertTrue(metrics.contains("camgate_camera_consumers{camera=\"cam-face\",protocol=\"hls\"} 1"),
        "one HLS session open: " + metrics);
    assertTrue(metrics.contains("camgate_camera_consumers{camera=\"cam-face\",protocol=\"rtsp\"} 0"),
        "the HLS segmenter's subscription is not an RTSP consumer: " + metrics);
    assertEquals(410, get("/cameras/cam-face/hls/" + "A".repeat(43) + "/index.m3u8").statusCode(),
        "a made-up token gets nothing");
    assertEquals(410, get(session.base.replace("cam-face", "cam-demo") + "index.m3u8").statusCode(),
        "a token is good for its own camera only");

    HttpResponse<byte[]> deleted = HTTP.send(HttpRequest.newBuilder(gw.uri(session.base)).DELETE().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(204, deleted.statusCode());
    HttpResponse<byte[]> afterPlaylist = get(session.playlist());
    HttpResponse<byte[]> afterSegment = get(session.base + names.get(names.size() - 1));
    assertEquals(410, afterPlaylist.statusCode());
    assertEquals(410, afterSegment.statusCode());
    assertEquals("application/json", afterSegment.headers().firstValue("Content-Type").orElse(""),
        "no media after the end");
    assertTrue(new JsonObject(new String(afterSegment.body(), StandardCharsets.UTF_8)).getString("error")
        .contains("has ended"));
    AuditEntry ended = awaitEntry("access_ended", before, Duration.ofSeconds(10));
    assertEquals("client ended the session", ended.event().details().get("reason"));
    assertEquals(1L, ((Number) ended.event().details().get("segments")).longValue());
    assertEquals(1, entries("access_decision", before).stream().filter(e -> "view_live".equals(e.event().action()))
        .count(), "one decision however many requests (the other is the metrics reader's)");
  }

  @Test
  @Order(4)
  void aSessionNobodyAsksAnythingOfEndsIdleAndItsTokenDies() throws Exception {
    int before = gw.entries().size();
    Session session = Session.open("securite-voie-publique");
    assertEquals(200, get(session.playlist()).statusCode());
    AuditEntry ended = awaitEntry("access_ended", before, Duration.ofSeconds(IDLE_S + 10));
    assertEquals("idle: no request for " + IDLE_S + " s", ended.event().details().get("reason"));
    assertEquals(410, get(session.playlist()).statusCode());
  }

  @Test
  @Order(5)
  void aPolicyRollbackThatRemovesTheRightEndsTheSessionAtTheRecheck() throws Exception {
    var publisher = gw.gateway().policyPublisher().orElseThrow();
    gw.publishPurpose("cam-face", "regulation-trafic");
    int before = gw.entries().size();
    Session session = Session.open("regulation-trafic");
    assertEquals(200, get(session.playlist()).statusCode());
    // The viewer keeps asking, as a player does, while the DPO rolls back, until its token stops working.
    java.util.concurrent.atomic.AtomicInteger last = new java.util.concurrent.atomic.AtomicInteger();
    var player = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    player.scheduleWithFixedDelay(() -> {
      try {
        last.set(get(session.playlist()).statusCode());
      } catch (Exception e) {
        last.set(-1);
      }
    }, 0, 1, TimeUnit.SECONDS);
    try {
      publisher.rollback(1, "dpo-test", "back to version 1", v -> Future.succeededFuture())
          .await(120, TimeUnit.SECONDS);
      await("the session is cut").atMost(Duration.ofSeconds(20)).until(() -> last.get() == 410);
    } finally {
      player.shutdownNow();
    }
    AuditEntry ended = awaitEntry("access_ended", before, Duration.ofSeconds(10));
    assertTrue(String.valueOf(ended.event().details().get("reason")).contains("re-check"),
        ended.event().details().toString());
    assertEquals("hls", ended.event().details().get("protocol"));
    assertEquals(410, get(session.base + "seg-0.ts").statusCode());
  }

  /** A viewing session opened with the operator's key: its token's base URL. */
  private record Session(String base) {
    static Session open(String purpose) throws Exception {
      HttpResponse<byte[]> master = gw.get(master(purpose), TestGateway.OPERATOR_KEY);
      String text = new String(master.body(), StandardCharsets.UTF_8);
      assertEquals(200, master.statusCode(), text);
      assertEquals("application/vnd.apple.mpegurl", master.headers().firstValue("Content-Type").orElse(""));
      assertTrue(master.headers().firstValue("X-Camgate-Audit-Seq").isPresent());
      String variant = Arrays.stream(text.split("\n")).filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst()
          .orElseThrow(() -> new AssertionError("no variant in " + text));
      assertTrue(variant.matches("[A-Za-z0-9_-]{43}/index\\.m3u8"), variant);
      return new Session("/cameras/cam-face/hls/" + variant.substring(0, 43) + "/");
    }

    String playlist() {
      return base + "index.m3u8";
    }
  }

  /** GET without any credential: only the token in the path. */
  private static HttpResponse<byte[]> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(gw.uri(path).toString())).timeout(Duration.ofSeconds(20))
        .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static List<AuditEntry> entries(String type, int from) {
    return gw.entries().stream().skip(from).filter(e -> e.event().type().equals(type)).toList();
  }

  private static AuditEntry awaitEntry(String type, int from, Duration timeout) {
    return await("a " + type + " entry").atMost(timeout).until(() -> entries(type, from), l -> !l.isEmpty()).get(0);
  }
}
