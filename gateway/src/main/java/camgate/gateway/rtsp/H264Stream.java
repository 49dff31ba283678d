package camgate.gateway.rtsp;

import camgate.gateway.camera.CameraStatus;
import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.camera.FrameHub;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

/**
 * The H.264 encoding of one camera view, shared by all its subscribers: while at least one is subscribed, a
 * thread named {@code h264-NAME} takes the newest JPEG of the view's {@link FrameHub}, decodes it and encodes it
 * once, and offers the picture to every subscriber's bounded mailbox; with none, nothing is decoded or encoded and
 * the encoder is closed.
 *
 * <p>That thread is the stream's for its whole life (made at the first subscriber, ended by {@link #close}), not one
 * per run of subscribers: glibc binds each thread to a malloc arena, and an encoder's native memory (about 25 MB
 * at 720p: OpenH264's pictures, the decoded JPEG) freed in one arena stays resident there. A new thread per run
 * landed on another arena each time, so every time a view's subscribers went to none and came back, another
 * encoder's worth of RSS stayed behind (measured with {@code malloc_stats}: see {@code ./camgate bench egress});
 * on the same thread, the next encoder reuses the memory the last one freed.
 *
 * <p>Each picture carries its source frame's sequence number (in {@link AccessUnit#sequence()} and in an SEI in
 * the bitstream) and a 90 kHz timestamp from the frame's time. A new subscriber gets an IDR within half a second
 * (forced, at most two forced per second) or the next scheduled one (at most {@link H264Settings#keyframeInterval()}).
 * When the camera goes down or stops, every subscriber is ended with the reason. Thread-safe.
 *
 * <p>About 380 lines: the encoder thread, the subscribers' mailboxes and the keyframe policy share one lock and
 * one picture sequence, which is why they are kept together rather than split.
 */
