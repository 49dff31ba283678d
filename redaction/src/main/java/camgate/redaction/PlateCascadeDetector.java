package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

/**
 * Licence plates with OpenCV's plate cascade (haarcascade_russian_plate_number.xml, shipped inside the
 * OpenCV jar and loaded from there). Thread-safe through a pool of classifiers.
 */
final class PlateCascadeDetector implements ObjectDetector {
  static final String RESOURCE = "haarcascade_russian_plate_number.xml";

  private final ModelInfo model;
  private final int minNeighbors;
  private final BlockingQueue<CascadeClassifier> pool;

  PlateCascadeDetector(int minNeighbors, int poolSize) throws IOException {
    File file = Loader.cacheResource("/org/bytedeco/opencv/" + Loader.getPlatform()
        + "/share/opencv4/haarcascades/" + RESOURCE);
    if (file == null || !file.isFile()) {
      throw new IOException("the plate cascade " + RESOURCE + " is not in the OpenCV jar for " + Loader.getPlatform()
          + "; check the org.bytedeco:opencv dependency");
    }
    this.model = new ModelInfo(RESOURCE, ModelFile.sha256(file.toPath()), minNeighbors);
    this.minNeighbors = minNeighbors;
    this.pool = new ArrayBlockingQueue<>(poolSize);
    for (int i = 0; i < poolSize; i++) {
      CascadeClassifier c = new CascadeClassifier(file.getAbsolutePath());
      if (c.empty()) {
        throw new IOException("OpenCV could not read the plate cascade " + file);
      }
      pool.add(c);
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
    CascadeClassifier cascade;
    try {
      cascade = pool.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the plate cascade", e);
    }
    try (Mat gray = new Mat(); RectVector found = new RectVector()) {
      cvtColor(bgr, gray, COLOR_BGR2GRAY);
      equalizeHist(gray, gray);
      cascade.detectMultiScale(gray, found, 1.1, minNeighbors, 0, new Size(24, 8), new Size());
      List<Box> boxes = new ArrayList<>();
      for (long i = 0; i < found.size(); i++) {
        Rect r = found.get(i);
        boxes.add(new Box(ObjectKind.PLATE, r.x(), r.y(), r.width(), r.height(), 1f));
      }
      return boxes;
    } finally {
      pool.add(cascade);
    }
  }

  @Override
  public void close() {
    for (CascadeClassifier c; (c = pool.poll()) != null; ) {
      c.close();
    }
  }
}
