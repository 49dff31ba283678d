package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** The pipeline with injected detectors: fail-safe, warm-up, masks, input left untouched. */
class RedactionPipelineTest {
  private static final ModelInfo FAKE = new ModelInfo("fake", "0".repeat(64), 0.5f);

  /** A face detector with the fake model whose boxes are in frame pixels, wherever it is asked to look. */
  abstract static class FakeFaceDetector implements ObjectDetector {
    @Override
    public ObjectKind kind() {
      return ObjectKind.FACE;
    }

    @Override
    public ModelInfo model() {
      return FAKE;
    }

    /** The whole-frame boxes that lie in the region: a real detector finds an object only where it looks. */
    @Override
    public List<Box> detect(Mat bgr, Box region) {
      return detect(bgr).stream().filter(b -> Boxes.intersection(b, region) == b.area()).toList();
    }
  }

  /** A detector returning fixed boxes, or throwing, or stalling until released. */
  static final class ScriptedDetector extends FakeFaceDetector {
    volatile List<Box> boxes = List.of();
    volatile RuntimeException failure;
    volatile CountDownLatch stall;

    @Override
    public List<Box> detect(Mat bgr) {
      CountDownLatch s = stall;
      if (s != null) {
        try {
          s.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failure != null) {
        throw failure;
      }
      return boxes;
    }
  }

  /**
   * The defaults with a deadline long enough for any pass of a fake detector, even on a loaded machine: these tests
   * check what a completed pass does; the deadline has tests of its own.
   */
  static RedactionSettings settings() {
    return RedactionSettings.defaults().withDetectionDeadline(Duration.ofSeconds(10));
  }

