package camgate.redaction;

/**
 * A point in frame coordinates scaled to 0..1 of the frame width ({@code x}) and height ({@code y}),
 * so a privacy mask survives a change of camera resolution.
 *
 * @throws IllegalArgumentException if a coordinate is outside 0..1 or not a number
 */
public record NormalizedPoint(double x, double y) {
  public NormalizedPoint {
    if (!(x >= 0 && x <= 1) || !(y >= 0 && y <= 1)) {
      throw new IllegalArgumentException("privacy-mask point must have 0 <= x, y <= 1 (fractions of the frame), got ("
          + x + ", " + y + "); divide pixel coordinates by the frame width and height");
    }
  }
}
