package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real models in a real detector host: they find what the same models find in-process, and a host killed with
 * SIGKILL while a pipeline runs costs masked frames, never an unredacted one, until it is back.
 */
class IsolatedDetectorsTest {
  private static Detectors inProcess;
  private static IsolatedDetectors isolated;

  @BeforeAll
  static void start() throws Exception {
    MovingObjectsFixture.requireSources();
    inProcess = Detectors.load(ModelsDir.get());
    isolated = IsolatedDetectors.start(ModelsDir.get(), true, 1, IsolatedDetectors.DEFAULT_HANG_TIMEOUT);
  }

  @AfterAll
  static void stop() {
    if (isolated != null) {
      isolated.close();
    }
    if (inProcess != null) {
      inProcess.close();
    }
  }

  @Test
  void theHostFindsTheSameBoxesAsTheDetectorsInProcess() {
    assertEquals(inProcess.models(), isolated.detectors().models());
    // Two pictures, a face each and the plate-like boards behind Messi: the full look with small faces costs seconds.
    for (String path : List.of(MovingObjectsFixture.ASTRONAUT.toString(), MovingObjectsFixture.MESSI.toString())) {
      try (Mat image = imread(path)) {
        List<Box> whole = inProcess.detect(image);
        assertFalse(whole.isEmpty(), "precondition: something is found in " + path);
        assertEquals(whole, isolated.detectors().detect(image), "whole frame of " + path);
        Box half = new Box(ObjectKind.MOTION, image.cols() / 4, 0, image.cols() / 2, image.rows(), 1f);
        List<Box> regions = List.of(half);
        for (boolean glance : List.of(false, true)) {
          assertEquals(inProcess.detect(image, regions, glance), isolated.detectors().detect(image, regions, glance),
              (glance ? "glances" : "full looks") + " at regions of " + path);
        }
        for (ObjectKind kind : List.of(ObjectKind.FACE, ObjectKind.PLATE)) {
          assertEquals(inProcess.localisationError(kind, image.cols(), image.rows()),
              isolated.detectors().localisationError(kind, image.cols(), image.rows()), kind + " localisation error");
        }
      }
    }
  }

  @Test
  void aHostKilledWhileFramesFlowCostsMaskedFramesNeverAnUnredactedOneAndComesBack() throws Exception {
    HostOutage.run(isolated, isolated::hostPid, () -> {
      ProcessHandle host = ProcessHandle.of(isolated.hostPid()).orElseThrow();
      host.destroyForcibly();
      host.onExit().join();
      // A frame size no look has run at, while the host is down (restarting takes seconds): a bound, not a failure.
      double bound = isolated.detectors().localisationError(ObjectKind.FACE, 1536, 1536);
      double truth = inProcess.localisationError(ObjectKind.FACE, 1536, 1536);
      assertTrue(bound >= truth, "the bound " + bound + " is at least the true error " + truth);
    });
  }

  /** A pipeline on the astronaut picture while the host is made to die; checks every frame served. */
  static final class HostOutage {
    private HostOutage() {}

    /** Returns the pid of the host that died. */
    static long run(IsolatedDetectors detectors, java.util.function.LongSupplier pid, Runnable kill) throws Exception {
      long restartsBefore = detectors.restarts();
      RedactionSettings settings = RedactionSettings.defaults().withDetectionDeadline(Duration.ofSeconds(30));
      List<String> served = new ArrayList<>();
      try (Mat image = imread(MovingObjectsFixture.ASTRONAUT.toString());
          RedactionPipeline pipeline = RedactionPipeline.create(detectors.detectors(), settings)) {
        // Warm: a frame served from detection, the face masked.
        assertRedacted(pipeline, image, served);
        assertFalse(last(served).startsWith("fail-safe"), "warm before the kill: " + served);
        long killed = pid.getAsLong();
        kill.run();
        java.util.Optional<ProcessHandle> dying = ProcessHandle.of(killed);
        if (dying.isPresent()) {
          dying.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS); // TimeoutException: it never died
        }
        long failSafe = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        boolean back = false;
        while (System.nanoTime() < deadline) {
          assertRedacted(pipeline, image, served);
          if (last(served).startsWith("fail-safe")) {
            failSafe++;
          } else if (failSafe > 0) {
            back = true;
            break;
          }
          Thread.sleep(40);
        }
        assertTrue(failSafe > 0, "frames were masked whole during the outage: " + served);
        assertTrue(back, "detection came back after the restart: " + served.subList(Math.max(0, served.size() - 5),
            served.size()));
        assertTrue(detectors.up(), "the host is up again");
        assertNotEquals(killed, detectors.hostPid(), "a new host");
        assertEquals(restartsBefore + 1, detectors.restarts(), "one restart counted");
        assertTrue(pipeline.stats().detectorErrors() > 0, "the outage counted as detector errors: " + pipeline.stats());
        return killed;
      }
    }

    private static String last(List<String> served) {
      return served.get(served.size() - 1);
    }

    /**
     * Processes a frame and checks it is redacted: masked whole (every pixel the mask colour), or the face covered
     * by a redacted box. Records which.
     */
    private static void assertRedacted(RedactionPipeline pipeline, Mat image, List<String> served) {
      try (ProcessedFrame out = pipeline.process(image, false)) {
        FrameReport report = out.report();
        if (report.failSafe()) {
          try (Mat firstPixel = new Mat(out.redacted(), new org.bytedeco.opencv.opencv_core.Rect(0, 0, 1, 1));
              Mat same = sameAs(out.redacted(), firstPixel)) {
            assertEquals(out.redacted().total(), org.bytedeco.opencv.global.opencv_core.countNonZero(same),
                "a fail-safe frame is one colour: " + report);
          }
          served.add("fail-safe: " + report.failSafeReason());
          return;
        }
        assertTrue(report.faces().stream().anyMatch(
                b -> MovingObjectsTest.coverage(SampleImagesTest.ASTRONAUT_FACE, List.of(b)) >= 0.95),
            "a frame served from detection has the face redacted: " + report);
        served.add("redacted");
      }
    }

    /** A mask of the pixels equal to {@code pixel} (1x1, 3 channels). */
    private static Mat sameAs(Mat frame, Mat pixel) {
      Mat grey = new Mat();
      try (Mat colour = new Mat(frame.size(), frame.type(), new org.bytedeco.opencv.opencv_core.Scalar(
          pixel.ptr(0, 0).get(0) & 0xff, pixel.ptr(0, 0).get(1) & 0xff, pixel.ptr(0, 0).get(2) & 0xff, 0));
          Mat diff = new Mat()) {
        org.bytedeco.opencv.global.opencv_core.absdiff(frame, colour, diff);
        org.bytedeco.opencv.global.opencv_imgproc.cvtColor(diff, grey,
            org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY);
        org.bytedeco.opencv.global.opencv_imgproc.threshold(grey, grey, 0, 255,
            org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY_INV);
        return grey;
      }
    }
  }
}
