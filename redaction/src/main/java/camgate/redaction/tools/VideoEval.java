package camgate.redaction.tools;

import camgate.redaction.RedactionPipeline;

import camgate.redaction.Box;
import camgate.redaction.Detectors;
import camgate.redaction.FrameReport;
import camgate.redaction.ObjectKind;
import camgate.redaction.RedactionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@code ./camgate eval video --video FILE [--every K] [--from FRAME] [--labels CSV] [bench options]}: runs the
 * pipeline on a clip as the gateway does (the bench's streams, pace and settings, its floor measured in the same
 * run), then holds every K-th frame each stream served after warm-up (and from frame {@code FRAME} on, so that runs whose warm-ups end at
 * different frames score the same ones) to a reference. The reference is the exhaustive look: both detectors'
 * full look over the whole frame, loaded as the still-image evaluation loads them (small-face look on, no rest). It
 * runs after the timed run, on copies of the frames, so the pipeline is measured undisturbed. With {@code --labels}
 * (CSV {@code frame,kind,x,y,w,h}, as {@code ./camgate eval clip} writes) the reference is the clip's exact boxes,
 * and every frame is scored by default.
 *
 * <p>Per frame: a reference box counts as redacted when at least 80 % of it is masked (by any mask, or the whole
 * frame by the fail-safe); masked beyond the reference is the share of the picture masked outside every reference
 * box grown as the pipeline grows a box it found, split into the motion guard, tracked masks and the fail-safe. The
 * last line is {@code video_recall=R masked=M beyond_reference=X motion=G unredacted_frames=U frames=N ratio=C},
 * with {@code motion} the motion guard's part of {@code beyond_reference} and {@code ratio} the bench's steady cost
 * per frame against the floor.
 */
public final class VideoEval {
  private VideoEval() {}

  /** A frame one stream served after warm-up and its report. */
  record Served(int stream, int frame, FrameReport report) {}

  /** One frame's score against its reference boxes. */
  record FrameScore(int stream, int frame, int boxes, int[] redactedByKind, int[] boxesByKind, double masked,
      double beyondMotion, double beyondTracked, double beyondFailSafe, List<String> uncovered) {}

  public static void main(String[] args) throws Exception {
    RedactionPipeline.useCallingThreadsForOpenCv();
    Map<String, String> opts = Eval.options(args);
    if (!opts.containsKey("--video")) {
      System.err.println("usage: ./camgate eval video " + BenchPipeline.OPTIONS
          + " [--every K] [--from FRAME] [--labels CSV]");
      System.exit(2);
    }
    Map<Integer, List<Box>> labels = opts.containsKey("--labels") ? readClipLabels(Path.of(opts.get("--labels")))
        : null;
    int every = Integer.parseInt(opts.getOrDefault("--every", labels == null ? "10" : "1"));
    // Runs whose warm-up ends at different frames score the same frames from here on: a fair before and after.
    int from = Integer.parseInt(opts.getOrDefault("--from", "0"));
    if (every < 1) {
      throw new IllegalArgumentException("--every must be >= 1 (1: every frame), got " + every);
    }
    List<Served> served = Collections.synchronizedList(new ArrayList<>());
    Map<Integer, Mat> kept = new ConcurrentHashMap<>();
    int[] size = new int[2];
    BenchPipeline.FrameObserver observer = (stream, n, input, report, warm) -> {
      size[0] = input.cols();
      size[1] = input.rows();
      if (warm && n >= from && n % every == 0) {
        served.add(new Served(stream, n, report));
        if (labels == null) {
          // The streams play the same clip: one copy of a frame serves every stream's score.
          kept.computeIfAbsent(n, k -> input.clone());
        }
      }
    };
    double ratio = BenchPipeline.run(opts, observer);

    RedactionSettings settings = RedactionSettings.defaults();
    try (Detectors reference = Detectors.load(Eval.modelsDir())) {
      Map<Integer, List<Box>> truth = labels != null ? labels : referenceBoxes(reference, kept);
      List<FrameScore> scores = new ArrayList<>();
      for (Served s : served) {
        scores.add(score(s, truth.getOrDefault(s.frame(), List.of()), reference, settings.margin(), size[0], size[1]));
      }
      print(scores, every, labels != null, ratio);
    } finally {
      kept.values().forEach(Mat::close);
    }
  }

