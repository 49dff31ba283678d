package camgate.redaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrackerTest {
  private static Box face(int x, int y) {
    return new Box(ObjectKind.FACE, x, y, 20, 20, 0.9f);
  }

  private static Box person(int x, int y) {
    return new Box(ObjectKind.FACE, x, y, 40, 40, 0.9f);
  }

  private static boolean covers(Box outer, Box inner) {
    return outer.x() <= inner.x() && outer.y() <= inner.y() && outer.x() + outer.w() >= inner.x() + inner.w()
        && outer.y() + outer.h() >= inner.y() + inner.h();
  }

  @Test
  void maskIsHeldUntilAPassHoldFramesLaterMissesTheObject() {
    Tracker tracker = new Tracker(3);
    tracker.update(List.of(face(100, 100)), 0);
    tracker.update(List.of(), 2);
    tracker.update(List.of(), 3);
    assertEquals(1, tracker.boxesAt(4).size(), "passes within 3 frames of the detection do not drop it");
    tracker.update(List.of(), 4);
    assertEquals(List.of(), tracker.boxesAt(4), "dropped by the first pass more than 3 frames later");
  }

  @Test
  void maskStaysOnHoweverManyFramesGoByWithoutAPass() {
    Tracker tracker = new Tracker(3);
    tracker.update(List.of(face(100, 100)), 0);
    List<Box> boxes = tracker.boxesAt(40);
    assertEquals(1, boxes.size(), "detection running behind must not open the mask");
    assertTrue(covers(boxes.get(0), face(100, 100)), boxes.get(0) + " must cover the last detected position");
  }

  @Test
  void predictedBoxFollowsAConstantVelocityBetweenDetections() {
    Tracker tracker = new Tracker(10);
    tracker.update(List.of(face(100, 100)), 0);
    tracker.update(List.of(face(110, 100)), 2); // 5 px per frame
    assertEquals(1, tracker.size(), "the second detection continues the first track");
    for (long f = 3; f <= 6; f++) {
      Box truth = face(110 + 5 * (int) (f - 2), 100);
      List<Box> boxes = tracker.boxesAt(f);
      assertEquals(1, boxes.size());
      assertTrue(covers(boxes.get(0), truth), "frame " + f + ": " + boxes.get(0) + " must cover " + truth);
      assertTrue(covers(boxes.get(0), face(110, 100)), "and still the last detected position");
    }
  }

  @Test
  void behindTheMotionGuardTheMaskFollowsTheObjectAndStaysAboutItsSizeHoweverLongDetectionLags() {
    Tracker tracker = new Tracker(100, true);
    tracker.update(List.of(person(100, 100)), 0);
    tracker.update(List.of(person(110, 100)), 2); // 5 px per frame
    for (long f = 3; f <= 80; f++) {
      Box truth = person(110 + 5 * (int) (f - 2), 100);
      List<Box> boxes = tracker.boxesAt(f);
      assertEquals(1, boxes.size());
      Box mask = boxes.get(0);
      assertTrue(covers(mask, truth), "frame " + f + ": " + mask + " must cover " + truth);
      // At most half its size (uncertainty) and its size again (speed error) on each side: 160 px for a 40 px face.
      // Spanning from the last detection, it would reach back 390 px by frame 80.
      assertTrue(mask.w() <= 160 && mask.h() <= 160, "frame " + f + ": " + mask + " grew beyond 4 times the face");
      // Passes still look for it the whole way, in case it stopped since it was last seen.
      assertTrue(covers(tracker.spansAt(f).get(0), person(110, 100)), "frame " + f + ": " + tracker.spansAt(f));
    }
  }

  @Test
  void aSmallObjectsMaskSpansItsPathEvenBehindTheMotionGuard() {
    Tracker tracker = new Tracker(100, true);
    tracker.update(List.of(face(100, 100)), 0);
    tracker.update(List.of(face(110, 100)), 2);
    List<Box> boxes = tracker.boxesAt(60);
    assertEquals(1, boxes.size());
    assertTrue(covers(boxes.get(0), face(110, 100)), "a 20 px face's mask " + boxes.get(0) + " still covers where it"
        + " was last seen: the guard's blocks may not see it where the prediction misses it");
  }

  @Test
  void fastObjectThatNoLongerOverlapsIsStillAssociatedByDistance() {
    Tracker tracker = new Tracker(10);
    tracker.update(List.of(face(100, 100)), 0);
    tracker.update(List.of(face(125, 100)), 1); // moved more than its width: IoU 0
    assertEquals(1, tracker.size());
  }

  @Test
  void distinctObjectsAndKindsGetTheirOwnTracks() {
    Tracker tracker = new Tracker(10);
    Box plate = new Box(ObjectKind.PLATE, 100, 100, 20, 20, 1f);
    tracker.update(List.of(face(100, 100), plate, face(400, 300)), 0);
    assertEquals(3, tracker.size());
    tracker.update(List.of(face(102, 100), plate, face(402, 300)), 1);
    assertEquals(3, tracker.size(), "re-detections extend tracks, they do not add new ones");
  }
}
