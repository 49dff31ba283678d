package camgate.gateway.support;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_core.meanStdDev;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

/** Pixel measurements the redaction tests assert on. */
public final class Images {

  private Images() {
  }

  /** Decodes a JPEG; fails the test if the bytes are not one. */
  public static Mat decode(byte[] jpeg) {
    Mat m = imdecode(new Mat(new BytePointer(jpeg)), IMREAD_COLOR);
    if (m == null || m.empty()) {
      throw new AssertionError("not a decodable JPEG (" + jpeg.length + " bytes)");
    }
    return m;
  }

  /** Mean absolute difference per channel value between two same-size images (0..255). */
  public static double meanAbsDiff(Mat a, Mat b) {
    Mat d = new Mat();
    absdiff(a, b, d);
    Scalar s = mean(d);
    return (s.get(0) + s.get(1) + s.get(2)) / 3;
  }

  /** Variance of the Laplacian of a region: its high-frequency detail. */
  public static double detail(Mat bgr, Rect region) {
    Mat gray = new Mat();
    cvtColor(new Mat(bgr, region), gray, COLOR_BGR2GRAY);
    Mat lap = new Mat();
    Laplacian(gray, lap, CV_64F);
    Mat m = new Mat();
    Mat sd = new Mat();
    meanStdDev(lap, m, sd);
    double s = sd.createIndexer().getDouble(0);
    return s * s;
  }
}
