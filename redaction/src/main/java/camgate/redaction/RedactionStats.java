package camgate.redaction;

/**
 * Counters of one pipeline since it was created: frames processed, frames masked whole by the fail-safe,
 * and of those the detector errors and late (or stalled) detections. Warm-up frames count as fail-safe only.
 */
public record RedactionStats(long frames, long failSafeFrames, long detectorErrors, long lateFrames) {}
