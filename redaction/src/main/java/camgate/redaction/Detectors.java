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
import java.util.concurrent.Executors;
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

  private final List<ObjectDetector> detectors;
  private final ExecutorService threads;

  private Detectors(List<ObjectDetector> detectors) {
    this.detectors = List.copyOf(detectors);
    int pool = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newFixedThreadPool(detectionThreads(), r -> {
      Thread t = new Thread(r, "redaction-detect-" + pool + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Detection passes that run at once: {@code camgate.detect.threads}, else one per two cores. Each pass already
   * runs its networks on several cores; a second concurrent pass pays off only where cores are left over after
   * decoding and encoding the streams.
   */
  static int detectionThreads() {
    return Math.max(1, Integer.getInteger("camgate.detect.threads", Runtime.getRuntime().availableProcessors() / 2));
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
    return load(modelsDir, kinds, true);
  }

  /**
   * Loads both detectors, with or without the finer look for small faces: without it a whole-frame pass costs about
   * a fifth, and faces under 20 px are found about 0.75 of the time instead of 0.9 (the gateway's
   * {@code redaction.small_faces}). BLOCKING.
   *
   * @throws IOException as {@link #load(Path)}
   */
  public static Detectors load(Path modelsDir, boolean smallFaceLook) throws IOException {
    return load(modelsDir, EnumSet.allOf(ObjectKind.class), smallFaceLook);
  }

  private static Detectors load(Path modelsDir, Set<ObjectKind> kinds, boolean smallFaceLook) throws IOException {
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
      return new Detectors(loaded);
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
    return new Detectors(List.of(detectors));
  }

  /** The models in use, in detector order. */
  public List<ModelInfo> models() {
    return detectors.stream().map(ObjectDetector::model).toList();
  }

  List<ObjectDetector> all() {
    return detectors;
  }

  /** Runs every detector on {@code regions} of {@code frame} (null: the whole frame). BLOCKING. */
  List<Box> detect(Mat frame, List<Box> regions) {
    List<Box> all = new ArrayList<>();
    for (ObjectDetector d : detectors) {
      if (regions == null) {
        all.addAll(d.detect(frame));
        continue;
      }
      for (Box region : regions) {
        all.addAll(d.detect(frame, region));
      }
    }
    return all;
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
    // Closing a model while a native ONNX Runtime or OpenCV call still runs on it aborts the whole JVM
    // (seen: "LogStart must pair with LogEnd").
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
