package camgate.redaction.tools;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The {@code --vs-deface} part of the pipeline benchmark: runs deface 1.5.0 (installed with pip into a venv
 * under .camgate/ on first use, only when asked) on the same frames and prints both throughputs.
 */
final class DefaceComparison {
  static final String DEFACE = "deface==1.5.0";

  private DefaceComparison() {}

  static void run(Path video, int maxFrames, Size size, double camgateFps) throws Exception {
    Path deface = install();
    Path dir = Files.createTempDirectory("camgate-vs-deface");
    Path clip = dir.resolve("clip.mp4");
    int frames = writeClip(video, clip, maxFrames, size);
    long t0 = System.nanoTime();
    exec(List.of(deface.toString(), clip.toString(), "-o", dir.resolve("out.mp4").toString(), "--backend", "onnxrt",
        "--thresh", "0.2"));
    double seconds = (System.nanoTime() - t0) / 1e9;
    double defaceFps = frames / seconds;
    System.out.printf(Locale.ROOT, "deface 1.5.0 (onnxrt, whole process incl. model load): %d frames in %.1f s,"
        + " %.2f fps; camgate %.2f fps total: ratio %.2f%n", frames, seconds, defaceFps, camgateFps,
        camgateFps / defaceFps);
  }

  /**
   * Scores deface on labelled images by the evaluation's rule. deface runs with its defaults (threshold 0.2, masks
   * 1.3 times the detected face, the image's own resolution) except that it draws solid black boxes instead of
   * blurred ellipses, so that what it masked can be read back exactly: the pixels black in its output and not in the
   * input. The images are copied as PNG to a temporary folder first (deface writes next to its input; PNG keeps
   * its black exact). BLOCKING.
   */
  static Eval.Result evalImages(Path images, Map<String, List<Eval.Label>> byFile) throws Exception {
    Path deface = install();
    Path dir = Files.createTempDirectory("camgate-deface-eval");
    Map<String, Path> copies = new LinkedHashMap<>();
    for (String name : byFile.keySet()) {
      try (Mat img = imread(images.resolve(name).toString())) {
        if (img.empty()) {
          throw new IOException("cannot read image " + images.resolve(name) + "; check --images");
        }
        Path copy = dir.resolve(String.format(Locale.ROOT, "%05d.png", copies.size()));
        imwrite(copy.toString(), img);
        copies.put(name, copy);
      }
    }
    long t0 = System.nanoTime();
    exec(List.of(deface.toString(), dir.toString(), "--backend", "onnxrt", "--boxes", "--replacewith", "solid"));
    long nanos = System.nanoTime() - t0;
    Eval.Score score = new Eval.Score();
    for (Map.Entry<String, Path> e : copies.entrySet()) {
      Path out = Path.of(e.getValue().toString().replace(".png", "_anonymized.png"));
      try (Mat in = imread(e.getValue().toString()); Mat anonymized = imread(out.toString())) {
        if (anonymized.empty()) {
          throw new IOException("deface wrote no " + out + " for " + e.getKey());
        }
        int w = in.cols();
        int h = in.rows();
        boolean[] mask = new boolean[w * h];
        try (UByteIndexer a = in.createIndexer(); UByteIndexer b = anonymized.createIndexer()) {
          for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
              mask[y * w + x] = black(b, y, x) && !black(a, y, x);
            }
          }
        }
        score.add(e.getKey(), mask, w, h, byFile.get(e.getKey()));
      }
    }
    return score.result(nanos, 0);
  }

  private static boolean black(UByteIndexer bgr, int y, int x) {
    return bgr.get(y, x, 0) == 0 && bgr.get(y, x, 1) == 0 && bgr.get(y, x, 2) == 0;
  }

  /** deface's command, installed with pip into a venv under .camgate/ on first use. */
  private static Path install() throws Exception {
    Path root = Path.of(System.getenv().getOrDefault("CAMGATE_ROOT", "."));
    Path venv = root.resolve(".camgate").resolve("deface-venv");
    Path deface = venv.resolve("bin").resolve("deface");
    Path installed = venv.resolve("installed-" + DEFACE.replace("==", "-"));
    if (!Files.exists(installed)) {
      System.out.println("installing " + DEFACE + " into " + venv + " (first --vs-deface run only)");
      exec(List.of("python3", "-m", "venv", venv.toString()));
      // deface's onnxrt backend imports onnx to fix the model's input size; pip does not pull either in.
      exec(List.of(venv.resolve("bin").resolve("pip").toString(), "install", "-q", DEFACE, "onnxruntime", "onnx"));
      Files.createFile(installed);
    }
    return deface;
  }

  private static int writeClip(Path video, Path clip, int maxFrames, Size size) throws IOException {
    int n = 0;
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat(); Mat scaled = new Mat()) {
      grabber.start();
      int w = size == null ? grabber.getImageWidth() : size.width();
      int h = size == null ? grabber.getImageHeight() : size.height();
      try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(clip.toFile(), w, h)) {
        recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        recorder.setFormat("mp4");
        recorder.setFrameRate(grabber.getFrameRate() > 0 ? grabber.getFrameRate() : 25);
        recorder.start();
        for (Frame f; n < maxFrames && (f = grabber.grabImage()) != null; n++) {
          Mat frame = converter.convert(f);
          if (size != null) {
            resize(frame, scaled, size, 0, 0, INTER_AREA);
            frame = scaled;
          }
          recorder.record(converter.convert(frame));
        }
        recorder.stop();
      }
      grabber.stop();
    }
    return n;
  }

  private static void exec(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    int code = p.waitFor();
    if (code != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + code
          + "; check that PyPI is reachable (pip) or delete .camgate/deface-venv and retry");
    }
  }
}
