package camgate.redaction.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.redaction.Box;
import camgate.redaction.Detectors;
import camgate.redaction.FrameReport;
import camgate.redaction.ModelInfo;
import camgate.redaction.ObjectDetector;
import camgate.redaction.ObjectKind;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The video evaluation's score of one served frame against its reference boxes, on a 100x100 picture. */
class VideoEvalTest {
  private static Detectors detectors;

  /** A face detector that finds nothing and whose boxes are exact: only the margin grows them. */
  private static final class ExactFaces implements ObjectDetector {
    public ObjectKind kind() {
      return ObjectKind.FACE;
    }

    public ModelInfo model() {
      return new ModelInfo("exact", "0".repeat(64), 0.5f);
    }

    public List<Box> detect(Mat bgr) {
      return List.of();
    }
  }

  @BeforeAll
  static void load() {
    detectors = Detectors.of(new ExactFaces());
  }

  @AfterAll
  static void close() {
    detectors.close();
  }

  private static FrameReport report(List<Box> faces, List<Box> motion, boolean failSafe) {
    return new FrameReport(7, faces, List.of(), motion, 0, failSafe, failSafe ? "test" : null, List.of(), 0, 0);
  }

  private static Box face(int x, int y, int w, int h) {
    return new Box(ObjectKind.FACE, x, y, w, h, 1f);
  }

  @Test
  void aReferenceBoxCoveredFourFifthsIsRedactedAndLessIsListed() {
    List<Box> truth = List.of(face(0, 0, 10, 10), face(50, 50, 10, 10));
    // The first face 80 % under a tracked mask, the second 70 % under the motion guard.
    VideoEval.Served s = new VideoEval.Served(0, 7, report(List.of(face(0, 0, 10, 8)), List.of(face(50, 50, 7, 10)),
        false));
    VideoEval.FrameScore score = VideoEval.score(s, truth, detectors, 0, 100, 100);
    assertArrayEquals(new int[] {1, 0}, score.redactedByKind());
    assertEquals(1, score.uncovered().size(), score.uncovered().toString());
    assertTrue(score.uncovered().get(0).contains("70 %"), score.uncovered().toString());
  }

  @Test
  void maskedBeyondTheGrownReferenceIsSplitBetweenTrackedMasksAndTheMotionGuard() {
    List<Box> truth = List.of(face(10, 10, 10, 10));
    // Margin 0.5 grows the reference to 20x20 at (5,5): the tracked 30x20 box at (5,5) adds 200 px beyond it,
    // the motion guard's 10x10 box elsewhere 100 px.
    VideoEval.Served s = new VideoEval.Served(0, 7, report(List.of(face(5, 5, 30, 20)),
        List.of(new Box(ObjectKind.MOTION, 80, 80, 10, 10, 1f)), false));
    VideoEval.FrameScore score = VideoEval.score(s, truth, detectors, 0.5, 100, 100);
    assertEquals(0.02, score.beyondTracked(), 1e-9);
    assertEquals(0.01, score.beyondMotion(), 1e-9);
    assertEquals(0.07, score.masked(), 1e-9);
    assertEquals(0, score.beyondFailSafe());
  }

  @Test
  void aFrameMaskedWholeRedactsEveryBoxAndCountsAsTheFailSafesBeyondTheReference() {
    List<Box> truth = List.of(face(0, 0, 10, 10));
    VideoEval.FrameScore score = VideoEval.score(new VideoEval.Served(1, 7, report(List.of(), List.of(), true)), truth,
        detectors, 0, 100, 100);
    assertArrayEquals(new int[] {1, 0}, score.redactedByKind());
    assertEquals(1.0, score.masked());
    assertEquals(0.99, score.beyondFailSafe(), 1e-9);
    assertEquals(0, score.beyondMotion() + score.beyondTracked());
  }
}
