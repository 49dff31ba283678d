package camgate.gateway.camera;

import camgate.gateway.CameraConfig;
import camgate.redaction.PrivacyMask;
import camgate.redaction.ProcessedFrame;
import camgate.redaction.MaskedShare;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionStats;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The ingest worker of one camera: reads frames on its own thread, redacts them, encodes each once
 * and publishes it to the camera's hubs; reconnects with backoff when the camera drops.
 *
 * <p>Nothing leaves before privacy masks are known: until {@link #updateMasks} has been called once,
 * the feed reads and discards frames. Detection failures are handled by the pipeline's fail-safe.
 *
 * <p>In a cluster a feed runs only while its node holds the camera's lease: {@link #stop} ends the worker and
 * its pipeline, a later {@link #start} begins again with a fresh pipeline (so the new run goes through the
 * warm-up fail-safe again), and the {@link #fenceWith fence} is asked before every frame is published.
 */
public final class CameraFeed implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CameraFeed.class);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  /** Behind real time by more than this, a live frame is read but not processed, to catch up. */
  private static final long MAX_LAG_MICROS = 300_000;

  static {
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
  }

  private final CameraConfig camera;
  private final Supplier<RedactionPipeline> pipelines;
  /** The pipeline of the current (or next) run; null once stopped. */
  private volatile HeldPipeline held;
  private volatile List<PrivacyMask> masks;
  private volatile BooleanSupplier fence = () -> true;
  private final FrameHub redacted = new FrameHub();
  private final FrameHub masksOnly = new FrameHub();
  private final Clock clock;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean masksKnown = new AtomicBoolean();
  private final AtomicReference<CameraStatus> status;
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong failSafeFrames = new AtomicLong();
  private final int jpegQuality;
  private volatile double fps;
  private Thread worker;
  /** How long {@link #stop} waits for the worker before it leaves the pipeline's closing to the worker itself. */
  private final Duration stopWait;

  public CameraFeed(CameraConfig camera, RedactionPipeline pipeline, Clock clock, int jpegQuality) {
    this(camera, new Supplier<>() {
      private boolean given;

      @Override
      public synchronized RedactionPipeline get() {
        if (given) {
          throw new IllegalStateException("camera " + camera.id() + " was built with one pipeline and cannot start "
              + "again after stop(); build it with a pipeline factory");
        }
        given = true;
        return pipeline;
      }
    }, clock, jpegQuality);
  }

  /** A feed that makes a fresh pipeline from {@code pipelines} each time it starts (the cluster's feeds). */
  public CameraFeed(CameraConfig camera, Supplier<RedactionPipeline> pipelines, Clock clock, int jpegQuality) {
    this(camera, pipelines, clock, jpegQuality, Duration.ofSeconds(10));
  }

  CameraFeed(CameraConfig camera, Supplier<RedactionPipeline> pipelines, Clock clock, int jpegQuality,
             Duration stopWait) {
    this.camera = camera;
    this.pipelines = pipelines;
    this.held = new HeldPipeline(pipelines.get());
    this.stopWait = stopWait;
    this.clock = clock;
    this.jpegQuality = jpegQuality;
    this.status = new AtomicReference<>(new CameraStatus(CameraStatus.State.CONNECTING, clock.instant(),
        "starting", 0, 0, 0));
  }

  public CameraConfig camera() {
    return camera;
  }

  /** The fully redacted view (faces, plates, dwellings). */
  public FrameHub redactedHub() {
    return redacted;
  }

  /** The view with only the dwelling masks, for a legally authorised raw access. */
  public FrameHub masksOnlyHub() {
    return masksOnly;
  }

  public CameraStatus status() {
    return status.get();
  }

  /** Sets the camera's privacy masks (from policy data); the first call lets frames out. */
  public synchronized void updateMasks(List<PrivacyMask> masks) {
    this.masks = List.copyOf(masks);
    HeldPipeline h = held;
    if (h != null) {
      h.pipeline.updateMasks(masks);
    }
    masksKnown.set(true);
  }

  /**
   * Asks {@code fence} before publishing each frame: when it says false the frame is dropped. The cluster's
   * lease answers it from the node's own monotonic clock, so a node that was frozen past its lease publishes
   * nothing once it runs again, before its ownership loop has even noticed.
   */
  public void fenceWith(BooleanSupplier fence) {
    this.fence = fence;
  }

  /**
   * How much of the picture the redaction masks now (over about the last 10 s), and the motion guard's part of
   * it: the utility cost of this camera's redaction, for operators and the DPO.
   */
  public MaskedShare maskedShare() {
    HeldPipeline h = held;
    return h == null ? new MaskedShare(0, 0, 0) : h.pipeline.maskedShare();
  }

  /** The redaction pipeline's counters (frames, fail-safe frames, detector errors, late detections). */
  public RedactionStats redactionStats() {
    HeldPipeline h = held;
    return h == null ? new RedactionStats(0, 0, 0, 0) : h.pipeline.stats();
  }

  public boolean masksKnown() {
    return masksKnown.get();
  }

  public synchronized void start() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    if (held == null) {
      held = new HeldPipeline(pipelines.get());
      if (masks != null) {
        held.pipeline.updateMasks(masks);
      }
    }
    HeldPipeline mine = held;
    mine.hold();  // released by the worker when it ends, so the pipeline outlives every use the worker makes of it
    worker = new Thread(() -> {
      try {
        run(mine.pipeline);
      } finally {
        mine.release();
      }
    }, "ingest-" + camera.id());
    worker.setDaemon(true);
    worker.start();
  }

  private void run(RedactionPipeline pipeline) {
    Duration backoff = MIN_BACKOFF;
    String failure = null;
    while (running.get()) {
      // A camera that failed stays "down" while it retries: it is not coming up until it is live again, and a
      // status flickering between "down" and "connecting" tells an operator (or a consumer's 502) nothing.
      if (failure == null) {
        setStatus(CameraStatus.State.CONNECTING, "opening " + describe());
      } else {
        setStatus(CameraStatus.State.DOWN, failure + "; reconnecting");
      }
      try (FFmpegFrameGrabber grabber = open(); OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
           JpegEncoder encoder = new JpegEncoder(jpegQuality)) {
        setStatus(CameraStatus.State.LIVE, "streaming");
        backoff = MIN_BACKOFF;
        failure = null;
        pump(grabber, converter, encoder, pipeline);
      } catch (Exception e) {
        if (!running.get()) {
          break;
        }
        // The library's message may carry the URL with its login: only a classified reason leaves this class,
        // and the log gets the message with every login cut out.
        String why = IngestFailure.describe(camera, e);
        LOG.warn("camera {} down: {} ({}); retrying in {} ms", camera.id(), why, IngestFailure.scrub(camera, e),
            backoff.toMillis());
        failure = why;
        setStatus(CameraStatus.State.DOWN, why + "; retrying in " + backoff.toMillis() + " ms");
        sleep(backoff);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
    setStatus(CameraStatus.State.STOPPED, "stopped");
  }

  private FFmpegFrameGrabber open() throws Exception {
    FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(camera.urlWithLogin(System::getenv));
    if (camera.url().startsWith("rtsp")) {
      grabber.setOption("rtsp_transport", "tcp");
      grabber.setOption("timeout", "5000000");      // socket I/O timeout, microseconds
      // FFmpeg's default 5 s of stream analysis is what a camera taken over after a failover would wait for;
      // RTSP's SDP and the first keyframe say what an H.264 stream is within 1 s.
      grabber.setOption("analyzeduration", "1000000");
    } else if (camera.url().startsWith("http")) {
      grabber.setOption("rw_timeout", "5000000");
    }
    grabber.setTimeout(5000);                        // JavaCV's own interrupt deadline, milliseconds
    grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
    try {
      grabber.start();
    } catch (FFmpegFrameGrabber.Exception e) {
      grabber.close();
      throw new IngestFailure.OpenFailed(e);
    }
    if (grabber.getImageWidth() <= 0 || grabber.getImageHeight() <= 0) {
      grabber.close();
      throw new IllegalStateException("stream of camera " + camera.id() + " at " + describe()
          + " has no video stream");
    }
    return grabber;
  }

  private void pump(FFmpegFrameGrabber grabber, OpenCVFrameConverter.ToMat converter, JpegEncoder encoder,
                    RedactionPipeline pipeline) throws Exception {
    // The gateway's clock paces files and measures fps, so a test can drive both.
    long startMillis = clock.millis();
    long firstTimestamp = -1;
    long windowStart = startMillis;
    long windowFrames = 0;
    double frameRate = grabber.getFrameRate() > 0 && grabber.getFrameRate() < 121 ? grabber.getFrameRate() : 25;
    long fileFrame = 0;
    while (running.get()) {
      Frame frame = grabber.grabImage();
      if (frame == null) {
        if (camera.isFile() && camera.loop()) {
          grabber.setTimestamp(0);
          continue;
        }
        throw new IllegalStateException("stream of camera " + camera.id() + " ended");
      }
      long elapsedMicros = (clock.millis() - startMillis) * 1000;
      if (camera.isFile()) {
        // A file is played like a camera: one frame per frame interval, never faster.
        long due = (long) (fileFrame++ * 1_000_000 / frameRate);
        if (due > elapsedMicros) {
          sleep(Duration.ofNanos((due - elapsedMicros) * 1000));
        } else if (elapsedMicros - due > MAX_LAG_MICROS) {
          continue;
        }
      } else {
        long ts = grabber.getTimestamp();
        if (firstTimestamp < 0) {
          firstTimestamp = ts;
        }
        if (elapsedMicros - (ts - firstTimestamp) > MAX_LAG_MICROS && (ts - firstTimestamp) > 0) {
          continue;  // behind the camera: skip processing this one to catch up
        }
      }
      if (!masksKnown.get()) {
        continue;
      }
      Mat mat = converter.convert(frame);
      if (mat == null || mat.empty()) {
        continue;
      }
      if (!fence.getAsBoolean()) {
        continue;  // the lease is not (or no longer) this node's: nothing may leave
      }
      boolean wantMasksOnly = masksOnly.consumers() > 0;
      try (ProcessedFrame processed = pipeline.process(mat, wantMasksOnly)) {
        if (!fence.getAsBoolean()) {
          continue;  // checked again after the pipeline's work, which may have outlived the lease
        }
        long seq = frames.incrementAndGet();
        boolean failSafe = processed.report().failSafe();
        if (failSafe) {
          failSafeFrames.incrementAndGet();
        }
        Instant now = clock.instant();
        redacted.publish(new EncodedFrame(seq, now, encoder.encode(processed.redacted()), failSafe));
        if (wantMasksOnly && processed.masksOnly() != null) {
          masksOnly.publish(new EncodedFrame(seq, now, encoder.encode(processed.masksOnly()), false));
        }
      }
      windowFrames++;
      long windowMillis = clock.millis() - windowStart;
      if (windowMillis > 2_000) {
        fps = windowFrames * 1e3 / windowMillis;
        windowFrames = 0;
        windowStart = clock.millis();
        CameraStatus s = status.get();
        status.set(new CameraStatus(s.state(), s.since(), s.detail(), frames.get(), failSafeFrames.get(), fps));
      }
    }
  }

  private void setStatus(CameraStatus.State state, String detail) {
    CameraStatus previous = status.get();
    Instant since = previous.state() == state ? previous.since() : clock.instant();
    CameraStatus next = new CameraStatus(state, since, detail, frames.get(), failSafeFrames.get(),
        state == CameraStatus.State.LIVE ? fps : 0);
    status.set(next);
    if (previous.state() != state) {
      redacted.publishStatus(next);
      masksOnly.publishStatus(next);
    }
  }

  private String describe() {
    return camera.publicSource();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(Math.max(0, d.toMillis()), (int) (d.toNanos() % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the worker and closes its pipeline (blocking, up to the grabber's timeout); {@link #start} may run the
   * feed again, with a fresh pipeline. Consumers see the status turn to stopped with {@code why}.
   *
   * <p>A worker still inside a native call after {@code stopWait} (a camera whose reads outlast their timeouts)
   * keeps its pipeline: the pipeline is closed when that worker ends, never under it, since closing it frees the
   * native memory the worker's next frame would use.
   */
  public synchronized void stop(String why) {
    running.set(false);
    Thread w = worker;
    if (w != null) {
      w.interrupt();
      try {
        w.join(stopWait.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (w.isAlive()) {
        LOG.warn("camera {}: its worker did not end within {} ms of stop; its pipeline closes when it does",
            camera.id(), stopWait.toMillis());
      }
    }
    worker = null;
    HeldPipeline h = held;
    held = null;
    if (h != null) {
      h.release();
    }
    setStatus(CameraStatus.State.STOPPED, why);
  }

  @Override
  public void close() {
    stop("stopped");
  }

  /** A run's pipeline and how many still use it (the feed, and its worker while it runs): the last one closes it. */
  private static final class HeldPipeline {
    private final RedactionPipeline pipeline;
    private final java.util.concurrent.atomic.AtomicInteger holders = new java.util.concurrent.atomic.AtomicInteger(1);

    HeldPipeline(RedactionPipeline pipeline) {
      this.pipeline = pipeline;
    }

    void hold() {
      holders.incrementAndGet();
    }

    void release() {
      if (holders.decrementAndGet() == 0) {
        pipeline.close();
      }
    }
  }
}
