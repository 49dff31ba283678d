package camgate.gateway;

import camgate.gateway.support.Images;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import camgate.redaction.Box;
import camgate.redaction.Detectors;
import camgate.redaction.ProcessedFrame;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionSettings;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A face played by a real RTSP camera leaves the gateway redacted; the rest of the picture does not. */
class FaceRedactionTest {

  @Test
  void theFaceIsRedactedAndTheRestOfTheImageIsNot() throws Exception {
    Mat original = imread(TestPaths.ASTRONAUT.toString());
    assertFalse(original.empty(), "astronaut.png (Debian python3-skimage) must be installed");
    List<Box> faces = detectFaces(original);
    assertFalse(faces.isEmpty(), "the detector finds the astronaut's face");
    // The astronaut's face is the most confident box (recall-tuned thresholds may add weaker ones).
    Box face = faces.stream().max(java.util.Comparator.comparingDouble(Box::score)).orElseThrow();
    assertTrue(face.x() < 256 && face.x() + face.w() > 200 && face.y() < 120, "the face is top centre: " + face);

    Mat out;
    try (RtspCamera camera = RtspCamera.serve(TestPaths.ASTRONAUT);
         TestGateway gw = TestGateway.builder().camera("cam-face", camera.url(), "centre-ville").start()) {
      gw.awaitLive("cam-face", Duration.ofSeconds(60));
      HttpResponse<InputStream> response = gw.open("/cameras/cam-face/stream.mjpg?purpose=securite-voie-publique",
          TestGateway.OPERATOR_KEY);
      assertEquals(200, response.statusCode());
      try (MjpegReader reader = new MjpegReader(response.body())) {
        // Past warm-up, then three seconds on: the first frames of a camera also carry the motion guard's
        // mosaic over whatever the encoder was still settling, which is not what this test measures.
        MjpegReader.Part part = reader.firstRedacted(500);
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
          MjpegReader.Part next = reader.next();
          assertTrue(next != null, "the stream ended");
          if (!next.failSafe()) {
            part = next;
          }
        }
        out = Images.decode(part.jpeg());
      }
    }
    // Kept for a person to look at (the issue note links it): target/evidence/face-redacted.jpg
    java.nio.file.Files.createDirectories(java.nio.file.Path.of("target/evidence"));
    org.bytedeco.opencv.global.opencv_imgcodecs.imwrite("target/evidence/face-redacted.jpg", out);
    assertEquals(original.cols(), out.cols());
    assertEquals(original.rows(), out.rows());

    // Inside the redacted box (its rim borders unredacted pixels, which is not detail of the face).
    Rect inner = new Rect(face.x() + face.w() / 8, face.y() + face.h() / 8, face.w() * 3 / 4, face.h() * 3 / 4);
    double before = Images.detail(original, inner);
    double after = Images.detail(out, inner);
    assertTrue(after <= 0.10 * before, "face detail must drop by at least 90 %: before " + before + ", after " + after);

    // The same criterion as the redaction module's SampleImagesTest: a detection that lies mostly (> 30 %) in
    // the face's box is the face found again. At the product's very permissive threshold (0.07) CenterFace also
    // returns faint boxes several times the face's size around any large mosaic; those find no face.
    List<Box> facesInOutput = detectFaces(out);
    for (Box b : facesInOutput) {
      assertFalse(intersection(b, face) > 0.3 * (double) b.w() * b.h(),
          "the detector still finds a face in the redacted region: " + b + " (face " + face + ")");
    }

    // Away from the face (the lower left: suit and flag), the picture is the camera's, give or take H.264.
    Rect away = new Rect(0, 320, 180, 180);
    for (Box b : faces) {
      assertFalse(b.x() < 180 && b.y() + b.h() > 320, "comparison region must be clear of every detection: " + b);
    }
    double diff = Images.meanAbsDiff(new Mat(original, away), new Mat(out, away));
    assertTrue(diff < 12, "the rest of the image must not be redacted: mean abs diff " + diff);
    assertTrue(Images.detail(out, away) > 0.3 * Images.detail(original, away), "detail kept away from the face");
  }

  static double intersection(Box a, Box b) {
    double w = Math.min(a.x() + a.w(), b.x() + b.w()) - Math.max(a.x(), b.x());
    double h = Math.min(a.y() + a.h(), b.y() + b.h()) - Math.max(a.y(), b.y());
    return w > 0 && h > 0 ? w * h : 0;
  }

  /** The inner three quarters of the most confident face the product finds in an image: surely face, no margin. */
  /**
   * Asserts that every picture a client decoded from the astronaut camera has the face pixelated (top centre), and
   * that at least one keeps the detail of the suit and flag (lower left): not only wholly masked fail-safe frames.
   * Keeps the last such picture in target/evidence/{name}.
   */
  static void assertAstronautRedacted(List<Path> frames, String name) throws Exception {
    Mat original = imread(TestPaths.ASTRONAUT.toString());
    Rect face = innerFace(original);
    Rect away = new Rect(0, 320, 180, 180);
    Path detailed = null;
    assertFalse(frames.isEmpty(), "no picture decoded");
    for (Path frame : frames) {
      Mat picture = imread(frame.toString());
      assertEquals(original.cols(), picture.cols());
      assertTrue(Images.detail(picture, face) < 0.15 * Images.detail(original, face), "the face is redacted in "
          + frame);
      if (Images.detail(picture, away) > 0.3 * Images.detail(original, away)) {
        detailed = frame;
      }
    }
    assertTrue(detailed != null, "not only fully masked frames, in " + frames.size());
    Files.createDirectories(Path.of("target/evidence"));
    Files.copy(detailed, Path.of("target/evidence", name), StandardCopyOption.REPLACE_EXISTING);
  }

  static Rect innerFace(Mat image) throws Exception {
    Box face = detectFaces(image).stream().max(java.util.Comparator.comparingDouble(Box::score)).orElseThrow(
        () -> new AssertionError("the face detector finds no face in the test image"));
    return new Rect(face.x() + face.w() / 8, face.y() + face.h() / 8, face.w() * 3 / 4, face.h() * 3 / 4);
  }

  /** Runs the product's face detection on one image, with a deadline long enough that the fail-safe never fires. */
  static List<Box> detectFaces(Mat image) throws Exception {
    try (Detectors detectors = Detectors.load(TestPaths.models());
         RedactionPipeline pipeline = RedactionPipeline.create(detectors,
             RedactionSettings.defaults().withDetectionDeadline(Duration.ofSeconds(60)));
         ProcessedFrame processed = pipeline.process(image, false)) {
      assertFalse(processed.report().failSafe(), processed.report().failSafeReason());
      return processed.report().faces();
    }
  }
}
