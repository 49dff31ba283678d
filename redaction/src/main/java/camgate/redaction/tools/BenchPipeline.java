package camgate.redaction.tools;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import camgate.redaction.Detectors;
import camgate.redaction.IsolatedDetectors;
import camgate.redaction.FrameReport;
import camgate.redaction.ProcessedFrame;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionSettings;
import camgate.redaction.RedactionStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * {@code ./camgate bench pipeline --video FILE [--streams N] [--frames N] [--size WxH] [--max-stale N]
 * [--deadline-ms N] [--motion-guard on|off] [--pass-budget-ms N] [--duty F] [--small-faces on|off] [--pace FPS]
 * [--isolation process|in-process] [--vs-deface]}: throughput, latency and cost of the redaction pipeline on a clip, each stream decoding the clip,
 * redacting every frame and encoding it as JPEG (what the gateway does), next to the floor measured in the same run
 * with the same streams and pace (decode + encode only). Without {@code --pace} streams run as fast as they can and
 * the sustainable rate per stream is the printed fps; with it each stream feeds frames at that camera rate (as a
 * live camera does) and the printed fps says whether it kept up. The cost of a frame is the CPU time the process
 * spent per frame served, detection threads included: what the machine pays, paced or not; with
 * {@code --isolation process} the detectors run in a detector host ({@link IsolatedDetectors}), whose CPU time is
 * added to the process's.
 */
public final class BenchPipeline {
  private BenchPipeline() {}

  /**
   * What one stream measured; {@code maskedFraction} and {@code motionFraction} are summed over its frames after
   * warm-up (the share of each frame's picture that was masked, and masked by the motion guard).
   */
  record StreamResult(int frames, double seconds, long[] processNanos, int warmUpFrames, int failSafeAfterWarmUp,
      RedactionStats stats, long maxStale, double maskedFraction, double motionFraction) {
    /** Process times after warm-up: from the frame after the first one served from detection. */
    long[] steadyNanos() {
      return Arrays.copyOfRange(processNanos, Math.min(warmUpFrames, processNanos.length), processNanos.length);
    }
  }

  /** Sees every frame a stream served, in the timed run: what the video evaluation keeps to score afterwards. */
  interface FrameObserver {
    /**
     * Frame {@code n} of stream {@code stream} was served with {@code report}; {@code warm} for the frames after the
     * first one the stream served from detection (those the bench's figures count). {@code input} is the frame as fed, valid only during the call: clone what is kept.
     */
    void served(int stream, int n, Mat input, FrameReport report, boolean warm);
  }

  /** The options both the bench and the video evaluation take. */
  static final String OPTIONS = "--video FILE [--streams N] [--frames N] [--size WxH] [--max-stale N] [--deadline-ms N]"
      + " [--motion-guard on|off] [--pass-budget-ms N] [--duty F] [--small-faces on|off] [--pace FPS]"
      + " [--isolation process|in-process]";

  public static void main(String[] args) throws Exception {
    RedactionPipeline.useCallingThreadsForOpenCv();
    Map<String, String> opts = Eval.options(args);
    if (!opts.containsKey("--video")) {
      System.err.println("usage: ./camgate bench pipeline " + OPTIONS + " [--vs-deface]");
      System.exit(2);
    }
    run(opts, null);
  }

