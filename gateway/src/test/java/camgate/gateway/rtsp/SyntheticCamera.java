package camgate.gateway.rtsp;

import camgate.gateway.camera.CameraStatus;
import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.camera.FrameHub;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

/**
 * A camera view made up for the tests: moving shapes and a visible frame counter, JPEG-encoded and published to a
 * {@link FrameHub} at a fixed rate on its own thread; it remembers the last JPEGs by sequence number.
 */
public final class SyntheticCamera implements AutoCloseable {

  private static final int REMEMBERED = 400;

  private final FrameHub hub = new FrameHub();
  private final int width;
  private final int height;
  private final AtomicLong sequence = new AtomicLong();
  private final Map<Long, byte[]> published = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
      return size() > REMEMBERED;
    }
  };
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "synthetic-camera");
    t.setDaemon(true);
    return t;
  });

  public SyntheticCamera(int width, int height, int framesPerSecond) {
    this.width = width;
    this.height = height;
    hub.publishStatus(new CameraStatus(CameraStatus.State.LIVE, Instant.now(), "synthetic", 0, 0, framesPerSecond));
    ticker.scheduleAtFixedRate(this::publish, 0, 1000 / framesPerSecond, TimeUnit.MILLISECONDS);
  }

  public FrameHub hub() {
    return hub;
  }

  /** The JPEG published with this sequence number, if still remembered. */
  public synchronized byte[] jpeg(long seq) {
    return published.get(seq);
  }

  /** Tells the hub the camera went down. */
  public void down() {
    hub.publishStatus(new CameraStatus(CameraStatus.State.DOWN, Instant.now(), "unplugged by the test", 0, 0, 0));
  }

  private void publish() {
    long seq = sequence.incrementAndGet();
    byte[] jpeg = draw(width, height, seq);
    synchronized (this) {
      published.put(seq, jpeg);
    }
    hub.publish(new EncodedFrame(seq, Instant.now(), jpeg, false));
  }

  static byte[] draw(int width, int height, long seq) {
    try (Mat m = new Mat(height, width, CV_8UC3, new Scalar(40, 90, 60, 0));
         BytePointer out = new BytePointer();
         IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, 92)) {
      int x = (int) (seq * 7 % width);
      int y = (int) (height / 2 + Math.sin(seq / 5.0) * height / 4);
      circle(m, new Point(x, y), height / 8, new Scalar(30, 200, 250, 0), -1, LINE_AA, 0);
      rectangle(m, new Point((int) (width - seq * 5 % width), height / 6),
          new Point((int) (width - seq * 5 % width) + width / 6, height / 6 + height / 6),
          new Scalar(220, 80, 40, 0), -1, LINE_AA, 0);
      putText(m, "frame " + seq, new Point(10, height - 15), FONT_HERSHEY_SIMPLEX, 1.0,
          new Scalar(255, 255, 255, 0), 2, LINE_AA, false);
      if (!imencode(".jpg", m, out, params)) {
        throw new IllegalStateException("OpenCV could not encode a test frame");
      }
      byte[] bytes = new byte[(int) out.limit()];
      out.get(bytes);
      return bytes;
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
