package camgate.gateway.camera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.gateway.CameraConfig;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestPaths;
import camgate.redaction.Detectors;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Stopping a camera whose worker is stuck in a read (a hung camera) must not close the pipeline under that worker:
 * closing frees the native buffers its next frame would use. The worker closes it when it ends.
 */
class CameraFeedStopTest {

  @Test
  void aPipelineIsClosedOnlyOnceTheWorkerStuckInAHungCameraHasEnded() throws Exception {
    List<RedactionPipeline> made = new CopyOnWriteArrayList<>();
    try (Detectors none = Detectors.of();
         RtspCamera camera = RtspCamera.serveAt(TestPaths.VTEST, 10)) {
      CameraFeed feed = new CameraFeed(new CameraConfig("cam-hung", camera.url(), "gare", false), () -> {
        RedactionPipeline p = RedactionPipeline.create(none, RedactionSettings.defaults());
        made.add(p);
        return p;
      }, Clock.systemUTC(), 80, Duration.ofMillis(300));
      feed.updateMasks(List.of());
      feed.start();
      awaitTrue(() -> feed.status().frames() > 0 || feed.redactionStats().frames() > 0, Duration.ofSeconds(30),
          "the camera never delivered a frame: " + feed.status());
      RedactionPipeline pipeline = made.get(0);

      camera.pause();  // once the frames already sent are read, the worker's read blocks until FFmpeg's 5 s timeouts
      long frames = -1;
      for (long stableSince = System.nanoTime(); System.nanoTime() - stableSince < 1_000_000_000L; Thread.sleep(50)) {
        long now = feed.redactionStats().frames();
        if (now != frames) {
          frames = now;
          stableSince = System.nanoTime();
        }
      }
      feed.stop("test");
      assertTrue(ingestThreadAlive(), "the worker should still be stuck in its read: the test did not hang it");
      assertFalse(pipeline.isClosed(), "stop() closed the pipeline while its worker could still use it");

      awaitTrue(() -> !ingestThreadAlive(), Duration.ofSeconds(30), "the stuck worker never ended");
      awaitTrue(pipeline::isClosed, Duration.ofSeconds(5), "the worker ended without closing its pipeline (a leak)");
      assertEquals(1, made.size());
    }
  }

  private static boolean ingestThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("ingest-cam-hung") && t.isAlive());
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Condition c, Duration within, String message) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!c.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(message);
      }
      Thread.sleep(50);
    }
  }
}
