package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.sumElems;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real models on two sample images from Debian packages (astronaut.png from python3-skimage, messi5.jpg from
 * opencv-doc): the faces are found where expected, and every style leaves nothing a face detector can find.
 */
class SampleImagesTest {
  // Boxes as CenterFace finds them (checked by eye): the redacted box must cover them.
  static final Box ASTRONAUT_FACE = new Box(ObjectKind.FACE, 175, 46, 100, 136, 1f);
  static final Box MESSI_FACE = new Box(ObjectKind.FACE, 226, 94, 33, 38, 1f);
  private static Detectors detectors;

  @BeforeAll
  static void load() throws Exception {
    MovingObjectsFixture.requireSources();
    detectors = Detectors.load(ModelsDir.get());
  }

  @AfterAll
  static void close() {
    detectors.close();
  }

  private static ObjectDetector faceDetector() {
    return detectors.all().stream().filter(d -> d.kind() == ObjectKind.FACE).findFirst().orElseThrow();
  }

  private static RedactionSettings settings() {
    return RedactionSettings.defaults().withDetectionDeadline(Duration.ofSeconds(30));
  }

  @ParameterizedTest
  @ValueSource(strings = {"astronaut", "messi"})
  void theFaceIsFoundAndRedactedAndTheReportNamesTheModels(String name) {
    Box expected = name.equals("astronaut") ? ASTRONAUT_FACE : MESSI_FACE;
    String path = (name.equals("astronaut") ? MovingObjectsFixture.ASTRONAUT : MovingObjectsFixture.MESSI).toString();
    try (Mat image = imread(path); RedactionPipeline pipeline = RedactionPipeline.create(detectors, settings());
        ProcessedFrame out = pipeline.process(image, false)) {
      FrameReport report = out.report();
      assertFalse(report.failSafe(), report.failSafeReason());
      assertTrue(report.faces().stream().anyMatch(b -> MovingObjectsTest.coverage(expected, List.of(b)) >= 0.95),
          "a redacted box covers the face " + expected + ": " + report.faces());
      if (name.equals("astronaut")) {
        // messi5.jpg has advertising boards behind the players: text of plate shape, redacted as plates by design.
        assertEquals(List.of(), report.plates(), "no plate in " + name);
      }
      assertEquals(List.of(CenterFaceDetector.FILE, PlateTextDetector.FILE),
          report.models().stream().map(ModelInfo::name).toList());
      assertEquals(CenterFaceDetector.SHA256, report.models().get(0).sha256());
      assertEquals(PlateTextDetector.SHA256, report.models().get(1).sha256());
    }
  }

  @ParameterizedTest
  @EnumSource(RedactionStyle.class)
  void everyStyleIsIrreversible(RedactionStyle style) {
    try (Mat image = imread(MovingObjectsFixture.ASTRONAUT.toString())) {
      List<Box> before = faceDetector().detect(image);
      assertTrue(before.stream().anyMatch(b -> Boxes.iou(b, ASTRONAUT_FACE) > 0.7),
          "precondition: the face is found before redaction: " + before);
      Box region = Boxes.grow(ASTRONAUT_FACE, 0.2, 0, image.cols(), image.rows());
      try (Mat redacted = image.clone()) {
        RegionRedactor.redact(redacted, region, style);
        List<Box> after = faceDetector().detect(redacted).stream()
            .filter(b -> Boxes.intersection(b, region) > 0.3 * b.area()).toList();
        assertEquals(List.of(), after, style + ": the face detector still finds a face in the redacted region");
        double original = highFrequencyEnergy(image, region);
        double left = highFrequencyEnergy(redacted, region);
        assertTrue(left <= 0.1 * original, style + ": high-frequency energy fell only from " + original + " to " + left);
      }
    }
  }

  /** Sum of the squared Laplacian of the grey image over a region: the fine detail that identifies a face. */
  static double highFrequencyEnergy(Mat bgr, Box region) {
    try (Mat roi = new Mat(bgr, new Rect(region.x(), region.y(), region.w(), region.h())); Mat gray = new Mat();
        Mat lap = new Mat()) {
      cvtColor(roi, gray, COLOR_BGR2GRAY);
      Laplacian(gray, lap, CV_64F);
      return sumElems(lap.mul(lap).asMat()).get(0);
    }
  }
}
