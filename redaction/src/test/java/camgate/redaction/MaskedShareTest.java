package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The recent average of the masked share a camera's status shows. */
class MaskedShareTest {
  @Test
  void theFirstFramesAreAveragedPlainlyThenTheRecentOnesWeighMost() {
    MaskedShare.Recent recent = new MaskedShare.Recent();
    assertEquals(new MaskedShare(0, 0, 0), recent.snapshot());
    recent.add(1.0, 0.0); // a frame masked whole
    recent.add(0.2, 0.1);
    assertEquals(0.6, recent.snapshot().masked(), 1e-12);
    assertEquals(0.05, recent.snapshot().motionGuard(), 1e-12);
    assertEquals(2, recent.snapshot().frames());
    for (int i = 0; i < 10 * MaskedShare.RECENT_FRAMES; i++) {
      recent.add(0.1, 0.04);
    }
    assertEquals(0.1, recent.snapshot().masked(), 1e-4, "the old frames have faded out");
    assertEquals(0.04, recent.snapshot().motionGuard(), 1e-4);
  }
}
