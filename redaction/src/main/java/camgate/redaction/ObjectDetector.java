package camgate.redaction;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * Finds objects of one kind in a frame. Public so tests (and the gateway's tests) can inject a detector
 * that throws or stalls and check that the pipeline masks the whole frame.
 */
public interface ObjectDetector extends AutoCloseable {
  ObjectKind kind();

  ModelInfo model();

  /**
   * Returns the boxes found in a BGR frame (CV_8UC3), in its pixel coordinates. BLOCKING: runs the model on
   * the calling thread. Implementations must be thread-safe; the input is only read.
   */
  List<Box> detect(Mat bgr);

  /**
   * Returns the boxes found in {@code region} of a BGR frame, in the frame's pixel coordinates, looking as a
   * whole-frame pass would (same scale). BLOCKING. This default runs {@link #detect(Mat)} on the crop, which suits
   * detectors whose scale does not depend on the frame size.
   */
  default List<Box> detect(Mat bgr, Box region) {
    try (Rect rect = new Rect(region.x(), region.y(), region.w(), region.h()); Mat crop = new Mat(bgr, rect)) {
      return detect(crop).stream()
          .map(b -> new Box(b.kind(), b.x() + region.x(), b.y() + region.y(), b.w(), b.h(), b.score())).toList();
    }
  }

  /**
   * A quicker look at {@code region}, for following what moves and vetting what changed: a detector with a costly
   * finer look (for the smallest objects) leaves it out here. By default the same as {@link #detect(Mat, Box)}.
   * BLOCKING.
   */
  default List<Box> glance(Mat bgr, Box region) {
    return detect(bgr, region);
  }

  /**
   * How many pixels of a {@code frameWidth}x{@code frameHeight} frame a box of this detector may be off by: the
   * pipeline grows every box by at least this much on each side, whatever its margin. 0 unless the detector knows
   * better.
   */
  default double localisationError(int frameWidth, int frameHeight) {
    return 0;
  }

  @Override
  default void close() {}
}
