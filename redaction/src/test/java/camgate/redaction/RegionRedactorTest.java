package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** The motion guard's small boxes are pixelated no finer than a face's own box would be. */
class RegionRedactorTest {
  /** Sum of the absolute differences between horizontally adjacent pixels: the detail a mosaic leaves. */
  private static long detail(Mat m) {
    long sum = 0;
    try (UByteIndexer idx = m.createIndexer()) {
      for (int y = 0; y < m.rows(); y++) {
        for (int x = 1; x < m.cols(); x++) {
          for (int c = 0; c < 3; c++) {
            sum += Math.abs(idx.get(y, x, c) - idx.get(y, x - 1, c));
          }
        }
      }
    }
    return sum;
  }

  @Test
  void aMinimumBlockLeavesASmallRegionCoarserThanSixBlocksAcross() {
    Box cell = new Box(ObjectKind.MOTION, 0, 0, 32, 32, 1f);
    try (Mat fine = RedactionPipelineTest.noise(32, 32); Mat coarse = fine.clone()) {
      RegionRedactor.redact(fine, cell, RedactionStyle.PIXELATE);
      RegionRedactor.redact(coarse, cell, RedactionStyle.PIXELATE, 12);
      assertTrue(detail(coarse) * 2 < detail(fine), "12 px blocks leave " + detail(coarse)
          + " of detail, 5 px blocks " + detail(fine));
    }
  }
}
