package camgate.redaction;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The output of one {@link RedactionPipeline#process} call. {@code masksOnly} carries only the static privacy
 * masks (for a legally authorised raw view) and is null unless asked for. Close it to release the Mats.
 */
public record ProcessedFrame(Mat redacted, Mat masksOnly, FrameReport report) implements AutoCloseable {
  @Override
  public void close() {
    redacted.close();
    if (masksOnly != null) {
      masksOnly.close();
    }
  }
}
