package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real detectors and the tracker on the moving-object fixture: on no frame may a face or plate be left
 * unredacted, with detection on every other frame only.
 */
class MovingObjectsTest {
  private static final int FRAMES = 40;
  private static Detectors detectors;
  private static List<MovingObjectsFixture.LabelledFrame> frames;

  @BeforeAll
  static void load() throws Exception {
    detectors = Detectors.load(ModelsDir.get());
    frames = MovingObjectsFixture.generate(FRAMES);
  }

  @AfterAll
  static void close() {
    frames.forEach(MovingObjectsFixture.LabelledFrame::close);
    detectors.close();
  }

  /** Fraction of {@code truth} covered by the union of {@code redacted}. */
  static double coverage(Box truth, List<Box> redacted) {
    long covered = 0;
    for (int y = truth.y(); y < truth.y() + truth.h(); y++) {
      for (int x = truth.x(); x < truth.x() + truth.w(); x++) {
        for (Box b : redacted) {
          if (x >= b.x() && x < b.x() + b.w() && y >= b.y() && y < b.y() + b.h()) {
            covered++;
            break;
          }
        }
      }
    }
    return (double) covered / truth.area();
  }

  /** Delegates to a real detector and counts its passes. */
  private record Counting(ObjectDetector inner, AtomicInteger calls) implements ObjectDetector {
    public ObjectKind kind() {
      return inner.kind();
    }

    public ModelInfo model() {
      return inner.model();
    }

    public List<Box> detect(Mat bgr) {
      calls.incrementAndGet();
      return inner.detect(bgr);
    }
  }

  @Test
  void everyFaceAndPlateIsRedactedOnEveryFrameWithDetectionOnEveryOtherFrame() {
    assertEquals(FRAMES, frames.size(), "vtest.avi is long enough");
    AtomicInteger calls = new AtomicInteger();
    List<ObjectDetector> counted = detectors.all().stream()
        .<ObjectDetector>map(d -> new Counting(d, calls)).toList();
    // A generous deadline: this checks coverage, the fail-safe has its own tests; CI machines are slow and shared.
    RedactionSettings settings = RedactionSettings.defaults().withDetectionInterval(2)
        .withDetectionDeadline(Duration.ofSeconds(20));
    List<String> failures = new ArrayList<>();
    int truths = 0;
    try (RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(counted.toArray(ObjectDetector[]::new)),
        settings)) {
      for (MovingObjectsFixture.LabelledFrame f : frames) {
        try (ProcessedFrame out = pipeline.process(f.frame(), false)) {
          for (Box truth : f.truth()) {
            truths++;
            List<Box> redacted = truth.kind() == ObjectKind.FACE ? out.report().faces() : out.report().plates();
            double c = out.report().failSafe() ? 1.0 : coverage(truth, redacted);
            if (c < 0.8) {
              failures.add("frame " + f.index() + ": " + truth + " only " + Math.round(c * 100) + " % redacted");
            }
          }
        }
      }
      RedactionStats stats = pipeline.stats();
      assertEquals(0, stats.failSafeFrames(), "no frame may pass only because it was masked whole");
      assertEquals(FRAMES, stats.frames());
    }
    assertEquals(3 * FRAMES, truths, "each frame carries two faces and a plate");
    assertEquals(List.of(), failures);
    assertEquals(FRAMES / 2 * detectors.all().size(), calls.get(), "detectors run on every other frame");
  }
}
