package camgate.redaction;

/** An axis-aligned box in pixels of the frame it was found in (top-left origin) with the detector's score. */
public record Box(ObjectKind kind, int x, int y, int w, int h, float score) {
  /** The area in pixels. */
  public long area() {
    return (long) w * h;
  }
}
