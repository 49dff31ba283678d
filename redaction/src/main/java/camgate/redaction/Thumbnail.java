package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.subtract;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.dilate;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A small grey copy of a frame, kept to find what changed since the detectors last looked: a face that walks in
 * after the frame a detection pass ran on is in no track yet, but its pixels differ from that frame's. Block means
 * over {@value #BLOCK}x{@value #BLOCK} pixels average sensor noise and compression artefacts away.
 */
final class Thumbnail implements AutoCloseable {
  static final int BLOCK = 4;
  /** Grey-level change of a block mean that counts as a change: above noise and H.264 artefacts, below a face. */
  static final double CHANGE_THRESHOLD = 14;
  /** Blocks across a cell of the motion guard's boxes: 32 px of the frame. */
  static final int CELL = 8;

  private final Mat grey;
  private final int frameWidth;
  private final int frameHeight;

  private Thumbnail(Mat grey, int frameWidth, int frameHeight) {
    this.grey = grey;
    this.frameWidth = frameWidth;
    this.frameHeight = frameHeight;
  }

  /** The thumbnail of a BGR frame. */
  static Thumbnail of(Mat bgr) {
    int w = Math.max(1, (bgr.cols() + BLOCK - 1) / BLOCK);
    int h = Math.max(1, (bgr.rows() + BLOCK - 1) / BLOCK);
    Mat grey = new Mat();
    try (Mat full = new Mat()) {
      // Grey first: averaging one channel instead of three costs less than the conversion of every pixel (1.2 ms
      // against 1.9 ms for a 720p frame).
      cvtColor(bgr, full, COLOR_BGR2GRAY);
      resize(full, grey, new Size(w, h), 0, 0, INTER_AREA);
    }
    return new Thumbnail(grey, bgr.cols(), bgr.rows());
  }

  /**
   * The regions of this frame, in its pixels, that differ from {@code reference} and do not lie wholly inside one
   * of {@code covered}: the changed blocks, grown by one block on every side, boxed cell by cell ({@link #cells}). A reference of another frame size
   * counts as changed everywhere.
   */
  List<Box> changesSince(Thumbnail reference, List<Box> covered) {
    return changesSince(reference, covered, null);
  }

  /**
   * As {@link #changesSince(Thumbnail, List)}, leaving out the blocks that are 255 in {@code vetted} (a grid of this
   * thumbnail's size, or null): content the detectors have vetted, moved here ({@link VettedContent}).
   */
  List<Box> changesSince(Thumbnail reference, List<Box> covered, Mat vetted) {
    if (!sameFrameSize(reference)) {
      return List.of(new Box(ObjectKind.MOTION, 0, 0, frameWidth, frameHeight, 1f));
    }
    List<Box> out = new ArrayList<>();
    try (Mat diff = new Mat(); Mat changed = new Mat(); Mat kernel = getStructuringElement(MORPH_RECT, new Size(3, 3))) {
      absdiff(grey, reference.grey, diff);
      threshold(diff, changed, CHANGE_THRESHOLD, 255, THRESH_BINARY);
      if (vetted != null) {
        subtract(changed, vetted, changed);
      }
      // Joins the blocks of one object whose inside matches the background here and there.
      dilate(changed, changed, kernel);
      for (Box region : cells(changed)) {
        if (!insideAny(region, covered)) {
          out.add(region);
        }
      }
    }
    return out;
  }

  /**
   * Boxes over the blocks set in {@code changed} (a grid of this size), in frame pixels: in each cell of
   * {@value #CELL}x{@value #CELL} blocks, the bounding box of its set blocks grown by one block on every side, cells
   * side by side in a row joined. A person walking diagonally, or two who drifted apart, leave most of their joint
   * bounding box unchanged; a box per cell masks what changed and little else.
   */
  private List<Box> cells(Mat changed) {
    int gw = changed.cols();
    int gh = changed.rows();
    byte[] bits = new byte[gw * gh];
    Mat dense = changed.isContinuous() ? changed : changed.clone();
    dense.data().get(bits);
    if (dense != changed) {
      dense.close();
    }
    List<Box> out = new ArrayList<>();
    for (int cy = 0; cy < gh; cy += CELL) {
      Box open = null;
      for (int cx = 0; cx < gw; cx += CELL) {
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        for (int y = cy; y < Math.min(gh, cy + CELL); y++) {
          for (int x = cx; x < Math.min(gw, cx + CELL); x++) {
            if (bits[y * gw + x] != 0) {
              x0 = Math.min(x0, x);
              y0 = Math.min(y0, y);
              x1 = Math.max(x1, x);
              y1 = Math.max(y1, y);
            }
          }
        }
        if (x1 < 0) {
          if (open != null) {
            out.add(open);
            open = null;
          }
          continue;
        }
        Box cell = Boxes.clip(new Box(ObjectKind.MOTION, (x0 - 1) * BLOCK, (y0 - 1) * BLOCK, (x1 - x0 + 3) * BLOCK,
            (y1 - y0 + 3) * BLOCK, 1f), frameWidth, frameHeight);
        if (open != null && open.x() + open.w() >= cell.x()) {
          open = Boxes.span(open, cell);
        } else {
          if (open != null) {
            out.add(open);
          }
          open = cell;
        }
      }
      if (open != null) {
        out.add(open);
      }
    }
    return out;
  }

  /**
   * Copies {@code source}'s blocks inside {@code regions} (frame pixels) into this thumbnail of the same size, except
   * the blocks any of {@code kept} reaches into, which keep what they held.
   */
  void paste(Thumbnail source, List<Box> regions, List<Box> kept) {
    List<Mat> saved = new ArrayList<>();
    List<Rect> where = new ArrayList<>();
    for (Box k : kept) {
      Rect r = blocks(k, true);
      if (r != null) {
        try (Mat roi = new Mat(grey, r)) {
          saved.add(roi.clone());
          where.add(r);
        }
      }
    }
    paste(source, regions);
    for (int i = 0; i < saved.size(); i++) {
      try (Mat back = saved.get(i); Rect r = where.get(i); Mat roi = new Mat(grey, r)) {
        back.copyTo(roi);
      }
    }
  }

  /** The blocks of a box (frame pixels) on this grid, every block it reaches into; null when none. */
  private Rect blocks(Box b, boolean touching) {
    int x0 = Math.max(0, Math.floorDiv(b.x(), BLOCK));
    int y0 = Math.max(0, Math.floorDiv(b.y(), BLOCK));
    int x1 = Math.min(grey.cols(), Math.floorDiv(b.x() + b.w() + BLOCK - 1, BLOCK));
    int y1 = Math.min(grey.rows(), Math.floorDiv(b.y() + b.h() + BLOCK - 1, BLOCK));
    return x1 > x0 && y1 > y0 ? new Rect(x0, y0, x1 - x0, y1 - y0) : null;
  }

  /** Copies {@code source}'s blocks inside {@code regions} (frame pixels) into this thumbnail of the same size. */
  void paste(Thumbnail source, List<Box> regions) {
    for (Box r : regions) {
      int x0 = r.x() / BLOCK;
      int y0 = r.y() / BLOCK;
      int x1 = Math.min(grey.cols(), (r.x() + r.w() + BLOCK - 1) / BLOCK);
      int y1 = Math.min(grey.rows(), (r.y() + r.h() + BLOCK - 1) / BLOCK);
      if (x1 > x0 && y1 > y0) {
        try (Rect rect = new Rect(x0, y0, x1 - x0, y1 - y0); Mat from = new Mat(source.grey, rect);
            Mat to = new Mat(grey, rect)) {
          from.copyTo(to);
        }
      }
    }
  }

  /** The grey grid, one value per block; owned by this thumbnail. */
  Mat grey() {
    return grey;
  }

  Thumbnail copy() {
    return new Thumbnail(grey.clone(), frameWidth, frameHeight);
  }

  int frameWidth() {
    return frameWidth;
  }

  int frameHeight() {
    return frameHeight;
  }

  boolean sameFrameSize(Thumbnail other) {
    return other.frameWidth == frameWidth && other.frameHeight == frameHeight;
  }

  private static boolean insideAny(Box inner, List<Box> outers) {
    for (Box o : outers) {
      if (o.x() <= inner.x() && o.y() <= inner.y() && o.x() + o.w() >= inner.x() + inner.w()
          && o.y() + o.h() >= inner.y() + inner.h()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    grey.close();
  }
}
