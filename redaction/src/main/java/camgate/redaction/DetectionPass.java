package camgate.redaction;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One detection pass of a camera, queued or running on the shared detection threads: the index of the frame it
 * runs on, that frame's thumbnail (what the camera looked like when the detectors looked), the regions it looks at
 * (null: the whole frame), and the result to come.
 */
final class DetectionPass implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DetectionPass.class);
  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int ABANDONED = 2;

  private final long frame;
  private final Thumbnail thumbnail;
  private final List<Box> regions;
  private final Mat input;
  private final AtomicInteger state = new AtomicInteger(QUEUED);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Future<List<Box>> result;

  /**
   * Queues the pass on {@code input}, which it owns and closes.
   *
   * @throws java.util.concurrent.RejectedExecutionException if the detectors are closed
   */
  DetectionPass(long frame, Thumbnail thumbnail, List<Box> regions, Detectors detectors, Mat input) {
    this.frame = frame;
    this.thumbnail = thumbnail;
    this.regions = regions == null ? null : List.copyOf(regions);
    this.input = input;
    try {
      this.result = detectors.submit(() -> {
        if (!state.compareAndSet(QUEUED, RUNNING)) {
          return List.of(); // abandoned before it started
        }
        try (input) {
          return detectors.detect(input, this.regions);
        } finally {
          finished.countDown();
        }
      });
    } catch (RuntimeException e) {
      input.close();
      thumbnail.close();
      throw e;
    }
  }

  long frame() {
    return frame;
  }

  Thumbnail thumbnail() {
    return thumbnail;
  }

  /** The regions looked at, or null for the whole frame. */
  List<Box> regions() {
    return regions;
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

  /**
   * Abandons the pass and frees the thumbnail. A pass already running is interrupted (a stalled test detector
   * returns) and waited for, up to 30 s: closing the shared detectors while a native ONNX Runtime call still runs on
   * them crashes the JVM.
   */
  @Override
  public void close() {
    result.cancel(true);
    if (state.compareAndSet(QUEUED, ABANDONED)) {
      input.close();
    } else {
      try {
        if (!finished.await(30, TimeUnit.SECONDS)) {
          LOG.error("the detection pass on frame {} did not stop within 30 s; do not close the detectors", frame);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    thumbnail.close();
  }
}
