package camgate.gateway.hls;

import camgate.gateway.rtsp.DecodedPictures;
import camgate.gateway.rtsp.ExternalClient;
import camgate.gateway.rtsp.H264Settings;
import camgate.gateway.rtsp.H264Stream;
import camgate.gateway.rtsp.SyntheticCamera;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The segmenter and its transport stream against the same encoder RTSP uses, a synthetic camera (moving shapes, a
 * frame counter) at 10 fps, and FFmpeg as the judge of the MPEG-TS: segments start at keyframes, last one keyframe
 * interval, the window stays bounded, the packets are well formed, and a picture decoded from a segment is the
 * published frame its SEI names.
 */
class HlsSegmenterTest {

  static final Path WORK = Path.of("target", "hls-segmenter").toAbsolutePath();
  private SyntheticCamera camera;
  private H264Stream stream;
  private HlsSegmenter segmenter;
  private final AtomicReference<String> ended = new AtomicReference<>();
  private final HlsSegmenter.Viewer viewer = ended::set;

  @BeforeEach
  void start() {
    ExternalClient.require("ffmpeg", "ffmpeg");
    camera = new SyntheticCamera(320, 240, 10);
    // A keyframe every 500 ms: a window's worth of segments in a few seconds.
    stream = new H264Stream("cam-x/redacted", camera.hub(), new H264Settings(10, 0, Duration.ofMillis(500)));
    segmenter = new HlsSegmenter(stream);
  }

  @AfterEach
  void stop() {
    segmenter.leave(viewer);
    stream.close();
    camera.close();
  }

  @Test
  void segmentsStartAtKeyframesLastOneIntervalAndTheWindowStaysBounded() throws Exception {
    segmenter.join(viewer);
    List<Segment> seen = new ArrayList<>();
    await("more segments than the window holds").atMost(Duration.ofSeconds(40)).until(() -> {
      for (Segment s : segmenter.window()) {
        if (seen.isEmpty() || s.sequence() > seen.get(seen.size() - 1).sequence()) {
          seen.add(s);
        }
      }
      assertTrue(segmenter.window().size() <= HlsSegmenter.WINDOW, "window " + segmenter.window().size());
      return seen.size() > HlsSegmenter.WINDOW + 1;
    });
    List<Segment> window = segmenter.window();
    assertEquals(HlsSegmenter.WINDOW, window.size(), "the window keeps the newest " + HlsSegmenter.WINDOW);
    for (int i = 1; i < window.size(); i++) {
      assertEquals(window.get(i - 1).sequence() + 1, window.get(i).sequence(), "consecutive media sequence numbers");
    }
    for (Segment s : window) {
      // One keyframe interval (500 ms), give or take the capture jitter of one frame (100 ms at 10 fps).
      assertTrue(s.seconds() >= 0.35 && s.seconds() <= 0.65, s + " lasts " + s.seconds() + " s");
      assertTrue(s.pictures() >= 3 && s.pictures() <= 7, s.pictures() + " pictures in " + s);
    }
    byte[] all = concatenate(window);
    TsCheck.Result ts = TsCheck.of(all);
    assertEquals(List.of(), ts.errors(), "transport stream errors");
    assertEquals(window.stream().mapToInt(Segment::pictures).sum(), ts.pictures(), "one PES per picture");
    assertEquals(window.size(), ts.randomAccessPoints(), "each segment opens with a keyframe flagged random access");

    Path file = WORK.resolve("window-" + System.nanoTime() + ".ts");
    Files.createDirectories(WORK);
    Files.write(file, all);
    // The pictures keep the stream's 90 kHz timestamps: the SPS has no frame rate, and FFmpeg's guessed 1/fps time
    // base would round two pictures of a jittery camera to one tick.
    ExternalClient.Run decode = ExternalClient.run(WORK, Duration.ofSeconds(60), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-i", file.toString(), "-vsync", "passthrough", "-enc_time_base", "-1", "-f", "null", "-", "-progress",
        "pipe:1"));
    assertEquals(0, decode.exitCode(), decode.toString());
    assertTrue(decode.stderr().isBlank(), "FFmpeg reported errors in the transport stream: " + decode);
    assertTrue(decode.stdout().contains("frame=" + ts.pictures()), "every picture decodes: " + decode);

