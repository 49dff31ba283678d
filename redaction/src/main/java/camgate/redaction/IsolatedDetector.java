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
   * As the host's detector says; known without asking for every frame size a look has run at. Asking the host at a
   * new size while it is down throws {@link DetectorUnavailableException}.
   */
  @Override
  public double localisationError(int frameWidth, int frameHeight) {
    return localisationErrors.computeIfAbsent(size(frameWidth, frameHeight),
        k -> host.localisationError(kind, frameWidth, frameHeight));
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
