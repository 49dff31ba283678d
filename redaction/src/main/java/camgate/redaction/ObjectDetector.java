package camgate.redaction;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

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

  @Override
  default void close() {}
}
