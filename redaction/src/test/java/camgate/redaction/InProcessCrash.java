package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import java.time.Duration;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A JVM of its own for {@link HostCrashTest}: a pipeline whose detector, in-process, meets the native crash the
 * detector host contains. Prints what it served; the JVM is expected to die before it prints {@code survived}.
 */
final class InProcessCrash {
  private InProcessCrash() {}

  public static void main(String[] args) {
    ObjectDetector crashing = new ObjectDetector() {
      @Override
      public ObjectKind kind() {
        return ObjectKind.FACE;
      }

      @Override
      public ModelInfo model() {
        return new ModelInfo("crashing", "0", 0.5f);
      }

      @Override
      public List<Box> detect(Mat bgr) {
        DetectorHost.crashInNativeCode();
        return List.of();
      }
    };
    try (Detectors detectors = Detectors.of(crashing); Mat image = imread(args[0]);
        RedactionPipeline pipeline = RedactionPipeline.create(detectors,
            RedactionSettings.defaults().withDetectionDeadline(Duration.ofSeconds(30)))) {
      for (int i = 0; i < 5; i++) {
        try (ProcessedFrame out = pipeline.process(image, false)) {
          System.out.println("frame " + i + (out.report().failSafe() ? " masked whole" : " redacted"));
        }
      }
    }
    System.out.println("survived");
  }
}
