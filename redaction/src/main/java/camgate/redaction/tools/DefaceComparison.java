package camgate.redaction.tools;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.ffmpeg.global.avcodec;
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
