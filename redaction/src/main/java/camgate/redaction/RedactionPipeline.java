package camgate.redaction;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redaction of one camera: static privacy masks, then faces and plates from detection passes that run in the
 * background on the shared detection threads, carried to the frames in between by tracking, plus every region that
 * changed since the detectors last looked at it (the motion guard). The first pass looks at the whole frame; each
 * later one at what fits in {@code passBudget}: the tracked objects, a glance at what changed, and a few tiles of a
 * sweep over the frame with the full look. A frame never waits for detection while the latest completed pass is at
 * most {@code maxStaleFrames} behind it. Fails closed: during warm-up, after a detector
 * error, or when the latest pass is staler than that and the running one does not finish within
 * {@code detectionDeadline}, the whole frame is masked.
 *
 * <p>{@link #process} must be called from one thread at a time (the camera's ingest thread); {@link #updateMasks}
 * and {@link #stats} may be called from any thread.
 */
public final class RedactionPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedactionPipeline.class);
  /** Pixels of picture around a region a pass looks at: the networks need context to find an object at its edge. */
  private static final int REGION_CONTEXT = 32;
  /**
   * A tracked object this small (longest side, pixels) gets a full look: a glance may not find it again (a glance
   * finds faces from about 20 px: {@code ./camgate eval} without the finer look).
   */
  private static final int SMALL_OBJECT = 20;
  /**
   * The smallest mosaic block of the motion guard's boxes, pixels. They are cut in 32 px cells, which pixelated alone
   * would keep 5 px blocks: a 60 px face straddling two would be left a dozen blocks across, where a face's own box
   * gets six.
   */
  private static final double MOTION_BLOCK = 12;
  /** The share of each pass's budget that goes to the sweep. */
  private static final double SWEEP_SHARE = 0.25;
  /** Unvetted regions remembered at most; beyond, the oldest are left to the sweep's round. */
  private static final int MAX_UNVETTED = 64;

  private final Detectors detectors;
  private final RedactionSettings settings;
  private final Tracker tracker;
  private volatile List<PrivacyMask> masks;

  private long frameIndex = -1;
  /** The pass queued or running, null when the detectors are idle for this camera. */
  private DetectionPass pending;
  private volatile boolean closed;
  private long lastSubmittedFrame = -1;
  /** The frame the latest successful pass ran on, -1 while warming up. */
  private long vettedFrame = -1;
  /**
   * What the detectors last saw of each part of the picture: the thumbnail of the latest whole-frame pass with the
   * regions of later passes pasted in. A part that differs from it has changed since any detector looked at it.
   */
  private Thumbnail reference;
  /** Where the next pass picks up the sweep over the frame. */
  private Sweep sweep;
  /** Detection time set aside for the sweep and not spent yet: a tile costs more than a pass's share. */
  private double sweepCredit;
  /** Changed regions a glance looked at and no full look has since, oldest first. */
  private final List<Box> unvetted = new ArrayList<>();
  /** Whether the sweep's next full look goes to the unvetted regions rather than the next tiles. */
  private boolean unvettedTurn = true;
  private final PassCost cost = new PassCost();
  /** What the detectors vetted, followed as it moves: the motion guard leaves it open. */
  private final VettedContent vettedContent = new VettedContent();
  /** Why the latest pass failed; null once a pass succeeded. */
  private String detectorFailure;

  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong failSafeFrames = new AtomicLong();
  private final AtomicLong detectorErrors = new AtomicLong();
  private final AtomicLong lateFrames = new AtomicLong();
  private final MaskedShare.Recent maskedPicture = new MaskedShare.Recent();
  private final Ticker ticker;

  /**
   * Makes OpenCV do each call's work on the calling thread, process-wide. A program that runs pipelines (the
   * gateway, the bench, the eval) calls it once at start: OpenCV's own thread pool splits each resize and blur
   * across the cores, which the streams' threads and the detection threads keep busy already, and the hand-overs
   * then cost more than they save (a 720p thumbnail took 3.6 ms with it, 1.9 ms without).
   */
  public static void useCallingThreadsForOpenCv() {
    org.bytedeco.opencv.global.opencv_core.setNumThreads(1);
  }

  private RedactionPipeline(Detectors detectors, RedactionSettings settings, Ticker ticker) {
    this.detectors = detectors;
    this.settings = settings;
    this.ticker = ticker;
    this.masks = settings.masks();
    this.tracker = new Tracker(settings.holdFrames(), settings.motionGuard());
  }

  /** A pipeline for one camera; the detectors are shared and stay open when the pipeline closes. */
  public static RedactionPipeline create(Detectors detectors, RedactionSettings settings) {
    return create(detectors, settings, Ticker.system());
  }

  /** A pipeline that measures time with {@code ticker} (pass costs, the detection deadline). */
  public static RedactionPipeline create(Detectors detectors, RedactionSettings settings, Ticker ticker) {
    return new RedactionPipeline(Objects.requireNonNull(detectors, "detectors"),
        Objects.requireNonNull(settings, "settings"), Objects.requireNonNull(ticker, "ticker"));
  }

  /** Replaces the static privacy masks from the next frame on. Thread-safe. */
  public void updateMasks(List<PrivacyMask> masks) {
    this.masks = List.copyOf(masks);
  }

  /**
   * Redacts one BGR frame (CV_8UC3); the input is not modified. Returns at once while detection keeps within
   * {@code maxStaleFrames}; otherwise BLOCKING for at most about {@code detectionDeadline}.
   *
   * @param alsoMasksOnly also return a copy with only the static privacy masks applied (for a raw view)
   * @throws IllegalArgumentException if the frame is empty or not 3-channel 8-bit
   */
  public ProcessedFrame process(Mat bgr, boolean alsoMasksOnly) {
    if (closed) {
      // Closing released this pipeline's native buffers: a frame processed now would read freed memory.
      throw new IllegalStateException("this redaction pipeline was closed; its camera must start a new one");
    }
    long start = ticker.read();
    if (bgr == null || bgr.empty() || bgr.channels() != 3 || bgr.depth() != 0) {
      throw new IllegalArgumentException("expected a non-empty BGR frame (CV_8UC3), got "
          + (bgr == null ? "null" : bgr.empty() ? "an empty Mat" : bgr.channels() + " channels, depth " + bgr.depth()));
    }
    long frame = ++frameIndex;
    frames.incrementAndGet();
    List<PrivacyMask> masks = this.masks;
    Mat work = bgr.clone();
    RegionRedactor.paintMasks(work, masks);
    Mat masksOnly = alsoMasksOnly ? work.clone() : null;
    Thumbnail thumbnail = Thumbnail.of(work);
    if (settings.motionGuard()) {
      vettedContent.follow(thumbnail.grey());
    }

    collect(0);
    submitIfIdle(work, frame, thumbnail);
    boolean late = false;
    if (mustWait(frame)) {
      late = !collect(settings.detectionDeadline().toNanos() - (ticker.read() - start));
      submitIfIdle(work, frame, thumbnail);
    }
    String failSafeReason = failSafeReason(frame, late);

    List<Box> faces = new ArrayList<>();
    List<Box> plates = new ArrayList<>();
    List<Box> motion = new ArrayList<>();
    if (failSafeReason == null) {
      for (Box tracked : tracker.boxesAt(frame)) {
        Box b = detectors.masked(tracked, settings.margin(), work.cols(), work.rows());
        if (b.w() > 0 && b.h() > 0) {
          (b.kind() == ObjectKind.FACE ? faces : plates).add(b);
        }
      }
      if (settings.motionGuard()) {
        List<Box> covered = new ArrayList<>(faces);
        covered.addAll(plates);
        try (Mat vetted = vettedContent.vetted(thumbnail.grey())) {
          motion.addAll(thumbnail.changesSince(reference, covered, vetted));
        }
      }
    }
    thumbnail.close();
    if (late) {
      lateFrames.incrementAndGet();
    }
    if (failSafeReason != null) {
      failSafeFrames.incrementAndGet();
      RegionRedactor.redactWhole(work);
    } else {
      for (List<Box> kind : List.of(faces, plates)) {
        for (Box b : kind) {
          RegionRedactor.redact(work, b, settings.style());
        }
      }
      for (Box b : motion) {
        RegionRedactor.redact(work, b, settings.style(), MOTION_BLOCK);
      }
      // A box reaching into a privacy mask pixelates its edge with the picture next to it: masks stay solid.
      RegionRedactor.paintMasks(work, masks);
    }
    double maskedShare = 1;
    double motionShare = 0;
    if (failSafeReason == null) {
      List<Box> tracked = new ArrayList<>(faces);
      tracked.addAll(plates);
      List<Box> all = new ArrayList<>(tracked);
      all.addAll(motion);
      maskedShare = Boxes.coveredShare(all, work.cols(), work.rows());
      motionShare = motion.isEmpty() ? 0 : maskedShare - Boxes.coveredShare(tracked, work.cols(), work.rows());
    }
    maskedPicture.add(maskedShare, motionShare);
    FrameReport report = new FrameReport(frame, faces, plates, motion, vettedFrame < 0 ? -1 : frame - vettedFrame,
        failSafeReason != null, failSafeReason, detectors.models(), maskedShare, motionShare);
    return new ProcessedFrame(work, masksOnly, report);
  }

  /** True when the frame may not be served from what is known: warm-up, a failed pass, or too stale a pass. */
  private boolean mustWait(long frame) {
    return vettedFrame < 0 || detectorFailure != null || frame - vettedFrame > settings.maxStaleFrames();
  }

  private String failSafeReason(long frame, boolean late) {
    if (detectorFailure != null) {
      return "the last detection pass failed: " + detectorFailure;
    }
    if (vettedFrame >= 0 && frame - vettedFrame <= settings.maxStaleFrames()) {
      return null;
    }
    String deadline = " within the " + settings.detectionDeadline().toMillis() + " ms deadline";
    if (vettedFrame < 0) {
      return late ? "warming up: the first detection pass did not finish" + deadline
          : "warming up: no detection pass has completed yet";
    }
    long stale = frame - vettedFrame;
    if (stale > settings.maxStaleFrames()) {
      return "the latest completed detection is " + stale + " frames old (maxStaleFrames " + settings.maxStaleFrames()
          + ")" + (late ? " and the running pass did not finish" + deadline : "");
    }
    return null;
  }

  /** Queues a pass on this frame when none is queued or running. */
  private void submitIfIdle(Mat work, long frame, Thumbnail thumbnail) {
    if (pending != null || frame == lastSubmittedFrame) {
      return;
    }
    lastSubmittedFrame = frame;
    Detectors.Looks looks = looksFor(frame, thumbnail, work.cols(), work.rows());
    try {
      pending = new DetectionPass(frame, thumbnail.copy(), looks, detectors, work.clone(), ticker);
      vettedContent.passStarted();
    } catch (RuntimeException e) {
      detectorErrors.incrementAndGet();
      detectorFailure = "the detection threads rejected the frame: " + e;
    }
  }

  /**
   * What the next pass looks at, or null for the whole frame: the first pass, after a failure, after a change of
   * frame size. Otherwise as much as the detectors get through in about {@code passBudget}, judged from what earlier
   * passes cost a pixel, in this order:
   *
   * <ol>
   *   <li>every tracked object, to follow it or let it expire, always, even over the budget: a glance for most, a
   *       full look for the small ones (only the full look finds them);
   *   <li>with a full look, a quarter of the budget on average (saved up over passes until it buys a tile), in
   *       turn: the newest regions that only a glance has looked at since they changed (a face too small for a
   *       glance may have walked in and stopped there), and the next tiles of the sweep (a miss gets retried, a
   *       change too slow for the motion guard gets seen);
   *   <li>a glance at what changed since the detectors last looked there. A change that does not fit is cut: the
   *       rest still differs from what the detectors saw, so the motion guard keeps masking it until a later pass;
   *   <li>with what is left, more of the sweep.
   * </ol>
   */
  private Detectors.Looks looksFor(long frame, Thumbnail thumbnail, int width, int height) {
    if (reference == null || detectorFailure != null || !thumbnail.sameFrameSize(reference)) {
      return null;
    }
    if (sweep == null || !sweep.covers(width, height)) {
      sweep = new Sweep(width, height);
    }
    List<Box> thorough = new ArrayList<>(Boxes.merged(tracker.spansAt(frame, SMALL_OBJECT, true), REGION_CONTEXT,
        width, height));
    List<Box> glances = new ArrayList<>(Boxes.merged(tracker.spansAt(frame, SMALL_OBJECT, false), REGION_CONTEXT,
        width, height));
    double budget = settings.passBudget().toNanos() - cost.of(Boxes.area(thorough), Boxes.area(glances));
    double sweepShare = SWEEP_SHARE * settings.passBudget().toNanos();
    sweepCredit += sweepShare;
    if (sweepCredit >= cost.of(Sweep.TILE * Sweep.TILE, 0)) {
      long pixels = (long) (sweepCredit / cost.thoroughNanosPerPixel());
      // Every other time, the full look goes to where a glance was the last look, newest first: a face too small
      // for a glance may have walked in and stopped there, where the motion guard no longer masks it.
      List<Box> tiles = unvettedTurn && !unvetted.isEmpty() ? takeUnvetted(pixels) : sweep.next(pixels);
      unvettedTurn = !unvettedTurn;
      thorough.addAll(tiles);
      double spent = cost.of(Boxes.area(tiles), 0);
      sweepCredit -= spent;
      budget -= spent;
    } else {
      budget -= sweepShare;
    }
    List<Box> looked = new ArrayList<>(thorough);
    looked.addAll(glances);
    List<Box> changes;
    try (Mat vetted = vettedContent.vetted(thumbnail.grey())) {
      changes = thumbnail.changesSince(reference, looked, settings.motionGuard() ? vetted : null);
    }
    for (Box change : Boxes.merged(changes, REGION_CONTEXT, width, height)) {
      long fits = (long) (budget / cost.glanceNanosPerPixel());
      if (fits < change.w() * 8L) {
        break;
      }
      Box part = change.area() <= fits ? change : Boxes.topRows(change, fits);
      glances.add(part);
      unvetted.add(part);
      budget -= cost.of(0, part.area());
    }
    long more = (long) (budget / cost.thoroughNanosPerPixel());
    if (more >= (long) Sweep.TILE * Sweep.TILE) {
      thorough.addAll(sweep.next(more));
    }
    unvetted.removeIf(u -> thorough.stream().anyMatch(t -> Boxes.intersection(u, t) == u.area()));
    while (unvetted.size() > MAX_UNVETTED) {
      unvetted.remove(0); // the oldest: the sweep gets there in its round
    }
    return new Detectors.Looks(thorough, glances);
  }

  /**
   * The newest regions only glanced at, as many as {@code pixels} buys (at least one, cut to fit: the rest stays
   * unvetted).
   */
  private List<Box> takeUnvetted(long pixels) {
    List<Box> taken = new ArrayList<>();
    while (!unvetted.isEmpty() && pixels > 0) {
      Box u = unvetted.remove(unvetted.size() - 1);
      if (u.area() <= pixels) {
        taken.add(u);
        pixels -= u.area();
        continue;
      }
      Box top = Boxes.topRows(u, pixels);
      taken.add(top);
      if (top.h() < u.h()) {
        unvetted.add(new Box(u.kind(), u.x(), u.y() + top.h(), u.w(), u.h() - top.h(), u.score()));
      }
      break;
    }
    return taken;
  }

  /**
   * Takes the result of the pending pass, waiting at most {@code nanos} for it. Returns false when it timed out
   * (or the wait was interrupted), true otherwise (done, failed, or nothing pending).
   */
  private boolean collect(long nanos) {
    if (pending == null || (nanos <= 0 && !pending.isDone())) {
      return pending == null || nanos > 0;
    }
    DetectionPass pass = pending;
    try {
      List<Box> found = pass.await(nanos);
      pending = null;
      tracker.update(found, pass.frame());
      // Where each object may be, not only where its mask goes: what a pass missed there is neither vetted nor taken
      // into the reference, so the motion guard keeps masking it.
      List<Box> objects = masked(tracker.spansAt(pass.frame()), pass.thumbnail());
      if (settings.motionGuard()) {
        // Only the full look vets content to follow: a glance does not find faces under about 12 px, and a distant
        // walker it missed would stay open as they walk (./camgate eval video on vtest.avi: 9-11 px faces).
        vettedContent.passCompleted(pass.thumbnail().grey(), pass.looks() == null ? null : pass.looks().thorough(),
            objects, pass.looks() == null || reference == null ? null : reference.grey());
      }
      if (pass.looks() == null || reference == null || !pass.thumbnail().sameFrameSize(reference)) {
        if (reference != null) {
          reference.close();
        }
        reference = pass.thumbnail();
        unvetted.clear(); // the whole frame had the full look
      } else {
        // Where an object is, the reference keeps what was there before it came (the background, most often): when
        // the object moves on, what it uncovers is what the detectors saw there, not a change to mask.
        reference.paste(pass.thumbnail(), pass.looks().all(), objects);
        pass.thumbnail().close();
      }
      vettedFrame = pass.frame();
      cost.learn(pass);
      detectorFailure = null;
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      pending = null;
      pass.close();
      vettedContent.passAbandoned();
      detectorErrors.incrementAndGet();
      // Once per outage: while an isolated detector host restarts, every frame's pass fails at once.
      if (detectorFailure == null) {
        LOG.warn("detector failed on frame {}; masking whole frames until a pass succeeds", pass.frame(), e.getCause());
      } else {
        LOG.debug("detector failed again on frame {}: {}", pass.frame(), e.getCause().toString());
      }
      detectorFailure = "detector error: " + e.getCause();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The objects' boxes as masked on a frame of the thumbnail's size. */
  private List<Box> masked(List<Box> objects, Thumbnail on) {
    return objects.stream().map(b -> detectors.masked(b, settings.margin(), on.frameWidth(), on.frameHeight()))
        .toList();
  }

  /**
   * How much of the picture this camera's redaction masked lately (about the last 10 s at 25 fps), and how much of
   * that the motion guard alone: the cost to the picture an operator or a DPO sees per camera. Thread-safe.
   */
  public MaskedShare maskedShare() {
    return maskedPicture.snapshot();
  }

  /** A consistent-enough snapshot of the counters. Thread-safe. */
  /** Whether {@link #close} was called: a closed pipeline refuses frames. */
  public boolean isClosed() {
    return closed;
  }

  public RedactionStats stats() {
    return new RedactionStats(frames.get(), failSafeFrames.get(), detectorErrors.get(), lateFrames.get());
  }

  /**
   * Abandons this camera's pending pass (a stalled detector is interrupted, a running pass waited for, at most 30 s);
   * the shared detectors stay open.
   */
  @Override
  public void close() {
    closed = true;
    if (pending != null) {
      pending.close();
      pending = null;
    }
    if (reference != null) {
      reference.close();
      reference = null;
    }
    vettedContent.close();
  }
}
