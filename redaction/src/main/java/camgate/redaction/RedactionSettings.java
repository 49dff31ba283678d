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
 *   <li>{@code detectionDeadline}: longest a frame waits for detection when it must (warm-up, after a detector
 *       error, or when the latest completed pass is more than {@code maxStaleFrames} old); later means the whole
 *       frame is masked (the fail-safe);
 *   <li>{@code maxStaleFrames}: how many frames the latest completed detection pass may lag behind the frame served
 *       with its tracked masks; 0 makes every frame wait for a pass on itself (the evaluation does this);
 *   <li>{@code passBudget}: about how long a pass after the first may take: it looks at as much as the detectors
 *       get through in that time, judged from what earlier passes cost a pixel. The tracked objects always; then
 *       the next rows of a sweep over the frame (a miss gets retried, a change too slow for the motion guard gets
 *       seen) and what changed since the detectors last looked there (nothing else can hold a new face or plate).
 *       What does not fit waits for the next pass, masked by the motion guard meanwhile. Short passes keep every
 *       camera's masks fresh; a whole-frame pass would hold the detection threads for seconds;
 *   <li>{@code motionGuard}: also mask what changed since the frame the latest pass ran on and lies in no tracked
 *       box, so an object that appears between passes is covered before any detector has seen it;
 *   <li>{@code margin}: each box grows by this fraction of its size on every side, and at least by what its
 *       detector says a box may be off by ({@link ObjectDetector#localisationError});
 *   <li>{@code holdFrames}: a mask stays on until a pass made this many frames after its object was last detected
 *       still does not find it.
 * </ul>
 *
 * @throws IllegalArgumentException if a value is out of range (the message says which)
 */
public record RedactionSettings(RedactionStyle style, List<PrivacyMask> masks, Duration detectionDeadline,
    int maxStaleFrames, Duration passBudget, boolean motionGuard, double margin, int holdFrames) {

  public RedactionSettings {
    Objects.requireNonNull(style, "style");
    masks = List.copyOf(Objects.requireNonNull(masks, "masks"));
    Objects.requireNonNull(detectionDeadline, "detectionDeadline");
    if (detectionDeadline.isNegative() || detectionDeadline.isZero()) {
      throw new IllegalArgumentException("detectionDeadline must be positive, got " + detectionDeadline);
    }
    if (maxStaleFrames < 0) {
      throw new IllegalArgumentException("maxStaleFrames must be >= 0 (0 = detect on every frame), got "
          + maxStaleFrames);
    }
    Objects.requireNonNull(passBudget, "passBudget");
    if (passBudget.isNegative() || passBudget.isZero()) {
      throw new IllegalArgumentException("passBudget must be positive, got " + passBudget);
    }
    if (!(margin >= 0 && margin <= 1)) {
      throw new IllegalArgumentException("margin must be a fraction between 0 and 1, got " + margin);
    }
    if (holdFrames < 0) {
      throw new IllegalArgumentException("holdFrames must be >= 0, got " + holdFrames);
    }
  }

  /**
   * Pixelate, no masks, 80 ms deadline, tracked masks up to 100 frames behind detection, passes of about 200 ms,
   * motion guard on, 12 % margin, hold 50 frames. Chosen for two 720p cameras on two cores: a whole-frame pass of
   * both detectors with the finer look for small faces takes 4-6 s on a loaded core, so only a camera's first pass
   * looks at the whole frame; with 200 ms passes and detection threads working 30 % of the time, no frame of two
   * 25 fps streams was masked whole after warm-up and the masks were at most 80 frames behind
   * ({@code ./camgate bench pipeline --streams 2 --pace 25}). The motion guard covers whatever changed in the
   * meantime. The margin is chosen with {@code ./camgate eval}: with the detector's localisation floor, 12 % redacts
   * more labelled faces than 15 % did, for less area. The deadline bounds what a frame adds to the latency (the
   * first frames of a camera are masked whole until its first pass completes); a single-image caller that wants its
   * frame detected, not masked, sets a long one.
   */
  public static RedactionSettings defaults() {
    return new RedactionSettings(RedactionStyle.PIXELATE, List.of(), Duration.ofMillis(80), 100, Duration.ofMillis(200),
        true, 0.12, 50);
  }

  public RedactionSettings withStyle(RedactionStyle style) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMasks(List<PrivacyMask> masks) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withDetectionDeadline(Duration detectionDeadline) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMaxStaleFrames(int maxStaleFrames) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withPassBudget(Duration passBudget) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMotionGuard(boolean motionGuard) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMargin(double margin) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withHoldFrames(int holdFrames) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, passBudget, motionGuard, margin,
        holdFrames);
  }
}
