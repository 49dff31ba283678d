package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/**
 * Vetted content followed along the optical flow, on a grey grid of 80x60 blocks (a 320x240 frame): a textured
 * patch moving 2 blocks a frame over a textured background, as a walking person crosses a street.
 */
class VettedContentTest {
  private static final int W = 80;
  private static final int H = 60;
  private static final int PATCH = 12;

  /**
   * Smooth texture (a few grey levels a block apart), so the motion has something to follow, around grey level
   * {@code mean}: the patch is brighter than the background, as a face would differ from the street behind it (where
   * it does not, no check of grey levels could tell it from the street: neither this nor the reference could).
   */
  private static Mat texture(long seed, int w, int h, int mean) {
    Mat m = new Mat(h, w, CV_8U);
    Random rnd = new Random(seed);
    double[] a = {rnd.nextDouble() * 6, rnd.nextDouble() * 6, rnd.nextDouble() * 6};
    try (UByteIndexer idx = m.createIndexer()) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double v = mean + 40 * Math.sin(x / 3.0 + a[0]) * Math.cos(y / 4.0 + a[1]) + 20 * Math.sin((x + y) / 5.0
              + a[2]);
          idx.put(y, x, (int) v);
        }
      }
    }
    return m;
  }

  /** The background with the patch's top-left corner at (x, y). */
  private static Mat frame(Mat background, Mat patch, int x, int y) {
    Mat f = background.clone();
    try (Mat roi = new Mat(f, new Rect(x, y, patch.cols(), patch.rows()))) {
      patch.copyTo(roi);
    }
    return f;
  }

  /**
   * Share of the blocks inside the patch at (x, y) that count as vetted content: its edge is never vetted (a block
   * next to content not vetted is not), so only the blocks within are counted.
   */
  private static double vettedShare(VettedContent content, Mat grey, int x, int y) {
    try (Mat vetted = content.vetted(grey); Mat roi = new Mat(vetted, new Rect(x + 1, y + 1, PATCH - 2, PATCH - 2))) {
      return countNonZero(roi) / (double) ((PATCH - 2) * (PATCH - 2));
    }
  }

  private static Box patchBox(int x, int y) {
    return new Box(ObjectKind.FACE, x * Thumbnail.BLOCK, y * Thumbnail.BLOCK, PATCH * Thumbnail.BLOCK,
        PATCH * Thumbnail.BLOCK, 1f);
  }

  /** Runs the patch from x=10 {@code speed} blocks a frame; a whole-frame pass runs on frame 0, completes on frame 2. */
  private static double afterMoving(List<Box> objectsOnFrame0, int frames, int speed) {
    try (Mat background = texture(1, W, H, 90); Mat patch = texture(2, PATCH, PATCH, 170);
        VettedContent content = new VettedContent()) {
      Mat first = frame(background, patch, 10, 20);
      content.follow(first);
      content.passStarted();
      double share = 0;
      for (int n = 1; n <= frames; n++) {
        try (Mat f = frame(background, patch, 10 + speed * n, 20)) {
          content.follow(f);
          if (n == 2) {
            content.passCompleted(first, null, objectsOnFrame0, null);
          }
          share = vettedShare(content, f, 10 + speed * n, 20);
        }
      }
      first.close();
      return share;
    }
  }

  @Test
  void contentVettedFreeOfObjectsStaysVettedWhereItMoves() {
    double share = afterMoving(List.of(), 10, 2);
    assertTrue(share > 0.8, "only " + share + " of the moved patch counts as vetted");
  }

  @Test
  void anObjectIsNeverVettedContentWhereverItMoves() {
    assertEquals(0.0, afterMoving(List.of(patchBox(10, 20)), 10, 2));
  }

  @Test
  void vettedContentExpiresWithoutAnotherLook() {
    assertEquals(0.0, afterMoving(List.of(), VettedContent.MAX_AGE + 3, 1));
  }

  @Test
  void newContentIsNotVettedAndAnAbandonedPassVetsNothing() {
    try (Mat background = texture(1, W, H, 90); VettedContent content = new VettedContent()) {
      content.follow(background);
      content.passStarted();
      content.passCompleted(background, null, List.of(), null);
      try (Mat f = background.clone(); Mat square = new Mat(f, new Rect(40, 30, 8, 8))) {
        square.put(new Scalar(250));
        content.follow(f);
        try (Mat vetted = content.vetted(f); Mat roi = new Mat(vetted, new Rect(40, 30, 8, 8))) {
          assertEquals(0, countNonZero(roi), "a bright square appeared: no detector has seen it");
          assertTrue(countNonZero(vetted) > 0.9 * W * H, "the unchanged background stays vetted");
        }
        content.passStarted();
        content.passAbandoned();
        content.follow(f);
        try (Mat vetted = content.vetted(f); Mat roi = new Mat(vetted, new Rect(40, 30, 8, 8))) {
          assertEquals(0, countNonZero(roi));
        }
      }
    }
  }
}
