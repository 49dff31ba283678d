package camgate.redaction;

/**
 * What a redacted box covers: a detected face or plate, or a region that changed since the frame the detectors last
 * looked at (it may hold an object no detector has seen yet).
 */
public enum ObjectKind { FACE, PLATE, MOTION }
