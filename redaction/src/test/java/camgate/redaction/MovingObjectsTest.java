package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real detectors, the tracker and the motion guard on the moving-object fixture: on no frame may a face or plate
 * be left unredacted while detection runs behind, on a few frames only.
 */
class MovingObjectsTest {
  private static final int FRAMES = 40;
  /** The staleness bound tracking alone is held to: objects of the fixture move up to 8 px per frame. */
  private static final int TRACKED_STALE_FRAMES = 3;
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

  /** Delegates to a real detector and records the frames it looked at (one Mat a pass, shared by the detectors). */
  private record Counting(ObjectDetector inner, Set<Mat> passes) implements ObjectDetector {
    public ObjectKind kind() {
      return inner.kind();
    }

    public ModelInfo model() {
      return inner.model();
    }

    public List<Box> detect(Mat bgr) {
      passes.add(bgr);
      return inner.detect(bgr);
    }

    public List<Box> detect(Mat bgr, Box region) {
      passes.add(bgr);
      return inner.detect(bgr, region);
    }
  }

  /**
   * Runs the fixture through a pipeline on the real detectors as fast as frames can be fed (so every pass lags as far
   * behind as the staleness bound lets it) and returns every labelled object left less than 80 % redacted.
   */
  private static List<String> unredacted(RedactionSettings settings, Set<Mat> passes) {
    List<ObjectDetector> counted = detectors.all().stream()
        .<ObjectDetector>map(d -> new Counting(d, passes)).toList();
    List<String> failures = new ArrayList<>();
    int truths = 0;
    try (RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(counted.toArray(ObjectDetector[]::new)),
        settings)) {
      for (MovingObjectsFixture.LabelledFrame f : frames) {
        try (ProcessedFrame out = pipeline.process(f.frame(), false)) {
          FrameReport r = out.report();
          assertTrue(r.staleFrames() >= 0 && r.staleFrames() <= settings.maxStaleFrames(),
              "frame " + f.index() + " served from a pass " + r.staleFrames() + " frames old");
          for (Box truth : f.truth()) {
            truths++;
            List<Box> redacted = new ArrayList<>(truth.kind() == ObjectKind.FACE ? r.faces() : r.plates());
            redacted.addAll(r.motion());
            double c = r.failSafe() ? 1.0 : coverage(truth, redacted);
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
    return failures;
  }

  @Test
  void trackingAloneCoversEveryFaceAndPlateOnEveryFrameBetweenPasses() {
    assertEquals(FRAMES, frames.size(), "vtest.avi is long enough");
    Set<Mat> passes = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    // A generous deadline: this checks coverage, the fail-safe has its own tests; CI machines are slow and shared.
    RedactionSettings settings = RedactionSettings.defaults().withMaxStaleFrames(TRACKED_STALE_FRAMES)
        .withMotionGuard(false).withDetectionDeadline(Duration.ofSeconds(20));
    assertEquals(List.of(), unredacted(settings, passes));
    assertFewPasses(passes, TRACKED_STALE_FRAMES);
  }

  @Test
  void defaultsWithTheMotionGuardCoverEveryFaceAndPlateOnEveryFrame() {
    Set<Mat> passes = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    RedactionSettings settings = RedactionSettings.defaults().withDetectionDeadline(Duration.ofSeconds(20));
    assertEquals(List.of(), unredacted(settings, passes));
    assertFewPasses(passes, settings.maxStaleFrames());
  }

  /**
   * Fed as fast as possible, a camera's frames outrun detection: a pass is queued on frame f, frames up to the bound
   * are served from the pass before it, and the frame past the bound waits for the pass on f, which is by then
   * nearly as old, so passes come in pairs, two per {@code maxStale + 1} frames at most (and one more pair when a
   * pass completes while the loop is between frames).
   */
  private static void assertFewPasses(Set<Mat> passes, int maxStale) {
    int most = Math.min(FRAMES / 2, 2 * (FRAMES / (maxStale + 1) + 2));
    assertTrue(passes.size() <= most, "passes ran on " + passes.size() + " of " + FRAMES + " frames, expected at most "
        + most + ": tracking must fill the frames between");
  }
}