    String playlist = HlsPlaylist.media(window);
    assertTrue(playlist.contains("#EXT-X-TARGETDURATION:2\n"), playlist);
    assertTrue(playlist.contains("#EXT-X-MEDIA-SEQUENCE:" + window.get(window.size() - HlsPlaylist.LISTED).sequence()
        + "\n"), playlist);
    assertEquals(HlsPlaylist.LISTED, playlist.split("#EXTINF:", -1).length - 1, playlist);
    assertTrue(playlist.endsWith(window.get(window.size() - 1).name() + "\n"), playlist);
  }

  @Test
  void aPictureDecodedFromASegmentIsThePublishedFrameItsSeiNames() throws Exception {
    segmenter.join(viewer);
    await("two segments").atMost(Duration.ofSeconds(30)).until(() -> segmenter.window().size() >= 2);
    Segment segment = segmenter.window().get(1);
    Path dir = WORK.resolve("same-frame-" + System.nanoTime());
    Files.createDirectories(dir);
    Path ts = dir.resolve(segment.name());
    Files.write(ts, segment.data().getBytes());
    Path bitstream = dir.resolve("segment.h264");
    // FFmpeg demuxes the segment and keeps the H.264 bitstream as sent (SEI included), then decodes it.
    ExternalClient.Run copy = ExternalClient.run(dir, Duration.ofSeconds(30), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-i", ts.toString(), "-c", "copy", "-f", "h264", bitstream.toString()));
    assertEquals(0, copy.exitCode(), copy.toString());
    DecodedPictures decoded = DecodedPictures.of(dir, bitstream);
    assertEquals(segment.pictures(), decoded.pictures().size(), "every picture of the segment decodes");
    assertEquals(segment.firstFrame(), decoded.sequences().get(0), "the segment starts at the frame it says");
    decoded.assertPublished(camera::jpeg, 1, 3);
  }

  @Test
  void theLastViewerLeavingStopsTheEncodingAndFreesTheWindow() {
    segmenter.join(viewer);
    await("a segment").atMost(Duration.ofSeconds(30)).until(() -> !segmenter.window().isEmpty());
    assertEquals(1, stream.subscribers(), "one subscription for the segmenter, however many viewers");
    HlsSegmenter.Viewer second = reason -> { };
    segmenter.join(second);
    assertEquals(1, stream.subscribers());
    segmenter.leave(second);
    segmenter.leave(viewer);
    assertEquals(0, stream.subscribers(), "no viewer, no encoding");
    assertEquals(List.of(), segmenter.window(), "no viewer, no segments kept");
  }

  @Test
  void aCameraGoingDownEndsEveryViewer() {
    segmenter.join(viewer);
    await("a segment").atMost(Duration.ofSeconds(30)).until(() -> !segmenter.window().isEmpty());
    camera.down();
    await("the viewer is told").atMost(Duration.ofSeconds(10)).until(() -> ended.get() != null);
    assertTrue(ended.get().startsWith("camera down"), ended.get());
    assertEquals(0, segmenter.viewers());
    assertEquals(List.of(), segmenter.window());
  }

  static byte[] concatenate(List<Segment> segments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    segments.forEach(s -> out.writeBytes(s.data().getBytes()));
    return out.toByteArray();
  }

  /** Reads back what the muxer wrote: sync bytes, continuity counters per PID, PSI CRCs, a PCR with each PES. */
  static final class TsCheck {
    record Result(List<String> errors, int pictures, int randomAccessPoints) {
    }

    static Result of(byte[] ts) {
      List<String> errors = new ArrayList<>();
      Map<Integer, Integer> counters = new HashMap<>();
      int pictures = 0;
      int randomAccess = 0;
      if (ts.length % TsMuxer.PACKET_SIZE != 0) {
        errors.add("length " + ts.length + " is not a whole number of 188-byte packets");
      }
      for (int o = 0; o + TsMuxer.PACKET_SIZE <= ts.length; o += TsMuxer.PACKET_SIZE) {
        int n = o / TsMuxer.PACKET_SIZE;
        if (ts[o] != 0x47) {
          errors.add("packet " + n + ": no sync byte");
          continue;
        }
        boolean start = (ts[o + 1] & 0x40) != 0;
        int pid = ((ts[o + 1] & 0x1f) << 8) | (ts[o + 2] & 0xff);
        int control = (ts[o + 3] >> 4) & 0x3;
        int counter = ts[o + 3] & 0xf;
        Integer previous = counters.put(pid, counter);
        if (previous != null && counter != ((previous + 1) & 0xf)) {
          errors.add("packet " + n + " PID " + pid + ": continuity counter " + counter + " after " + previous);
        }
        int payload = o + 4;
        boolean pcr = false;
        boolean rai = false;
        if ((control & 0x2) != 0) {
          int length = ts[o + 4] & 0xff;
          if (length > 0) {
            pcr = (ts[o + 5] & 0x10) != 0;
            rai = (ts[o + 5] & 0x40) != 0;
          }
          payload += 1 + length;
        }
        if (pid == 0 || pid == TsMuxer.PMT_PID) {
          int section = payload + 1 + (ts[payload] & 0xff);
          int length = ((ts[section + 1] & 0x0f) << 8) | (ts[section + 2] & 0xff);
          byte[] whole = java.util.Arrays.copyOfRange(ts, section, section + 3 + length);
          if (TsMuxer.crc32(whole, whole.length) != 0) {
            errors.add("packet " + n + " PID " + pid + ": section CRC does not check");
          }
        } else if (pid == TsMuxer.VIDEO_PID && start) {
          pictures++;
          if (!pcr) {
            errors.add("packet " + n + ": a PES starts without a PCR");
          }
          if (rai) {
            randomAccess++;
          }
          if (ts[payload] != 0 || ts[payload + 1] != 0 || ts[payload + 2] != 1 || (ts[payload + 3] & 0xff) != 0xe0) {
            errors.add("packet " + n + ": no PES start code for video stream 0xE0");
          }
        }
      }
      return new Result(errors, pictures, randomAccess);
    }
  }
}