  static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** A frame of random noise: every pixel differs from the mask colour with overwhelming probability. */
  static Mat noise(int w, int h) {
    Mat m = new Mat(h, w, CV_8UC3);
    java.util.Random rnd = new java.util.Random(42);
    try (UByteIndexer idx = m.createIndexer()) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int c = 0; c < 3; c++) {
            idx.put(y, x, c, 128 + rnd.nextInt(128));
          }
        }
      }
    }
    return m;
  }

  /** True when every pixel of the rectangle has the mask colour. */
  static boolean isMaskColour(Mat m, int x0, int y0, int w, int h) {
    try (UByteIndexer idx = m.createIndexer()) {
      for (int y = y0; y < y0 + h; y++) {
        for (int x = x0; x < x0 + w; x++) {
          for (int c = 0; c < 3; c++) {
            if (idx.get(y, x, c) != (int) RegionRedactor.MASK_COLOUR.get(c)) {
              return false;
            }
          }
        }
      }
    }
    return true;
  }

  static boolean identical(Mat a, Mat b) {
    try (UByteIndexer ia = a.createIndexer(); UByteIndexer ib = b.createIndexer()) {
      for (int y = 0; y < a.rows(); y++) {
        for (int x = 0; x < a.cols(); x++) {
          for (int c = 0; c < 3; c++) {
            if (ia.get(y, x, c) != ib.get(y, x, c)) {
              return false;
            }
          }
        }
      }
    }
    return true;
  }

  @Test
  void detectedBoxIsRedactedAndTheRestOfTheFrameAndTheInputAreUntouched() {
    ScriptedDetector detector = new ScriptedDetector();
    detector.boxes = List.of(new Box(ObjectKind.FACE, 40, 40, 30, 30, 0.9f));
    try (Mat frame = noise(160, 120); Mat original = frame.clone();
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector),
            settings().withStyle(RedactionStyle.FILL).withMargin(0));
        ProcessedFrame out = pipeline.process(frame, false)) {
      assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
      assertEquals(List.of(new Box(ObjectKind.FACE, 40, 40, 30, 30, 0.9f)), out.report().faces());
      assertTrue(isMaskColour(out.redacted(), 40, 40, 30, 30), "the face box is filled");
      assertFalse(isMaskColour(out.redacted(), 0, 0, 40, 40), "outside the box the frame is intact");
      assertTrue(identical(frame, original), "process() must not modify its input");
      assertNull(out.masksOnly(), "masksOnly is only produced when asked");
      assertEquals(List.of(FAKE), out.report().models());
    }
  }

  @Test
  void aClosedPipelineRefusesFramesInsteadOfReadingFreedBuffers() {
    ScriptedDetector detector = new ScriptedDetector();
    try (Mat frame = noise(160, 120)) {
      RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings());
      pipeline.process(frame, false).close();
      assertFalse(pipeline.isClosed());
      pipeline.close();
      assertTrue(pipeline.isClosed());
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> pipeline.process(frame, false));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
  }

  @Test
  void theMaskedShareCountsAFrameMaskedWholeAsTheWholePictureAndADetectedFaceAsItsBox() {
    ScriptedDetector detector = new ScriptedDetector();
    detector.failure = new IllegalStateException("model exploded");
    try (Mat frame = noise(160, 120);
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings().withMargin(0))) {
      try (ProcessedFrame out = pipeline.process(frame, false)) {
        assertEquals(1.0, out.report().maskedShare());
      }
      detector.failure = null;
      detector.boxes = List.of(new Box(ObjectKind.FACE, 40, 40, 30, 30, 0.9f));
      try (ProcessedFrame out = pipeline.process(frame, false)) {
        // The box touches 4x4 cells of the 20x15 grid of 8 px cells.
        assertEquals(16 / 300.0, out.report().maskedShare(), 1e-12);
        assertEquals(0.0, out.report().motionShare());
      }
      assertEquals(new MaskedShare((1 + 16 / 300.0) / 2, 0, 2), pipeline.maskedShare());
    }
  }

  @Test
  void throwingDetectorYieldsFullyMaskedFramesAndIsCounted() {
    ScriptedDetector detector = new ScriptedDetector();
    detector.failure = new IllegalStateException("model exploded");
    try (Mat frame = noise(64, 48);
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings())) {
      for (int i = 0; i < 3; i++) {
        try (ProcessedFrame out = pipeline.process(frame, false)) {
          assertTrue(out.report().failSafe());
          assertTrue(out.report().failSafeReason().contains("model exploded"), out.report().failSafeReason());
          assertTrue(isMaskColour(out.redacted(), 0, 0, 64, 48), "the whole frame is masked");
        }
      }
      assertEquals(new RedactionStats(3, 3, 3, 0), pipeline.stats());
      // Recovery: once the detector works again the frames are served redacted, not masked whole.
      detector.failure = null;
      try (ProcessedFrame out = pipeline.process(frame, false)) {
        assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
        assertFalse(isMaskColour(out.redacted(), 0, 0, 64, 48));
      }
      assertEquals(new RedactionStats(4, 3, 3, 0), pipeline.stats());
    }
  }

  @Test
  void stallingDetectorYieldsFullyMaskedFramesWithinAboutTheDeadline() {
    ScriptedDetector detector = new ScriptedDetector();
    detector.stall = new CountDownLatch(1);
    Duration deadline = Duration.ofMillis(200);
    try (Mat frame = noise(64, 48);
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector),
            RedactionSettings.defaults().withDetectionDeadline(deadline))) {
      for (int i = 0; i < 4; i++) {
        long t0 = System.nanoTime();
        try (ProcessedFrame out = pipeline.process(frame, false)) {
          long ms = (System.nanoTime() - t0) / 1_000_000;
          assertTrue(out.report().failSafe());
          assertTrue(isMaskColour(out.redacted(), 0, 0, 64, 48), "the whole frame is masked");
          // Generous bound: it is a contract (bounded blocking), not a speed goal.
          assertTrue(ms < deadline.toMillis() + 2000, "process() blocked " + ms + " ms");
        }
      }
      RedactionStats stats = pipeline.stats();
      assertEquals(4, stats.frames());
      assertEquals(4, stats.failSafeFrames());
      assertEquals(4, stats.lateFrames());
      detector.stall.countDown();
    }
  }

  @Test
  void warmUpMasksTheWholeFrameUntilTheFirstDetectionCompletes() {
    ScriptedDetector detector = new ScriptedDetector();
    detector.stall = new CountDownLatch(1);
    try (Mat frame = noise(64, 48);
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector),
            RedactionSettings.defaults().withDetectionDeadline(Duration.ofMillis(100)).withMaxStaleFrames(5))) {
      try (ProcessedFrame out = pipeline.process(frame, false)) {
        assertTrue(out.report().failSafe(), "first frame: detection late, nothing known yet");
      }
      detector.stall.countDown();
      detector.stall = null;
      // The stalled pass finishes in the background; its late result is discarded and a new pass runs.
      // Frames arriving before the released detection thread has finished are still fail-safe, so feed
      // frames at camera pace until one is served redacted, bounded by time rather than by a frame count
      // (a loaded CI machine can take many tight-loop frames to schedule the detection thread).
      ProcessedFrame out = firstServedRedacted(pipeline, frame);
      assertFalse(out.report().failSafe(), "after a completed pass frames are served redacted");
      out.close();
    }
  }

  /** Feeds {@code frame} at camera pace until one is served redacted, for at most 10 s; returns that frame. */
  static ProcessedFrame firstServedRedacted(RedactionPipeline pipeline, Mat frame) {
    ProcessedFrame out = null;
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < giveUp) {
      if (out != null) {
        out.close();
      }
      out = pipeline.process(frame, false);
      if (!out.report().failSafe()) {
        break;
      }
      sleepQuietly(20);
    }
    return out;
  }

  @Test
  void framesAreServedFromTrackingWhileAPassRunsUntilTheStalenessBoundThenMaskedWhole() {
    ScriptedDetector detector = new ScriptedDetector();
    detector.boxes = List.of(new Box(ObjectKind.FACE, 40, 40, 30, 30, 0.9f));
    RedactionSettings settings = RedactionSettings.defaults().withStyle(RedactionStyle.FILL).withMargin(0)
        .withMaxStaleFrames(3).withDetectionDeadline(Duration.ofSeconds(1));
    try (Mat frame = noise(160, 120);
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings)) {
      try (ProcessedFrame out = pipeline.process(frame, false)) {
        assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
        assertEquals(0, out.report().staleFrames(), "the first frame waits for its own pass");
      }
      detector.stall = new CountDownLatch(1); // the pass queued by frame 1 hangs
      for (int stale = 1; stale <= 3; stale++) {
        try (ProcessedFrame out = pipeline.process(frame, false)) {
          assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
          assertEquals(stale, out.report().staleFrames());
          assertTrue(isMaskColour(out.redacted(), 40, 40, 30, 30), "the tracked face stays masked");
          assertFalse(isMaskColour(out.redacted(), 0, 0, 40, 40), "and only the face");
        }
      }
      try (ProcessedFrame out = pipeline.process(frame, false)) {
        assertTrue(out.report().failSafe(), "4 frames behind the latest pass is past the bound of 3");
        assertTrue(out.report().failSafeReason().contains("4 frames old"), out.report().failSafeReason());
        assertTrue(isMaskColour(out.redacted(), 0, 0, 160, 120), "the whole frame is masked");
      }
      assertEquals(new RedactionStats(5, 1, 0, 1), pipeline.stats());
      detector.stall.countDown();
      detector.stall = null;
      ProcessedFrame out = firstServedRedacted(pipeline, frame);
      assertFalse(out.report().failSafe(), "once the pass completes frames are served redacted again");
      assertTrue(isMaskColour(out.redacted(), 40, 40, 30, 30));
      out.close();
    }
  }

  @Test
  void objectAppearingBetweenPassesIsMaskedByTheMotionGuardBeforeAnyDetectorSawIt() {
    for (boolean guard : new boolean[] {true, false}) {
      ScriptedDetector detector = new ScriptedDetector(); // finds nothing: the object is new to every pass
      RedactionSettings settings = settings().withStyle(RedactionStyle.FILL).withMargin(0)
          .withMaxStaleFrames(10).withMotionGuard(guard);
      try (Mat empty = noise(200, 150); Mat withObject = empty.clone();
          RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings)) {
        try (Mat object = new Mat(withObject, new org.bytedeco.opencv.opencv_core.Rect(100, 60, 30, 36))) {
          object.put(new Scalar(20, 40, 60, 0));
        }
        try (ProcessedFrame out = pipeline.process(empty, false)) {
          assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
          assertEquals(List.of(), out.report().motion(), "nothing changed since the frame the pass ran on");
        }
        detector.stall = new CountDownLatch(1); // the next pass has not finished when the object shows up
        try (ProcessedFrame out = pipeline.process(withObject, false)) {
          assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
          Box truth = new Box(ObjectKind.FACE, 100, 60, 30, 36, 1f);
          if (guard) {
            assertEquals(1.0, MovingObjectsTest.coverage(truth, out.report().motion()), "motion " + out.report());
            assertTrue(isMaskColour(out.redacted(), 100, 60, 30, 36), "the new object is masked");
            assertFalse(isMaskColour(out.redacted(), 0, 0, 60, 40), "the unchanged rest is not");
          } else {
            assertEquals(List.of(), out.report().motion());
            assertFalse(isMaskColour(out.redacted(), 100, 60, 30, 36), "without the guard it shows until a pass");
          }
        }
        detector.stall.countDown();
      }
    }
  }

  /** {@code frame} with a solid 30x36 object, dark against the noise, at ({@code x}, 100). */
  private static Mat withObjectAt(Mat frame, int x) {
    Mat out = frame.clone();
    try (Mat object = new Mat(out, new org.bytedeco.opencv.opencv_core.Rect(x, 100, 30, 36))) {
      object.put(new Scalar(20, 40, 60, 0));
    }
    return out;
  }

  @Test
  void aMovingObjectsMaskFollowsItAtItsSizeAndWhereItStopsOutsideTheMaskTheMotionGuardCoversIt() {
    ScriptedDetector detector = new ScriptedDetector();
    RedactionSettings settings = settings().withStyle(RedactionStyle.FILL).withMargin(0).withMaxStaleFrames(40);
    try (Mat background = noise(400, 240);
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings)) {
      // Two passes see the object walk 10 px a frame: frame 0 at x=40 (the first pass, waited for), frame 1 at x=50.
      for (int n = 0; n < 2; n++) {
        detector.boxes = List.of(new Box(ObjectKind.FACE, 40 + 10 * n, 100, 30, 36, 0.9f));
        try (Mat frame = withObjectAt(background, 40 + 10 * n); ProcessedFrame out = pipeline.process(frame, false)) {
          assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
        }
        sleepQuietly(200); // the pass on frame 1 completes; frame 2 takes its result
      }
      detector.stall = new CountDownLatch(1); // no later pass completes: the frames are served from tracking
      boolean leftByItsMask = false;
      for (int n = 2; n < 30; n++) {
        // It walks on to x=100 (frame 6), then stops there while the tracker predicts it walking on.
        int x = Math.min(100, 40 + 10 * n);
        try (Mat frame = withObjectAt(background, x); ProcessedFrame out = pipeline.process(frame, false)) {
          FrameReport r = out.report();
          assertFalse(r.failSafe(), r::failSafeReason);
          assertTrue(isMaskColour(out.redacted(), x, 100, 30, 36), "frame " + n + ": the object at x=" + x
              + " is masked: " + r);
          assertEquals(1, r.faces().size(), r::toString);
          Box mask = r.faces().get(0);
          assertTrue(mask.w() <= 30 * 4 && mask.h() <= 36 * 4, "frame " + n + ": the tracked mask " + mask
              + " stays within 4 times the object, not stretched along its path");
          leftByItsMask |= MovingObjectsTest.coverage(new Box(ObjectKind.FACE, x, 100, 30, 36, 1f), r.faces()) < 1;
        }
      }
      assertTrue(leftByItsMask, "the mask walked on without the object: the motion guard alone covered it then");
      detector.stall.countDown();
    }
  }

  /**
   * Finds fixed faces wherever it is looked for, records where it was asked to look fully (null: the whole frame) and
   * where it glanced, and costs {@code nanosPerPixel} per pixel looked at, as a real detector takes time in
   * proportion to the area: it advances its {@link #ticker()} by that much instead of sleeping, so the pipeline
   * measures exactly that cost whatever the machine's load.
   */
  static final class RegionRecorder extends FakeFaceDetector {
    final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    final List<Box> faces;
    final long nanosPerPixel;
    final List<Box> looked = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final List<Box> glanced = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    RegionRecorder(long nanosPerPixel, Box... faces) {
      this.faces = List.of(faces);
      this.nanosPerPixel = nanosPerPixel;
    }

    @Override
    public List<Box> detect(Mat bgr) {
      looked.add(null);
      take((long) bgr.cols() * bgr.rows());
      return faces;
    }

    @Override
    public List<Box> detect(Mat bgr, Box region) {
      looked.add(region);
      return found(region);
    }

    @Override
    public List<Box> glance(Mat bgr, Box region) {
      glanced.add(region);
      return found(region);
    }

    private List<Box> found(Box region) {
      take(region.area());
      return faces.stream().filter(f -> Boxes.intersection(f, region) == f.area()).toList();
    }

    private void take(long pixels) {
      nanos.addAndGet(pixels * nanosPerPixel);
    }

    /** The time this detector's work has taken: give it to the pipeline under test. */
    Ticker ticker() {
      return nanos::get;
    }
  }

  @Test
  void passesAfterTheFirstFollowTrackedObjectsGlanceAtChangesAndSweepTheFrameWithinTheirBudget() {
    Box face = new Box(ObjectKind.FACE, 40, 40, 30, 30, 0.9f);
    Box small = new Box(ObjectKind.FACE, 500, 300, 16, 16, 0.5f);
    // In the sweep's last tile: only the turn given to what was glanced at brings a full look there early.
    Box object = new Box(ObjectKind.FACE, 560, 400, 30, 30, 1f);
    // 1 us a pixel on the detector's own ticker: the whole 640x480 frame costs 307 ms, a pass's budget of 80 ms buys
    // 80,000 pixels, exactly, however loaded the machine is.
    RegionRecorder detector = new RegionRecorder(1_000, face, small);
    // maxStaleFrames 0: each frame waits for the pass on itself, so the passes line up with the frames.
    RedactionSettings settings = settings().withStyle(RedactionStyle.FILL).withMargin(0).withMaxStaleFrames(0)
        .withPassBudget(Duration.ofMillis(80)).withDetectionDeadline(Duration.ofSeconds(5));
    try (Mat empty = noise(640, 480); Mat withObject = empty.clone();
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings, detector.ticker())) {
      try (Mat o = new Mat(withObject, new org.bytedeco.opencv.opencv_core.Rect(560, 400, 30, 30))) {
        o.put(new Scalar(20, 40, 60, 0));
      }
      List<List<Box>> looked = new java.util.ArrayList<>();
      List<List<Box>> glanced = new java.util.ArrayList<>();
      for (int i = 0; i < 90; i++) {
        try (ProcessedFrame out = pipeline.process(i == 0 ? empty : withObject, false)) {
          assertFalse(out.report().failSafe(), () -> out.report().failSafeReason());
          assertTrue(isMaskColour(out.redacted(), 40, 40, 30, 30), "the face is masked on every frame");
          assertTrue(isMaskColour(out.redacted(), 500, 300, 16, 16), "so is the small one");
          assertEquals(List.of(), out.report().motion(), "each frame's own pass looked at everything that changed");
        }
        looked.add(new java.util.ArrayList<>(detector.looked));
        glanced.add(new java.util.ArrayList<>(detector.glanced));
        detector.looked.clear();
        detector.glanced.clear();
      }
      assertEquals(java.util.Arrays.asList((Box) null), looked.get(0), "the first pass looks at the whole frame");
      assertEquals(1.0, MovingObjectsTest.coverage(object, glanced.get(1)), "a glance at the object that appeared");
      for (int i = 1; i < looked.size(); i++) {
        assertFalse(looked.get(i).contains(null), "pass " + i + " looks at regions only: " + looked.get(i));
        assertEquals(1.0, MovingObjectsTest.coverage(face, glanced.get(i)), "a glance follows the tracked face");
        assertEquals(1.0, MovingObjectsTest.coverage(small, looked.get(i)), "a full look follows the small one");
        long area = Boxes.area(looked.get(i)) + Boxes.area(glanced.get(i));
        assertTrue(area < 640 * 480 / 3, "pass " + i + " stays near its budget: " + area + " px");
      }
      assertEquals(0.0, MovingObjectsTest.coverage(object, glanced.get(2)), "the object was looked at already");
      // Only a glance saw the object; a full look follows soon (a face too small for a glance could be there).
      int fullLook = -1;
      for (int i = 2; i < looked.size() && fullLook < 0; i++) {
        if (MovingObjectsTest.coverage(object, looked.get(i)) == 1.0) {
          fullLook = i;
        }
      }
      assertTrue(fullLook > 1 && fullLook <= 4, "the glanced-at object gets a full look by pass 4: " + fullLook);
      // The sweep's full looks cover every pixel of the frame within the run.
      Box whole = new Box(ObjectKind.MOTION, 0, 0, 640, 480, 1f);
      List<Box> swept = looked.subList(1, looked.size()).stream().flatMap(List::stream).toList();
      assertEquals(1.0, MovingObjectsTest.coverage(whole, swept), "the sweep covers the frame: " + swept.size());
    }
  }

  @Test
  void privacyMasksApplyInBothViewsBeforeDetection() {
    ScriptedDetector detector = new ScriptedDetector();
    PrivacyMask window = new PrivacyMask("dwelling", List.of(new NormalizedPoint(0, 0), new NormalizedPoint(0.5, 0),
        new NormalizedPoint(0.5, 0.5), new NormalizedPoint(0, 0.5)));
    try (Mat frame = noise(100, 100);
        RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(detector), settings())) {
      try (ProcessedFrame out = pipeline.process(frame, true)) {
        assertFalse(isMaskColour(out.masksOnly(), 0, 0, 50, 50), "no mask yet");
      }
      pipeline.updateMasks(List.of(window));
      try (ProcessedFrame out = pipeline.process(frame, true)) {
        assertFalse(out.report().failSafe());
        assertTrue(isMaskColour(out.redacted(), 0, 0, 50, 50), "redacted view");
        assertTrue(isMaskColour(out.masksOnly(), 0, 0, 50, 50), "masks-only view");
        assertFalse(isMaskColour(out.masksOnly(), 60, 60, 40, 40), "outside the polygon");
        assertTrue(identical(out.masksOnly().apply(new org.bytedeco.opencv.opencv_core.Rect(60, 60, 40, 40)),
            frame.apply(new org.bytedeco.opencv.opencv_core.Rect(60, 60, 40, 40))), "raw view keeps faces");
      }
    }
  }

  @Test
  void rejectsFramesThatAreNotBgr() {
    try (RedactionPipeline pipeline = RedactionPipeline.create(Detectors.of(new ScriptedDetector()),
        settings()); Mat gray = new Mat(10, 10, org.bytedeco.opencv.global.opencv_core.CV_8UC1,
        new Scalar(0))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pipeline.process(gray, false));
      assertTrue(e.getMessage().contains("CV_8UC3"), e.getMessage());
      assertEquals(0, pipeline.stats().frames(), "a rejected frame is not counted");
    }
  }
}
