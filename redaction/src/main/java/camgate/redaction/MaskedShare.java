package camgate.redaction;

/**
 * How much of a camera's picture its redaction masked, on average over recent frames: {@code masked} (a frame masked
 * whole by the fail-safe counts 1; static privacy masks are not counted) and {@code motionGuard}, the part of it masked
 * by the motion guard alone (what changed where no detector has looked yet), both fractions of the picture;
 * {@code frames} is how many frames the average has seen, 0 before the first. What redaction costs the operator, per
 * camera: a busy street whose motion guard masks a third of the picture is a mosaic.
 */
public record MaskedShare(double masked, double motionGuard, long frames) {
  /** Frames the recent average reaches back over: 10 s at 25 fps. */
  static final int RECENT_FRAMES = 250;

  /**
   * The running average of one pipeline: a plain mean over the first {@value #RECENT_FRAMES} frames, then an
   * exponential one with that reach. One writer (the camera's ingest thread), any readers.
   */
  static final class Recent {
    private long frames;
    private double masked;
    private double motionGuard;
    private volatile MaskedShare snapshot = new MaskedShare(0, 0, 0);

    void add(double maskedShare, double motionShare) {
      frames++;
      double weight = 1.0 / Math.min(frames, RECENT_FRAMES);
      masked += weight * (maskedShare - masked);
      motionGuard += weight * (motionShare - motionGuard);
      snapshot = new MaskedShare(masked, motionGuard, frames);
    }

    MaskedShare snapshot() {
      return snapshot;
    }
  }
}
