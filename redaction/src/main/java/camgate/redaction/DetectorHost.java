package camgate.redaction;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detector host: a child JVM that runs the detectors for the gateway ({@link DetectorProcess} starts it), so a
 * native crash in ONNX Runtime or OpenCV ends this process, not the gateway. It loads the models, listens on a Unix
 * socket in the run folder the gateway gave it, prints {@code ready} and the models on its standard output, and then
 * answers each connection's looks on the frames in that connection's {@link FrameSlot}. It ends with its parent: when
 * its standard input reaches end of file (the gateway's end of the pipe closes however the gateway ends, kill -9
 * included) or its parent process is gone, it deletes the run folder (unredacted pictures) and halts.
 *
 * <p>Arguments: {@code MODELS_DIR RUN_DIR SOCKET_NAME SMALL_FACES(true|false)}.
 */
public final class DetectorHost {
  private static final Logger LOG = LoggerFactory.getLogger(DetectorHost.class);
  static final String READY = "ready";
  static final String MODEL = "model";
  static final String FAILED = "failed";

  private final Map<ObjectKind, ObjectDetector> detectors;

  private DetectorHost(List<ObjectDetector> detectors) {
    this.detectors = detectors.stream().collect(Collectors.toMap(ObjectDetector::kind, Function.identity()));
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: DetectorHost MODELS_DIR RUN_DIR SOCKET_NAME SMALL_FACES; the gateway starts it");
      System.exit(2);
    }
    Path runDir = Path.of(args[1]);
    PrintStream handshake = System.out;
    System.setOut(System.err); // standard output is the handshake; any library's chatter goes to the log
    endWithParent(runDir);
    RedactionPipeline.useCallingThreadsForOpenCv();
    Detectors loaded;
    try {
      // duty 1: the gateway's detection threads rest between passes, and this process only answers them
      loaded = Detectors.load(Path.of(args[0]), Boolean.parseBoolean(args[3]), 1);
    } catch (IOException | RuntimeException e) {
      handshake.println(FAILED + " " + e.getMessage().replace('\n', ' '));
      handshake.flush();
      Runtime.getRuntime().halt(3);
      return;
    }
    DetectorHost host = new DetectorHost(loaded.all());
    Path socket = runDir.resolve(args[2]);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    for (ObjectDetector d : loaded.all()) {
      ModelInfo m = d.model();
      handshake.println(MODEL + " " + d.kind() + " " + m.name() + " " + m.sha256() + " " + m.threshold());
    }
    handshake.println(READY);
    handshake.flush();
    while (true) {
      SocketChannel connection = server.accept();
      Thread t = new Thread(() -> host.serve(connection, runDir), "detector-host-connection");
      t.setDaemon(true);
      t.start();
    }
  }

  /**
   * Halts this process once the gateway is gone: end of file on standard input (the gateway holds the other end),
   * or the parent process no longer alive (checked every second, for a parent that handed its pipe on).
   */
  private static void endWithParent(Path runDir) {
    long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    Thread stdin = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // the gateway never writes; reading only waits for end of file
        }
      } catch (IOException e) {
        LOG.debug("standard input failed: {}", e.toString());
      }
      halt(runDir, "the gateway closed its end of the pipe");
    }, "detector-host-parent-pipe");
    stdin.setDaemon(true);
    stdin.start();
    Thread watch = new Thread(() -> {
      while (true) {
        try {
          TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
        if (ProcessHandle.of(parent).map(p -> !p.isAlive()).orElse(true)) {
          halt(runDir, "the gateway (pid " + parent + ") is gone");
        }
      }
    }, "detector-host-parent-watch");
    watch.setDaemon(true);
    watch.start();
  }

  private static void halt(Path runDir, String why) {
    LOG.info("detector host ending: {}", why);
    try (Stream<Path> files = Files.walk(runDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete the run folder {}: {}", runDir, e.toString());
    }
    Runtime.getRuntime().halt(0);
  }

  /** Answers one connection's looks until it closes. */
  private void serve(SocketChannel connection, Path runDir) {
    try (connection;
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(connection)));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(connection)))) {
      String slotName = in.readUTF();
      try (FrameSlot slot = FrameSlot.open(runDir.resolve(Path.of(slotName).getFileName()))) {
        while (true) {
          HostExchange.Request request;
          try {
            request = HostExchange.Request.read(in);
          } catch (EOFException e) {
            return; // the gateway closed this connection
          }
          HostExchange.Found found;
          try {
            found = look(slot, request);
          } catch (RuntimeException e) {
            LOG.warn("a {} look failed", request.kind(), e);
            HostExchange.writeFailure(out, e.toString());
            continue;
          }
          HostExchange.writeFound(out, found);
        }
      }
    } catch (IOException e) {
      LOG.debug("connection ended: {}", e.toString());
    } catch (Error e) {
      // Out of memory or worse: a host in that state helps no one. Ending it makes the gateway restart it.
      LOG.error("detector host failing: {}; ending it so the gateway restarts it", e.toString());
      Runtime.getRuntime().halt(4);
    }
  }

  private HostExchange.Found look(FrameSlot slot, HostExchange.Request r) throws IOException {
    if (r.look() == HostExchange.CRASH || r.look() == HostExchange.HANG) {
      failIfAllowed(r.look());
    }
    ObjectDetector d = detectors.get(r.kind());
    if (d == null) {
      throw new IllegalArgumentException("no " + r.kind() + " detector is loaded in this host");
    }
    double error = d.localisationError(r.frameWidth(), r.frameHeight());
    if (r.look() == HostExchange.LOCALISATION) {
      return new HostExchange.Found(List.of(), error);
    }
    try (Mat frame = slot.frame(r.frameWidth(), r.frameHeight())) {
      List<Box> boxes = switch (r.look()) {
        case HostExchange.WHOLE -> d.detect(frame);
        case HostExchange.REGION -> d.detect(frame, r.region());
        case HostExchange.GLANCE -> d.glance(frame, r.region());
        default -> throw new IllegalArgumentException("unknown look " + r.look());
      };
      return new HostExchange.Found(boxes, error);
    }
  }

  private static void failIfAllowed(int look) {
    if (!Boolean.getBoolean(HostExchange.CRASH_PROPERTY)) {
      throw new IllegalArgumentException("crash and hang requests are for tests; start the host with -D"
          + HostExchange.CRASH_PROPERTY + "=true");
    }
    if (look == HostExchange.HANG) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("interrupted while hanging for a test");
    }
    crashInNativeCode();
  }

  /**
   * Writes through a bad pointer in OpenCV's native code, a SIGSEGV the JVM cannot catch: the kind of crash this
   * process exists to contain. Tests call it in the host, and in a JVM of their own to show what it does in-process.
   */
  static void crashInNativeCode() {
    Pointer bad = new Pointer() {
      {
        address = 16;
      }
    };
    try (Mat m = new Mat(64, 64, org.bytedeco.opencv.global.opencv_core.CV_8UC3, bad)) {
      m.put(new Scalar(0.0));
    }
  }
}
