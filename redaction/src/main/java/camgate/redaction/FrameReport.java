package camgate.redaction;

import java.util.List;

/**
 * What was redacted in one frame and why: the boxes by kind (after tracking and margin), whether the
 * fail-safe masked the whole frame and for what reason (null when it did not), and the models in use.
 */
public record FrameReport(long frameIndex, List<Box> faces, List<Box> plates, boolean failSafe, String failSafeReason,
    List<ModelInfo> models) {
  public FrameReport {
    faces = List.copyOf(faces);
    plates = List.copyOf(plates);
    models = List.copyOf(models);
  }
}
