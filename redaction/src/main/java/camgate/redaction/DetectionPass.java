package camgate.redaction;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One detection pass of a camera, queued or running on the shared detection threads: the index of the frame it
 * runs on, that frame's thumbnail (what the camera looked like when the detectors looked), and the result to come.
 */
final class DetectionPass implements AutoCloseable {
  private final long frame;
  private final Thumbnail thumbnail;
  private final Future<List<Box>> result;

  DetectionPass(long frame, Thumbnail thumbnail, Future<List<Box>> result) {
    this.frame = frame;
    this.thumbnail = thumbnail;
    this.result = result;
  }

  long frame() {
    return frame;
  }

  Thumbnail thumbnail() {
    return thumbnail;
  }

  boolean isDone() {
    return result.isDone();
  }

  /**
   * The boxes found, waiting at most {@code nanos} (0: only if already done).
   *
   * @throws TimeoutException if the pass is still running after {@code nanos}
   * @throws ExecutionException if a detector threw
   */
  List<Box> await(long nanos) throws TimeoutException, ExecutionException, InterruptedException {
    return result.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  /** Abandons the pass (a stalled detector is interrupted) and frees the thumbnail. */
  @Override
  public void close() {
    result.cancel(true);
    thumbnail.close();
  }
}
