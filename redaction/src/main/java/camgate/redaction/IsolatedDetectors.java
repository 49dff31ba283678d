package camgate.redaction;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The detectors run in a child JVM, the detector host, so that a native crash in ONNX Runtime or OpenCV (a SIGSEGV
 * ended the whole gateway once, issue 11) ends only the host: its cameras' frames are masked whole (the pipeline's
 * fail-safe on a detector error) while it restarts with backoff, and the gateway, its other streams, its audit log
 * and its HTTP API stay up. The pipeline sees the same {@link Detectors}: each detector is a proxy that copies the
 * part of the frame a look reads into shared memory (one copy, no encoding) and reads back the boxes. The host ends
 * with the gateway, kill -9 included. Thread-safe.
 */
public final class IsolatedDetectors implements AutoCloseable {
  /**
   * How long a single look may take before the host counts as hung and is killed and restarted: above the longest
   * look (a camera's first pass over the whole frame with the finer look for small faces, seconds on a busy 2-core
   * machine). Frames never wait that long: the pipeline masks them whole after its detection deadline.
   */
  public static final Duration DEFAULT_HANG_TIMEOUT = Duration.ofSeconds(30);

  private final DetectorProcess host;
  private final Detectors detectors;

  private IsolatedDetectors(DetectorProcess host, Detectors detectors) {
    this.host = host;
    this.detectors = detectors;
  }

  /**
   * Starts a detector host with the models of {@code modelsDir} (as {@link Detectors#load(Path, boolean, double)}
   * loads them; the host gets this JVM's {@code camgate.*} system properties) and returns its detectors, on detection
   * threads that work at most {@code duty} of the time. BLOCKING (seconds: a JVM starts and loads the models).
   *
   * @throws IOException if the host cannot start or a model is missing or wrong (the message says to run
   *     ./camgate setup)
   * @throws IllegalArgumentException if {@code duty} is not in (0, 1]
   */
  public static IsolatedDetectors start(Path modelsDir, boolean smallFaceLook, double duty, Duration hangTimeout)
      throws IOException {
    DetectorProcess host = DetectorProcess.start(modelsDir, smallFaceLook, hangTimeout);
    try {
      List<ObjectDetector> proxies = host.models().stream()
          .map(m -> (ObjectDetector) new IsolatedDetector(m.kind(), m.model(), host)).toList();
      return new IsolatedDetectors(host, Detectors.of(proxies, duty));
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /** The detectors to give the pipelines; closing them stops the host. */
  public Detectors detectors() {
    return detectors;
  }

  /** How many times the host died (or hung and was killed) and was restarted since it first started. */
  public long restarts() {
    return host.restarts();
  }

  /** Whether the host is running now; false while it restarts (frames are masked whole meanwhile). */
  public boolean up() {
    return host.up();
  }

  /** The running host's process id, or -1 while it restarts. */
  public long hostPid() {
    return host.pid();
  }

  /** CPU time the running host has used, or -1 while it restarts: what the bench adds to its own. */
  public long hostCpuNanos() {
    return host.cpuNanos();
  }

  /** The host's run folder (its socket and the frame slots); the host deletes it when the gateway is gone. */
  Path runDir() {
    return host.runDir();
  }

  /** Tests only: makes the host crash with a SIGSEGV in native code (run with {@code camgate.detectorHost.testCrash}). */
  void crashHost() {
    host.failHost(HostExchange.CRASH);
  }

  /** Tests only: makes a look hang in the host until the hang timeout kills it (same property). */
  void hangHost() {
    host.failHost(HostExchange.HANG);
  }

  /** Stops the detection threads and then the host. */
  @Override
  public void close() {
    detectors.close();
    host.close();
  }
}
