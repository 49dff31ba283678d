package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_32SC2;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.fillPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.List;
import org.bytedeco.javacpp.indexer.IntIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Makes regions of a frame unrecognisable, in place. Every style destroys information rather than hiding it:
 * pixelation keeps at most {@value #PIXELATE_BLOCKS} blocks across the long side, blur goes through an
 * 8-pixel-wide thumbnail, fill keeps nothing.
 */
final class RegionRedactor {
  /** Blocks across the long side of a pixelated region: few enough that no face detector fires on it. */
  static final int PIXELATE_BLOCKS = 6;
  private static final int BLUR_THUMBNAIL = 6;
  /** Width in pixels of a mosaic block while its edges are softened. */
  private static final double SOFT_BLOCK_PX = 12;
  /** Colour of fills, privacy masks and fail-safe frames (BGR mid grey): visibly masked, not a black frame. */
  static final Scalar MASK_COLOUR = new Scalar(96, 96, 96, 0);

  private RegionRedactor() {}

  static void redact(Mat frame, Box region, RedactionStyle style) {
    redact(frame, region, style, 0);
  }

  /**
   * As {@link #redact(Mat, Box, RedactionStyle)}, with mosaic blocks (or the blur's equivalent) at least
   * {@code minBlock} pixels wide whatever the region's size: a region cut into small pieces (the motion guard's 32 px
   * cells) must not leave a face that straddles them in finer blocks than a face's own box would get.
   */
  static void redact(Mat frame, Box region, RedactionStyle style, double minBlock) {
    Box b = Boxes.clip(region, frame.cols(), frame.rows());
    if (b.w() == 0 || b.h() == 0) {
      return;
    }
    try (Rect rect = new Rect(b.x(), b.y(), b.w(), b.h()); Mat roi = new Mat(frame, rect)) {
      switch (style) {
        case PIXELATE -> pixelate(roi, minBlock);
        case BLUR -> blur(roi, minBlock);
        case FILL -> roi.put(MASK_COLOUR);
      }
    }
  }

  /** Masks the whole frame: what the fail-safe serves. */
  static void redactWhole(Mat frame) {
    frame.put(MASK_COLOUR);
  }

  private static void pixelate(Mat roi, double minBlock) {
    int longSide = Math.max(roi.cols(), roi.rows());
    double block = Math.max(Math.max(2.0, minBlock), (double) longSide / PIXELATE_BLOCKS);
    int bw = Math.max(1, (int) Math.ceil(roi.cols() / block));
    int bh = Math.max(1, (int) Math.ceil(roi.rows() / block));
    // Soften the block edges: they carry no identity (the block means are all that is left) but they are
    // high-frequency energy, and a hard mosaic keeps ~20 % of the region's Laplacian energy where a redaction must
    // remove at least 90 %. The mosaic is softened at a scale where a block is at most SOFT_BLOCK_PX wide, then
    // scaled up bilinearly: a Gaussian at full scale costs O(sigma) a pixel, 0.7 s for a 720p motion region.
    double scale = Math.min(1.0, SOFT_BLOCK_PX / block);
    int mw = Math.max(1, (int) Math.round(roi.cols() * scale));
    int mh = Math.max(1, (int) Math.round(roi.rows() * scale));
    double sigma = Math.max(1.0, block * scale / 6.0);
    try (Mat small = new Mat(); Mat mosaic = new Mat()) {
      resize(roi, small, new Size(bw, bh), 0, 0, INTER_AREA);
      resize(small, mosaic, new Size(mw, mh), 0, 0, INTER_NEAREST);
      // The mosaic is a Mat of its own: the blur cannot read pixels outside the region.
      GaussianBlur(mosaic, mosaic, new Size(0, 0), sigma, sigma, BORDER_REPLICATE, 0);
      // resize into a ROI of the right size writes through to the frame (no reallocation).
      resize(mosaic, roi, new Size(roi.cols(), roi.rows()), 0, 0, mosaic.cols() == roi.cols() ? INTER_NEAREST
          : INTER_LINEAR);
    }
  }

  private static void blur(Mat roi, double minBlock) {
    int longSide = Math.max(roi.cols(), roi.rows());
    double f = Math.min(1.0, (double) BLUR_THUMBNAIL / longSide);
    if (minBlock > 0) {
      f = Math.min(f, 1.0 / minBlock);
    }
    int tw = Math.max(1, (int) Math.round(roi.cols() * f));
    int th = Math.max(1, (int) Math.round(roi.rows() * f));
    try (Mat small = new Mat()) {
      resize(roi, small, new Size(tw, th), 0, 0, INTER_AREA);
      resize(small, roi, new Size(roi.cols(), roi.rows()), 0, 0, INTER_LINEAR);
      double sigma = Math.max(1.0, longSide / (2.0 * BLUR_THUMBNAIL));
      GaussianBlur(roi, roi, new Size(0, 0), sigma);
    }
  }

  /** Fills the privacy masks' polygons, scaled to the frame size. */
  static void paintMasks(Mat frame, List<PrivacyMask> masks) {
    if (masks.isEmpty()) {
      return;
    }
    try (MatVector polygons = new MatVector(masks.size())) {
      for (int m = 0; m < masks.size(); m++) {
        List<NormalizedPoint> poly = masks.get(m).polygon();
        Mat pts = new Mat(poly.size(), 1, CV_32SC2);
        try (IntIndexer idx = pts.createIndexer()) {
          for (int i = 0; i < poly.size(); i++) {
            idx.put(i, 0, 0, (int) Math.round(poly.get(i).x() * frame.cols()));
            idx.put(i, 0, 1, (int) Math.round(poly.get(i).y() * frame.rows()));
          }
        }
        polygons.put(m, pts);
      }
      fillPoly(frame, polygons, MASK_COLOUR, LINE_8, 0, new Point(0, 0));
    }
  }
}
