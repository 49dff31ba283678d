package camgate.redaction;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;

/** The detectors every camera shares, loaded once: faces and licence plates. Thread-safe. */
public final class Detectors implements AutoCloseable {
  private final List<ObjectDetector> detectors;

  private Detectors(List<ObjectDetector> detectors) {
    this.detectors = List.copyOf(detectors);
  }

  /**
   * Loads the face model (CenterFace) and the plate model (PP-OCRv4 text detector) from {@code modelsDir}, checking
   * their pinned SHA-256. BLOCKING. Tuning for measurements only (system properties, defaults chosen by
   * {@code ./camgate eval}): {@code camgate.face.threshold} (0.07), {@code camgate.face.minLongSide} (960: smaller
   * frames are upscaled), {@code camgate.face.maxPixels} (1.6 M), {@code camgate.plate.threshold} (0.5),
   * {@code camgate.plate.maxSide} (1280).
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
    Objects.requireNonNull(modelsDir, "modelsDir");
    List<ObjectDetector> loaded = new ArrayList<>();
    try {
      if (kinds.contains(ObjectKind.FACE)) {
        ModelFile face = ModelFile.verified(modelsDir.resolve(CenterFaceDetector.FILE), CenterFaceDetector.SHA256);
        loaded.add(new CenterFaceDetector(face, Float.parseFloat(System.getProperty("camgate.face.threshold", "0.07")),
            new CenterFaceDetector.Resolution(Integer.getInteger("camgate.face.minLongSide", 960),
                Long.getLong("camgate.face.maxPixels", 1_600_000L))));
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

  @Override
  public void close() {
    for (ObjectDetector d : detectors) {
      try {
        d.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing detector " + d.model().name() + " failed", e);
      }
    }
  }
}
