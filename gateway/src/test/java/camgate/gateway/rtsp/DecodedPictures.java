package camgate.gateway.rtsp;

import camgate.gateway.support.Images;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongFunction;

import static org.bytedeco.opencv.global.opencv_core.PSNR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pictures of an H.264 bitstream as a client received it, decoded by FFmpeg, each with the frame sequence number
 * its SEI carries: what proves that RTSP and HLS carry exactly the frames the MJPEG path publishes.
 */
public record DecodedPictures(List<Path> pictures, List<Long> sequences) {

  /** Decodes {@code bitstream} (Annex B, as {@code ffmpeg -c copy -f h264} keeps it) into PNGs in {@code dir}. */
  public static DecodedPictures of(Path dir, Path bitstream) throws Exception {
    ExternalClient.Run decode = ExternalClient.run(dir, Duration.ofSeconds(40), List.of("ffmpeg", "-nostdin", "-v",
        "error", "-i", bitstream.toString(), "-vsync", "passthrough", dir.resolve("picture-%03d.png").toString()));
    assertEquals(0, decode.exitCode(), decode.toString());
    List<Long> sequences = NalUnit.splitAnnexB(Files.readAllBytes(bitstream)).stream().map(SequenceSei::parse)
        .filter(OptionalLong::isPresent).map(OptionalLong::getAsLong).toList();
    List<Path> pictures;
    try (var files = Files.list(dir)) {
      pictures = files.filter(f -> f.getFileName().toString().startsWith("picture-")).sorted().toList();
    }
    assertEquals(sequences.size(), pictures.size(), "one sequence SEI per decoded picture");
    return new DecodedPictures(pictures, sequences);
  }

  /**
   * Asserts that every {@code step}-th picture is the published frame its SEI names: at least 30 dB PSNR against it,
   * and closer to it by {@code marginDb} than to each published frame up to two before or after it that the picture
   * can tell apart (one that differs from the named frame more than the picture does). At least one such rival must
   * have been compared, over all the pictures checked.
   *
   * @param published the JPEG published with a sequence number (null when not known)
   */
  public void assertPublished(LongFunction<byte[]> published, int step, double marginDb) {
    int rivals = 0;
    for (int i = 0; i < pictures.size(); i += step) {
      long seq = sequences.get(i);
      byte[] jpeg = published.apply(seq);
      assertNotNull(jpeg, "published frame " + seq + " is not known");
      try (Mat got = imread(pictures.get(i).toString()); Mat sent = Images.decode(jpeg)) {
        double same = PSNR(got, sent);
        assertTrue(same >= 30, "picture " + i + " vs published frame " + seq + ": PSNR " + same + " dB");
        for (long other = seq - 2; other <= seq + 2; other++) {
          byte[] rival = other == seq ? null : published.apply(other);
          if (rival == null) {
            continue;
          }
          try (Mat neighbour = Images.decode(rival)) {
            double psnr = PSNR(got, neighbour);
            double apart = PSNR(sent, neighbour);
            System.out.printf("picture %d = published frame %d: PSNR %.1f dB (frame %d: %.1f dB; frames apart by "
                + "%.1f dB)%n", i, seq, same, other, psnr, apart);
            if (apart < same) {
              rivals++;
              assertTrue(same > psnr + marginDb, "frame " + seq + " matches better (" + same + " dB) than frame "
                  + other + " (" + psnr + " dB), by more than " + marginDb + " dB");
            }
          }
        }
      }
    }
    assertTrue(rivals > 0, "no published frame around the pictures' differed enough from them to compare with");
  }
}
