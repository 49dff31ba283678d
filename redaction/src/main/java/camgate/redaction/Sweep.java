package camgate.redaction;

import java.util.ArrayList;
import java.util.List;

/**
 * A sweep over a camera's frame, a few tiles per detection pass, so that every part of the picture is looked at
 * again however busy the scene: a face missed once gets another chance, and a change too slow for the motion guard
 * gets seen. Tiles of {@value #TILE} px overlap by {@value #OVERLAP} px, so an object up to that size lies wholly in
 * one; every other round is shifted by half a tile both ways, so a larger one cut by a tile's edge in one round lies
 * wholly in a tile of the next. Not thread-safe: one per pipeline.
 */
final class Sweep {
  static final int TILE = 160;
  static final int OVERLAP = 32;
  private static final int STRIDE = TILE - OVERLAP;

  private final int width;
  private final int height;
  private long round;
  /** The index of the next tile in this round, row by row. */
  private int next;

  Sweep(int width, int height) {
    this.width = width;
    this.height = height;
  }

  boolean covers(int frameWidth, int frameHeight) {
    return frameWidth == width && frameHeight == height;
  }

  /**
   * The next tiles of the sweep, at least one and about as many as {@code pixels} buys, consecutive tiles of a row
   * joined into one region; moves on to the next round after the last tile of this one.
   */
  List<Box> next(long pixels) {
    int shift = round % 2 == 0 ? 0 : STRIDE / 2;
    int cols = tilesAcross(width, shift);
    int rows = tilesAcross(height, shift);
    int count = (int) Math.max(1, Math.min((long) cols * rows - next, pixels / ((long) TILE * TILE)));
    List<Box> out = new ArrayList<>();
    int end = next + count;
    while (next < end) {
      int c0 = next % cols;
      int c1 = Math.min(cols - 1, c0 + end - next - 1);
      out.add(span(c0, c1, next / cols, shift));
      next += c1 - c0 + 1;
    }
    if (next == cols * rows) {
      next = 0;
      round++;
    }
    return out;
  }

  /** Tiles needed to cover {@code size} pixels when the grid starts {@code shift} pixels before 0. */
  private static int tilesAcross(int size, int shift) {
    return Math.max(1, (int) Math.ceil((double) (size + shift - OVERLAP) / STRIDE));
  }

  /** Tiles {@code c0..c1} of row {@code row} as one region, clipped to the frame. */
  private Box span(int c0, int c1, int row, int shift) {
    int x0 = c0 * STRIDE - shift;
    int y0 = row * STRIDE - shift;
    return Boxes.clip(new Box(ObjectKind.MOTION, x0, y0, (c1 - c0) * STRIDE + TILE, TILE, 1f), width, height);
  }
}
