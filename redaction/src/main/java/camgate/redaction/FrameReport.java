package camgate.redaction;

import java.util.List;

/**
 * What was redacted in one frame and why: the boxes by kind (after tracking and margin), the regions masked because
 * they changed since the frame the detectors last looked at ({@code motion}), how many frames that detection pass
 * lags behind this frame ({@code staleFrames}, -1 before any pass completed), whether the fail-safe masked the
 * whole frame and for what reason (null when it did not), the models in use, and what the redaction cost the picture:
 * the share of it masked ({@code maskedShare}, 1 under the fail-safe; static privacy masks not counted) and the part
 * of that share masked by the motion guard alone ({@code motionShare}), both measured on an 8-pixel grid.
 */
public record FrameReport(long frameIndex, List<Box> faces, List<Box> plates, List<Box> motion, long staleFrames,
    boolean failSafe, String failSafeReason, List<ModelInfo> models, double maskedShare, double motionShare) {
  public FrameReport {
    faces = List.copyOf(faces);
    plates = List.copyOf(plates);
    motion = List.copyOf(motion);
    models = List.copyOf(models);
  }
}
