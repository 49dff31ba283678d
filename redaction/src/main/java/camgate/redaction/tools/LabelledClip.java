package camgate.redaction.tools;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import camgate.redaction.Box;
import camgate.redaction.ObjectKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * {@code ./camgate eval clip OUT_DIR [--size WxH] [--frames N] [--fps F]}: writes a clip with the exact box of every
 * face and plate on every frame, for {@code ./camgate eval video --labels}: the moving-object fixture grown to a
 * camera's size and pace. Faces (astronaut.png from python3-skimage, messi5.jpg from opencv-doc) from 18 to 80 px
 * and cars with a drawn plate (licenseplate_motion.jpg from opencv-doc) cross the pedestrians of OpenCV's vtest.avi
 * (scaled to the size, played back and forth) at up to 20 px a frame, bouncing off the edges (the tracker's
 * prediction is wrong at each bounce); two of them stop and go (a face that walks in and stops is what the motion
 * guard stops seeing). Each moves in a lane of its own, so none hides another. Writes {@code OUT_DIR/faces-plates.mp4}
 * (H.264, crf 16) and {@code OUT_DIR/faces-plates.csv} ({@code frame,kind,x,y,w,h}). Only Debian-shipped media:
 * nothing of a data set.
 */
public final class LabelledClip {
  static final Path VTEST = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");
  static final Path ASTRONAUT = Path.of("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");
  static final Path MESSI = Path.of("/usr/share/doc/opencv-doc/examples/data/messi5.jpg");
  static final Path CAR = Path.of("/usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg");
  /** The faces in the source images as CenterFace finds them, checked by eye (as the redaction tests use them). */
  private static final Box ASTRONAUT_FACE = new Box(ObjectKind.FACE, 175, 46, 100, 136, 1f);
  private static final Box MESSI_FACE = new Box(ObjectKind.FACE, 226, 94, 33, 38, 1f);

  private LabelledClip() {}

  /** An image pasted on the background and the box of the object inside it (the redaction tests use it too). */
  public record Sprite(Mat image, Box object) {}

  /**
   * A sprite's way across the frame: a lane at {@code y} (a fraction of the height), {@code speed} pixels a frame
   * (negative: leftwards), starting {@code phase} of the way along; with {@code stopEvery} > 0 it stops for that many
   * frames after moving that many.
   */
  record Lane(Sprite sprite, double y, double speed, double phase, int stopEvery) {
    /** The sprite's top-left corner on frame {@code n} of a {@code w}x{@code h} clip. */
    Point at(int n, int w, int h) {
      int travel = Math.max(1, w - sprite.image.cols());
      double moving = stopEvery > 0 ? (n / (2 * stopEvery)) * stopEvery + Math.min(n % (2 * stopEvery), stopEvery) : n;
      double s = phase * 2 * travel + moving * Math.abs(speed);
      double t = s % (2.0 * travel);
      double x = t <= travel ? t : 2.0 * travel - t; // back and forth
      if (speed < 0) {
        x = travel - x;
      }
      int wobble = (int) Math.round(3 * Math.sin(n / 7.0));
      return new Point((int) Math.round(x), (int) Math.round(y * h) + wobble);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args[0].startsWith("--")) {
      System.err.println("usage: ./camgate eval clip OUT_DIR [--size WxH] [--frames N] [--fps F]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    Map<String, String> opts = Eval.options(java.util.Arrays.copyOfRange(args, 1, args.length));
    Size size = BenchPipeline.parseSize(opts.getOrDefault("--size", "1280x720"));
    int frames = Integer.parseInt(opts.getOrDefault("--frames", "750"));
    double fps = Double.parseDouble(opts.getOrDefault("--fps", "25"));
    for (Path p : List.of(VTEST, ASTRONAUT, MESSI, CAR)) {
      if (!Files.isRegularFile(p)) {
        throw new IOException(p + " is missing: it comes from the Debian packages opencv-doc and python3-skimage;"
            + " run ./camgate setup");
      }
    }
    Files.createDirectories(dir);
    write(dir.resolve("faces-plates.mp4"), dir.resolve("faces-plates.csv"), size, frames, fps);
  }

  /** The lanes, top to bottom; the sprites scale with the clip's height (sizes below are for 720 rows). */
  private static List<Lane> lanes(double k) {
    return List.of(
        new Lane(face(ASTRONAUT, new Rect(135, 5, 180, 220), ASTRONAUT_FACE, 0.58 * k), 0.01, 20, 0.0, 0), // 58 px
        new Lane(face(ASTRONAUT, new Rect(135, 5, 180, 220), ASTRONAUT_FACE, 0.28 * k), 0.20, -12, 0.3, 0), // 28 px
        new Lane(face(MESSI, new Rect(200, 70, 85, 85), MESSI_FACE, 2.4 * k), 0.30, 6, 0.6, 40), // 80 px, stops
        new Lane(face(MESSI, new Rect(200, 70, 85, 85), MESSI_FACE, 0.6 * k), 0.59, -3, 0.2, 60), // 20 px, stops
        new Lane(carWithPlate(1.0 * k), 0.67, 15, 0.5, 0), // a 92 px plate
        new Lane(carWithPlate(0.65 * k), 0.83, -8, 0.8, 0), // a 60 px plate
        new Lane(face(ASTRONAUT, new Rect(135, 5, 180, 220), ASTRONAUT_FACE, 0.18 * k), 0.935, 9, 0.4, 0)); // 18 px
  }

  private static void write(Path video, Path csvFile, Size size, int frames, double fps) throws Exception {
    List<Lane> lanes = lanes(size.height() / 720.0);
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(VTEST.toFile());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        PrintWriter csv = new PrintWriter(Files.newBufferedWriter(csvFile));
        FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(video.toFile(), size.width(), size.height())) {
      List<Mat> background = new ArrayList<>();
      grabber.start();
      for (Frame f; (f = grabber.grabImage()) != null; ) {
        Mat scaled = new Mat();
        resize(converter.convert(f), scaled, size, 0, 0, INTER_AREA);
        background.add(scaled);
      }
      grabber.stop();
      recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
      recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      recorder.setVideoBitrate(0); // JavaCV's default 400 kb/s would override the quality
      recorder.setVideoQuality(16);
      recorder.setFrameRate(fps);
      recorder.setFormat("mp4");
      recorder.start();
      csv.println("frame,kind,x,y,w,h");
      int period = 2 * background.size() - 2;
      for (int n = 0; n < frames; n++) {
        int b = n % period;
        try (Mat frame = background.get(b < background.size() ? b : period - b).clone()) {
          for (Lane lane : lanes) {
            Point p = lane.at(n, size.width(), size.height());
            Mat s = lane.sprite.image;
            int y = Math.max(0, Math.min(size.height() - s.rows(), p.y()));
            try (Mat roi = new Mat(frame, new Rect(p.x(), y, s.cols(), s.rows()))) {
              s.copyTo(roi);
            }
            Box o = lane.sprite.object;
            csv.printf("%d,%s,%d,%d,%d,%d%n", n, o.kind(), p.x() + o.x(), y + o.y(), o.w(), o.h());
          }
          recorder.record(converter.convert(frame));
        }
      }
      recorder.stop();
      background.forEach(Mat::close);
    } finally {
      lanes.forEach(l -> l.sprite.image.close());
    }
    System.out.println("wrote " + frames + " frames to " + video + " and their boxes to " + csvFile);
  }

