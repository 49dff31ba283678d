package camgate.redaction;

import java.util.List;

/**
 * What was redacted in one frame and why: the boxes by kind (after tracking and margin), the regions masked because
 * they changed since the frame the detectors last looked at ({@code motion}), how many frames that detection pass
 * lags behind this frame ({@code staleFrames}, -1 before any pass completed), whether the fail-safe masked the
 * whole frame and for what reason (null when it did not), and the models in use.
 */
public record FrameReport(long frameIndex, List<Box> faces, List<Box> plates, List<Box> motion, long staleFrames,
    boolean failSafe, String failSafeReason, List<ModelInfo> models) {
  public FrameReport {
    faces = List.copyOf(faces);
    plates = List.copyOf(plates);
    motion = List.copyOf(motion);
    models = List.copyOf(models);
  }
}
