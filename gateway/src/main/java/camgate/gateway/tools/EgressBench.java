package camgate.gateway.tools;

import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.camera.FrameHub;
import camgate.gateway.rtsp.AccessUnit;
import camgate.gateway.rtsp.H264Settings;
import camgate.gateway.rtsp.H264Stream;
import camgate.gateway.rtsp.H264Subscription;
import camgate.gateway.rtsp.NalUnit;
import camgate.gateway.rtsp.RtspAccessPort;
import camgate.gateway.rtsp.RtspGrant;
import camgate.gateway.rtsp.RtspServer;
import camgate.gateway.rtsp.RtspServerConfig;
import camgate.gateway.rtsp.SequenceSei;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * {@code ./camgate bench egress}: the RTSP/H.264 egress of {@code --cameras} cameras (a 1280x720, 25 fps clip
 * each, JPEG-encoded at the gateway's quality 80 as the gateway publishes its redacted frames, at the camera's pace)
 * to 1, 10 and 50 RTSP subscribers per camera over loopback (RTP interleaved on TCP; a third of them reading at
 * {@code --slow-rate}). The access gate is not in this path (a port that admits every session): the bench measures
 * encoding and fan-out.
 *
 * <p>The RTSP clients run in a process of their own. For each subscriber count the bench prints the gateway side's
 * CPU (this process's CPU time less the thread reading the clients' reports) and its ratio to the one-subscriber
 * round of the same run, split into the cameras (the
 * pipeline's stand-in), the encoders and the rest (fan-out, event loops, GC); H.264 bytes per second per subscriber
 * next to the MJPEG bytes per second of the same frames; the added latency from a frame's publication to the
 * arrival of its first RTP packet at a full-rate client (p50/p99, from the SEI sequence number each access unit
 * carries); and memory after a full GC and a second to settle, with the subscribers still connected: RSS, live
 * heap and direct buffers, and what says where RSS goes ({@link Memory}). A last line compares the quality of both
 * encodings against the frames before JPEG (SSIM and PSNR of luma over sampled frames) with their bytes over the
 * same frames.
 *
 * <p>One file on purpose: a benchmark program read top to bottom with its figures; its camera, its RTSP client and
 * its SSIM exist only for it.
 */
public final class EgressBench {

  private static final int QUALITY = 80;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--clients")) {
      Clients.serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          Integer.parseInt(args[4]));
      return;
    }
    int cameras = 2;
    int seconds = 20;
    int slowRate = 64 * 1024;
    // The last round repeats the first: memory then shows what stays after 50 subscribers have left.
    List<Integer> counts = List.of(1, 10, 50, 1);
    int kbits = 0;
    Path video = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--cameras" -> cameras = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--slow-rate" -> slowRate = Integer.parseInt(args[++i]);
        case "--video" -> video = Path.of(args[++i]);
        case "--counts" -> counts = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
        case "--kbit-s" -> kbits = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: bench egress [--cameras N] [--seconds S] [--slow-rate BYTES_PER_S] "
              + "[--counts 1,10,50,1] [--kbit-s K (default: the gateway's, from the picture size)] [--video FILE]");
          System.exit(2);
        }
      }
    }
    if (video == null) {
      video = LoadBench.camera25(Files.createTempDirectory("camgate-bench-egress"));
    }
    // As the gateway: OpenCV works on its callers' threads, so the encoders' JPEG decoding is counted as theirs.
    camgate.redaction.RedactionPipeline.useCallingThreadsForOpenCv();
    Vertx vertx = Vertx.vertx();
    Map<String, Camera> feeds = new LinkedHashMap<>();
    Map<String, H264Stream> streams = new HashMap<>();
    for (int c = 0; c < cameras; c++) {
      Camera cam = new Camera("cam-" + c, video);
      feeds.put(cam.id, cam);
      streams.put(cam.id, new H264Stream(cam.id + "/redacted", cam.hub,
          new H264Settings(25, kbits * 1000, H264Settings.MAX_KEYFRAME_INTERVAL)));
      cam.start();
    }
    RtspAccessPort admitAll = request -> {
      H264Stream stream = streams.get(request.cameraId());
      return stream == null ? Future.failedFuture(new IllegalArgumentException("no camera"))
          : Future.succeededFuture(new RtspGrant() {
            @Override
            public H264Stream stream() {
              return stream;
            }

            @Override
            public void onCut(Consumer<String> cut) {
            }

            @Override
            public void ended(String reason, long packets, long bytes) {
            }
          });
    };
    RtspServer server = new RtspServer(admitAll, RtspServerConfig.of("127.0.0.1", 0));
    vertx.deployVerticle(server).await(30, TimeUnit.SECONDS);
    Thread.sleep(3000);
    Memory idle = Memory.afterGc();
    System.out.printf("subscribers_per_camera=0 %s%n", idle);
    double baseCpu = 0;
    double baseRest = 0;
    try {
      for (int round = 0; round < counts.size(); round++) {
        int n = counts.get(round);
        // n subscribers per camera, so every camera's encoder runs in every round, the first one included.
        Latencies latencies = new Latencies(new ArrayList<>(feeds.values()));
        Clients clients = Clients.start(server.actualPort(), cameras, n, slowRate, latencies);
        Thread.sleep(5000);  // every subscriber at its first keyframe
        CpuSnapshot cpu0 = CpuSnapshot.take();
        long[] bytes0 = clients.bytes();
        long mjpeg0 = feeds.values().stream().mapToLong(f -> f.mjpegBytes.get()).sum();
        long pictures0 = streams.values().stream().mapToLong(s -> s.encodeStats().pictures()).sum();
        latencies.clear();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double wall = (System.nanoTime() - t0) / 1e9;
        CpuSnapshot.Delta used = CpuSnapshot.take().since(cpu0);
        long[] bytes1 = clients.bytes();
        List<Double> latency = latencies.sorted();
        double gateway = (used.process() - used.of("bench-")) / 1e9 / wall;
        double cams = used.of("camera-") / 1e9 / wall;
        double encoders = used.of("h264-") / 1e9 / wall;
        double rest = gateway - cams - encoders;
        if (round == 0) {
          baseCpu = gateway;
          baseRest = rest;
        }
        double fast = 0;
        int fastCount = 0;
        for (int i = 0; i < bytes1.length; i++) {
          if (!Clients.slow(i)) {
            fast += (bytes1[i] - bytes0[i]) / wall;
            fastCount++;
          }
        }
        double h264PerSubscriber = fastCount == 0 ? 0 : fast / fastCount;
        double mjpegPerCamera = (feeds.values().stream().mapToLong(f -> f.mjpegBytes.get()).sum() - mjpeg0) / wall
            / cameras;
        double picturesPerSecond = (streams.values().stream().mapToLong(s -> s.encodeStats().pictures()).sum()
            - pictures0) / wall / cameras;
        double encodeMs = streams.values().stream().mapToDouble(s -> s.encodeStats().meanEncodeMillis()).average()
            .orElse(0);
        // The event loops' CPU per picture sent to one subscriber: the fan-out's unit cost, whatever the pace the
        // encoders kept (on a loaded machine they encode fewer pictures, and every total falls with them).
        double picturesSent = (picturesPerSecond * cameras * wall) * n;
        double loopMicros = used.of("vert.x-eventloop-thread") / 1e3 / Math.max(1, picturesSent);
        double addedPerSubscriber = n == counts.get(0) ? 0
            : (rest - baseRest) * 1000 / ((n - counts.get(0)) * cameras);
        long committedUnderLoad = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        // Before the collection: the RTP packets' direct buffers are freed only when collected, so this shows how
        // much native memory waits on the GC with this many subscribers (after it, direct_mb is what is live).
        long directUnderLoad = Memory.directUsed();
        Memory memory = Memory.afterGc();
        System.out.printf("subscribers_per_camera=%d cpu_cores=%.2f cpu_ratio_to_%d=%.2f cameras_cores=%.2f "
                + "encoders_cores=%.2f fanout_cores=%.3f fanout_cpu_ms_s_per_added_subscriber=%.2f "
                + "pictures_per_s_per_camera=%.1f h264_kbit_s_per_subscriber=%.0f mjpeg_kbit_s_per_camera=%.0f "
                + "h264_to_mjpeg=%.3f encode_ms_per_picture=%.1f event_loop_us_per_picture_per_subscriber=%.1f "
                + "latency_ms_p50=%.1f latency_ms_p99=%.1f "
                + "latency_samples=%d heap_committed_under_load_mb=%d direct_under_load_mb=%d %s%n",
            n, gateway, counts.get(0), gateway / baseCpu, cams, encoders, rest, addedPerSubscriber,
            picturesPerSecond, h264PerSubscriber * 8 / 1000, mjpegPerCamera * 8 / 1000,
            h264PerSubscriber / mjpegPerCamera, encodeMs, loopMicros, percentile(latency, 0.50),
            percentile(latency, 0.99),
            latency.size(), committedUnderLoad >> 20, directUnderLoad >> 20, memory);
        clients.close();
        Thread.sleep(2000);
      }
      Camera first = feeds.values().iterator().next();
      Quality.measure(first, streams.get(first.id), Files.createTempDirectory("camgate-bench-egress-quality"));
    } finally {
      feeds.values().forEach(Camera::close);
      streams.values().forEach(H264Stream::close);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /** CPU time of the process and of each live thread, to split the process's CPU between the bench's parts. */
  private record CpuSnapshot(long process, Map<Long, Long> threads, Map<Long, String> names) {

    static CpuSnapshot take() {
      Map<Long, Long> cpu = new HashMap<>();
      Map<Long, String> names = new HashMap<>();
      for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
        if (t != null) {
          long time = THREADS.getThreadCpuTime(t.getThreadId());
          if (time >= 0) {
            cpu.put(t.getThreadId(), time);
            names.put(t.getThreadId(), t.getThreadName());
          }
        }
      }
      long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
      return new CpuSnapshot(process, cpu, names);
    }

    /** CPU nanoseconds used since {@code before}, by the process and by threads named by prefix. */
    Delta since(CpuSnapshot before) {
      Map<String, Long> byName = new HashMap<>();
      threads.forEach((id, time) -> byName.merge(names.get(id), time - before.threads.getOrDefault(id, 0L),
          Long::sum));
      return new Delta(process - before.process, byName);
    }

    record Delta(long process, Map<String, Long> byThreadName) {
      long of(String prefix) {
        return byThreadName.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
            .mapToLong(Map.Entry::getValue).sum();
      }
    }
  }

  /**
   * Memory after a full collection and a second to settle: what the process holds, not its garbage. RSS is every
   * resident page: the heap as committed (G1 gives back what a full collection frees beyond its free-ratio), direct
   * buffers, thread stacks, and the native memory of FFmpeg and OpenH264. The RTSP clients run in another process,
   * so none of it is theirs.
   *
   * <p>To say where RSS goes: the pooled allocator of the RTSP server's connections (Vert.x's, Netty's adaptive
   * one) and its direct and heap bytes in use; live threads (a thread per subscriber would show here); what the
   * JVM's native memory tracking counts as committed when the JVM runs with
   * {@code -XX:NativeMemoryTracking=summary} (else -1): memory above it is native libraries' malloc, or memory
   * malloc keeps after it was freed; and RSS by region ({@link Resident}). For the malloc arenas one by one, attach
   * {@code gdb -p PID -batch -ex 'call (void) malloc_stats()'}: it prints each arena's system and in-use bytes on
   * the process's standard error.
   */
  private record Memory(long rss, long heap, long committed, long direct, long nettyDirect, long nettyHeap,
                        int threads, long nmtCommitted, Resident resident) {
    static Memory afterGc() throws Exception {
      System.gc();
      Thread.sleep(1000);
      long direct = directUsed();
      // Live heap: what the full collection left (each heap pool's usage after it), not what was allocated since.
      long live = ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP && p.getCollectionUsage() != null)
          .mapToLong(p -> p.getCollectionUsage().getUsed()).sum();
      long committed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
      ByteBufAllocatorMetric netty = ((ByteBufAllocatorMetricProvider) VertxByteBufAllocator.POOLED_ALLOCATOR)
          .metric();
      long rss = LoadBench.rss("self");
      Resident resident = Resident.now();
      long nmt = nmtTotal();
      return new Memory(rss, live, committed, direct, netty.usedDirectMemory(), netty.usedHeapMemory(),
          THREADS.getThreadCount(), nmt, resident);
    }

    /** Bytes of the JVM's direct buffers (Netty's pooled chunks included when, as here, they have cleaners). */
    static long directUsed() {
      return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
          .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** What the JVM's native memory tracking counts as committed, or -1 if it is off. */
    private static long nmtTotal() throws Exception {
      String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
          new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB")
          .matcher(summary);
      return m.find() ? Long.parseLong(m.group(1)) << 10 : -1;
    }

    @Override
    public String toString() {
      return String.format("rss_mb=%d heap_live_mb=%d heap_committed_mb=%d direct_mb=%d netty_direct_mb=%d "
              + "netty_heap_mb=%d threads=%d nmt_committed_mb=%d rss_java_heap_mb=%d "
              + "rss_malloc_arenas_mb=%d rss_other_anon_mb=%d rss_files_mb=%d", rss >> 20, heap >> 20,
          committed >> 20, direct >> 20, nettyDirect >> 20, nettyHeap >> 20, threads, nmtCommitted >> 20,
          resident.javaHeap() >> 20, resident.mallocArenas() >> 20, resident.otherAnonymous() >> 20,
          resident.files() >> 20);
    }
  }

  /**
   * Where the resident pages are, from {@code /proc/self/smaps}: the Java heap's range (as {@code GC.heap_info}
   * gives it), glibc's malloc arenas (the {@code [heap]} of the main one and the 64 MB-aligned anonymous mappings
   * of the others), other anonymous memory (thread stacks, code cache, metaspace, GC tables, large mallocs made
   * with mmap) and files (libraries, the class archive).
   */
  private record Resident(long javaHeap, long mallocArenas, long otherAnonymous, long files) {
    private static final long ARENA_ALIGNMENT = 64L << 20;

    static Resident now() throws Exception {
      String info = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      java.util.regex.Matcher range = java.util.regex.Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)")
          .matcher(info);
      long heapStart = range.find() ? Long.parseUnsignedLong(range.group(1), 16) : -1;
      long heapEnd = heapStart < 0 ? -1 : Long.parseUnsignedLong(range.group(2), 16);
      long javaHeap = 0;
      long arenas = 0;
      long anonymous = 0;
      long files = 0;
      long start = 0;
      String name = "";
      for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
        if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
          String[] f = line.split("\\s+", 6);
          start = Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
          name = f.length > 5 ? f[5].trim() : "";
        } else if (line.startsWith("Rss:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
          if (start >= heapStart && start < heapEnd) {
            javaHeap += kb;
          } else if (name.equals("[heap]") || (name.isEmpty() && start % ARENA_ALIGNMENT == 0)) {
            arenas += kb;
          } else if (name.isEmpty() || name.startsWith("[")) {
            anonymous += kb;
          } else {
            files += kb;
          }
        }
      }
      return new Resident(javaHeap, arenas, anonymous, files);
    }
  }

  /**
   * Milliseconds from a frame's publication (its time, as the camera published it) to the arrival of its first
   * packets at a full-rate client (that client's wall clock: same host, same clock).
   */
  private static final class Latencies {
    private final List<Camera> cameras;
    private final List<Double> samples = new ArrayList<>();

    Latencies(List<Camera> cameras) {
      this.cameras = cameras;
    }

    /** A client's report: camera index, frame sequence, arrival in microseconds since the epoch. */
    void arrived(int camera, long sequence, long epochMicros) {
      Long published = cameras.get(camera).publishedAt.get(sequence);
      if (published != null) {
        synchronized (this) {
          samples.add((epochMicros - published) / 1000.0);
        }
      }
    }

    synchronized void clear() {
      samples.clear();
    }

    synchronized List<Double> sorted() {
      List<Double> copy = new ArrayList<>(samples);
      copy.sort(null);
      return copy;
    }
  }

  /** A camera playing a clip in a loop at its own pace, publishing JPEG frames as the gateway does. */
  private static final class Camera extends Thread {
    final String id;
    final Path video;
    final FrameHub hub = new FrameHub();
    final AtomicLong mjpegBytes = new AtomicLong();
    /** Each recent frame's time in microseconds since the epoch, by sequence number (the last 1024 frames). */
    final Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
    /** While positive, every frame's MJPEG part length and every {@code sampleEvery}-th frame before JPEG. */
    volatile int sampleEvery;
    final Map<Long, Integer> sampledLengths = new ConcurrentHashMap<>();
    final Map<Long, Sample> samples = new ConcurrentHashMap<>();
    volatile boolean running = true;

    Camera(String id, Path video) {
      super("camera-" + id);
      setDaemon(true);
      this.id = id;
      this.video = video;
    }

    @Override
    public void run() {
      long seq = 0;
      try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
           IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, QUALITY)) {
        while (running) {
          try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toString())) {
            grabber.start();
            long start = System.nanoTime();
            long n = 0;
            Frame frame;
            while (running && (frame = grabber.grabImage()) != null) {
              Mat mat = converter.convert(frame);
              try (BytePointer jpeg = new BytePointer()) {
                imencode(".jpg", mat, jpeg, params);
                byte[] bytes = new byte[(int) jpeg.limit()];
                jpeg.get(bytes);
                Instant now = Instant.now();
                EncodedFrame encoded = new EncodedFrame(++seq, now, bytes, false);
                mjpegBytes.addAndGet(encoded.mjpegPartLength());
                int every = sampleEvery;
                if (every > 0) {
                  sampledLengths.put(seq, encoded.mjpegPartLength());
                  if (seq % every == 0) {
                    samples.put(seq, new Sample(Quality.luma(mat), bytes));
                  }
                }
                publishedAt.put(seq, now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
                publishedAt.remove(seq - 1024);
                hub.publish(encoded);
              }
              long due = start + ++n * 40_000_000L;
              long wait = due - System.nanoTime();
              if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
              }
            }
          }
        }
      } catch (Exception e) {
        if (running) {
          System.err.println("camera " + id + " failed: " + e);
        }
      }
    }

    void close() {
      running = false;
    }
  }

  /** A frame as the camera had it before JPEG (its luma), and its JPEG. */
  private record Sample(Quality.Luma luma, byte[] jpeg) {
  }

  /**
   * The bench's RTSP clients, in a process of their own so that their CPU and memory are not the gateway's: started
   * per round with {@code --clients PORT CAMERAS N SLOW_RATE}; they report each picture's arrival ({@code L camera
   * sequence epoch-micros}) and, asked with a line {@code bytes} on their input, every client's byte count ({@code B
   * n n ...}). They end when their input closes.
   */
  private static final class Clients implements AutoCloseable {
    private final Process process;
    private final BufferedWriter commands;
    private final java.util.concurrent.BlockingQueue<long[]> counts = new java.util.concurrent.LinkedBlockingQueue<>();

    private Clients(Process process, Latencies latencies) {
      this.process = process;
      this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII));
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.US_ASCII))) {
          String line;
          while ((line = lines.readLine()) != null) {
            String[] f = line.split(" ");
            if (f[0].equals("L")) {
              latencies.arrived(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
            } else if (f[0].equals("B")) {
              counts.add(Arrays.stream(f).skip(1).mapToLong(Long::parseLong).toArray());
            }
          }
        } catch (IOException e) {
          System.err.println("the bench's RTSP clients stopped reporting: " + e);
        }
      }, "bench-clients");
      reader.setDaemon(true);
      reader.start();
    }

    /** Starts {@code perCamera} clients of each camera; a third of them read at {@code slowRate}. */
    static Clients start(int port, int cameras, int perCamera, int slowRate, Latencies latencies) throws IOException {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-cp", System.getProperty("java.class.path"), EgressBench.class.getName(), "--clients",
          Integer.toString(port), Integer.toString(cameras), Integer.toString(perCamera), Integer.toString(slowRate))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      return new Clients(p, latencies);
    }

    /** Client {@code i} reads at the slow rate. */
    static boolean slow(int i) {
      return i % 3 == 2;
    }

    long[] bytes() throws Exception {
      commands.write("bytes\n");
      commands.flush();
      long[] b = counts.poll(30, TimeUnit.SECONDS);
      if (b == null) {
        throw new IllegalStateException("the bench's RTSP clients did not report their byte counts within 30 s");
      }
      return b;
    }

    @Override
    public void close() throws Exception {
      commands.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }

    /** The client process: runs the clients until its input closes. */
    static void serve(int port, int cameras, int perCamera, int slowRate) throws IOException {
      List<Subscriber> subscribers = new ArrayList<>();
      for (int i = 0; i < perCamera * cameras; i++) {
        Subscriber s = new Subscriber(port, i % cameras, slow(i) ? slowRate : 0, !slow(i));
        s.start();
        subscribers.add(s);
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals("bytes")) {
          StringBuilder b = new StringBuilder("B");
          subscribers.forEach(s -> b.append(' ').append(s.bytes.get()));
          System.out.println(b);
        }
      }
      subscribers.forEach(Subscriber::close);
    }
  }

  /**
   * A VMS-like RTSP client: DESCRIBE, SETUP (interleaved TCP), PLAY, then reads (at most {@code rate} B/s), and
   * reports when each picture's sequence SEI (in its first packets) arrived.
   */
  private static final class Subscriber extends Thread {
    final int port;
    final int camera;
    final int rate;
    final boolean reportArrivals;
    final AtomicLong bytes = new AtomicLong();
    private volatile Socket socket;

    Subscriber(int port, int camera, int rate, boolean reportArrivals) {
      super("subscriber");
      setDaemon(true);
      this.port = port;
      this.camera = camera;
      this.rate = rate;
      this.reportArrivals = reportArrivals;
    }

    @Override
    public void run() {
      String url = "rtsp://127.0.0.1:" + port + "/cameras/cam-" + camera + "?purpose=bench";
      try (Socket s = new Socket("127.0.0.1", port)) {
        socket = s;
        s.setReceiveBufferSize(rate > 0 ? 16 * 1024 : 256 * 1024);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        Map<String, String> describe = request(out, in, "DESCRIBE " + url + " RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n");
        String sdp = describe.getOrDefault("body", "");
        String control = sdp.lines().filter(l -> l.startsWith("a=control:") && !l.endsWith("*"))
            .map(l -> l.substring("a=control:".length())).reduce((a, b) -> b).orElse(url);
        Map<String, String> setup = request(out, in, "SETUP " + control + " RTSP/1.0\r\nCSeq: 2\r\n"
            + "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
        String session = setup.getOrDefault("session", "").split(";")[0];
        request(out, in, "PLAY " + url + " RTSP/1.0\r\nCSeq: 3\r\nSession: " + session + "\r\n");
        DataInputStream frames = new DataInputStream(new BufferedInputStream(in, rate > 0 ? 2048 : 64 * 1024));
        byte[] packet = new byte[65_536];
        long budget = rate / 20;
        long read = 0;
        while (true) {
          if (frames.readUnsignedByte() != '$') {
            continue; // an RTSP answer's text: none are asked for after PLAY
          }
          int channel = frames.readUnsignedByte();
          int length = frames.readUnsignedShort();
          frames.readFully(packet, 0, length);
          bytes.addAndGet(4 + length);
          if (reportArrivals && channel == 0 && length > 12 && (packet[12] & 0x1f) == NalUnit.SEI) {
            Instant now = Instant.now();
            OptionalLong seq = SequenceSei.parse(NalUnit.of(Arrays.copyOfRange(packet, 12, length)));
            if (seq.isPresent()) {
              System.out.println("L " + camera + " " + seq.getAsLong() + " "
                  + (now.getEpochSecond() * 1_000_000 + now.getNano() / 1000));
            }
          }
          read += 4 + length;
          if (rate > 0 && read >= budget) {
            read = 0;
            Thread.sleep(50);
          }
        }
      } catch (Exception e) {
        // closed by the bench
      }
    }

    /** Sends a request and reads its response's headers (lower-case names) and body. */
    private static Map<String, String> request(OutputStream out, InputStream in, String head) throws IOException {
      out.write((head + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Map<String, String> headers = new HashMap<>();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n') {
          String l = line.toString().trim();
          line.setLength(0);
          if (l.isEmpty()) {
            break;
          }
          int colon = l.indexOf(':');
          if (colon > 0) {
            headers.put(l.substring(0, colon).trim().toLowerCase(), l.substring(colon + 1).trim());
          }
        } else {
          line.append((char) c);
        }
      }
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(length);
      headers.put("body", new String(body, StandardCharsets.UTF_8));
      return headers;
    }

    void close() {
      try {
        if (socket != null) {
          socket.close();
        }
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /**
   * Quality against the frames before JPEG: one camera's H.264 pictures (as every subscriber gets them, decoded by
   * FFmpeg) and its JPEGs, scored on luma by SSIM (Gaussian window 11, sigma 1.5, Wang et al. 2004) and PSNR, with
   * the bytes each sends for the same frames (RTP packets; MJPEG parts).
   */
  private static final class Quality {
    private static final int EVERY = 2;
    private static final double C1 = Math.pow(0.01 * 255, 2);
    private static final double C2 = Math.pow(0.03 * 255, 2);
    private static final float[] GAUSS = gaussian(11, 1.5);

    /** A picture's luma (BT.601), row by row. */
    record Luma(int width, int height, byte[] y) {
    }

    static void measure(Camera camera, H264Stream stream, Path dir) throws Exception {
      camera.sampledLengths.clear();
      camera.samples.clear();
      camera.sampleEvery = EVERY;
      List<AccessUnit> units = new ArrayList<>();
      try (H264Subscription subscription = stream.subscribe(new H264Subscription.Listener() {
        @Override
        public void ready() {
        }

        @Override
        public void ended(String reason) {
        }
      })) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        while (System.nanoTime() < until) {
          AccessUnit au = subscription.poll();
          if (au == null) {
            Thread.sleep(5);
          } else {
            units.add(au);
          }
        }
      }
      camera.sampleEvery = 0;
      Path bitstream = dir.resolve("sampled.h264");
      long h264Bytes = 0;
      long mjpegBytes = 0;
      try (OutputStream out = Files.newOutputStream(bitstream)) {
        for (AccessUnit au : units) {
          for (NalUnit nal : au.nalUnits()) {
            out.write(new byte[] {0, 0, 0, 1});
            out.write(nal.bytes());
          }
          Integer mjpeg = camera.sampledLengths.get(au.sequence());
          if (mjpeg != null) {
            h264Bytes += au.rtp().rtpBytes();
            mjpegBytes += mjpeg;
          }
        }
      }
      double h264Ssim = 0;
      double mjpegSsim = 0;
      double h264Psnr = 0;
      double mjpegPsnr = 0;
      int scored = 0;
      try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(bitstream.toFile());
           OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
        grabber.setFormat("h264");
        grabber.start();
        Frame frame;
        int i = 0;
        while ((frame = grabber.grabImage()) != null && i < units.size()) {
          Sample sample = camera.samples.get(units.get(i++).sequence());
          if (sample == null) {
            continue;
          }
          Luma h264 = luma(converter.convert(frame));
          Luma mjpeg;
          try (Mat encoded = new Mat(new BytePointer(sample.jpeg()));
               Mat decoded = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(encoded,
                   org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR)) {
            mjpeg = luma(decoded);
          }
          h264Ssim += ssim(h264, sample.luma());
          mjpegSsim += ssim(mjpeg, sample.luma());
          h264Psnr += psnr(h264, sample.luma());
          mjpegPsnr += psnr(mjpeg, sample.luma());
          scored++;
        }
        grabber.stop();
      }
      System.out.printf("quality camera=%s pictures=%d scored=%d h264_ssim=%.4f mjpeg_ssim=%.4f h264_psnr_db=%.2f "
              + "mjpeg_psnr_db=%.2f h264_to_mjpeg_bytes=%.3f (targets: h264_ssim >= 0.95 at <= 0.2 of the bytes)%n",
          camera.id, units.size(), scored, h264Ssim / scored, mjpegSsim / scored, h264Psnr / scored,
          mjpegPsnr / scored, (double) h264Bytes / mjpegBytes);
    }

    static Luma luma(Mat bgr) {
      Mat m = bgr.isContinuous() ? bgr : bgr.clone();
      int w = m.cols();
      int h = m.rows();
      byte[] pixels = new byte[w * h * 3];
      m.data().get(pixels);
      byte[] y = new byte[w * h];
      for (int i = 0; i < y.length; i++) {
        int b = pixels[3 * i] & 0xff;
        int g = pixels[3 * i + 1] & 0xff;
        int r = pixels[3 * i + 2] & 0xff;
        y[i] = (byte) Math.round(0.114 * b + 0.587 * g + 0.299 * r);
      }
      if (m != bgr) {
        m.close();
      }
      return new Luma(w, h, y);
    }

    static double psnr(Luma a, Luma b) {
      double se = 0;
      for (int i = 0; i < a.y().length; i++) {
        double d = (a.y()[i] & 0xff) - (b.y()[i] & 0xff);
        se += d * d;
      }
      double mse = se / a.y().length;
      return mse == 0 ? 100 : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    static double ssim(Luma a, Luma b) {
      if (a.width() != b.width() || a.height() != b.height()) {
        throw new IllegalArgumentException("pictures of " + a.width() + "x" + a.height() + " and " + b.width() + "x"
            + b.height() + " cannot be compared");
      }
      int w = a.width();
      int h = a.height();
      int n = w * h;
      float[] x = new float[n];
      float[] y = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = a.y()[i] & 0xff;
        y[i] = b.y()[i] & 0xff;
      }
      float[] xx = new float[n];
      float[] yy = new float[n];
      float[] xy = new float[n];
      for (int i = 0; i < n; i++) {
        xx[i] = x[i] * x[i];
        yy[i] = y[i] * y[i];
        xy[i] = x[i] * y[i];
      }
      float[] mx = blur(x, w, h);
      float[] my = blur(y, w, h);
      float[] sxx = blur(xx, w, h);
      float[] syy = blur(yy, w, h);
      float[] sxy = blur(xy, w, h);
      double sum = 0;
      for (int i = 0; i < n; i++) {
        double mux = mx[i];
        double muy = my[i];
        double vx = sxx[i] - mux * mux;
        double vy = syy[i] - muy * muy;
        double cov = sxy[i] - mux * muy;
        sum += (2 * mux * muy + C1) * (2 * cov + C2) / ((mux * mux + muy * muy + C1) * (vx + vy + C2));
      }
      return sum / n;
    }

    /** Separable Gaussian filter, edges clamped. */
    private static float[] blur(float[] in, int w, int h) {
      int r = GAUSS.length / 2;
      float[] across = new float[in.length];
      for (int row = 0; row < h; row++) {
        for (int col = 0; col < w; col++) {
          float v = 0;
          for (int k = -r; k <= r; k++) {
            v += GAUSS[k + r] * in[row * w + Math.min(w - 1, Math.max(0, col + k))];
          }
          across[row * w + col] = v;
        }
      }
      float[] out = new float[in.length];
      for (int row = 0; row < h; row++) {
        for (int col = 0; col < w; col++) {
          float v = 0;
          for (int k = -r; k <= r; k++) {
            v += GAUSS[k + r] * across[Math.min(h - 1, Math.max(0, row + k)) * w + col];
          }
          out[row * w + col] = v;
        }
      }
      return out;
    }

    private static float[] gaussian(int size, double sigma) {
      float[] g = new float[size];
      double sum = 0;
      for (int i = 0; i < size; i++) {
        double d = i - size / 2;
        g[i] = (float) Math.exp(-d * d / (2 * sigma * sigma));
        sum += g[i];
      }
      for (int i = 0; i < size; i++) {
        g[i] /= (float) sum;
      }
      return g;
    }
  }
}
