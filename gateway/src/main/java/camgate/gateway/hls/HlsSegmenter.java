package camgate.gateway.hls;

import camgate.gateway.rtsp.AccessUnit;
import camgate.gateway.rtsp.H264Stream;
import camgate.gateway.rtsp.H264Subscription;
import camgate.gateway.rtsp.NalUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The HLS segments of one camera view, shared by all its viewers: while it has viewers it subscribes once to the
 * view's {@link H264Stream} (the same pictures RTSP sends, fail-safe frames included), cuts a segment at every
 * keyframe (the stream makes one at least every 2 s) and keeps the newest {@link #WINDOW} in memory; with none it
 * holds nothing and costs nothing.
 *
 * <p>Segments are cut on the encoding thread as pictures arrive: muxing copies bytes into transport packets and is
 * cheap next to the encoding. Memory is bounded: {@link #WINDOW} segments of at most one keyframe interval at the
 * encoder's capped bit rate, and an open segment over {@link #MAX_SEGMENT_BYTES} is dropped. Thread-safe.
 */
final class HlsSegmenter {

  private static final Logger LOG = LoggerFactory.getLogger(HlsSegmenter.class);
  /** Segments kept: the {@link HlsPlaylist#LISTED} a playlist lists, and a few older for players that just read one. */
  static final int WINDOW = 8;
  static final int MAX_SEGMENT_BYTES = 16 << 20;

  /** A viewer of the segments, told when they end for everyone (camera down, stream closed). */
  interface Viewer {
    void ended(String reason);
  }

  private final H264Stream stream;
  private final Set<Viewer> viewers = new LinkedHashSet<>();
  private final List<Runnable> waiting = new ArrayList<>();
  private Run run;

  HlsSegmenter(H264Stream stream) {
    this.stream = stream;
  }

  H264Stream stream() {
    return stream;
  }

  /** Adds a viewer; the first one starts segmenting. */
  void join(Viewer viewer) {
    Run started;
    synchronized (this) {
      viewers.add(viewer);
      if (run != null) {
        return;
      }
      run = new Run();
      started = run;
    }
    started.start();
  }

  /** Removes a viewer; when none is left, segmenting stops and the window is freed. */
  void leave(Viewer viewer) {
    Run stopped = null;
    synchronized (this) {
      if (viewers.remove(viewer) && viewers.isEmpty() && run != null) {
        stopped = run;
        run = null;
      }
    }
    if (stopped != null) {
      stopped.stop();
    }
  }

  /** The newest segments, oldest first (empty until the first one is complete, or when nobody views). */
  List<Segment> window() {
    Run current;
    synchronized (this) {
      current = run;
    }
    return current == null ? List.of() : current.window;
  }

  /**
   * Runs {@code action} (on the encoding thread, must not block) once the next segment is complete; the returned
   * handle withdraws it (a caller that stopped waiting).
   */
  synchronized Runnable onNextSegment(Runnable action) {
    waiting.add(action);
    return () -> {
      synchronized (this) {
        waiting.remove(action);
      }
    };
  }

  synchronized int viewers() {
    return viewers.size();
  }

  private void published(Run from) {
    List<Runnable> due;
    synchronized (this) {
      if (from != run) {
        return;
      }
      due = new ArrayList<>(waiting);
      waiting.clear();
    }
    due.forEach(Runnable::run);
  }

  /** The stream ended under this run (camera down, stream closed): every viewer is told, and segmenting stops. */
  private void ended(Run from, String reason) {
    List<Viewer> told;
    synchronized (this) {
      if (from != run) {
        return;
      }
      run = null;
      told = new ArrayList<>(viewers);
      viewers.clear();
    }
    from.stop();
    told.forEach(v -> v.ended(reason));
  }

  /** One subscription to the stream, from the first viewer to the last one leaving. */
  private final class Run implements H264Subscription.Listener {

    private final TsMuxer muxer = new TsMuxer();
    private volatile H264Subscription subscription;
    private volatile List<Segment> window = List.of();
    private boolean stopped;
    private long base = Long.MIN_VALUE;
    private long nextSequence;
    private long skippedSeen;
    private boolean discontinuity;
    private long discontinuities;
    private NalUnit lastSps;
    private Open open;

    void start() {
      subscription = stream.subscribe(this);
      ready();  // pictures offered before the field was set did not reach us
    }

    synchronized void stop() {
      stopped = true;
      open = null;
      window = List.of();
      H264Subscription s = subscription;
      if (s != null) {
        s.close();
      }
    }

    @Override
    public void ready() {
      H264Subscription s = subscription;
      if (s == null) {
        return;
      }
      List<Segment> done = new ArrayList<>(1);
      synchronized (this) {
        if (stopped) {
          return;
        }
        for (AccessUnit au = s.poll(); au != null; au = s.poll()) {
          take(au, s.skipped(), done);
        }
        if (!done.isEmpty()) {
          List<Segment> next = new ArrayList<>(window);
          next.addAll(done);
          window = List.copyOf(next.subList(Math.max(0, next.size() - WINDOW), next.size()));
        }
      }
      if (!done.isEmpty()) {
        published(this);
      }
    }

    @Override
    public void ended(String reason) {
      HlsSegmenter.this.ended(this, reason);
    }

    private void take(AccessUnit au, long skipped, List<Segment> done) {
      if (skipped > skippedSeen) {
        // Pictures were lost (this run fell behind): the open segment has a hole, so it is not published.
        skippedSeen = skipped;
        if (open != null) {
          LOG.warn("{}: HLS segmenter fell behind; a segment was dropped", stream.name());
          open = null;
          discontinuity = true;
        }
      }
      if (base == Long.MIN_VALUE) {
        base = au.timestamp90k();
      }
      if (au.keyframe()) {
        if (open != null) {
          done.add(open.close(au.timestamp90k()));
        }
        NalUnit sps = au.nalUnits().stream().filter(u -> u.type() == NalUnit.SPS).findFirst().orElse(null);
        boolean newParameters = sps != null && lastSps != null && !sps.equals(lastSps);
        if (sps != null) {
          lastSps = sps;
        }
        open = new Open(nextSequence++, au, discontinuity || newParameters, discontinuities);
        if (open.discontinuity) {
          discontinuities++;
        }
        discontinuity = false;
        open.bytes.writeBytes(muxer.tables());
      }
      if (open == null) {
        return;  // not at a keyframe yet
      }
      open.bytes.writeBytes(muxer.picture(au, au.timestamp90k() - base));
      open.pictures++;
      if (open.bytes.size() > MAX_SEGMENT_BYTES) {
        LOG.warn("{}: an HLS segment grew over {} bytes without a keyframe; dropped", stream.name(),
            MAX_SEGMENT_BYTES);
        open = null;
        discontinuity = true;
      }
    }
  }

  /** The segment being written: from a keyframe to the next. */
  private static final class Open {
    final long sequence;
    final long startTicks;
    final long firstFrame;
    final boolean discontinuity;
    final long discontinuitiesBefore;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * 1024);
    int pictures;

    Open(long sequence, AccessUnit first, boolean discontinuity, long discontinuitiesBefore) {
      this.sequence = sequence;
      this.discontinuitiesBefore = discontinuitiesBefore;
      this.startTicks = first.timestamp90k();
      this.firstFrame = first.sequence();
      this.discontinuity = discontinuity;
    }

    Segment close(long nextTicks) {
      long ticks = startTicks;
      Instant start = Instant.ofEpochSecond(ticks / 90_000, (ticks % 90_000) * 100_000 / 9);
      return Segment.of(sequence, start, nextTicks - startTicks, pictures, firstFrame, discontinuity,
          discontinuitiesBefore, bytes.toByteArray());
    }
  }
}
