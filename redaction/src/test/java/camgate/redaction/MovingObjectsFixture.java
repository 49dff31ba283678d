package camgate.redaction;

import camgate.redaction.tools.LabelledClip;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * The moving-object fixture: two faces (astronaut.png from python3-skimage, messi5.jpg from opencv-doc) and a
 * car with a licence plate (licenseplate_motion.jpg from opencv-doc, whose own plate is motion-blurred beyond
 * reading, so a French-style plate is drawn on it) moving across the pedestrians of OpenCV's vtest.avi, with
 * the true box of every face and plate on every frame. Generated at test time from Debian packages the launcher
 * installs; {@link #main} writes it as a video plus a labels CSV for the benchmarks and the demo.
 */
final class MovingObjectsFixture {
  static final Path VTEST = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");
  static final Path ASTRONAUT = Path.of("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");
  static final Path MESSI = Path.of("/usr/share/doc/opencv-doc/examples/data/messi5.jpg");
  static final Path CAR = Path.of("/usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg");

  /** One generated frame and the true boxes in it. */
  record LabelledFrame(int index, Mat frame, List<Box> truth) implements AutoCloseable {
    @Override
    public void close() {
      frame.close();
    }
  }

  /** An image pasted on the background and the box of the object inside it. */
  private record Sprite(Mat image, Box object) {}

  /** A sprite's straight path: position at frame 0 and pixels per frame. */
  private record Path2(Sprite sprite, int x0, int y0, double vx, double vy) {}

  private MovingObjectsFixture() {}

  /** Checks that the Debian packages with the source media are installed. */
  static void requireSources() throws IOException {
    for (Path p : List.of(VTEST, ASTRONAUT, MESSI, CAR)) {
      if (!Files.isRegularFile(p)) {
        throw new IOException(p + " is missing: it comes from the Debian packages opencv-doc and python3-skimage;"
            + " run ./camgate setup");
      }
    }
  }

  /** Generates {@code count} frames (at most the length of vtest.avi, 795). BLOCKING (decodes video). */
  static List<LabelledFrame> generate(int count) throws IOException {
    requireSources();
    List<Path2> paths = paths();
    List<LabelledFrame> out = new ArrayList<>();
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(VTEST.toFile());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
      grabber.start();
      for (int i = 0; i < count; i++) {
        Frame f = grabber.grabImage();
        if (f == null) {
          break;
        }
        Mat frame = converter.convert(f).clone();
        List<Box> truth = new ArrayList<>();
        for (Path2 p : paths) {
          int x = (int) Math.round(p.x0 + p.vx * i);
          int y = (int) Math.round(p.y0 + p.vy * i);
          Mat s = p.sprite.image;
          if (x < 0 || y < 0 || x + s.cols() > frame.cols() || y + s.rows() > frame.rows()) {
            continue; // off screen: the path is chosen so this does not happen within the clip
          }
          try (Mat roi = new Mat(frame, new Rect(x, y, s.cols(), s.rows()))) {
            s.copyTo(roi);
          }
          Box o = p.sprite.object;
          truth.add(new Box(o.kind(), x + o.x(), y + o.y(), o.w(), o.h(), 1f));
        }
        out.add(new LabelledFrame(i, frame, truth));
      }
      grabber.stop();
    } finally {
      for (Path2 p : paths) {
        p.sprite.image.close();
      }
    }
    return out;
  }

  private static List<Path2> paths() {
    // Face boxes in the sources, found once with CenterFace and checked by eye.
    Sprite astronaut = sprite(ASTRONAUT, new Rect(135, 5, 180, 220), SampleImagesTest.ASTRONAUT_FACE, 0.35);
    Sprite messi = sprite(MESSI, new Rect(200, 70, 85, 85), SampleImagesTest.MESSI_FACE, 0.75);
    Sprite car = carWithPlate();
    return List.of(
        // Paths stay inside the 768x576 frame for 80 frames and never overlap (an occluded face has no box to find).
        new Path2(astronaut, 10, 40, 8, 0.5), // a 36x48 face crossing left to right
        new Path2(messi, 690, 200, -7, 0.5), // a 26x30 face crossing right to left
        new Path2(car, 20, 440, 6, -1)); // a 92x21 plate crossing diagonally
  }

  private static Sprite sprite(Path file, Rect crop, Box objectInSource, double scale) {
    LabelledClip.Sprite s = LabelledClip.face(file, crop, objectInSource, scale);
    return new Sprite(s.image(), s.object());
  }

  /** The rear of the car in licenseplate_motion.jpg, scaled to 0.5, with a readable plate drawn over its own. */
  private static Sprite carWithPlate() {
    LabelledClip.Sprite s = LabelledClip.carWithPlate(1.0);
    return new Sprite(s.image(), s.object());
  }

  /** Writes the fixture as {@code DIR/moving-objects.mp4} (H.264, 10 fps) and {@code DIR/moving-objects.csv}. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/fixtures");
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 120;
    Files.createDirectories(dir);
    List<LabelledFrame> frames = generate(count);
    try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(dir.resolve("moving-objects.csv")));
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(dir.resolve("moving-objects.mp4").toFile(),
            frames.get(0).frame().cols(), frames.get(0).frame().rows());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
      recorder.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264);
      recorder.setFrameRate(10);
      recorder.setFormat("mp4");
      recorder.start();
      csv.println("frame,kind,x,y,w,h");
      for (LabelledFrame f : frames) {
        recorder.record(converter.convert(f.frame()));
        for (Box b : f.truth()) {
          csv.printf("%d,%s,%d,%d,%d,%d%n", f.index(), b.kind(), b.x(), b.y(), b.w(), b.h());
        }
        f.close();
      }
      recorder.stop();
    }
    System.out.println("wrote " + frames.size() + " frames to " + dir.resolve("moving-objects.mp4"));
  }
}