  /**
   * Measures the floor, then the pipeline on the same streams, printing what the bench prints; {@code observer}
   * (may be null) sees every frame served in the pipeline's timed run. Returns the steady cost ratio. BLOCKING.
   */
  static double run(Map<String, String> opts, FrameObserver observer) throws Exception {
    Path video = Path.of(opts.get("--video"));
    if (!Files.isRegularFile(video)) {
      throw new IOException("--video " + video + " is not a file; give a clip such as"
          + " /usr/share/doc/opencv-doc/examples/data/vtest.avi");
    }
    int streams = Integer.parseInt(opts.getOrDefault("--streams", "1"));
    // 20 s of a 25 fps camera by default: each camera's first pass takes seconds, and a shorter run is mostly warm-up.
    int maxFrames = Integer.parseInt(opts.getOrDefault("--frames", "500"));
    Size size = parseSize(opts.get("--size"));
    RedactionSettings settings = RedactionSettings.defaults();
    if (opts.containsKey("--max-stale")) {
      settings = settings.withMaxStaleFrames(Integer.parseInt(opts.get("--max-stale")));
    }
    if (opts.containsKey("--deadline-ms")) {
      settings = settings.withDetectionDeadline(java.time.Duration.ofMillis(Long.parseLong(opts.get("--deadline-ms"))));
    }
    if (opts.containsKey("--motion-guard")) {
      settings = settings.withMotionGuard(!opts.get("--motion-guard").equals("off"));
    }
    if (opts.containsKey("--pass-budget-ms")) {
      settings = settings.withPassBudget(java.time.Duration.ofMillis(Long.parseLong(opts.get("--pass-budget-ms"))));
    }
    double duty = Double.parseDouble(opts.getOrDefault("--duty", String.valueOf(Detectors.DEFAULT_DUTY)));
    boolean smallFaces = !opts.getOrDefault("--small-faces", "on").equals("off");
    double pace = Double.parseDouble(opts.getOrDefault("--pace", "0"));
    String isolation = opts.getOrDefault("--isolation", "in-process");
    if (!isolation.equals("process") && !isolation.equals("in-process")) {
      throw new IllegalArgumentException("--isolation must be process or in-process, got '" + isolation + "'");
    }
    System.out.printf(Locale.ROOT, "clip %s, %d stream(s), up to %d frames each%s, %s, %s, detection duty %.2f,"
        + " small-face look %s, detectors %s%n", video, streams, maxFrames,
        size == null ? "" : ", scaled to " + size.width() + "x" + size.height(),
        pace > 0 ? "paced at " + pace + " fps per stream" : "unpaced", settings, duty, smallFaces ? "on" : "off",
        isolation.equals("process") ? "in a detector host process (its CPU time counted)" : "in-process");

    // Twice: the first run pays for loading FFmpeg and for the JIT, which the pipeline's run below does not.
    runAll(video, streams, Math.min(25, maxFrames), size, null, null, 0, null, null);
    long floorCpu0 = cpuNanos();
    List<StreamResult> floorRuns = runAll(video, streams, maxFrames, size, null, null, pace, null, null);
    double floorCpuMs = (cpuNanos() - floorCpu0) / 1e6 / floorRuns.stream().mapToInt(StreamResult::frames).sum();
    double floorWall = floorRuns.stream().mapToDouble(StreamResult::seconds).max().orElse(1);
    double floorMs = floorWall * 1000 / floorRuns.stream().mapToInt(StreamResult::frames).sum() * streams;
    double floorFps = floorRuns.stream().mapToDouble(r -> r.frames / r.seconds).min().orElse(0);
    System.out.printf(Locale.ROOT, "floor (decode+encode, %d stream(s), same pace): %.1f fps per stream,"
        + " %.2f ms CPU per frame%n", streams, floorFps, floorCpuMs);

    IsolatedDetectors isolated = isolation.equals("process")
        ? IsolatedDetectors.start(Eval.modelsDir(), smallFaces, duty, IsolatedDetectors.DEFAULT_HANG_TIMEOUT) : null;
    hostCpu = isolated == null ? () -> 0 : isolated::hostCpuNanos;
    try (Detectors detectors = isolated != null ? isolated.detectors()
        : Detectors.load(Eval.modelsDir(), smallFaces, duty)) {
      System.out.println("models: " + detectors.models());
      // Warm-up pass so the first measured frames do not pay for network initialisation.
      runAll(video, 1, Math.min(6, maxFrames), size, detectors, settings, 0, new SteadyState(1), null);
      SteadyState steadyState = new SteadyState(streams);
      long cpu0 = cpuNanos();
      List<StreamResult> results = runAll(video, streams, maxFrames, size, detectors, settings, pace, steadyState,
          observer);
      long cpuEnd = cpuNanos();
      long cpu = cpuEnd - cpu0;
      long[] all = results.stream().flatMapToLong(r -> Arrays.stream(r.processNanos)).sorted().toArray();
      long[] steady = results.stream().flatMapToLong(r -> Arrays.stream(r.steadyNanos())).sorted().toArray();
      long[] warmUp = results.stream().mapToLong(r -> Arrays.stream(r.processNanos, 0, Math.min(r.warmUpFrames,
          r.processNanos.length)).sum()).toArray();
      double wall = results.stream().mapToDouble(StreamResult::seconds).max().orElse(1);
      int frames = results.stream().mapToInt(StreamResult::frames).sum();
      long failSafe = results.stream().mapToLong(r -> r.stats.failSafeFrames()).sum();
      double perStreamFps = results.stream().mapToDouble(r -> r.frames / r.seconds).min().orElse(0);
      double pipelineMs = wall * 1000 / frames * streams; // wall time per frame of one stream
      double pipelineCpuMs = cpu / 1e6 / frames;
      // Warm-up (each camera's first, whole-frame pass, its frames masked whole) is paid once per camera start;
      // the cost per frame that matters is the steady one, from the moment every stream is warm.
      int steadyFrames = frames - steadyState.servedAtWarm;
      double steadyCpuMs = steadyState.cpuAtWarm < 0 || steadyFrames <= 0 ? Double.NaN
          : (cpuEnd - steadyState.cpuAtWarm) / 1e6 / steadyFrames;
      // Summed over the frames after warm-up only (warm-up frames are masked whole by design).
      double masked = results.stream().mapToDouble(StreamResult::maskedFraction).sum() / Math.max(1, steady.length);
      double motion = results.stream().mapToDouble(StreamResult::motionFraction).sum() / Math.max(1, steady.length);
      System.out.printf(Locale.ROOT, "pipeline: %d stream(s), %.1f fps per stream (slowest), %.1f fps total%n",
          streams, perStreamFps, frames / wall);
      System.out.printf(Locale.ROOT, "added latency (process): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
          percentile(all, 0.50) / 1e6, percentile(all, 0.99) / 1e6, all.length == 0 ? 0 : all[all.length - 1] / 1e6);
      // A camera's first pass (model warm-up, no masks known yet) is paid once per camera start, not per frame.
      System.out.printf(Locale.ROOT, "  after warm-up (%s ms until each stream's first frame served from detection): p50 %.1f ms, p99 %.1f ms,"
          + " max %.1f ms%n", Arrays.toString(Arrays.stream(warmUp).map(w -> w / 1_000_000).toArray()),
          percentile(steady, 0.50) / 1e6, percentile(steady, 0.99) / 1e6,
          steady.length == 0 ? 0 : steady[steady.length - 1] / 1e6);
      System.out.printf(Locale.ROOT, "fail-safe frames: %d of %d (every frame is redacted or masked whole)%n",
          failSafe, frames);
      long maxStale = results.stream().mapToLong(StreamResult::maxStale).max().orElse(-1);
      int failSafeSteady = results.stream().mapToInt(StreamResult::failSafeAfterWarmUp).sum();
      System.out.printf(Locale.ROOT, "  after warm-up: %d of %d frames masked whole%n", failSafeSteady, steady.length);
      System.out.printf(Locale.ROOT, "staleness: masks came from a detection pass at most %d frames old%n", maxStale);
      System.out.printf(Locale.ROOT, "masked: %.1f %% of the picture on average, %.1f %% of it by the motion guard"
          + " (what changed where no detector has looked yet)%n", 100 * masked, 100 * motion);
      System.out.printf(Locale.ROOT, "cost per frame (CPU time, all threads) once every stream is warm: pipeline %.2f"
          + " ms vs floor %.2f ms: ratio %.2f (%d frames); whole run, warm-up included: %.2f ms, ratio %.2f%n",
          steadyCpuMs, floorCpuMs, steadyCpuMs / floorCpuMs, steadyFrames, pipelineCpuMs, pipelineCpuMs / floorCpuMs);
      if (pace <= 0) {
        System.out.printf(Locale.ROOT, "wall time per frame of a stream: pipeline %.2f ms vs floor %.2f ms: ratio"
            + " %.2f%n", pipelineMs, floorMs, pipelineMs / floorMs);
      }
      // fail_safe matters as much as fps: a pipeline whose detection misses the deadline serves only masked frames.
      System.out.printf(Locale.ROOT,
          "fps=%.1f streams=%d pace=%.0f p50_ms=%.1f p99_ms=%.1f p99_after_warmup_ms=%.1f floor_fps=%.1f ratio=%.2f"
          + " fail_safe=%d/%d fail_safe_after_warmup=%d/%d max_stale=%d masked=%.3f motion=%.3f%n", perStreamFps,
          streams, pace, percentile(all, 0.50) / 1e6, percentile(all, 0.99) / 1e6, percentile(steady, 0.99) / 1e6,
          floorFps, steadyCpuMs / floorCpuMs, failSafe, frames, failSafeSteady, steady.length, maxStale, masked,
          motion);
      if (opts.containsKey("--vs-deface")) {
        DefaceComparison.run(video, maxFrames, size, frames / wall);
      }
      return steadyCpuMs / floorCpuMs;
    }
  }

