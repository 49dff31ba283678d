package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.minMaxLoc;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_EXTERNAL;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.TM_SQDIFF;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.dilate;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.matchTemplate;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.add;
import static org.bytedeco.opencv.global.opencv_core.bitwise_and;
import static org.bytedeco.opencv.global.opencv_core.bitwise_or;
import static org.bytedeco.opencv.global.opencv_core.compare;
import static org.bytedeco.opencv.global.opencv_core.CMP_LE;
import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.erode;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.remap;

import java.util.List;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * What the detectors have vetted of a camera's picture, followed as it moves: a walking person the detectors looked
 * at and found no face on stays vetted where they walk, so the motion guard masks only content no detector has seen
 * rather than everything that moved since the last pass (which, in a busy street, is a third of the picture). Kept on
 * the thumbnail's grid ({@link Thumbnail#BLOCK} px blocks): for each block, the grey level its content had when a
 * pass vetted it, whether that content was free of faces and plates, and how many frames ago; each frame carries all
 * three along the motion from the previous frame (each changed region matched where it was, see {@link #motion}). A block counts as vetted
 * content when it was free of objects, its grey level still matches within {@link Thumbnail#CHANGE_THRESHOLD} (a face
 * turning to the camera, or one that walks in, does not), and it was vetted at most {@value #MAX_AGE} frames ago (a
 * face too small to find that walks nearer grows out of it in time). Found and tracked objects are never vetted
 * content: wherever they move, the motion guard covers them as well as their tracked masks. Blocks that match the
 * background the detectors saw there (static and free of objects at two looks in a row) count as vetted too: what a
 * passer-by uncovers.
 *
 * <p>While a pass runs on an earlier frame, where each block's content was on that frame is carried too, so the pass's
 * result lands on the content it looked at, wherever that has gone since. Not thread-safe: one per pipeline.
 */
final class VettedContent implements AutoCloseable {
  /** Frames vetted content stays vetted without another look: 2 s at 25 fps. */
  static final int MAX_AGE = 50;
  /** How far a region is looked for on the previous frame, in blocks: 24 px of the frame, beyond 20 px a frame. */
  static final int REACH = 6;

  /** Scalars as OpenCV's arithmetic takes them from Java (a 1x1 CV_64F Mat). */
  private static final Mat ONE = scalar(1);
  private static final Mat ZERO = scalar(0);
  private static final Mat ONE_BYTE = scalar(255);
  private static final Mat SAME = scalar(Thumbnail.CHANGE_THRESHOLD);
  private static final Mat YOUNG = scalar(MAX_AGE);
  private static final Mat EDGE = getStructuringElement(MORPH_RECT, new Size(3, 3));

  private Mat previous;
  /** The identity map of the grid (each block's own coordinates), CV_32FC2. */
  private Mat identity;
  /** Grey level of the content when vetted. */
  private Mat level;
  /** 255 where the content was vetted free of objects. */
  private Mat free;
  /** Frames since the content was vetted (saturates at 255). */
  private Mat age;
  /**
   * The background as the detectors saw it, where they did: the grey level of each block a pass found free of objects
   * and as it was at the look before (static, so not someone passing), positional (never carried). What a walking
   * person uncovers is this background, not a change to mask.
   */
  private Mat background;
  /** 255 where {@link #background} holds a level. */
  private Mat backgroundKnown;
  /** For the pass in flight: where each block's content was on the pass's frame, CV_32FC2; null when none. */
  private Mat passSource;

  /**
   * Follows the content from the previous frame to this one ({@code grey}: the thumbnail's grey grid). A frame of
   * another size starts over with nothing vetted.
   */
  void follow(Mat grey) {
    if (previous == null || previous.cols() != grey.cols() || previous.rows() != grey.rows()) {
      reset(grey);
      return;
    }
    try (Mat map = motion(grey)) {
      level = carried(level, map, 0);
      free = carried(free, map, 0);
      age = carried(age, map, 255);
      add(age, ONE, age);
      if (passSource != null) {
        passSource = carried(passSource, map, -1);
      }
    }
    previous.close();
    previous = grey.clone();
  }

  /**
   * Where each block of {@code grey} was on the previous frame, as a map for {@code remap}: each region that changed
   * since the previous frame is matched there as a whole, within {@value #REACH} blocks (a rigid shift: a person's
   * swinging legs do not match and are not carried, which errs on the side of masking); the rest stayed put. A
   * region wider than a quarter of the frame (a change of light, a camera moved) is not carried at all. Dense optical
   * flow at the grid's scale followed a person's edges as well but cost as much as decoding the frame.
   */
  private Mat motion(Mat grey) {
    Mat map = identity.clone();
    try (Mat diff = new Mat(); MatVector contours = new MatVector(); Mat hierarchy = new Mat()) {
      absdiff(grey, previous, diff);
      threshold(diff, diff, Thumbnail.CHANGE_THRESHOLD, 255, THRESH_BINARY);
      dilate(diff, diff, EDGE);
      findContours(diff, contours, hierarchy, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE);
      for (long i = 0; i < contours.size(); i++) {
        try (Rect r = boundingRect(contours.get(i))) {
          if (r.width() * 2 > grey.cols() || r.height() * 2 > grey.rows() || r.width() < 2 || r.height() < 2) {
            continue;
          }
          int wx0 = Math.max(0, r.x() - REACH);
          int wy0 = Math.max(0, r.y() - REACH);
          int wx1 = Math.min(grey.cols(), r.x() + r.width() + REACH);
          int wy1 = Math.min(grey.rows(), r.y() + r.height() + REACH);
          try (Rect window = new Rect(wx0, wy0, wx1 - wx0, wy1 - wy0); Mat searched = new Mat(previous, window);
              Mat template = new Mat(grey, r); Mat score = new Mat(); Point best = new Point();
              Mat shifted = new Mat(map, r)) {
            matchTemplate(searched, template, score, TM_SQDIFF);
            minMaxLoc(score, (DoublePointer) null, null, best, null, null);
            int dx = wx0 + best.x() - r.x();
            int dy = wy0 + best.y() - r.y();
            try (Mat shift = new Mat(4, 1, CV_64F, new Scalar(0))) {
              shift.ptr(0).putDouble(dx);
              shift.ptr(1).putDouble(dy);
              add(shifted, shift, shifted);
            }
          }
        }
      }
    }
    return map;
  }

  /** A pass starts on the current frame: from now on, where its content goes is carried. */
  void passStarted() {
    if (passSource != null) {
      passSource.close();
    }
    passSource = identity == null ? null : identity.clone();
  }

  /**
   * The pass that started last completed: on its frame ({@code passGrey}) it looked fully at {@code looked} (frame
   * pixels; null: the whole frame; what it only glanced at is not vetted here) and objects are in {@code objects} (found or tracked, as masked); {@code lookedBefore} is
   * what the detectors had seen of each block until then (the reference before this pass; null: nothing). The
   * looked-at content, wherever it is now, is vetted afresh: free where it lay outside every object; where it is
   * free and was the same at the look before, it is background.
   */
  void passCompleted(Mat passGrey, List<Box> looked, List<Box> objects, Mat lookedBefore) {
    if (passSource == null || level == null || passGrey.cols() != level.cols() || passGrey.rows() != level.rows()) {
      return;
    }
    try (Mat lookedGrid = new Mat(passGrey.rows(), passGrey.cols(), CV_8U, new Scalar(looked == null ? 255 : 0));
        Mat freeGrid = new Mat(); Mat lookedNow = new Mat(); Mat freeNow = new Mat(); Mat levelNow = new Mat()) {
      if (looked != null) {
        paint(lookedGrid, looked, 255, false);
      }
      lookedGrid.copyTo(freeGrid);
      // A block touched by an object is not free: the object may fill only part of it.
      paint(freeGrid, objects, 0, true);
      remap(lookedGrid, lookedNow, passSource, new Mat(), INTER_NEAREST, BORDER_CONSTANT, new Scalar(0));
      remap(freeGrid, freeNow, passSource, new Mat(), INTER_NEAREST, BORDER_CONSTANT, new Scalar(0));
      remap(passGrey, levelNow, passSource, new Mat(), INTER_NEAREST, BORDER_CONSTANT, new Scalar(0));
      levelNow.copyTo(level, lookedNow);
      freeNow.copyTo(free, lookedNow);
      age.setTo(ZERO, lookedNow);
      try (Mat still = new Mat()) {
        if (lookedBefore == null) {
          freeGrid.copyTo(still);
        } else {
          absdiff(passGrey, lookedBefore, still);
          compare(still, SAME, still, CMP_LE);
          bitwise_and(still, freeGrid, still);
        }
        passGrey.copyTo(background, still);
        backgroundKnown.setTo(ONE_BYTE, still);
      }
    }
    passSource.close();
    passSource = null;
  }

  /** A pass failed or was abandoned: nothing it looked at is vetted. */
  void passAbandoned() {
    if (passSource != null) {
      passSource.close();
      passSource = null;
    }
  }

  /** 255 where the block of {@code grey} (the current frame, after {@link #follow}) is vetted content, else 0. */
  Mat vetted(Mat grey) {
    Mat out = new Mat(grey.rows(), grey.cols(), CV_8U, new Scalar(0));
    if (level == null || level.cols() != grey.cols() || level.rows() != grey.rows()) {
      return out;
    }
    try (Mat diff = new Mat(); Mat same = new Mat(); Mat young = new Mat()) {
      absdiff(grey, level, diff);
      compare(diff, SAME, same, CMP_LE);
      compare(age, YOUNG, young, CMP_LE);
      bitwise_and(same, young, out);
      bitwise_and(out, free, out);
      absdiff(grey, background, diff);
      compare(diff, SAME, same, CMP_LE);
      bitwise_and(same, backgroundKnown, same);
      bitwise_or(out, same, out);
      // The motion is least sure at the edges of what moves: a block next to content not vetted is not vetted either.
      erode(out, out, EDGE);
    }
    return out;
  }

  private static Mat scalar(double v) {
    return new Mat(1, 1, CV_64F, new Scalar(v));
  }

  private void reset(Mat grey) {
    close();
    previous = grey.clone();
    identity = new Mat(grey.rows(), grey.cols(), CV_32FC2);
    try (FloatIndexer idx = identity.createIndexer()) {
      for (int y = 0; y < grey.rows(); y++) {
        for (int x = 0; x < grey.cols(); x++) {
          idx.put(y, x, 0, x);
          idx.put(y, x, 1, y);
        }
      }
    }
    level = new Mat(grey.rows(), grey.cols(), CV_8U, new Scalar(0));
    free = new Mat(grey.rows(), grey.cols(), CV_8U, new Scalar(0));
    age = new Mat(grey.rows(), grey.cols(), CV_8U, new Scalar(255));
    background = new Mat(grey.rows(), grey.cols(), CV_8U, new Scalar(0));
    backgroundKnown = new Mat(grey.rows(), grey.cols(), CV_8U, new Scalar(0));
  }

  /** {@code grid} carried along {@code map}; a block whose content came from outside the frame gets {@code outside}. */
  private static Mat carried(Mat grid, Mat map, double outside) {
    Mat out = new Mat();
    remap(grid, out, map, new Mat(), INTER_NEAREST, BORDER_CONSTANT, new Scalar(outside, outside, 0, 0));
    grid.close();
    return out;
  }

  /**
   * Sets the blocks of {@code grid} inside {@code boxes} (frame pixels) to {@code value}: only the blocks wholly inside
   * a box, or with {@code touching}, every block a box reaches into.
   */
  private static void paint(Mat grid, List<Box> boxes, int value, boolean touching) {
    int b = Thumbnail.BLOCK;
    for (Box box : boxes) {
      int x0 = touching ? Math.floorDiv(box.x(), b) : Math.floorDiv(box.x() + b - 1, b);
      int y0 = touching ? Math.floorDiv(box.y(), b) : Math.floorDiv(box.y() + b - 1, b);
      int x1 = touching ? Math.floorDiv(box.x() + box.w() + b - 1, b) : Math.floorDiv(box.x() + box.w(), b);
      int y1 = touching ? Math.floorDiv(box.y() + box.h() + b - 1, b) : Math.floorDiv(box.y() + box.h(), b);
      x0 = Math.max(0, x0);
      y0 = Math.max(0, y0);
      x1 = Math.min(grid.cols(), x1);
      y1 = Math.min(grid.rows(), y1);
      if (x1 > x0 && y1 > y0) {
        try (Rect r = new Rect(x0, y0, x1 - x0, y1 - y0); Mat roi = new Mat(grid, r)) {
          roi.put(new Scalar(value));
        }
      }
    }
  }

  @Override
  public void close() {
    for (Mat m : new Mat[] {previous, identity, level, free, age, background, backgroundKnown, passSource}) {
      if (m != null) {
        m.close();
      }
    }
    previous = identity = level = free = age = background = backgroundKnown = passSource = null;
  }
}
