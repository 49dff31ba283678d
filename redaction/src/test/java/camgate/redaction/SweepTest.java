package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepTest {
  private static final long TILE = (long) Sweep.TILE * Sweep.TILE;

  @Test
  void eachRoundCoversTheWholeFrameAndTheNextIsShiftedByHalfATile() {
    Sweep sweep = new Sweep(1280, 720);
    Box whole = new Box(ObjectKind.MOTION, 0, 0, 1280, 720, 1f);
    for (int r = 0; r < 2; r++) {
      List<Box> tiles = new ArrayList<>();
      int calls = 0;
      // One tile a call: a round of 1280x720 has 10 x 6 tiles (5 + 1 more each way when shifted).
      int expected = r == 0 ? 60 : 66;
      for (int i = 0; i < expected; i++) {
        List<Box> got = sweep.next(TILE);
        assertEquals(1, got.size(), "one tile's worth of pixels buys one tile");
        Box t = got.get(0);
        assertTrue(t.x() >= 0 && t.y() >= 0 && t.x() + t.w() <= 1280 && t.y() + t.h() <= 720, "inside: " + t);
        tiles.add(t);
        calls++;
      }
      assertEquals(1.0, MovingObjectsTest.coverage(whole, tiles), "round " + r + " covers the frame");
      Box first = tiles.get(0);
      Box second = tiles.get(1);
      if (r == 0) {
        assertEquals(new Box(ObjectKind.MOTION, 0, 0, Sweep.TILE, Sweep.TILE, 1f), first);
        assertEquals(Sweep.TILE - Sweep.OVERLAP, second.x(), "tiles overlap by " + Sweep.OVERLAP);
      } else {
        assertEquals(Sweep.TILE - (Sweep.TILE - Sweep.OVERLAP) / 2, first.w(), "the shifted round starts half a step early");
      }
      assertEquals(expected, calls);
    }
    assertEquals(new Box(ObjectKind.MOTION, 0, 0, Sweep.TILE, Sweep.TILE, 1f), sweep.next(TILE).get(0),
        "the third round is aligned as the first");
  }

  @Test
  void aLargerBudgetBuysConsecutiveTilesJoinedRowByRowAndAtLeastOneTileIsAlwaysGiven() {
    Sweep sweep = new Sweep(1280, 720);
    assertEquals(1, sweep.next(0).size(), "at least one tile, however small the budget");
    List<Box> twelve = sweep.next(12 * TILE);
    // Tiles 1..12 of a 10-wide grid: the rest of row 0 (9 tiles) and the first 3 of row 1, as two regions.
    assertEquals(2, twelve.size(), twelve.toString());
    assertEquals(0, twelve.get(0).y());
    assertEquals(1280 - (Sweep.TILE - Sweep.OVERLAP), twelve.get(0).w(), "the rest of the first row, clipped");
    assertEquals(Sweep.TILE - Sweep.OVERLAP, twelve.get(1).y());
    assertEquals(2 * (Sweep.TILE - Sweep.OVERLAP) + Sweep.TILE, twelve.get(1).w(), "three tiles of the second row");
  }
}
