package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_dnn.blobFromImage;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_LIST;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.dilate;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Licence plates as text lines of plate shape: PP-OCRv4's text detector (Apache-2.0, from the PyPI
 * rapidocr-onnxruntime 1.4.4 wheel) through ONNX Runtime, its DB probability map turned into boxes as
 * RapidOCR does, then kept when the line has a plate's proportions and grown from the characters to the
 * plate's border. Thread-safe (an ORT session may be run concurrently).
 */
final class PlateTextDetector implements ObjectDetector {
  static final String FILE = "ppocrv4_det.onnx";
  static final String SHA256 = "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9";

  private static final float BINARY_THRESHOLD = 0.3f;
  private static final double UNCLIP_RATIO = 1.6;

  private final ModelInfo model;
  private final OnnxNetwork network;
  private final String input;
  private final Set<String> output;
  private final int maxSide;

  PlateTextDetector(ModelFile file, float boxThreshold, int maxSide) throws IOException {
    this.model = new ModelInfo(FILE, file.sha256(), boxThreshold);
    this.maxSide = maxSide;
    try {
      this.network = OnnxNetwork.load("plate text", Files.readAllBytes(file.path()));
      this.input = network.firstInput();
      this.output = Set.of(network.firstOutput());
    } catch (OrtException e) {
      throw new IOException("ONNX Runtime could not load " + file.path() + ": " + e.getMessage()
          + "; delete it and run ./camgate setup", e);
    }
  }

  @Override
  public ObjectKind kind() {
    return ObjectKind.PLATE;
  }

  @Override
  public ModelInfo model() {
    return model;
  }

  @Override
  public List<Box> detect(Mat bgr) {
    return detect(bgr, Boxes.whole(bgr));
  }

  /** Runs at the scale a whole-frame pass of {@code bgr} uses, so a plate is found alike in a region or the frame. */
  @Override
  public List<Box> detect(Mat bgr, Box region) {
    double scale = Math.min(1.0, (double) maxSide / Math.max(bgr.cols(), bgr.rows()));
    int w = Math.max(32, (int) Math.round(region.w() * scale / 32) * 32);
    int h = Math.max(32, (int) Math.round(region.h() * scale / 32) * 32);
    try (Rect rect = new Rect(region.x(), region.y(), region.w(), region.h()); Mat crop = new Mat(bgr, rect);
        Mat blob = blobFromImage(crop, 1 / 127.5, new Size(w, h), new Scalar(127.5, 127.5, 127.5, 0), false, false,
            CV_32F)) {
      FloatBuffer prob = network.run(input, blob.createBuffer(), new long[] {1, 3, h, w}, output,
          result -> ((OnnxTensor) result.get(0)).getFloatBuffer());
      return boxes(prob, w, h, region, bgr.cols(), bgr.rows());
    } catch (OrtException e) {
      throw new IllegalStateException("the plate text detector failed on a " + region.w() + "x" + region.h()
          + " region of a " + bgr.cols() + "x" + bgr.rows() + " frame: " + e.getMessage(), e);
    }
  }

  private List<Box> boxes(FloatBuffer prob, int w, int h, Box region, int frameW, int frameH) {
    double sx = (double) region.w() / w;
    double sy = (double) region.h() / h;
    float[] values = new float[w * h];
    prob.get(values);
    List<Box> out = new ArrayList<>();
    try (FloatPointer pointer = new FloatPointer(values); Mat map = new Mat(h, w, CV_32FC1, pointer);
        Mat binary = new Mat(); Mat binary8 = new Mat(); MatVector contours = new MatVector(); Mat hierarchy = new Mat();
        Mat kernel = getStructuringElement(MORPH_RECT, new Size(2, 2))) {
      threshold(map, binary, BINARY_THRESHOLD, 255, THRESH_BINARY);
      binary.convertTo(binary8, CV_8U);
      dilate(binary8, binary8, kernel);
      findContours(binary8.clone(), contours, hierarchy, RETR_LIST, CHAIN_APPROX_SIMPLE);
      for (long i = 0; i < contours.size(); i++) {
        try (Rect r = boundingRect(contours.get(i))) {
          if (r.width() < 3 || r.height() < 3) {
            continue;
          }
          double score;
          try (Mat roi = new Mat(map, r); Mat maskRoi = new Mat(binary8, r)) {
            score = mean(roi, maskRoi).get(0);
          }
          if (score < model.threshold()) {
            continue;
          }
          // RapidOCR's unclip: grow the characters' region by area * ratio / perimeter.
          double d = (double) r.width() * r.height() * UNCLIP_RATIO / (2.0 * (r.width() + r.height()));
          double x0 = region.x() + (r.x() - d) * sx;
          double y0 = region.y() + (r.y() - d) * sy;
          double bw = (r.width() + 2 * d) * sx;
          double bh = (r.height() + 2 * d) * sy;
          Box plate = plateAround(x0, y0, bw, bh, score, frameW, frameH);
          if (plate != null) {
            out.add(plate);
          }
        }
      }
    }
    return Boxes.nonMaximumSuppression(out, 0.3);
  }

  /** The plate around a text line, or null when the line does not have a plate's proportions. */
  static Box plateAround(double x, double y, double w, double h, double score, int frameW, int frameH) {
    double aspect = w / h;
    // One-line plates run from about 1.5:1 (square US/EU motorcycle-like crops of a line) to 6:1 (EU);
    // wider lines are signs or captions, taller blobs are not text lines.
    if (aspect < 1.3 || aspect > 8 || h < 6 || h > 0.3 * frameH || w > 0.6 * frameW) {
      return null;
    }
    // The border and the region band lie outside the characters: about a third more height, a tenth more width.
    double gx = 0.10 * w;
    double gy = 0.30 * h;
    return Boxes.clip(new Box(ObjectKind.PLATE, (int) Math.floor(x - gx), (int) Math.floor(y - gy),
        (int) Math.ceil(w + 2 * gx), (int) Math.ceil(h + 2 * gy), (float) score), frameW, frameH);
  }

  /** Waits for the runs in flight, stopping them, then frees the network (see {@link OnnxNetwork#close()}). */
  @Override
  public void close() {
    network.close();
  }
}
