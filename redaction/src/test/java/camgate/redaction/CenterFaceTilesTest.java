package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The tiles of the finer look: within the region, each within the pixel budget, every small face wholly in one. */
class CenterFaceTilesTest {
  @Test
  void aSmallRegionIsOneTile() {
    Box region = new Box(ObjectKind.MOTION, 10, 20, 300, 200, 1f);
    assertEquals(List.of(region), CenterFaceDetector.tiles(region, 2.0, 1_600_000L, 24));
  }

  @Test
  void tilesFitTheBudgetStayInsideAndHoldEverySmallFace() {
    Box region = new Box(ObjectKind.MOTION, 5, 7, 1024, 678, 1f);
    int overlap = 24;
    List<Box> tiles = CenterFaceDetector.tiles(region, 2.0, 1_600_000L, overlap);
    assertTrue(tiles.size() > 1, "a 1024x678 region at 2x needs tiles: " + tiles);
    for (Box t : tiles) {
      assertTrue(t.area() * 4.0 <= 1_600_000L, "tile over budget: " + t);
      assertEquals(t, Boxes.clip(t, region.x() + region.w(), region.y() + region.h()), "tile outside: " + t);
      assertTrue(t.x() >= region.x() && t.y() >= region.y(), "tile outside: " + t);
    }
    for (int x = region.x(); x + overlap <= region.x() + region.w(); x += 7) {
      for (int y = region.y(); y + overlap <= region.y() + region.h(); y += 7) {
        Box face = new Box(ObjectKind.FACE, x, y, overlap, overlap, 1f);
        assertTrue(tiles.stream().anyMatch(t -> Boxes.intersection(t, face) == face.area()),
            "no tile holds " + face);
      }
    }
  }
}