  /** Frames served so far and, once every stream is warm, the process's CPU time and the frames served then. */
  static final class SteadyState {
    private final CountDownLatch cold;
    private final AtomicInteger served = new AtomicInteger();
    private volatile long cpuAtWarm = -1;
    private volatile int servedAtWarm;

    SteadyState(int streams) {
      cold = new CountDownLatch(streams);
    }

    void served() {
      served.incrementAndGet();
    }

    /** A stream served its first frame from detection. */
    synchronized void warm() {
      cold.countDown();
      if (cold.getCount() == 0 && cpuAtWarm < 0) {
        servedAtWarm = served.get();
        cpuAtWarm = cpuNanos();
      }
    }
  }

  /** Runs {@code streams} streams of the clip at once (the floor when {@code detectors} is null). BLOCKING. */
  static List<StreamResult> runAll(Path video, int streams, int maxFrames, Size size, Detectors detectors,
      RedactionSettings settings, double pace, SteadyState steadyState, FrameObserver observer) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    try {
      List<Future<StreamResult>> futures = new ArrayList<>();
      for (int s = 0; s < streams; s++) {
        int stream = s;
        futures.add(pool.submit(() -> runStream(stream, video, maxFrames, size, detectors, settings, pace, steadyState,
            observer)));
      }
      List<StreamResult> out = new ArrayList<>();
      for (Future<StreamResult> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Decodes the clip, redacts (unless detectors is null: the floor) and JPEG-encodes every frame, no faster than
   * {@code pace} frames per second when it is positive. BLOCKING.
   */
  private static StreamResult runStream(int stream, Path video, int maxFrames, Size size, Detectors detectors,
      RedactionSettings settings, double pace, SteadyState steadyState, FrameObserver observer) throws Exception {
    long[] processNanos = new long[maxFrames];
    long maxStale = -1;
    int warmUpFrames = 0;
    boolean warm = false;
    int failSafeAfterWarmUp = 0;
    double masked = 0;
    double motion = 0;
    int n = 0;
    RedactionPipeline pipeline = detectors == null ? null : RedactionPipeline.create(detectors, settings);
    long t0 = System.nanoTime();
    try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        Mat scaled = new Mat(); BytePointer jpeg = new BytePointer()) {
      grabber.start();
      IntPointer quality = new IntPointer(IMWRITE_JPEG_QUALITY, 80);
      for (Frame f; n < maxFrames && (f = grabber.grabImage()) != null; n++) {
        Mat frame = converter.convert(f);
        if (size != null) {
          resize(frame, scaled, size, 0, 0, INTER_AREA);
          frame = scaled;
        }
        if (pace > 0) {
          // A live camera delivers frame n at t0 + n / pace; a stream that falls behind does not sleep.
          long due = t0 + (long) (n * 1e9 / pace) - System.nanoTime();
          if (due > 0) {
            Thread.sleep(due / 1_000_000, (int) (due % 1_000_000));
          }
        }
        if (pipeline == null) {
          imencode(".jpg", frame, jpeg, quality);
        } else {
          long p0 = System.nanoTime();
          try (ProcessedFrame out = pipeline.process(frame, false)) {
            processNanos[n] = System.nanoTime() - p0;
            steadyState.served();
            maxStale = Math.max(maxStale, out.report().staleFrames());
            boolean afterWarmUp = warm;
            if (!warm) {
              // Warm-up lasts until the stream serves its first frame from detection rather than masked whole.
              warmUpFrames = n + 1;
              warm = !out.report().failSafe();
              if (warm) {
                steadyState.warm();
              }
            } else {
              // After warm-up: the frames steadyNanos() covers.
              if (out.report().failSafe()) {
                failSafeAfterWarmUp++;
                if (Boolean.getBoolean("camgate.bench.trace")) {
                  System.out.println("fail-safe on frame " + n + ": " + out.report().failSafeReason());
                }
              }
              masked += out.report().maskedShare();
              motion += out.report().motionShare();
            }
            if (observer != null) {
              observer.served(stream, n, frame, out.report(), afterWarmUp);
            }
            imencode(".jpg", out.redacted(), jpeg, quality);
          }
        }
      }
      grabber.stop();
      double seconds = (System.nanoTime() - t0) / 1e9;
      RedactionStats stats = pipeline == null ? new RedactionStats(n, 0, 0, 0) : pipeline.stats();
      return new StreamResult(n, seconds, Arrays.copyOf(processNanos, n), warmUpFrames, failSafeAfterWarmUp, stats,
          maxStale, masked, motion);
    } finally {
      if (pipeline != null) {
        pipeline.close();
      }
    }
  }

  /** CPU time of a detector host so far, 0 when the detectors run in-process. */
  private static volatile LongSupplier hostCpu = () -> 0;

  /** CPU time of the whole process so far (every thread, native ones included), and of its detector host. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() + hostCpu.getAsLong();
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  static Size parseSize(String s) {
    if (s == null) {
      return null;
    }
    String[] wh = s.split("x");
    if (wh.length != 2) {
      throw new IllegalArgumentException("--size must be WIDTHxHEIGHT such as 1280x720, got '" + s + "'");
    }
    return new Size(Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
  }
}
