package camgate.gateway;

import camgate.gateway.rtsp.DecodedPictures;
import camgate.gateway.rtsp.ExternalClient;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HLS carries exactly the frames MJPEG serves, through both real HTTP paths of a real gateway (a file camera of
 * walking people): a picture decoded from an HLS segment is the MJPEG frame with the sequence number its SEI names.
 */
class HlsSameFramesTest {

  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.builder().camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville").start();
    gw.awaitLive("cam-demo", Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private static List<String> segments(String base) throws Exception {
    String playlist = new String(gw.get(base + "index.m3u8", null).body(), StandardCharsets.UTF_8);
    return Arrays.stream(playlist.split("\n")).filter(l -> l.endsWith(".ts")).toList();
  }

  @Test
  void aPictureFromAnHlsSegmentIsTheMjpegFrameOfItsSequence() throws Exception {
    String query = "?purpose=securite-voie-publique";
    Map<Long, byte[]> mjpeg = new ConcurrentHashMap<>();
    HttpResponse<InputStream> stream = gw.open("/cameras/cam-demo/stream.mjpg" + query, TestGateway.OPERATOR_KEY);
    assertEquals(200, stream.statusCode());
    try (MjpegReader reader = new MjpegReader(stream.body())) {
      // Past the detector's warm-up, whose wholly masked frames all look alike.
      MjpegReader.Part first = reader.firstRedacted(600);
      mjpeg.put(Long.parseLong(first.headers().get("x-frame-sequence")), first.jpeg());
      Thread collector = new Thread(() -> {
        try {
          for (MjpegReader.Part p = reader.next(); p != null; p = reader.next()) {
            mjpeg.put(Long.parseLong(p.headers().get("x-frame-sequence")), p.jpeg());
          }
        } catch (java.io.IOException e) {
          // the stream is closed at the end of the test
        }
      }, "mjpeg-collector");
      collector.setDaemon(true);
      collector.start();

      HttpResponse<byte[]> master = gw.get("/cameras/cam-demo/hls/index.m3u8" + query, TestGateway.OPERATOR_KEY);
      assertEquals(200, master.statusCode());
      String variant = Arrays.stream(new String(master.body(), StandardCharsets.UTF_8).split("\n"))
          .filter(l -> l.endsWith("index.m3u8")).findFirst().orElseThrow();
      String base = "/cameras/cam-demo/hls/" + variant.replace("index.m3u8", "");
      // The session's first segment may begin with a frame the encoder took before the MJPEG collector started
      // (the hub's newest when HLS subscribed): compare the next one, cut wholly after it.
      List<String> firstSegments = segments(base);
      assertTrue(!firstSegments.isEmpty(), "the first playlist lists no segment");
      String later = await("a segment cut after the session's first").atMost(Duration.ofSeconds(15))
          .until(() -> segments(base).stream().filter(name -> !firstSegments.contains(name)).findFirst(),
              Optional::isPresent).orElseThrow();
      HttpResponse<byte[]> segment = gw.get(base + later, null);
      assertEquals(200, segment.statusCode());
      long newest = mjpeg.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
      await("MJPEG frames past the segment's").atMost(Duration.ofSeconds(10))
          .until(() -> mjpeg.keySet().stream().anyMatch(s -> s > newest + 3));

      Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "hls-same-frames");
      Path ts = dir.resolve("segment.ts");
      Files.write(ts, segment.body());
      Path bitstream = dir.resolve("segment.h264");
      ExternalClient.Run copy = ExternalClient.run(dir, Duration.ofSeconds(30), List.of("ffmpeg", "-nostdin", "-v",
          "error", "-i", ts.toString(), "-c", "copy", "-f", "h264", bitstream.toString()));
      assertEquals(0, copy.exitCode(), copy.toString());
      DecodedPictures decoded = DecodedPictures.of(dir, bitstream);
      assertTrue(decoded.pictures().size() >= 5, "a segment of about 2 s: " + decoded.pictures().size());
      // Walking people change little of the picture from one frame to the next: a smaller margin than a test pattern.
      decoded.assertPublished(mjpeg::get, 3, 0.5);
    }
  }
}
