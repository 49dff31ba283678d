package camgate.gateway.rtsp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared encoding against a synthetic 320x240 camera at 10 fps: keyframe starts, fan-out, idling, ends. */
class H264StreamTest {

  SyntheticCamera camera;
  H264Stream stream;

  @BeforeEach
  void start() {
    camera = new SyntheticCamera(320, 240, 10);
    stream = new H264Stream("test", camera.hub(), H264Settings.forRate(10));
  }

  @AfterEach
  void stop() {
    stream.close();
    camera.close();
  }

  /** A subscriber that takes every picture as soon as it is ready. */
  static final class Eager implements H264Subscription.Listener {
    final LinkedBlockingQueue<AccessUnit> received = new LinkedBlockingQueue<>();
    final CompletableFuture<String> ended = new CompletableFuture<>();
    H264Subscription subscription;
    /** The thread that last told this subscriber pictures were ready: the stream's encoding thread. */
    volatile Thread encodingThread;

    @Override
    public synchronized void ready() {
      encodingThread = Thread.currentThread();
      AccessUnit au;
      while ((au = subscription.poll()) != null) {
        received.add(au);
      }
    }

    @Override
    public void ended(String reason) {
      ended.complete(reason);
    }

    AccessUnit next() throws InterruptedException {
      // 20 s: the first picture waits for FFmpeg's and OpenCV's native libraries to load on a busy machine.
      AccessUnit au = received.poll(20, TimeUnit.SECONDS);
      assertNotNull(au, "no picture within 20 s");
      return au;
    }
  }

  static Eager subscribe(H264Stream stream) {
    Eager e = new Eager();
    synchronized (e) {
      e.subscription = stream.subscribe(e);
    }
    return e;
  }

  @Test
  void aSubscriberStartsAtAKeyframeWithParameterSetsAndTheFrameSequence() throws Exception {
    Eager e = subscribe(stream);
    AccessUnit first = e.next();
    assertTrue(first.keyframe());
    List<Integer> types = first.nalUnits().stream().map(NalUnit::type).toList();
    assertEquals(List.of(NalUnit.SPS, NalUnit.PPS, NalUnit.SEI, NalUnit.IDR_SLICE), types);
    assertEquals(first.sequence(), SequenceSei.parse(first.nalUnits().get(2)).orElseThrow());
    assertTrue(camera.jpeg(first.sequence()) != null, "the sequence is one the camera published");
    ParameterSets sets = stream.parameterSets().get(1, TimeUnit.SECONDS);
    assertEquals(sets.sps(), first.nalUnits().get(0));
    assertTrue(sets.profileLevelId().startsWith("42"), "baseline profile: " + sets.profileLevelId());
    AccessUnit previous = first;
    for (int i = 0; i < 15; i++) {
      AccessUnit au = e.next();
      // The encoder takes the newest frame: frames that came while it was busy (JIT, a loaded machine) are dropped.
      assertTrue(au.sequence() > previous.sequence(), "in order");
      assertTrue(au.timestamp90k() > previous.timestamp90k());
      previous = au;
    }
    e.subscription.close();
  }

  @Test
  void aSlowSubscriberSkipsToAKeyframeWithoutHoldingBackAFastOne() throws Exception {
    Eager fast = subscribe(stream);
    List<String> readies = new ArrayList<>();
    H264Subscription slow = stream.subscribe(new H264Subscription.Listener() {
      @Override
      public void ready() {
        readies.add("ready");
      }

      @Override
      public void ended(String reason) {
      }
    });
    AccessUnit previous = fast.next();
    for (int i = 0; i < 40; i++) { // 4 s: the slow one's mailbox (20 pictures) overflows
      AccessUnit au = fast.next();
      assertTrue(au.sequence() > previous.sequence());
      previous = au;
    }
    assertEquals(0, fast.subscription.skipped(), "the fast subscriber got every picture encoded");
    assertTrue(slow.skipped() > 0, "the slow subscriber lost pictures");
    AccessUnit firstOfSlow = slow.poll();
    assertNotNull(firstOfSlow);
    assertTrue(firstOfSlow.keyframe(), "after skipping, the slow subscriber resumes at a keyframe");
    int waiting = 1;
    while (slow.poll() != null) {
      waiting++;
    }
    assertTrue(waiting <= 20, "the mailbox is bounded: " + waiting + " pictures were waiting");
    slow.close();
    fast.subscription.close();
  }

  @Test
  void withoutSubscribersNothingIsEncoded() throws Exception {
    Thread.sleep(500);
    assertEquals(0, stream.encodeStats().pictures(), "nothing encoded before the first subscriber");
    Eager e = subscribe(stream);
    e.next();
    e.subscription.close();
    assertEquals(0, stream.subscribers());
    Thread.sleep(300); // the thread finishes the picture it may be encoding
    long after = stream.encodeStats().pictures();
    Thread.sleep(700);
    assertEquals(after, stream.encodeStats().pictures(), "encoding stopped with the last subscriber");
    assertTrue(stream.encodeStats().meanEncodeMillis() > 0);
  }

  @Test
  void successiveSubscribersAreServedByTheStreamsOneThreadWhichEndsWithIt() throws Exception {
    Eager first = subscribe(stream);
    first.next();
    first.subscription.close();
    assertEquals(0, stream.subscribers());
    Thread.sleep(300); // the first run's thread has stopped encoding: once, it ended here
    Eager second = subscribe(stream);
    second.next();
    Thread thread = second.encodingThread;
    // A new thread per run of subscribers landed on another malloc arena, leaving the last encoder's memory there.
    assertSame(first.encodingThread, thread, "the second run of subscribers was encoded on a new thread");
    assertEquals("h264-test", thread.getName());
    stream.close();
    thread.join(5_000);
    assertFalse(thread.isAlive(), "the encoding thread outlived its closed stream");
  }

  @Test
  void cameraDownEndsEverySubscriber() throws Exception {
    Eager e = subscribe(stream);
    e.next();
    camera.down();
    assertEquals("camera down: unplugged by the test", e.ended.get(5, TimeUnit.SECONDS));
    assertEquals(0, stream.subscribers());
  }
}
