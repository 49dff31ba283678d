package camgate.gateway.tools;

import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.camera.FrameHub;
import camgate.gateway.rtsp.H264Settings;
import camgate.gateway.rtsp.H264Stream;
import camgate.gateway.rtsp.RtspAccessPort;
import camgate.gateway.rtsp.RtspGrant;
import camgate.gateway.rtsp.RtspServer;
import camgate.gateway.rtsp.RtspServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * {@code ./camgate bench egress}: the RTSP/H.264 egress of {@code --cameras} cameras (a 1280x720, 25 fps clip
 * each, JPEG-encoded as the gateway publishes its redacted frames, at the camera's pace) to 1, 10 and 50 RTSP
 * subscribers per camera over loopback (RTP interleaved on TCP; a third of them reading at {@code --slow-rate}). For each
 * subscriber count it prints the process's CPU time per second, its ratio to the one-subscriber run (the
 * baseline of the same run), H.264 bytes per second per subscriber next to the MJPEG bytes per second of the
 * same frames, the encoder's milliseconds per picture, and the RSS. The access gate is not in this path (a
 * port that admits every session): the bench measures encoding and fan-out.
 *
 * <p>One file on purpose: a benchmark program read top to bottom with its figures; its camera and its RTSP client
 * exist only for it.
 */
public final class EgressBench {

  private static final int QUALITY = 80;

  public static void main(String[] args) throws Exception {
    int cameras = 2;
    int seconds = 20;
    int slowRate = 64 * 1024;
    List<Integer> counts = List.of(1, 10, 50);
    Path video = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--cameras" -> cameras = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--slow-rate" -> slowRate = Integer.parseInt(args[++i]);
        case "--video" -> video = Path.of(args[++i]);
        default -> {
          System.err.println("usage: bench egress [--cameras N] [--seconds S] [--slow-rate BYTES_PER_S] [--video FILE]");
          System.exit(2);
        }
      }
    }
    if (video == null) {
      video = LoadBench.camera25(Files.createTempDirectory("camgate-bench-egress"));
    }
    Vertx vertx = Vertx.vertx();
    List<Camera> feeds = new ArrayList<>();
    Map<String, H264Stream> streams = new HashMap<>();
    for (int c = 0; c < cameras; c++) {
      Camera cam = new Camera("cam-" + c, video);
      feeds.add(cam);
      streams.put(cam.id, new H264Stream(cam.id + "/redacted", cam.hub, H264Settings.forRate(25)));
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
    double baseCpu = 0;
    try {
      for (int n : counts) {
        // n subscribers per camera, so every camera's encoder runs in every round, the first one included.
        List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < n * cameras; i++) {
          Subscriber s = new Subscriber(server.actualPort(), "cam-" + (i % cameras), i % 3 == 2 ? slowRate : 0);
          s.start();
          subscribers.add(s);
        }
        Thread.sleep(5000);  // every subscriber at its first keyframe
        long cpu0 = cpu();
        long[] bytes0 = subscribers.stream().mapToLong(s -> s.bytes.get()).toArray();
        long mjpeg0 = feeds.stream().mapToLong(f -> f.mjpegBytes.get()).sum();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpuPerSecond = (cpu() - cpu0) / 1e9 / wall;
        if (n == counts.get(0)) {
          baseCpu = cpuPerSecond;
        }
        double fast = 0;
        int fastCount = 0;
        for (int i = 0; i < subscribers.size(); i++) {
          if (subscribers.get(i).rate == 0) {
            fast += (subscribers.get(i).bytes.get() - bytes0[i]) / wall;
            fastCount++;
          }
        }
        double h264PerSubscriber = fastCount == 0 ? 0 : fast / fastCount;
        double mjpegPerCamera = (feeds.stream().mapToLong(f -> f.mjpegBytes.get()).sum() - mjpeg0) / wall / cameras;
        double encodeMs = streams.values().stream().mapToDouble(s -> s.encodeStats().meanEncodeMillis()).average()
            .orElse(0);
        System.out.printf("subscribers_per_camera=%d cpu_cores=%.2f cpu_ratio_to_%d=%.2f h264_kbit_s_per_subscriber=%.0f "
                + "mjpeg_kbit_s_per_camera=%.0f h264_to_mjpeg=%.3f encode_ms_per_picture=%.1f rss_mb=%d%n", n,
            cpuPerSecond, counts.get(0), cpuPerSecond / baseCpu, h264PerSubscriber * 8 / 1000,
            mjpegPerCamera * 8 / 1000, h264PerSubscriber / mjpegPerCamera, encodeMs, LoadBench.rss("self") >> 20);
        subscribers.forEach(Subscriber::close);
        Thread.sleep(2000);
      }
    } finally {
      feeds.forEach(Camera::close);
      streams.values().forEach(H264Stream::close);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** A camera playing a clip in a loop at its own pace, publishing JPEG frames as the gateway does. */
  private static final class Camera extends Thread {
    final String id;
    final Path video;
    final FrameHub hub = new FrameHub();
    final AtomicLong mjpegBytes = new AtomicLong();
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
                EncodedFrame encoded = new EncodedFrame(++seq, Instant.now(), bytes, false);
                mjpegBytes.addAndGet(encoded.mjpegPartLength());
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

  /** A VMS-like RTSP client: DESCRIBE, SETUP (interleaved TCP), PLAY, then reads (at most {@code rate} B/s). */
  private static final class Subscriber extends Thread {
    final int port;
    final String camera;
    final int rate;
    final AtomicLong bytes = new AtomicLong();
    private volatile Socket socket;

    Subscriber(int port, String camera, int rate) {
      super("subscriber");
      setDaemon(true);
      this.port = port;
      this.camera = camera;
      this.rate = rate;
    }

    @Override
    public void run() {
      String url = "rtsp://127.0.0.1:" + port + "/cameras/" + camera + "?purpose=bench";
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
        byte[] buffer = new byte[rate > 0 ? Math.max(512, rate / 20) : 64 * 1024];
        while (true) {
          int n = in.read(buffer);
          if (n < 0) {
            return;
          }
          bytes.addAndGet(n);
          if (rate > 0) {
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
}
