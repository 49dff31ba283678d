package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** What the motion guard masks of a change: the changed blocks and one block around them, no more. */
class ThumbnailTest {
  private static Mat grey(int level) {
    return new Mat(160, 240, CV_8UC3, new Scalar(level, level, level, 0));
  }

  private static List<Box> changes(Mat before, Mat after) {
    try (Thumbnail reference = Thumbnail.of(before); Thumbnail now = Thumbnail.of(after)) {
      return now.changesSince(reference, List.of());
    }
  }

  /** Pixels of the frame that some box covers, overlaps counted once (the boxes are cut at the cells' rows). */
  private static long maskedPixels(List<Box> boxes) {
    long n = 0;
    for (int y = 0; y < 160; y++) {
      for (int x = 0; x < 240; x++) {
        for (Box b : boxes) {
          if (x >= b.x() && x < b.x() + b.w() && y >= b.y() && y < b.y() + b.h()) {
            n++;
            break;
          }
        }
      }
    }
    return n;
  }

  @Test
  void aChangeOfOneBlockIsMaskedWithOneBlockAroundIt() {
    try (Mat before = grey(128); Mat after = before.clone()) {
      try (Mat spot = new Mat(after, new Rect(100, 60, 4, 4))) {
        spot.put(new Scalar(250, 250, 250, 0));
      }
      List<Box> motion = changes(before, after);
      assertEquals(1.0, MovingObjectsTest.coverage(new Box(ObjectKind.MOTION, 96, 56, 12, 12, 1f), motion),
          "the block and the 8 around it: " + motion);
      assertEquals(12 * 12, maskedPixels(motion), "and no more (a second block around them masked 20x20 px for a 4 px"
          + " change): " + motion);
    }
  }

  @Test
  void anObjectsEdgeThatBarelyChangesItsBlocksIsStillCovered() {
    // Off the 4 px grid, so its edges fill a quarter of their blocks; 40 grey levels above the background, so those
    // blocks' means change by 10, under the threshold of 14: only the block grown around the change covers them.
    Box object = new Box(ObjectKind.FACE, 103, 63, 30, 34, 1f);
    try (Mat before = grey(128); Mat after = before.clone()) {
      try (Mat o = new Mat(after, new Rect(object.x(), object.y(), object.w(), object.h()))) {
        o.put(new Scalar(168, 168, 168, 0));
      }
      List<Box> motion = changes(before, after);
      assertEquals(1.0, MovingObjectsTest.coverage(object, motion), "motion " + motion);
      assertEquals(36 * 40, maskedPixels(motion), "the blocks the object reaches into, 100..135 x 60..99, no more: "
          + motion);
    }
  }
}
