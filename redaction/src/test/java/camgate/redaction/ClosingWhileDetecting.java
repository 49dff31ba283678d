package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A child JVM that closes the detectors while threads run them, a few times over: what a shutdown does to a
 * detection in flight. Arguments: the models folder, the rounds. Prints one line a round, {@code round N: S stopped
 * by close, R refused after close, F failed otherwise} (runs ended by a close in their middle, runs asked for after
 * it, other failures), and exits 0 if nothing crashed; a JVM that closes a network under a running detection dies
 * of SIGSEGV in ONNX Runtime instead.
 */
final class ClosingWhileDetecting {
  private ClosingWhileDetecting() {}

  public static void main(String[] args) throws Exception {
    RedactionPipeline.useCallingThreadsForOpenCv();
    Path models = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    try (Mat image = imread(MovingObjectsFixture.ASTRONAUT.toString()); Mat frame = new Mat()) {
      resize(image, frame, new Size(1280, 720));
      for (int round = 1; round <= rounds; round++) {
        Detectors detectors = Detectors.load(models);
        CountDownLatch running = new CountDownLatch(2);
        AtomicInteger stopped = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (ObjectDetector detector : detectors.all()) {
          Thread t = new Thread(() -> {
            running.countDown();
            while (true) {
              try {
                detector.detect(frame);
              } catch (DetectorClosedException e) {
                (e.getCause() != null ? stopped : refused).incrementAndGet();
                return;
              } catch (RuntimeException e) {
                failed.incrementAndGet();
                return;
              }
            }
          }, "detect-" + detector.kind());
          threads.add(t);
          t.start();
        }
        running.await();
        // Each network is in the middle of a run (a 720p look takes tenths of a second to seconds) when it closes.
        Thread.sleep(150L * round);
        for (ObjectDetector detector : detectors.all()) {
          detector.close();
        }
        for (Thread t : threads) {
          t.join(TimeUnit.SECONDS.toMillis(60));
        }
        System.out.println("round " + round + ": " + stopped.get() + " stopped by close, " + refused.get()
            + " refused after close, " + failed.get() + " failed otherwise");
      }
    }
  }
}
