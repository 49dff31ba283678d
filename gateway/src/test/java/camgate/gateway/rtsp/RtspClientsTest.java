package camgate.gateway.rtsp;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RTSP server against real clients nobody here wrote (FFmpeg's ffprobe and ffmpeg, GStreamer's rtspsrc, VLC),
 * on loopback, with a synthetic 320x240 camera at 10 fps and a test access port.
 */
class RtspClientsTest {

  static final Path WORK = Path.of("target", "rtsp-clients").toAbsolutePath();
  static Vertx vertx;
  static SyntheticCamera camera;
  static H264Stream stream;
  static TestAccessPort access;
  static RtspServer server;

  @BeforeAll
  static void start() throws Exception {
    ExternalClient.require("ffprobe", "ffmpeg");
    vertx = Vertx.vertx();
    camera = new SyntheticCamera(320, 240, 10);
    stream = new H264Stream("cam-x/redacted", camera.hub(), H264Settings.forRate(10));
    access = new TestAccessPort(stream);
    server = new RtspServer(access, RtspServerConfig.of("127.0.0.1", 0));
    vertx.deployVerticle(server).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (stream != null) {
      stream.close();
    }
    if (camera != null) {
      camera.close();
    }
  }

  static String url(String path) {
    return "rtsp://127.0.0.1:" + server.actualPort() + path;
  }

  static TestAccessPort.End endOf(TestAccessPort.TestGrant grant) throws Exception {
    TestAccessPort.End end = grant.firstEnd.get(10, TimeUnit.SECONDS);
    Thread.sleep(200); // a second, wrong call to ended() would come right after the first
    assertEquals(1, grant.ends.size(), "ended() must be called exactly once: " + grant.ends);
    return end;
  }

