package camgate.gateway.camera;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/** Encodes BGR frames as JPEG with OpenCV. Not thread-safe: one per ingest worker. */
final class JpegEncoder implements AutoCloseable {

  private final IntPointer params;
  private final BytePointer buffer = new BytePointer();

  JpegEncoder(int quality) {
    this.params = new IntPointer(IMWRITE_JPEG_QUALITY, quality);
  }

  byte[] encode(Mat bgr) {
    if (!imencode(".jpg", bgr, buffer, params)) {
      throw new IllegalStateException("OpenCV could not encode a " + bgr.cols() + "x" + bgr.rows() + " frame as JPEG");
    }
    byte[] out = new byte[(int) buffer.limit()];
    buffer.get(out);
    return out;
  }

  @Override
  public void close() {
    params.close();
    buffer.close();
  }
}
