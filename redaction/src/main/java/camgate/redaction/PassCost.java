package camgate.redaction;

/**
 * What detection costs a pixel of the frame, learnt from the passes that ran: a full look and a glance apart (with a
 * finer look for small faces, a full look costs about five times a glance). Each figure is smoothed over the recent
 * passes, so the budget of the next pass follows the machine's load. Not thread-safe: one per pipeline.
 */
final class PassCost {
  /** Until a pass has shown otherwise: about what both detectors cost on one core of the development machine. */
  private static final double INITIAL_NANOS_PER_PIXEL = 1_000;
  private static final double SMOOTHING = 0.3;

  private double thorough = Double.NaN;
  private double glance = Double.NaN;

  /** Learns from a completed pass. */
  void learn(DetectionPass pass) {
    if (pass.thoroughPixels() > 0) {
      thorough = smooth(thorough, (double) pass.thoroughNanos() / pass.thoroughPixels());
    }
    if (pass.glancePixels() > 0) {
      glance = smooth(glance, (double) pass.glanceNanos() / pass.glancePixels());
    }
  }

  private static double smooth(double old, double sample) {
    return Double.isNaN(old) ? sample : (1 - SMOOTHING) * old + SMOOTHING * sample;
  }

  double thoroughNanosPerPixel() {
    return Double.isNaN(thorough) ? INITIAL_NANOS_PER_PIXEL : thorough;
  }

  /** What a glance was seen to cost, else what a full look costs (it costs no more). */
  double glanceNanosPerPixel() {
    return Double.isNaN(glance) ? thoroughNanosPerPixel() : glance;
  }

  /** Nanoseconds to look fully at {@code thoroughPixels} and glance at {@code glancePixels}. */
  double of(long thoroughPixels, long glancePixels) {
    return thoroughPixels * thoroughNanosPerPixel() + glancePixels * glanceNanosPerPixel();
  }
}
