package camgate.redaction;

import java.util.ArrayList;
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
 * runs on, that frame's thumbnail (what the camera looked like when the detectors looked), what it looks at (null:
 * the whole frame), and the result to come.
 */
final class DetectionPass implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DetectionPass.class);
  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int ABANDONED = 2;

  private final long frame;
  private final Thumbnail thumbnail;
  private final Detectors.Looks looks;
  private final Mat input;
  private final AtomicInteger state = new AtomicInteger(QUEUED);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Future<List<Box>> result;
  /** Pixels of the frame the pass looks at fully, and glances at. */
  private final long thoroughPixels;
  private final long glancePixels;
  /** How long the detectors ran on each, once they have. */
  private volatile long thoroughNanos;
  private volatile long glanceNanos;

  /**
   * Queues the pass on {@code input}, which it owns and closes.
   *
   * @throws java.util.concurrent.RejectedExecutionException if the detectors are closed
   */
  DetectionPass(long frame, Thumbnail thumbnail, Detectors.Looks looks, Detectors detectors, Mat input,
                Ticker ticker) {
    this.frame = frame;
    this.thumbnail = thumbnail;
    this.looks = looks;
    this.input = input;
    this.thoroughPixels = looks == null ? (long) input.cols() * input.rows() : Boxes.area(looks.thorough());
    this.glancePixels = looks == null ? 0 : Boxes.area(looks.glances());
    try {
      this.result = detectors.submit(() -> {
        if (!state.compareAndSet(QUEUED, RUNNING)) {
          return List.of(); // abandoned before it started
        }
        try (input) {
          long t0 = ticker.read();
          if (looks == null) {
            List<Box> found = detectors.detect(input);
            thoroughNanos = ticker.read() - t0;
            return found;
          }
          List<Box> found = new ArrayList<>(detectors.detect(input, looks.thorough(), false));
          long t1 = ticker.read();
          found.addAll(detectors.detect(input, looks.glances(), true));
          thoroughNanos = t1 - t0;
          glanceNanos = ticker.read() - t1;
          return Boxes.sameObjectsOnce(found);
        } finally {
          LOG.debug("pass on frame {}: {} ms for {} px looked at, {} ms for {} px glanced at", frame,
              thoroughNanos / 1_000_000, thoroughPixels, glanceNanos / 1_000_000, glancePixels);
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

  /** What the pass looks at, or null for the whole frame. */
  Detectors.Looks looks() {
    return looks;
  }

  long thoroughPixels() {
    return thoroughPixels;
  }

  long glancePixels() {
    return glancePixels;
  }

  /** How long the full looks took; meaningful once the pass completed. */
  long thoroughNanos() {
    return thoroughNanos;
  }

  long glanceNanos() {
    return glanceNanos;
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
   * returns) and waited for, up to 30 s: it reads its frame with OpenCV until it ends, and the shared detectors are
   * closed only after their passes.
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
