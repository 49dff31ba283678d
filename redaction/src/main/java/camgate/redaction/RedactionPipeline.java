package camgate.redaction;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redaction of one camera: static privacy masks, then detection (every {@code detectionInterval} frames),
 * tracking and redaction of faces and plates. Fails closed: until the first detection pass has completed, when a
 * detector throws, or when its result would arrive after {@code detectionDeadline}, the whole frame is masked.
 *
 * <p>{@link #process} must be called from one thread at a time (the camera's ingest thread); {@link #updateMasks}
 * and {@link #stats} may be called from any thread.
 */
public final class RedactionPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedactionPipeline.class);
  private static final AtomicInteger PIPELINES = new AtomicInteger();

  private final Detectors detectors;
  private final RedactionSettings settings;
  private final Tracker tracker;
  private final ExecutorService detectionThread;
  private volatile List<PrivacyMask> masks;

  private long frameIndex = -1;
  private boolean warm;
  private boolean lastDetectionFailed;
  private long lastDetectionFrame = Long.MIN_VALUE;
  private Future<List<Box>> pending;

  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong failSafeFrames = new AtomicLong();
  private final AtomicLong detectorErrors = new AtomicLong();
  private final AtomicLong lateFrames = new AtomicLong();

  private RedactionPipeline(Detectors detectors, RedactionSettings settings) {
    this.detectors = detectors;
    this.settings = settings;
    this.masks = settings.masks();
    this.tracker = new Tracker(settings.holdFrames());
    int id = PIPELINES.incrementAndGet();
    this.detectionThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "redaction-detect-" + id);
      t.setDaemon(true);
      return t;
    });
  }

  /** A pipeline for one camera; the detectors are shared and stay open when the pipeline closes. */
  public static RedactionPipeline create(Detectors detectors, RedactionSettings settings) {
    return new RedactionPipeline(Objects.requireNonNull(detectors, "detectors"),
        Objects.requireNonNull(settings, "settings"));
  }

  /** Replaces the static privacy masks from the next frame on. Thread-safe. */
  public void updateMasks(List<PrivacyMask> masks) {
    this.masks = List.copyOf(masks);
  }

  /**
   * Redacts one BGR frame (CV_8UC3); the input is not modified. BLOCKING for at most about
   * {@code detectionDeadline} on frames where the detectors run.
   *
   * @param alsoMasksOnly also return a copy with only the static privacy masks applied (for a raw view)
   * @throws IllegalArgumentException if the frame is empty or not 3-channel 8-bit
   */
  public ProcessedFrame process(Mat bgr, boolean alsoMasksOnly) {
    long start = System.nanoTime();
    if (bgr == null || bgr.empty() || bgr.channels() != 3 || bgr.depth() != 0) {
      throw new IllegalArgumentException("expected a non-empty BGR frame (CV_8UC3), got "
          + (bgr == null ? "null" : bgr.empty() ? "an empty Mat" : bgr.channels() + " channels, depth " + bgr.depth()));
    }
    long frame = ++frameIndex;
    frames.incrementAndGet();
    Mat work = bgr.clone();
    RegionRedactor.paintMasks(work, masks);
    Mat masksOnly = alsoMasksOnly ? work.clone() : null;

    String failSafeReason = null;
    boolean due = lastDetectionFailed || !warm || frame - lastDetectionFrame >= settings.detectionInterval();
    if (due) {
      failSafeReason = detect(work, frame, start);
    }
    List<Box> faces = new ArrayList<>();
    List<Box> plates = new ArrayList<>();
    for (Box tracked : tracker.boxesAt(frame)) {
      Box b = Boxes.grow(tracked, settings.margin(), work.cols(), work.rows());
      if (b.w() == 0 || b.h() == 0) {
        continue;
      }
      (b.kind() == ObjectKind.FACE ? faces : plates).add(b);
    }
    if (failSafeReason == null && !warm) {
      failSafeReason = "warming up: no detection pass has completed yet";
    }
    if (failSafeReason == null && lastDetectionFailed) {
      failSafeReason = "the last detection pass failed";
    }
    if (failSafeReason != null) {
      failSafeFrames.incrementAndGet();
      RegionRedactor.redactWhole(work);
    } else {
      for (Box b : faces) {
        RegionRedactor.redact(work, b, settings.style());
      }
      for (Box b : plates) {
        RegionRedactor.redact(work, b, settings.style());
      }
    }
    FrameReport report = new FrameReport(frame, faces, plates, failSafeReason != null, failSafeReason,
        detectors.models());
    return new ProcessedFrame(work, masksOnly, report);
  }

  /** Runs the detectors on {@code work} within the deadline; returns the fail-safe reason, or null on success. */
  private String detect(Mat work, long frame, long start) {
    if (pending != null && !pending.isDone()) {
      lateFrames.incrementAndGet();
      lastDetectionFailed = true;
      return "the detector is still busy with an earlier frame (stalled past the "
          + settings.detectionDeadline().toMillis() + " ms deadline)";
    }
    Mat input = work.clone();
    Future<List<Box>> future;
    try {
      future = detectionThread.submit(() -> {
        try (input) {
          List<Box> all = new ArrayList<>();
          for (ObjectDetector d : detectors.all()) {
            all.addAll(d.detect(input));
          }
          return all;
        }
      });
    } catch (RuntimeException e) {
      input.close();
      detectorErrors.incrementAndGet();
      lastDetectionFailed = true;
      return "the detection thread rejected the frame: " + e;
    }
    pending = future;
    long remaining = settings.detectionDeadline().toNanos() - (System.nanoTime() - start);
    try {
      List<Box> found = future.get(Math.max(0, remaining), TimeUnit.NANOSECONDS);
      tracker.update(found, frame);
      lastDetectionFrame = frame;
      lastDetectionFailed = false;
      warm = true;
      return null;
    } catch (TimeoutException e) {
      lateFrames.incrementAndGet();
      lastDetectionFailed = true;
      return "detection did not finish within the " + settings.detectionDeadline().toMillis() + " ms deadline";
    } catch (ExecutionException e) {
      detectorErrors.incrementAndGet();
      lastDetectionFailed = true;
      LOG.warn("detector failed on frame {}; masking the whole frame", frame, e.getCause());
      return "detector error: " + e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lastDetectionFailed = true;
      return "interrupted while waiting for detection";
    }
  }

  /** A consistent-enough snapshot of the counters. Thread-safe. */
  public RedactionStats stats() {
    return new RedactionStats(frames.get(), failSafeFrames.get(), detectorErrors.get(), lateFrames.get());
  }

  /** Stops the detection thread (a stalled detector is interrupted); the shared detectors stay open. */
  @Override
  public void close() {
    detectionThread.shutdownNow();
    // Wait for a detection pass in progress: closing the shared detectors while a native ONNX Runtime
    // or OpenCV call still runs on them aborts the whole JVM (seen: "LogStart must pair with LogEnd").
    try {
      if (!detectionThread.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.error("detection thread did not stop within 30 s; do not close the detectors it uses");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
