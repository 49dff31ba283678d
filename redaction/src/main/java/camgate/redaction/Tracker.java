package camgate.redaction;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Carries detections across frames so each mask follows its object: detections are associated with tracks
 * by overlap (or, for objects that moved further than their own size, by distance), a track keeps a constant
 * velocity estimate, and it is held until a detection pass made {@code holdFrames} frames after its last detection
 * still has not seen it, so a missed detection does not open the mask. Expiry counts frames of later detection
 * passes, never frames served: while detection runs behind (asynchronously), a track stays on however many frames
 * go by. Between detections a track covers where it is predicted, grown by what the prediction may be off by; alone
 * (without the motion guard) it also covers where it was last seen, so the mask errs on the side of covering. Not
 * thread-safe: one per pipeline.
 */
final class Tracker {
  /** The share of the distance predicted that the speed may be off by, between two detections. */
  static final double SPEED_ERROR = 0.25;
  /**
   * An object this small (longest side, pixels) keeps the mask spanning its path: the motion guard's 4 px blocks may
   * not see it change where the prediction misses it (a 9 px face on a walking person), so its mask must not leave
   * it. Following the prediction for these too left 9-14 px faces under 80 % covered on {@code ./camgate eval video}
   * with vtest.avi (recall 0.8994 to 0.8983 on the same frames).
   */
  static final int SMALL = 20;

  private final int holdFrames;
  /** Whether a mask spans the last detected box and the predicted one rather than following the prediction. */
  private final boolean spans;
  private final List<Track> tracks = new ArrayList<>();

  /** A tracker whose masks span the last detected box and the predicted one: for tracking alone. */
  Tracker(int holdFrames) {
    this(holdFrames, false);
  }

  /**
   * A tracker; {@code backedByMotionGuard}: each mask follows its object's predicted position, grown by a bounded
   * share of its size and of the distance predicted, rather than spanning the whole way from where it was last
   * detected (objects over {@value #SMALL} px). An object that stops or turns outside it is no content the detectors
   * vetted, so the motion guard masks it wherever it differs from what they saw there, and the next pass still looks
   * for it the whole way ({@link #spansAt}); without the guard, masks span the whole way.
   */
  Tracker(int holdFrames, boolean backedByMotionGuard) {
    this.holdFrames = holdFrames;
    this.spans = !backedByMotionGuard;
  }

  /** One followed object: its last detected box, frame and velocity in pixels per frame. */
  private static final class Track {
    final ObjectKind kind;
    double cx;
    double cy;
    double w;
    double h;
    double vx;
    double vy;
    long lastSeen;
    int hits;
    float score;

    Track(Box b, long frame) {
      kind = b.kind();
      cx = b.x() + b.w() / 2.0;
      cy = b.y() + b.h() / 2.0;
      w = b.w();
      h = b.h();
      lastSeen = frame;
      hits = 1;
      score = b.score();
    }

    Box predicted(long frame) {
      long dt = frame - lastSeen;
      double px = cx + vx * dt;
      double py = cy + vy * dt;
      return box(px, py, w, h);
    }

    Box lastBox() {
      return box(cx, cy, w, h);
    }

    private Box box(double x, double y, double bw, double bh) {
      return new Box(kind, (int) Math.floor(x - bw / 2), (int) Math.floor(y - bh / 2), (int) Math.ceil(bw),
          (int) Math.ceil(bh), score);
    }

    void observe(Box b, long frame) {
      double ncx = b.x() + b.w() / 2.0;
      double ncy = b.y() + b.h() / 2.0;
      long dt = Math.max(1, frame - lastSeen);
      double nvx = (ncx - cx) / dt;
      double nvy = (ncy - cy) / dt;
      // The first observed displacement is the whole estimate; later ones are smoothed against jitter.
      vx = hits == 1 ? nvx : 0.5 * vx + 0.5 * nvx;
      vy = hits == 1 ? nvy : 0.5 * vy + 0.5 * nvy;
      cx = ncx;
      cy = ncy;
      w = b.w();
      h = b.h();
      lastSeen = frame;
      hits++;
      score = b.score();
    }
  }

  private record Pair(Track track, Box detection, double affinity) {}