  /** A crop of a face image scaled by {@code scale}, with the face's box in it. */
  public static Sprite face(Path file, Rect crop, Box objectInSource, double scale) {
    try (Mat src = imread(file.toString()); Mat cropped = new Mat(src, crop)) {
      Mat scaled = new Mat();
      resize(cropped, scaled, new Size((int) Math.round(crop.width() * scale),
          (int) Math.round(crop.height() * scale)), 0, 0, INTER_AREA);
      Box o = objectInSource;
      int x = (int) Math.floor((o.x() - crop.x()) * scale);
      int y = (int) Math.floor((o.y() - crop.y()) * scale);
      int w = (int) Math.ceil((o.x() + o.w() - crop.x()) * scale) - x;
      int h = (int) Math.ceil((o.y() + o.h() - crop.y()) * scale) - y;
      return new Sprite(scaled, new Box(o.kind(), x, y, w, h, 1f));
    }
  }

  /** The rear of the car in licenseplate_motion.jpg at {@code scale} of 200x110, a readable plate drawn over its own. */
  public static Sprite carWithPlate(double scale) {
    try (Mat src = imread(CAR.toString()); Mat cropped = new Mat(src, new Rect(100, 150, 400, 220))) {
      Mat car = new Mat();
      resize(cropped, car, new Size((int) Math.round(200 * scale), (int) Math.round(110 * scale)), 0, 0, INTER_AREA);
      Box plate = new Box(ObjectKind.PLATE, (int) Math.round(55 * scale), (int) Math.round(43 * scale),
          (int) Math.round(92 * scale), (int) Math.round(21 * scale), 1f);
      drawPlate(car, plate, "AB-123-CD");
      return new Sprite(car, plate);
    }
  }

  /** A French plate: white, black characters, a blue band on the left, a thin black border. */
  public static void drawPlate(Mat image, Box where, String text) {
    try (Mat plate = new Mat(105, 460, image.type(), new Scalar(245, 245, 245, 0));
        Mat scaled = new Mat()) {
      rectangle(plate, new Point(0, 0), new Point(459, 104), new Scalar(20, 20, 20, 0), 4, LINE_AA, 0);
      try (Mat band = new Mat(plate, new Rect(4, 4, 40, 97))) {
        band.put(new Scalar(160, 50, 0, 0));
      }
      putText(plate, text, new Point(56, 76), FONT_HERSHEY_SIMPLEX, 2.0, new Scalar(15, 15, 15, 0), 6, LINE_AA, false);
      resize(plate, scaled, new Size(where.w(), where.h()), 0, 0, INTER_AREA);
      try (Mat roi = new Mat(image, new Rect(where.x(), where.y(), where.w(), where.h()))) {
        scaled.copyTo(roi);
      }
    }
  }
}