  @Test
  void ffprobeSeesH264AtTheCameraSize() throws Exception {
    int before = access.grants.size();
    ExternalClient.Run run = ExternalClient.run(WORK, Duration.ofSeconds(30), List.of("ffprobe", "-v", "error",
        "-rtsp_transport", "tcp", "-select_streams", "v:0", "-show_entries", "stream=codec_name,profile,width,height",
        "-of", "default=nw=1", url("/cameras/cam-x?purpose=p")));
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.stdout().contains("codec_name=h264"), run.toString());
    assertTrue(run.stdout().contains("width=320") && run.stdout().contains("height=240"), run.toString());
    assertTrue(run.stdout().contains("Baseline"), "constrained baseline profile expected: " + run);
    TestAccessPort.TestGrant grant = access.grants.get(before);
    assertEquals("cam-x", grant.request.cameraId());
    assertEquals(RtspProfile.REDACTED, grant.request.profile());
    assertEquals("p", grant.request.purpose().orElseThrow());
    assertEquals("DESCRIBE", grant.request.method());
    assertEquals("127.0.0.1", grant.request.clientAddress());
    endOf(grant);
  }

  @Test
  void ffmpegDecodesFiveSecondsWithoutErrors() throws Exception {
    int before = access.grants.size();
    ExternalClient.Run run = ExternalClient.run(WORK, Duration.ofSeconds(40), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-rtsp_transport", "tcp", "-i", url("/cameras/cam-x?purpose=p"), "-t", "5", "-f", "null", "-",
        "-progress", "pipe:1"));
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.stderr().isBlank(), "ffmpeg reported errors: " + run);
    int frames = ExternalClient.lastFrameCount(run.stdout());
    assertTrue(frames >= 45, "5 s at 10 fps should decode about 50 frames, got " + frames + "\n" + run);
    TestAccessPort.End end = endOf(access.grants.get(before));
    assertTrue(end.reason().equals("teardown") || end.reason().equals("disconnected"), end.toString());
    assertTrue(end.packets() >= frames, "at least one RTP packet per frame: " + end);
    assertTrue(end.bytes() > end.packets() * RtpPacketizer.HEADER_SIZE, end.toString());
  }

  @Test
  void describeWithoutCredentialsIsChallengedAndFfmpegPassesDigest() throws Exception {
    try (RtspTestClient client = new RtspTestClient(server.actualPort())) {
      RtspTestClient.Answer a = client.send("DESCRIBE", url("/cameras/cam-auth?purpose=p"), "Accept: application/sdp");
      assertEquals(401, a.status());
      assertTrue(a.header("WWW-Authenticate").startsWith("Digest realm=\"camgate\", nonce=\""),
          a.header("WWW-Authenticate"));
    }
    int before = access.grants.size();
    String withUser = url("/cameras/cam-auth?purpose=p").replace("rtsp://", "rtsp://user:secret@");
    ExternalClient.Run run = ExternalClient.run(WORK, Duration.ofSeconds(30), List.of("ffprobe", "-v", "error",
        "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name", "-of", "default=nw=1", withUser));
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.stdout().contains("codec_name=h264"), run.toString());
    TestAccessPort.TestGrant grant = access.grants.get(before);
    assertTrue(grant.request.authorization().orElseThrow().startsWith("Digest username=\"user\""),
        grant.request.authorization().toString());
    endOf(grant);

    ExternalClient.Run wrong = ExternalClient.run(WORK, Duration.ofSeconds(30), List.of("ffprobe", "-v", "error",
        "-rtsp_transport", "tcp", url("/cameras/cam-auth?purpose=p").replace("rtsp://", "rtsp://user:wrong@")));
    assertTrue(wrong.exitCode() != 0 && wrong.stderr().contains("401"), wrong.toString());
  }

  @Test
  void deniedAccessIs403AndNoRtpFlows() throws Exception {
    try (RtspTestClient client = new RtspTestClient(server.actualPort())) {
      RtspTestClient.Answer describe = client.send("DESCRIBE", url("/cameras/cam-denied?purpose=p"));
      assertEquals(403, describe.status());
      assertTrue(describe.body().contains("not allowed"), describe.body());
      RtspTestClient.Answer setup = client.send("SETUP", url("/cameras/cam-denied/trackID=0?purpose=p"),
          "Transport: RTP/AVP/TCP;unicast;interleaved=0-1");
      assertEquals(403, setup.status(), "SETUP without DESCRIBE is admitted (and refused) the same way");
      RtspTestClient.Answer play = client.send("PLAY", url("/cameras/cam-denied?purpose=p"), "Session: 1234");
      assertEquals(454, play.status());
      assertEquals(0, client.countFrames(1000), "no RTP after a refusal");
    }
    ExternalClient.Run run = ExternalClient.run(WORK, Duration.ofSeconds(30), List.of("ffprobe", "-v", "error",
        "-rtsp_transport", "tcp", url("/cameras/cam-denied?purpose=p")));
    assertTrue(run.exitCode() != 0 && run.stderr().contains("403"), run.toString());
  }

  @Test
  void protocolErrorsHaveTheirStatus() throws Exception {
    try (RtspTestClient client = new RtspTestClient(server.actualPort())) {
      RtspTestClient.Answer options = client.send("OPTIONS", url("/cameras/cam-x?purpose=p"));
      assertEquals(200, options.status());
      assertTrue(options.header("Public").contains("GET_PARAMETER"), options.header("Public"));
      assertEquals(404, client.send("DESCRIBE", url("/elsewhere")).status());
      assertEquals(404, client.send("DESCRIBE", url("/cameras/cam-none?purpose=p")).status());
      assertEquals(454, client.send("TEARDOWN", url("/cameras/cam-x?purpose=p"), "Session: nope").status());
      assertEquals(461, client.send("SETUP", url("/cameras/cam-x/trackID=0?purpose=p"),
          "Transport: RTP/AVP;multicast;port=5000-5001").status());
      assertEquals(501, client.send("FROB", url("/cameras/cam-x?purpose=p")).status());
      assertEquals(405, client.send("RECORD", url("/cameras/cam-x?purpose=p")).status());
    }
  }

  @Test
  void aCutEndsTheSessionAndTheClientSeesIt() throws Exception {
    try (RtspTestClient client = new RtspTestClient(server.actualPort())) {
      String presentation = url("/cameras/cam-x?purpose=p");
      RtspTestClient.Answer describe = client.send("DESCRIBE", presentation);
      assertEquals(200, describe.status());
      assertTrue(describe.body().contains("sprop-parameter-sets="), describe.body());
      TestAccessPort.TestGrant grant = access.lastGrant();
      RtspTestClient.Answer setup = client.send("SETUP", RtspResource.trackUrl(presentation),
          "Transport: RTP/AVP/TCP;unicast;interleaved=0-1");
      assertEquals(200, setup.status());
      String session = setup.header("Session").split(";")[0];
      assertTrue(setup.header("Session").contains("timeout=60"), setup.header("Session"));
      RtspTestClient.Answer play = client.send("PLAY", presentation, "Session: " + session);
      assertEquals(200, play.status());
      assertTrue(client.countFrames(1500) > 5, "RTP flows after PLAY");
      grant.cut("policy re-check: purpose no longer allowed");
      assertTrue(client.closedWithin(5000), "the server closes the connection after a cut");
      TestAccessPort.End end = endOf(grant);
      assertEquals("cut: policy re-check: purpose no longer allowed", end.reason());
      assertTrue(end.packets() > 5, end.toString());
    }
  }

  @Test
  void keepAliveAndTeardownEndTheSessionOnce() throws Exception {
    try (RtspTestClient client = new RtspTestClient(server.actualPort())) {
      String presentation = url("/cameras/cam-x?purpose=p");
      assertEquals(200, client.send("DESCRIBE", presentation).status());
      TestAccessPort.TestGrant grant = access.lastGrant();
      RtspTestClient.Answer setup = client.send("SETUP", RtspResource.trackUrl(presentation),
          "Transport: RTP/AVP/TCP;unicast;interleaved=0-1");
      String session = setup.header("Session").split(";")[0];
      assertEquals(200, client.send("PLAY", presentation, "Session: " + session).status());
      assertEquals(200, client.send("GET_PARAMETER", presentation, "Session: " + session).status());
      assertEquals(200, client.send("TEARDOWN", presentation, "Session: " + session).status());
      assertEquals(454, client.send("PLAY", presentation, "Session: " + session).status());
      TestAccessPort.End end = endOf(grant);
      assertEquals("teardown", end.reason());
      assertFalse(client.closedWithin(300), "a TEARDOWN leaves the connection to the client");
    }
  }

  @Test
  void gstreamerRtspsrcDecodesFiveSeconds() throws Exception {
    ExternalClient.require("gst-launch-1.0", "gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-libav");
    int before = access.grants.size();
    // identity stops the pipeline with EOS after 50 decoded pictures: 5 s at 10 fps.
    ExternalClient.Run run = ExternalClient.run(WORK, Duration.ofSeconds(40), List.of("gst-launch-1.0", "-e",
        "rtspsrc", "location=" + url("/cameras/cam-x?purpose=p"), "protocols=tcp", "latency=200", "!",
        "rtph264depay", "!", "avdec_h264", "!", "identity", "eos-after=50", "silent=false", "!", "fakesink"));
    assertEquals(0, run.exitCode(), run.toString());
    assertFalse(run.stdout().contains("ERROR") || run.stderr().contains("ERROR"), run.toString());
    assertTrue(run.stdout().contains("Got EOS"), run.toString());
    assertTrue(run.took().toMillis() >= 4000, "50 pictures at 10 fps take about 5 s: " + run.took());
    endOf(access.grants.get(before));
  }

  @Test
  void vlcPlaysFiveSeconds() throws Exception {
    ExternalClient.require("cvlc", "vlc-bin vlc-plugin-base");
    Path dir = WORK.resolve("vlc");
    java.nio.file.Files.createDirectories(dir);
    dir.toFile().setWritable(true, false); // VLC runs as nobody when the tests run as root
    List<String> asUser = "root".equals(System.getProperty("user.name"))
        ? List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups") : List.of();
    java.util.Map<String, String> env = java.util.Map.of("HOME", dir.toString());
    List<String> list = new java.util.ArrayList<>(asUser);
    list.addAll(List.of("cvlc", "--list"));
    ExternalClient.Run modules = ExternalClient.run(dir, Duration.ofSeconds(30), list, env);
    // Debian 12's VLC 3.0.24 is built with --disable-live555, and Debian ships no live555 plugin for it
    // ('apt-cache policy vlc-plugin-live555' finds no such package in bookworm or bookworm-security). Without it
    // VLC 3.0 has no RTSP client for H.264: its own rtp module takes a dynamic payload type only as Theora or as a
    // raw byte stream for a demuxer (not RFC 6184 packets), its satip access wants MPEG-TS, and its avio access
    // opens FFmpeg's byte-stream protocols, not RTSP. Run where a VLC with live555 is installed.
    org.junit.jupiter.api.Assumptions.assumeTrue(modules.stdout().contains("live555"),
        "this VLC has no live555 module ('cvlc --list' lists none; Debian builds VLC with --disable-live555 and "
            + "'apt-cache policy vlc-plugin-live555' finds no package), so it cannot play RTSP/H.264");
    Path ts = dir.resolve("out.ts");
    java.nio.file.Files.deleteIfExists(ts);
    List<String> command = new java.util.ArrayList<>(asUser);
    command.addAll(List.of("cvlc", "--intf", "dummy", "--rtsp-tcp", url("/cameras/cam-x?purpose=p"),
        "--run-time", "6", "--sout", "#std{access=file,mux=ts,dst=" + ts + "}", "vlc://quit"));
    ExternalClient.Run run = ExternalClient.run(dir, Duration.ofSeconds(40), command, env);
    assertEquals(0, run.exitCode(), run.toString());
    ExternalClient.Run probe = ExternalClient.run(WORK, Duration.ofSeconds(30), List.of("ffprobe", "-v", "error",
        "-show_entries", "stream=codec_name,width,height", "-of", "default=nw=1", ts.toString()));
    assertTrue(probe.stdout().contains("codec_name=h264") && probe.stdout().contains("width=320"), probe.toString());
  }

  @Test
  void aPictureReceivedOverRtspIsTheFramePublishedWithItsSequence() throws Exception {
    Path dir = WORK.resolve("same-frame-" + System.nanoTime());
    java.nio.file.Files.createDirectories(dir);
    Path bitstream = dir.resolve("received.h264");
    // ffmpeg receives over RTSP and keeps the H.264 bitstream as sent (SEI with the sequence numbers included).
    ExternalClient.Run receive = ExternalClient.run(dir, Duration.ofSeconds(40), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-rtsp_transport", "tcp", "-i", url("/cameras/cam-x?purpose=p"), "-frames:v", "20", "-c", "copy",
        "-f", "h264", bitstream.toString()));
    assertEquals(0, receive.exitCode(), receive.toString());
    DecodedPictures decoded = DecodedPictures.of(dir, bitstream);
    assertTrue(decoded.pictures().size() >= 15, "about 20 pictures: " + decoded.pictures().size());
    decoded.assertPublished(camera::jpeg, 4, 3);
  }

  @Test
  void udpTransportDecodes() throws Exception {
    int before = access.grants.size();
    ExternalClient.Run run = ExternalClient.run(WORK, Duration.ofSeconds(40), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-rtsp_transport", "udp", "-i", url("/cameras/cam-x?purpose=p"), "-t", "3", "-f", "null", "-",
        "-progress", "pipe:1"));
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(ExternalClient.lastFrameCount(run.stdout()) >= 25, run.toString());
    assertTrue(endOf(access.grants.get(before)).packets() > 25);
  }

  @Test
  void aSilentClientTimesOut() throws Exception {
    RtspServer quick = new RtspServer(access, RtspServerConfig.of("127.0.0.1", 0)
        .withSessionTimeout(Duration.ofSeconds(2)));
    String deployment = vertx.deployVerticle(quick).toCompletionStage().toCompletableFuture().get(10,
        TimeUnit.SECONDS);
    try (RtspTestClient client = new RtspTestClient(quick.actualPort())) {
      String presentation = "rtsp://127.0.0.1:" + quick.actualPort() + "/cameras/cam-x?purpose=p";
      assertEquals(200, client.send("DESCRIBE", presentation).status());
      TestAccessPort.TestGrant grant = access.lastGrant();
      RtspTestClient.Answer setup = client.send("SETUP", RtspResource.trackUrl(presentation),
          "Transport: RTP/AVP/TCP;unicast;interleaved=0-1");
      assertTrue(setup.header("Session").endsWith(";timeout=2"), setup.header("Session"));
      assertEquals(200, client.send("PLAY", presentation, "Session: " + setup.header("Session").split(";")[0])
          .status());
      assertTrue(client.closedWithin(8000), "the server closes a session nobody keeps alive");
      assertEquals("session timeout", endOf(grant).reason());
    } finally {
      vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
