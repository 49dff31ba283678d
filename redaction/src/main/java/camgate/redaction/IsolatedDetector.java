package camgate.redaction;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A detector that runs in the detector host: each look copies the part of the frame it reads into a frame slot and
 * waits for the host's boxes. Fails with {@link DetectorUnavailableException} while the host is down. Thread-safe.
 */
final class IsolatedDetector implements ObjectDetector {
  private final ObjectKind kind;
  private final ModelInfo model;
  private final DetectorProcess host;
  /** Localisation errors by frame size (width << 32 | height), from the host's answers. */
  private final Map<Long, Double> localisationErrors = new ConcurrentHashMap<>();

  IsolatedDetector(ObjectKind kind, ModelInfo model, DetectorProcess host) {
    this.kind = kind;
    this.model = model;
    this.host = host;
  }

  @Override
  public ObjectKind kind() {
    return kind;
  }

  @Override
  public ModelInfo model() {
    return model;
  }

  @Override
  public List<Box> detect(Mat bgr) {
    return look(HostExchange.WHOLE, bgr, Boxes.whole(bgr));
  }

  @Override
  public List<Box> detect(Mat bgr, Box region) {
    return look(HostExchange.REGION, bgr, region);
  }

  @Override
  public List<Box> glance(Mat bgr, Box region) {
    return look(HostExchange.GLANCE, bgr, region);
  }

  /**
   * As the host's detector says; known without asking for every frame size a look has run at. At a new size while
   * the host is down (a camera changed resolution during an outage, its tracked boxes still masked), a bound from
   * the sizes known: the pipeline masks a frame with it rather than fail the camera.
   */
  @Override
  public double localisationError(int frameWidth, int frameHeight) {
    Double known = localisationErrors.get(size(frameWidth, frameHeight));
    if (known != null) {
      return known;
    }
    try {
      double asked = host.localisationError(kind, frameWidth, frameHeight);
      localisationErrors.put(size(frameWidth, frameHeight), asked);
      return asked;
    } catch (DetectorUnavailableException e) {
      return bound(frameWidth, frameHeight);
    }
  }

  /**
   * The largest known error, grown in proportion to the frame's size where it is larger: a detector's error in frame
   * pixels grows at most as fast as the frame (it runs at a fixed or capped input size), so this is never smaller
   * than the true one. 0 when no size is known (no look has completed, so there is no box to grow).
   */
  private double bound(int frameWidth, int frameHeight) {
    double bound = 0;
    for (Map.Entry<Long, Double> e : localisationErrors.entrySet()) {
      int w = (int) (e.getKey() >>> 32);
      int h = (int) (long) e.getKey();
      double growth = Math.max(1, Math.max((double) frameWidth / w, (double) frameHeight / h));
      bound = Math.max(bound, e.getValue() * growth);
    }
    return bound;
  }

  private List<Box> look(int look, Mat bgr, Box region) {
    HostExchange.Found found = host.look(look, kind, bgr, region);
    localisationErrors.putIfAbsent(size(bgr.cols(), bgr.rows()), found.localisationError());
    return found.boxes();
  }

  private static long size(int width, int height) {
    return ((long) width << 32) | (height & 0xffffffffL);
  }

  /** Stops the host (every detector of it shares it; the first close stops it, the others find it stopped). */
  @Override
  public void close() {
    host.close();
  }
}
