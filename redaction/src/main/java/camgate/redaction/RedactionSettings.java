package camgate.redaction;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a camera's pipeline redacts.
 *
 * <ul>
 *   <li>{@code style}: how objects are made unrecognisable;
 *   <li>{@code masks}: the camera's static privacy masks;
 *   <li>{@code detectionDeadline}: longest wait for the detectors on one frame; later means the whole frame is
 *       masked (the fail-safe);
 *   <li>{@code detectionInterval}: detectors run on every n-th frame, tracking fills the frames between;
 *   <li>{@code margin}: each box grows by this fraction of its size on every side;
 *   <li>{@code holdFrames}: a mask stays on this many frames after its object was last detected.
 * </ul>
 *
 * @throws IllegalArgumentException if a value is out of range (the message says which)
 */
public record RedactionSettings(RedactionStyle style, List<PrivacyMask> masks, Duration detectionDeadline,
    int detectionInterval, double margin, int holdFrames) {

  public RedactionSettings {
    Objects.requireNonNull(style, "style");
    masks = List.copyOf(Objects.requireNonNull(masks, "masks"));
    Objects.requireNonNull(detectionDeadline, "detectionDeadline");
    if (detectionDeadline.isNegative() || detectionDeadline.isZero()) {
      throw new IllegalArgumentException("detectionDeadline must be positive, got " + detectionDeadline);
    }
    if (detectionInterval < 1) {
      throw new IllegalArgumentException("detectionInterval must be >= 1 (1 = detect on every frame), got "
          + detectionInterval);
    }
    if (!(margin >= 0 && margin <= 1)) {
      throw new IllegalArgumentException("margin must be a fraction between 0 and 1, got " + margin);
    }
    if (holdFrames < 0) {
      throw new IllegalArgumentException("holdFrames must be >= 0, got " + holdFrames);
    }
  }

  /** Pixelate, no masks, 1 s deadline, detect every 2nd frame, 15 % margin, hold 12 frames. */
  public static RedactionSettings defaults() {
    return new RedactionSettings(RedactionStyle.PIXELATE, List.of(), Duration.ofSeconds(1), 2, 0.15, 12);
  }

  public RedactionSettings withStyle(RedactionStyle style) {
    return new RedactionSettings(style, masks, detectionDeadline, detectionInterval, margin, holdFrames);
  }

  public RedactionSettings withMasks(List<PrivacyMask> masks) {
    return new RedactionSettings(style, masks, detectionDeadline, detectionInterval, margin, holdFrames);
  }

  public RedactionSettings withDetectionDeadline(Duration detectionDeadline) {
    return new RedactionSettings(style, masks, detectionDeadline, detectionInterval, margin, holdFrames);
  }

  public RedactionSettings withDetectionInterval(int detectionInterval) {
    return new RedactionSettings(style, masks, detectionDeadline, detectionInterval, margin, holdFrames);
  }

  public RedactionSettings withMargin(double margin) {
    return new RedactionSettings(style, masks, detectionDeadline, detectionInterval, margin, holdFrames);
  }

  public RedactionSettings withHoldFrames(int holdFrames) {
    return new RedactionSettings(style, masks, detectionDeadline, detectionInterval, margin, holdFrames);
  }
}