  /** Associates the detections made on {@code frame} with the tracks; new objects start tracks. */
  void update(List<Box> detections, long frame) {
    tracks.removeIf(t -> frame - t.lastSeen > holdFrames);
    List<Pair> pairs = new ArrayList<>();
    for (Track t : tracks) {
      Box p = t.predicted(frame);
      for (Box d : detections) {
        if (d.kind() != t.kind) {
          continue;
        }
        double iou = Boxes.iou(p, d);
        double dist = Math.hypot(p.x() + p.w() / 2.0 - d.x() - d.w() / 2.0, p.y() + p.h() / 2.0 - d.y() - d.h() / 2.0);
        double size = Math.max(t.w, t.h);
        double ratio = Math.max(d.w(), d.h()) / Math.max(1.0, size);
        if (iou > 0.1) {
          pairs.add(new Pair(t, d, 1 + iou));
        } else if (dist < 1.5 * size && ratio > 0.5 && ratio < 2) {
          pairs.add(new Pair(t, d, 1 - dist / (1.5 * size)));
        }
      }
    }
    pairs.sort(Comparator.comparingDouble(Pair::affinity).reversed());
    List<Track> matchedTracks = new ArrayList<>();
    List<Box> matchedDetections = new ArrayList<>();
    for (Pair p : pairs) {
      if (containsIdentity(matchedTracks, p.track) || containsIdentity(matchedDetections, p.detection)) {
        continue;
      }
      p.track.observe(p.detection, frame);
      matchedTracks.add(p.track);
      matchedDetections.add(p.detection);
    }
    for (Box d : detections) {
      if (!containsIdentity(matchedDetections, d)) {
        tracks.add(new Track(d, frame));
      }
    }
  }

  /**
   * The boxes to redact on {@code frame}: for each live track detected on an earlier frame, the box predicted for
   * this one grown by a share of its size that rises with the frames since (to half its size each side) and by a
   * quarter of the distance predicted (at most its size); for a tracker alone, and for objects up to {@value #SMALL}
   * px, {@link #spansAt(long)}.
   */
  List<Box> boxesAt(long frame) {
    return boxes(frame, Integer.MAX_VALUE, true, spans);
  }

  /**
   * Where each live track's object may be on {@code frame}: the box spanning its last detected box and, when it was
   * detected on an earlier frame, the box predicted for this one, grown as the masks are (both, since the prediction
   * may be wrong). Where a pass looks for it, and what the reference keeps as it was.
   */
  List<Box> spansAt(long frame) {
    return boxes(frame, Integer.MAX_VALUE, true, true);
  }

  /**
   * As {@link #spansAt(long)}, only for the objects whose last detected box had a longest side of at most
   * {@code side} pixels ({@code small}), or of more ({@code !small}).
   */
  List<Box> spansAt(long frame, int side, boolean small) {
    return boxes(frame, side, small, true);
  }

  private List<Box> boxes(long frame, int side, boolean small, boolean spanning) {
    List<Box> out = new ArrayList<>();
    for (Track t : tracks) {
      if ((Math.max(t.w, t.h) <= side) != small) {
        continue;
      }
      Box last = t.lastBox();
      if (frame <= t.lastSeen) {
        out.add(last);
        continue;
      }
      // Uncertainty grows with every frame without a detection, faster while the velocity is unknown.
      long dt = frame - t.lastSeen;
      double grow = Math.min(0.5, dt * (t.hits == 1 ? 0.15 : 0.05));
      if (spanning || Math.max(t.w, t.h) <= SMALL) {
        Box span = Boxes.span(last, t.predicted(frame));
        int dx = (int) Math.ceil(t.w * grow);
        int dy = (int) Math.ceil(t.h * grow);
        out.add(new Box(t.kind, span.x() - dx, span.y() - dy, span.w() + 2 * dx, span.h() + 2 * dy, t.score));
        continue;
      }
      // The speed may be off: a share of the distance predicted, at most the object's size again, so the mask of a
      // fast object detected long ago stays about its size instead of stretching along its path.
      Box p = t.predicted(frame);
      int dx = (int) Math.ceil(t.w * grow + Math.min(t.w, SPEED_ERROR * Math.abs(t.vx) * dt));
      int dy = (int) Math.ceil(t.h * grow + Math.min(t.h, SPEED_ERROR * Math.abs(t.vy) * dt));
      out.add(new Box(t.kind, p.x() - dx, p.y() - dy, p.w() + 2 * dx, p.h() + 2 * dy, t.score));
    }
    return out;
  }

  int size() {
    return tracks.size();
  }

  private static <T> boolean containsIdentity(List<T> list, T item) {
    for (T x : list) {
      if (x == item) {
        return true;
      }
    }
    return false;
  }
}
