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
 *   <li>{@code fullPassEvery}: every n-th pass looks at the whole frame; the passes between look only at what
 *       changed since the latest pass and at the tracked objects (nothing else can hold a new face or plate);
 *   <li>{@code motionGuard}: also mask what changed since the frame the latest pass ran on and lies in no tracked
 *       box, so an object that appears between passes is covered before any detector has seen it;
 *   <li>{@code margin}: each box grows by this fraction of its size on every side;
 *   <li>{@code holdFrames}: a mask stays on until a pass made this many frames after its object was last detected
 *       still does not find it.
 * </ul>
 *
 * @throws IllegalArgumentException if a value is out of range (the message says which)
 */
public record RedactionSettings(RedactionStyle style, List<PrivacyMask> masks, Duration detectionDeadline,
    int maxStaleFrames, int fullPassEvery, boolean motionGuard, double margin, int holdFrames) {

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
    if (fullPassEvery < 1) {
      throw new IllegalArgumentException("fullPassEvery must be >= 1 (1 = every pass looks at the whole frame), got "
          + fullPassEvery);
    }
    if (!(margin >= 0 && margin <= 1)) {
      throw new IllegalArgumentException("margin must be a fraction between 0 and 1, got " + margin);
    }
    if (holdFrames < 0) {
      throw new IllegalArgumentException("holdFrames must be >= 0, got " + holdFrames);
    }
  }

  /**
   * Pixelate, no masks, 80 ms deadline, tracked masks up to 100 frames behind detection, a whole-frame pass every
   * 8th pass, motion guard on, 15 % margin, hold 50 frames. Chosen for two 720p cameras on two cores: a whole-frame
   * pass of both detectors takes about 1.2 s on one core and a camera waits behind the other camera's passes too;
   * with a bound of 50 frames, 25-30 % of the frames of two 25 fps streams were masked whole after warm-up, with 100
   * under 0.5 % ({@code ./camgate bench pipeline --streams 2 --pace 25}). The motion guard covers whatever changed
   * in the meantime. The deadline bounds what a frame adds to the latency (the first frames of a camera are masked
   * whole until its first pass completes); a single-image caller that wants its frame detected, not masked, sets a
   * long one.
   */
  public static RedactionSettings defaults() {
    return new RedactionSettings(RedactionStyle.PIXELATE, List.of(), Duration.ofMillis(80), 100, 8, true, 0.15, 50);
  }

  public RedactionSettings withStyle(RedactionStyle style) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMasks(List<PrivacyMask> masks) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withDetectionDeadline(Duration detectionDeadline) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMaxStaleFrames(int maxStaleFrames) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withFullPassEvery(int fullPassEvery) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMotionGuard(boolean motionGuard) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withMargin(double margin) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }

  public RedactionSettings withHoldFrames(int holdFrames) {
    return new RedactionSettings(style, masks, detectionDeadline, maxStaleFrames, fullPassEvery, motionGuard, margin,
        holdFrames);
  }
}