  /** The exhaustive look at each kept frame, on every core. BLOCKING (seconds a frame). */
  private static Map<Integer, List<Box>> referenceBoxes(Detectors reference, Map<Integer, Mat> kept)
      throws Exception {
    System.out.printf(Locale.ROOT, "reference: the exhaustive look at %d frames (both detectors, whole frame)...%n",
        kept.size());
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try {
      Map<Integer, Future<List<Box>>> futures = new TreeMap<>();
      kept.forEach((n, frame) -> futures.put(n, pool.submit(() -> reference.detect(frame))));
      Map<Integer, List<Box>> out = new TreeMap<>();
      for (Map.Entry<Integer, Future<List<Box>>> e : futures.entrySet()) {
        out.put(e.getKey(), e.getValue().get());
      }
      System.out.printf(Locale.ROOT, "reference: %.1f s a frame%n", (System.nanoTime() - t0) / 1e9 / Math.max(1,
          kept.size()) * Runtime.getRuntime().availableProcessors());
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Scores one served frame against its reference boxes. */
  static FrameScore score(Served s, List<Box> truth, Detectors detectors, double margin, int w, int h) {
    FrameReport r = s.report();
    boolean[] tracked = raster(concat(r.faces(), r.plates()), w, h);
    boolean[] motion = raster(r.motion(), w, h);
    List<Box> grown = truth.stream().map(b -> detectors.masked(b, margin, w, h)).toList();
    boolean[] inReference = raster(grown, w, h);
    int[] redacted = new int[2];
    int[] boxes = new int[2];
    List<String> uncovered = new ArrayList<>();
    for (Box b : truth) {
      int k = b.kind() == ObjectKind.PLATE ? 1 : 0;
      boxes[k]++;
      double c = r.failSafe() ? 1 : coverage(b, tracked, motion, w, h);
      if (c >= 0.8) {
        redacted[k]++;
      } else {
        uncovered.add(String.format(Locale.ROOT, "%s %dx%d at (%d,%d) %.0f %% covered", b.kind(), b.w(), b.h(), b.x(),
            b.y(), 100 * c));
      }
    }
    long masked = 0;
    long beyondTracked = 0;
    long beyondMotion = 0;
    for (int i = 0; i < w * h; i++) {
      boolean m = r.failSafe() || tracked[i] || motion[i];
      if (m) {
        masked++;
        if (!inReference[i] && !r.failSafe()) {
          if (tracked[i]) {
            beyondTracked++;
          } else {
            beyondMotion++;
          }
        }
      }
    }
    double area = (double) w * h;
    long beyondFailSafe = 0;
    if (r.failSafe()) {
      for (boolean in : inReference) {
        beyondFailSafe += in ? 0 : 1;
      }
    }
    return new FrameScore(s.stream(), s.frame(), truth.size(), redacted, boxes, masked / area, beyondMotion / area,
        beyondTracked / area, beyondFailSafe / area, uncovered);
  }

  private static double coverage(Box b, boolean[] tracked, boolean[] motion, int w, int h) {
    long area = 0;
    long covered = 0;
    for (int y = Math.max(0, b.y()); y < Math.min(h, b.y() + b.h()); y++) {
      for (int x = Math.max(0, b.x()); x < Math.min(w, b.x() + b.w()); x++) {
        area++;
        if (tracked[y * w + x] || motion[y * w + x]) {
          covered++;
        }
      }
    }
    return area == 0 ? 1 : (double) covered / area;
  }

  private static boolean[] raster(List<Box> boxes, int w, int h) {
    boolean[] out = new boolean[w * h];
    for (Box b : boxes) {
      for (int y = Math.max(0, b.y()); y < Math.min(h, b.y() + b.h()); y++) {
        int x0 = Math.max(0, b.x());
        int x1 = Math.min(w, b.x() + b.w());
        if (x1 > x0) {
          java.util.Arrays.fill(out, y * w + x0, y * w + x1, true);
        }
      }
    }
    return out;
  }

  private static List<Box> concat(List<Box> a, List<Box> b) {
    List<Box> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static void print(List<FrameScore> scores, int every, boolean exact, double ratio) {
    scores.sort(Comparator.comparingInt(FrameScore::stream).thenComparingInt(FrameScore::frame));
    int[] redacted = new int[2];
    int[] boxes = new int[2];
    double masked = 0;
    double motion = 0;
    double tracked = 0;
    double failSafe = 0;
    int unredacted = 0;
    int longestRun = 0;
    int run = 0;
    int previousStream = -1;
    for (FrameScore f : scores) {
      for (int k = 0; k < 2; k++) {
        redacted[k] += f.redactedByKind()[k];
        boxes[k] += f.boxesByKind()[k];
      }
      masked += f.masked();
      motion += f.beyondMotion();
      tracked += f.beyondTracked();
      failSafe += f.beyondFailSafe();
      run = f.stream() != previousStream ? 0 : run;
      previousStream = f.stream();
      if (f.uncovered().isEmpty()) {
        run = 0;
      } else {
        unredacted++;
        run++;
        longestRun = Math.max(longestRun, run);
        System.out.println("unredacted: stream " + f.stream() + " frame " + f.frame() + ": "
            + String.join("; ", f.uncovered()));
      }
    }
    int n = Math.max(1, scores.size());
    int allBoxes = boxes[0] + boxes[1];
    double recall = allBoxes == 0 ? 1 : (double) (redacted[0] + redacted[1]) / allBoxes;
    double beyond = (motion + tracked + failSafe) / n;
    System.out.printf(Locale.ROOT, "reference: %s, on %s after warm-up%n",
        exact ? "the clip's exact boxes" : "the exhaustive look (both detectors' full look over the whole frame)",
        every == 1 ? "every frame" : "every " + every + "th frame");
    System.out.printf(Locale.ROOT, "video recall: faces %.4f (%d/%d), plates %.4f (%d/%d)%n",
        boxes[0] == 0 ? 1.0 : (double) redacted[0] / boxes[0], redacted[0], boxes[0],
        boxes[1] == 0 ? 1.0 : (double) redacted[1] / boxes[1], redacted[1], boxes[1]);
    System.out.printf(Locale.ROOT, "masked: %.1f %% of the picture on average; beyond the reference %.1f %%: motion"
        + " guard %.1f %%, tracked masks %.1f %%, fail-safe %.1f %%%n", 100 * masked / n, 100 * beyond,
        100 * motion / n, 100 * tracked / n, 100 * failSafe / n);
    System.out.printf(Locale.ROOT, "unredacted frames: %d of %d scored; longest run %d scored frame(s) in a row"
        + " (%d frame(s) of the clip)%n", unredacted, scores.size(), longestRun, longestRun == 0 ? 0
        : (longestRun - 1) * every + 1);
    System.out.printf(Locale.ROOT, "video_recall=%.4f masked=%.3f beyond_reference=%.3f motion=%.3f"
        + " unredacted_frames=%d frames=%d ratio=%.2f%n", recall, masked / n, beyond, motion / n, unredacted,
        scores.size(), ratio);
  }

  /** Exact boxes by frame from a CSV {@code frame,kind,x,y,w,h} (kind FACE or PLATE). */
  static Map<Integer, List<Box>> readClipLabels(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty() || !lines.get(0).replace(" ", "").startsWith("frame,kind,x,y,w,h")) {
      throw new IOException(csv + ": expected a CSV with header frame,kind,x,y,w,h (as ./camgate eval clip writes),"
          + " found " + (lines.isEmpty() ? "an empty file" : "'" + lines.get(0) + "'"));
    }
    Map<Integer, List<Box>> out = new TreeMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).trim().split(",");
      if (f.length < 6) {
        continue;
      }
      out.computeIfAbsent(Integer.parseInt(f[0]), k -> new ArrayList<>()).add(new Box(ObjectKind.valueOf(f[1]),
          Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]), 1f));
    }
    return out;
  }
}
