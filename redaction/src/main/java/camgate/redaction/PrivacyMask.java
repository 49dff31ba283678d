package camgate.redaction;

import java.util.List;
import java.util.Objects;

/**
 * A static privacy mask of one camera (a dwelling window, a private garden): a polygon filled solid
 * in every view, the raw one included, before detection runs.
 *
 * @throws IllegalArgumentException if the polygon has fewer than 3 points
 */
public record PrivacyMask(String label, List<NormalizedPoint> polygon) {
  public PrivacyMask {
    Objects.requireNonNull(label, "label");
    polygon = List.copyOf(Objects.requireNonNull(polygon, "polygon"));
    if (polygon.size() < 3) {
      throw new IllegalArgumentException("privacy mask '" + label + "' needs a polygon of at least 3 points, got "
          + polygon.size() + "; list the corners of the area to hide");
    }
  }
}