public final class H264Stream implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(H264Stream.class);
  private static final long TICKS_PER_SECOND = 90_000;
  /** A new subscriber forces an IDR unless one was made less than this long ago (500 ms). */
  private static final long MIN_FORCED_KEYFRAME_TICKS = TICKS_PER_SECOND / 2;
  private static final int MAX_BACKLOG_BYTES = 4 << 20;

  /** Encoding figures since the stream was created. */
  public record EncodeStats(long pictures, long droppedFrames, long undecodableFrames, double meanEncodeMillis) {
  }

  private final String name;
  private final FrameHub source;
  private final H264Settings settings;
  private final Object lock = new Object();
  private final List<H264Subscription> subscribers = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<ParameterSets>> parameterWaiters = new ArrayList<>();
  private final AtomicLong pictures = new AtomicLong();
  private final AtomicLong droppedFrames = new AtomicLong();
  private final AtomicLong undecodable = new AtomicLong();
  private final AtomicLong encodeNanos = new AtomicLong();
  /** Packs each picture once for every RTSP session (one SSRC and sequence per stream). */
  private final RtpPacketizer rtp = RtpPacketizer.random(SessionDescription.PAYLOAD_TYPE);
  private volatile ParameterSets parameterSets;
  private Worker worker;
  /** Runs the workers one after the other on the stream's one thread; made at the first subscriber. */
  private ExecutorService encoding;
  private boolean closed;

  /**
   * A stream of this camera view, idle until its first subscriber.
   *
   * @param name   names the encoding thread ({@code h264-NAME}) and the logs, e.g. {@code cam-1/redacted}
   * @param source the view's published JPEG frames (redacted, or masks-only under a requisition)
   */
  public H264Stream(String name, FrameHub source, H264Settings settings) {
    this.name = name;
    this.source = source;
    this.settings = settings;
  }

  public String name() {
    return name;
  }

  public H264Settings settings() {
    return settings;
  }

  /**
   * Subscribes: the first subscriber starts encoding. The listener is called on the encoding thread.
   *
   * @throws IllegalStateException if the stream was closed
   */
  public H264Subscription subscribe(H264Subscription.Listener listener) {
    int units = Math.max(8, 2 * settings.framesPerSecond());
    H264Subscription s = new H264Subscription(this, listener, units, MAX_BACKLOG_BYTES);
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("H.264 stream " + name + " is closed; subscribe to the camera's new stream");
      }
      subscribers.add(s);
      if (worker == null) {
        if (encoding == null) {
          encoding = Executors.newSingleThreadExecutor(run -> {
            Thread t = new Thread(run, "h264-" + name);
            t.setDaemon(true);
            return t;
          });
        }
        worker = new Worker();
        worker.start(encoding);
      } else {
        worker.keyframeRequested = true;
      }
    }
    return s;
  }

  /**
   * The stream's SPS and PPS for the SDP: at once if it has encoded before, else once the encoder has opened on
   * the next frame (the caller bounds the wait, e.g. {@code orTimeout}; cancelling or timing out stops the probe).
   */
  public CompletableFuture<ParameterSets> parameterSets() {
    ParameterSets known = parameterSets;
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    CompletableFuture<ParameterSets> result = new CompletableFuture<>();
    synchronized (lock) {
      parameterWaiters.add(result);
    }
    H264Subscription probe = subscribe(new H264Subscription.Listener() {
      @Override
      public void ready() {
      }

      @Override
      public void ended(String reason) {
        result.completeExceptionally(new IllegalStateException("stream " + name + " ended: " + reason));
      }
    });
    result.whenComplete((p, e) -> probe.close());
    known = parameterSets;
    if (known != null) {
      result.complete(known);
    }
    return result;
  }

  /** How many subscribers are encoding now. */
  public int subscribers() {
    return subscribers.size();
  }

  /** The stream's RTP numbering: its SSRC and clock, shared by every session. */
  RtpPacketizer rtp() {
    return rtp;
  }

  public EncodeStats encodeStats() {
    long n = pictures.get();
    return new EncodeStats(n, droppedFrames.get(), undecodable.get(), n == 0 ? 0 : encodeNanos.get() / 1e6 / n);
  }

  /** Ends every subscriber ("stream closed"), stops encoding and ends the encoding thread; later subscriptions fail. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
    endAll(null, "stream closed");
    synchronized (lock) {
      if (encoding != null) {
        encoding.shutdown(); // the thread ends once the stopped worker has closed its encoder
      }
    }
  }

  void unsubscribe(H264Subscription s) {
    synchronized (lock) {
      subscribers.remove(s);
      if (subscribers.isEmpty() && worker != null) {
        worker.stop();
        worker = null;
      }
    }
  }

  /** Ends all subscribers if {@code from} is still the current worker (null: whatever runs). */
  private void endAll(Worker from, String reason) {
    List<H264Subscription> ended;
    List<CompletableFuture<ParameterSets>> waiters;
    synchronized (lock) {
      if (from != null && from != worker) {
        return;
      }
      ended = new ArrayList<>(subscribers);
      subscribers.clear();
      waiters = new ArrayList<>(parameterWaiters);
      parameterWaiters.clear();
      if (worker != null) {
        worker.stop();
        worker = null;
      }
    }
    for (H264Subscription s : ended) {
      try {
        s.end(reason);
      } catch (RuntimeException e) {
        LOG.error("{}: a subscriber's listener failed when told the stream ended ({})", name, reason, e);
      }
    }
    waiters.forEach(w -> w.completeExceptionally(new IllegalStateException("stream " + name + ": " + reason)));
  }

  private void opened(ParameterSets sets) {
    parameterSets = sets;
    List<CompletableFuture<ParameterSets>> waiters;
    synchronized (lock) {
      waiters = new ArrayList<>(parameterWaiters);
      parameterWaiters.clear();
    }
    waiters.forEach(w -> w.complete(sets));
  }

  static long ticks(Instant time) {
    return time.getEpochSecond() * TICKS_PER_SECOND + time.getNano() * 9L / 100_000;
  }

  /** One run of the encoding thread, from the first subscriber to the last leaving. */
  private final class Worker implements FrameHub.Listener, Runnable {

    private final ArrayBlockingQueue<EncodedFrame> next = new ArrayBlockingQueue<>(1);
    private volatile boolean running = true;
    private volatile boolean keyframeRequested = true;
    private Runnable leaveHub;

    /** Starts taking frames; runs once the stream's thread has finished the previous worker (at most 100 ms). */
    void start(ExecutorService thread) {
      leaveHub = source.subscribe(this);
      source.latest().ifPresent(next::offer);
      thread.execute(this);
    }

    void stop() {
      running = false;
      leaveHub.run();
    }

    @Override
    public void onFrame(EncodedFrame frame) {
      if (!next.offer(frame)) {
        next.clear();
        droppedFrames.incrementAndGet();
        next.offer(frame);
      }
    }

    @Override
    public void onStatus(CameraStatus status) {
      if (status.state() == CameraStatus.State.DOWN || status.state() == CameraStatus.State.STOPPED) {
        endAll(this, "camera " + status.state().name().toLowerCase() + ": " + status.detail());
      }
    }

    @Override
    public void run() {
      H264Encoder encoder = null;
      long lastTicks = Long.MIN_VALUE;
      long lastKeyTicks = Long.MIN_VALUE / 2;
      long keyframeTicks = settings.keyframeInterval().toMillis() * TICKS_PER_SECOND / 1000;
      try {
        while (running) {
          EncodedFrame frame = next.poll(100, TimeUnit.MILLISECONDS);
          if (frame == null || !running) {
            continue;
          }
          long started = System.nanoTime();
          try (BytePointer jpeg = new BytePointer(frame.jpeg());
               Mat wrapped = new Mat(jpeg);
               Mat decoded = imdecode(wrapped, IMREAD_COLOR)) {
            if (decoded == null || decoded.empty()) {
              undecodable.incrementAndGet();
              LOG.warn("{}: frame {} is not a decodable JPEG ({} bytes); skipped", name, frame.sequence(),
                  frame.jpeg().length);
              continue;
            }
            int width = decoded.cols() & ~1;
            int height = decoded.rows() & ~1;
            if (encoder == null || encoder.width() != width || encoder.height() != height) {
              if (encoder != null) {
                LOG.info("{}: picture size changed from {}x{} to {}x{}; new encoder", name, encoder.width(),
                    encoder.height(), width, height);
                encoder.close();
              }
              encoder = null;
              encoder = new H264Encoder(width, height, settings);
              opened(encoder.parameterSets());
              keyframeRequested = true;
              lastKeyTicks = Long.MIN_VALUE / 2;
            }
            long ticks = Math.max(ticks(frame.time()), lastTicks + 1);
            lastTicks = ticks;
            boolean force = ticks - lastKeyTicks >= keyframeTicks
                || (keyframeRequested && ticks - lastKeyTicks >= MIN_FORCED_KEYFRAME_TICKS);
            H264Encoder.Encoded encoded;
            if (width == decoded.cols() && height == decoded.rows()) {
              encoded = encoder.encode(decoded, ticks, force);
            } else {
              try (Rect even = new Rect(0, 0, width, height); Mat cropped = new Mat(decoded, even);
                   Mat copy = cropped.clone()) {
                encoded = encoder.encode(copy, ticks, force);
              }
            }
            if (encoded.nalUnits().isEmpty()) {
              continue;
            }
            if (encoded.keyframe()) {
              lastKeyTicks = ticks;
              keyframeRequested = false;
            }
            List<NalUnit> units = withSequence(encoded.nalUnits(), frame.sequence());
            AccessUnit au = new AccessUnit(frame.sequence(), ticks, encoded.keyframe(), frame.failSafe(), units,
                rtp.packetize(units, ticks));
            pictures.incrementAndGet();
            encodeNanos.addAndGet(System.nanoTime() - started);
            if (running) {
              for (H264Subscription s : subscribers) {
                deliver(s, au);
              }
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.error("{}: H.264 encoding failed; ending its {} subscribers", name, subscribers.size(), e);
        endAll(this, "encoder failed: " + e.getMessage());
      } finally {
        if (encoder != null) {
          encoder.close();
        }
      }
    }
  }

  /** Offers a picture to one subscriber; a subscriber whose listener throws is ended, never the others. */
  private void deliver(H264Subscription s, AccessUnit au) {
    try {
      s.deliver(au);
    } catch (RuntimeException e) {
      LOG.error("{}: a subscriber's listener failed; ending that subscriber", name, e);
      unsubscribe(s);
      try {
        s.end("subscriber failed: " + e);
      } catch (RuntimeException again) {
        LOG.error("{}: the failed subscriber's listener failed again when ended", name, again);
      }
    }
  }

  private static List<NalUnit> withSequence(List<NalUnit> units, long sequence) {
    List<NalUnit> out = new ArrayList<>(units.size() + 1);
    boolean placed = false;
    for (NalUnit u : units) {
      if (!placed && u.isSlice()) {
        out.add(SequenceSei.of(sequence));
        placed = true;
      }
      out.add(u);
    }
    return out;
  }
}
