package camgate.redaction;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detectors every camera shares, loaded once (faces and licence plates), and the detection threads they run on.
 * The threads are shared too, sized to the machine rather than to the number of cameras: on a small box, cameras
 * with a thread each would only slice the same cores and all fall behind together. Each pipeline has at most one
 * pass queued or running, so cameras take turns. Thread-safe.
 */
public final class Detectors implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Detectors.class);
  private static final AtomicInteger POOLS = new AtomicInteger();

  /**
   * The share of its time each detection thread works at most, for the gateway (the library's own
   * {@link #load(Path)} does not rest): with a thread per core, detection takes at most 30 % of the machine. Chosen
   * with {@code ./camgate bench pipeline --streams 2 --pace 25} so that two 720p cameras on two cores cost less than
   * 3 times what decoding and encoding them costs.
   */
  public static final double DEFAULT_DUTY = 0.3;

  private final List<ObjectDetector> detectors;
  private final ExecutorService threads;

  private Detectors(List<ObjectDetector> detectors, double duty) {
    if (!(duty > 0 && duty <= 1)) {
      throw new IllegalArgumentException("the detection duty must be a fraction in (0, 1], got " + duty);
    }
    this.detectors = List.copyOf(detectors);
    int pool = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    int size = detectionThreads();
    this.threads = new DutyCycledPool(size, duty, r -> {
      Thread t = new Thread(r, "redaction-detect-" + pool + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Detection threads that rest after each pass in proportion to what it cost, so that they work at most
   * {@code duty} of the time: detection is what costs most, and without a bound it takes every cycle the streams
   * leave, however many cameras there are. A pass's result is delivered before the rest (the future completes inside
   * the task); only the next pass on that thread waits. The rest is capped at {@value #MAX_REST_MS} ms: after a
   * camera's first pass (the whole frame, seconds long) a rest in proportion held the next passes of the cameras
   * already running until their masks went stale. Cameras get passes less often than the detectors could run them,
   * and tracking and the motion guard cover the frames in between.
   */
  private static final class DutyCycledPool extends ThreadPoolExecutor {
    private static final long MAX_REST_MS = 500;

    private final double duty;
    private final ThreadLocal<Long> started = new ThreadLocal<>();

    DutyCycledPool(int threads, double duty, ThreadFactory factory) {
      super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
      this.duty = duty;
    }

    @Override
    protected void beforeExecute(Thread t, Runnable r) {
      started.set(System.nanoTime());
    }

    @Override
    protected void afterExecute(Runnable r, Throwable t) {
      if (duty >= 1) {
        return;
      }
      long worked = System.nanoTime() - started.get();
      long rest = Math.min(TimeUnit.MILLISECONDS.toNanos(MAX_REST_MS), (long) (worked * (1 - duty) / duty));
      try {
        TimeUnit.NANOSECONDS.sleep(rest);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // shutdownNow: the worker sees the flag and stops
      }
    }
  }

  /**
   * Detection passes that run at once: {@code camgate.detect.threads}, else one per core. The duty cycle, not the
   * number of threads, bounds what detection costs; a thread per core lets one camera's passes go on while another
   * camera's first pass (the whole frame, seconds long) runs: with a single thread the first camera's masks went
   * more than 100 frames stale while the second camera started ({@code ./camgate bench pipeline --streams 2}).
   */
  static int detectionThreads() {
    return Math.max(1, Integer.getInteger("camgate.detect.threads", Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Loads the face model (CenterFace) and the plate model (PP-OCRv4 text detector) from {@code modelsDir}, checking
   * their pinned SHA-256. BLOCKING. Tuning for measurements only (system properties, defaults chosen by
   * {@code ./camgate eval}): {@code camgate.face.threshold} (0.07), {@code camgate.face.minLongSide} (960: smaller
   * frames are upscaled), {@code camgate.face.maxPixels} (1.6 M), {@code camgate.face.small.*} (the finer look for
   * small faces, see {@link #smallFaces()}), {@code camgate.plate.threshold} (0.5),
   * {@code camgate.plate.maxSide} (1280); threading: {@code camgate.detect.threads} (passes at once, one per two
   * cores) and {@code camgate.detect.intraThreads} (threads a network, 1).
   *
   * @throws IOException if a model file is missing or has the wrong hash; the message names the file and says to
   *     run ./camgate setup
   */
  public static Detectors load(Path modelsDir) throws IOException {
    return load(modelsDir, EnumSet.allOf(ObjectKind.class));
  }

  /**
   * Loads only the detectors of the given kinds (the evaluation scores one kind at a time). BLOCKING.
   *
   * @throws IOException as {@link #load(Path)}
   */
  public static Detectors load(Path modelsDir, Set<ObjectKind> kinds) throws IOException {
    return load(modelsDir, kinds, true, 1);
  }

  /**
   * Loads both detectors, with or without the finer look for small faces (the gateway's
   * {@code redaction.small_faces}), on detection threads that work at most {@code duty} of the time (the gateway's
   * {@code redaction.detection_duty}; 1: no rest, which is what {@link #load(Path)} does). BLOCKING.
   *
   * @throws IOException as {@link #load(Path)}
   * @throws IllegalArgumentException if {@code duty} is not in (0, 1]
   */
  public static Detectors load(Path modelsDir, boolean smallFaceLook, double duty) throws IOException {
    return load(modelsDir, EnumSet.allOf(ObjectKind.class), smallFaceLook, duty);
  }

  private static Detectors load(Path modelsDir, Set<ObjectKind> kinds, boolean smallFaceLook, double duty)
      throws IOException {
    Objects.requireNonNull(modelsDir, "modelsDir");
    List<ObjectDetector> loaded = new ArrayList<>();
    try {
      if (kinds.contains(ObjectKind.FACE)) {
        ModelFile face = ModelFile.verified(modelsDir.resolve(CenterFaceDetector.FILE), CenterFaceDetector.SHA256);
        loaded.add(new CenterFaceDetector(face, Float.parseFloat(System.getProperty("camgate.face.threshold", "0.07")),
            new CenterFaceDetector.Resolution(Integer.getInteger("camgate.face.minLongSide", 960),
                Long.getLong("camgate.face.maxPixels", 1_600_000L)), smallFaceLook ? smallFaces() : null));
      }
      if (kinds.contains(ObjectKind.PLATE)) {
        ModelFile text = ModelFile.verified(modelsDir.resolve(PlateTextDetector.FILE), PlateTextDetector.SHA256);
        loaded.add(new PlateTextDetector(text, Float.parseFloat(System.getProperty("camgate.plate.threshold", "0.5")),
            Integer.getInteger("camgate.plate.maxSide", 1280)));
      }
      return new Detectors(loaded, duty);
    } catch (IOException | RuntimeException e) {
      loaded.forEach(ObjectDetector::close);
      throw e;
    }
  }

  /**
   * The finer look for small faces from {@code camgate.face.small.factor} (2: twice the first scale; 1 or less:
   * none), {@code camgate.face.small.maxWidth} (24 frame pixels) and {@code camgate.face.small.threshold} (0.07).
   */
  private static CenterFaceDetector.SmallFaces smallFaces() {
    double factor = Double.parseDouble(System.getProperty("camgate.face.small.factor", "2"));
    return factor <= 1 ? null : new CenterFaceDetector.SmallFaces(factor,
        Integer.getInteger("camgate.face.small.maxWidth", 24),
        Float.parseFloat(System.getProperty("camgate.face.small.threshold", "0.07")));
  }

  /** Wraps given detectors (tests inject ones that throw or stall); closing this closes them. */
  public static Detectors of(ObjectDetector... detectors) {
    return new Detectors(List.of(detectors), 1);
  }

  /** Wraps given detectors on detection threads that work at most {@code duty} of the time; closing closes them. */
  static Detectors of(List<ObjectDetector> detectors, double duty) {
    return new Detectors(detectors, duty);
  }

  /** The models in use, in detector order. */
  public List<ModelInfo> models() {
    return detectors.stream().map(ObjectDetector::model).toList();
  }

  /**
   * The box masked for an object found at {@code found}: grown by {@code margin} of its size on every side, but by at
   * least what its detector may be off by ({@link ObjectDetector#localisationError}), clipped to the frame.
   */
  public Box masked(Box found, double margin, int frameWidth, int frameHeight) {
    return Boxes.grow(found, margin, localisationError(found.kind(), frameWidth, frameHeight), frameWidth,
        frameHeight);
  }

  /** The largest {@link ObjectDetector#localisationError} of the detectors of {@code kind} at this frame size. */
  double localisationError(ObjectKind kind, int frameWidth, int frameHeight) {
    return detectors.stream().filter(d -> d.kind() == kind)
        .mapToDouble(d -> d.localisationError(frameWidth, frameHeight)).max().orElse(0);
  }

  List<ObjectDetector> all() {
    return detectors;
  }

  /**
   * Runs every detector's full look on the whole of {@code frame}: what a camera's first pass sees, and the exhaustive
   * reference the video evaluation holds the live passes to. Boxes as found, before any margin. BLOCKING (seconds on
   * a 720p frame with the finer look for small faces).
   */
  public List<Box> detect(Mat frame) {
    List<Box> all = new ArrayList<>();
    for (ObjectDetector d : detectors) {
      all.addAll(d.detect(frame));
    }
    return all;
  }

  /**
   * Runs every detector on each of {@code regions} of {@code frame}, a full look or a {@link ObjectDetector#glance}.
   * An object in the overlap of two regions is found twice: see {@link Boxes#sameObjectsOnce}. BLOCKING.
   */
  List<Box> detect(Mat frame, List<Box> regions, boolean glance) {
    List<Box> all = new ArrayList<>();
    for (ObjectDetector d : detectors) {
      for (Box region : regions) {
        all.addAll(glance ? d.glance(frame, region) : d.detect(frame, region));
      }
    }
    return all;
  }

  /** What a pass looks at: regions to look at fully and regions to glance at. */
  record Looks(List<Box> thorough, List<Box> glances) {
    Looks {
      thorough = List.copyOf(thorough);
      glances = List.copyOf(glances);
    }

    List<Box> all() {
      List<Box> all = new ArrayList<>(thorough);
      all.addAll(glances);
      return all;
    }
  }

  /**
   * Queues a task on the detection threads.
   *
   * @throws java.util.concurrent.RejectedExecutionException after {@link #close()}
   */
  <T> Future<T> submit(Callable<T> task) {
    return threads.submit(task);
  }

  /** Stops the detection threads, waiting for a pass in progress, then closes the models. */
  @Override
  public void close() {
    threads.shutdownNow();
    // The ONNX networks are safe to close under a run (OnnxNetwork stops and waits for it), but a pass in progress
    // still reads its frame with OpenCV, and a detector a program injects need not be safe at all: wait first.
    try {
      if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.error("a detection pass did not stop within 30 s; leaving the models open");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (ObjectDetector d : detectors) {
      try {
        d.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing detector " + d.model().name() + " failed", e);
      }
    }
  }
}
