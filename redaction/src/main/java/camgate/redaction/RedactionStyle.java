package camgate.redaction;

/** How a detected object or a fail-safe frame is made unrecognisable; every style is irreversible. */
public enum RedactionStyle {
  /** Coarse mosaic: a few blocks across the object, each the mean colour of its pixels (default). */
  PIXELATE,
  /** A Gaussian blur wide enough to erase features, not only soften them. */
  BLUR,
  /** A solid fill. */
  FILL
}
