package camgate.redaction;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Geometry on boxes: overlap, suppression of duplicates, growth by a margin, joining into regions. */
final class Boxes {
  private Boxes() {}

  static double iou(Box a, Box b) {
    double inter = intersection(a, b);
    double union = a.area() + b.area() - inter;
    return union <= 0 ? 0 : inter / union;
  }

  static double intersection(Box a, Box b) {
    int x0 = Math.max(a.x(), b.x());
    int y0 = Math.max(a.y(), b.y());
    int x1 = Math.min(a.x() + a.w(), b.x() + b.w());
    int y1 = Math.min(a.y() + a.h(), b.y() + b.h());
    return x1 > x0 && y1 > y0 ? (double) (x1 - x0) * (y1 - y0) : 0;
  }

  /** Two boxes of one kind from overlapping regions that overlap this much are the same object. */
  static final double SAME_OBJECT_IOU = 0.5;

  /** The boxes with each object found twice (in overlapping regions) reported once, kind by kind. */
  static List<Box> sameObjectsOnce(List<Box> boxes) {
    List<Box> out = new ArrayList<>();
    for (ObjectKind kind : ObjectKind.values()) {
      out.addAll(nonMaximumSuppression(boxes.stream().filter(b -> b.kind() == kind).toList(), SAME_OBJECT_IOU));
    }
    return out;
  }

  static long area(List<Box> boxes) {
    return boxes.stream().mapToLong(Box::area).sum();
  }

  /** The top rows of {@code b} that {@code pixels} buys, at least one: a region cut to a budget. */
  static Box topRows(Box b, long pixels) {
    return new Box(b.kind(), b.x(), b.y(), b.w(), (int) Math.min(b.h(), Math.max(1, pixels / b.w())), b.score());
  }

  /** Keeps the best-scoring box of each group overlapping by more than {@code maxIou}. */
  static List<Box> nonMaximumSuppression(List<Box> boxes, double maxIou) {
    List<Box> sorted = new ArrayList<>(boxes);
    sorted.sort(Comparator.comparingDouble(Box::score).reversed());
    List<Box> kept = new ArrayList<>();
    for (Box candidate : sorted) {
      boolean duplicate = false;
      for (Box k : kept) {
        if (iou(candidate, k) > maxIou) {
          duplicate = true;
          break;
        }
      }
      if (!duplicate) {
        kept.add(candidate);
      }
    }
    return kept;
  }

  /**
   * The share of a {@code width}x{@code height} frame the boxes cover, overlaps counted once, on an 8-pixel grid (a
   * cell touched counts whole): a figure for operators, not a pixel count.
   */
  static double coveredShare(List<Box> boxes, int width, int height) {
    int gw = (width + 7) / 8;
    int gh = (height + 7) / 8;
    boolean[] grid = new boolean[gw * gh];
    int covered = 0;
    for (Box b : boxes) {
      for (int y = Math.max(0, b.y() / 8); y < Math.min(gh, (b.y() + b.h() + 7) / 8); y++) {
        for (int x = Math.max(0, b.x() / 8); x < Math.min(gw, (b.x() + b.w() + 7) / 8); x++) {
          if (!grid[y * gw + x]) {
            grid[y * gw + x] = true;
            covered++;
          }
        }
      }
    }
    return (double) covered / grid.length;
  }

  /** The box of a whole frame. */
  static Box whole(org.bytedeco.opencv.opencv_core.Mat frame) {
    return new Box(ObjectKind.MOTION, 0, 0, frame.cols(), frame.rows(), 1f);
  }

  /**
   * The regions a set of boxes covers, each grown by {@code context} pixels on every side and clipped to the frame,
   * overlapping ones joined into their bounding box until none overlap.
   */
  static List<Box> merged(List<Box> boxes, int context, int frameW, int frameH) {
    List<Box> regions = new ArrayList<>();
    for (Box b : boxes) {
      Box grown = clip(new Box(ObjectKind.MOTION, b.x() - context, b.y() - context, b.w() + 2 * context,
          b.h() + 2 * context, 1f), frameW, frameH);
      if (grown.w() > 0 && grown.h() > 0) {
        regions.add(grown);
      }
    }
    for (boolean joined = true; joined; ) {
      joined = false;
      for (int i = 0; i < regions.size() && !joined; i++) {
        for (int j = i + 1; j < regions.size() && !joined; j++) {
          if (intersection(regions.get(i), regions.get(j)) > 0) {
            regions.set(i, span(regions.get(i), regions.get(j)));
            regions.remove(j);
            joined = true;
          }
        }
      }
    }
    return regions;
  }

  /** The smallest box holding both (of the first one's kind and score). */
  static Box span(Box a, Box b) {
    int x0 = Math.min(a.x(), b.x());
    int y0 = Math.min(a.y(), b.y());
    int x1 = Math.max(a.x() + a.w(), b.x() + b.w());
    int y1 = Math.max(a.y() + a.h(), b.y() + b.h());
    return new Box(a.kind(), x0, y0, x1 - x0, y1 - y0, a.score());
  }

  /**
   * Grows a box by {@code margin} of its width and height on every side, but by at least {@code minPixels}, clipped
   * to the frame.
   */
  static Box grow(Box b, double margin, double minPixels, int frameW, int frameH) {
    int dx = (int) Math.ceil(Math.max(b.w() * margin, minPixels));
    int dy = (int) Math.ceil(Math.max(b.h() * margin, minPixels));
    return clip(new Box(b.kind(), b.x() - dx, b.y() - dy, b.w() + 2 * dx, b.h() + 2 * dy, b.score()), frameW, frameH);
  }

  /** The part of a box inside the frame; width or height 0 when it lies outside. */
  static Box clip(Box b, int frameW, int frameH) {
    int x0 = Math.max(0, b.x());
    int y0 = Math.max(0, b.y());
    int x1 = Math.min(frameW, b.x() + b.w());
    int y1 = Math.min(frameH, b.y() + b.h());
    return new Box(b.kind(), x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0), b.score());
  }
}
