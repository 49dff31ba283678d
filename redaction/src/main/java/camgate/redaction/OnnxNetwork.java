package camgate.redaction;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session that several threads run at once and that closes only once no run is in it. ONNX
 * Runtime's own {@code OrtSession.close()} frees the native session under a run in flight, and the JVM dies of
 * SIGSEGV in that run ({@code ClosingWhileDetectingTest}). Here {@link #close()} refuses new runs, asks the running
 * ones to stop at their next node ({@code RunOptions.setTerminate}) and waits for them; a run refused or stopped
 * that way throws {@link DetectorClosedException}. A JVM shutdown hook does the same when the program exits without
 * closing the network, so no run is left in native code while the process goes. Thread-safe.
 */
final class OnnxNetwork implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxNetwork.class);
  /** How long a close waits for the runs in flight to stop: a stopped run ends at its next node. */
  private static final long STOP_WAIT_SECONDS = 30;

  /** Reads what a run needs from its outputs, while they are still valid. */
  @FunctionalInterface
  interface Outputs<T> {
    T read(OrtSession.Result result) throws OrtException;
  }

  private final String name;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final Object lock = new Object();
  /** The options of each run in flight: the handle by which close stops it. Guarded by {@code lock}. */
  private final Set<OrtSession.RunOptions> running = new HashSet<>();
  /** Guarded by {@code lock}. */
  private boolean closing;
  private final Thread exitHook;

  /**
   * A network on the model's bytes, with the detectors' threading ({@link InferenceSessions}).
   *
   * @throws OrtException if ONNX Runtime rejects the model
   */
  static OnnxNetwork load(String name, byte[] model) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    return new OnnxNetwork(name, env, InferenceSessions.open(env, model));
  }

  private OnnxNetwork(String name, OrtEnvironment env, OrtSession session) {
    this.name = name;
    this.env = env;
    this.session = session;
    this.exitHook = new Thread(this::close, "onnx-close-" + name);
    Runtime.getRuntime().addShutdownHook(exitHook);
  }

  /** The name of the network's first input. */
  String firstInput() throws OrtException {
    return session.getInputNames().iterator().next();
  }

  /** The name of the network's first output. */
  String firstOutput() throws OrtException {
    return session.getOutputNames().iterator().next();
  }

  /**
   * Runs the network on one float tensor and reads the outputs. {@code data} is used in place, not copied, when it
   * is a direct buffer (an OpenCV blob's memory): it must stay valid until this returns.
   *
   * @param outputs the outputs to compute
   * @throws DetectorClosedException if the network is closing or closed, or was closed during the run
   * @throws OrtException if ONNX Runtime fails the run
   */
  <T> T run(String input, FloatBuffer data, long[] shape, Set<String> outputs, Outputs<T> read) throws OrtException {
    OrtSession.RunOptions options = new OrtSession.RunOptions();
    synchronized (lock) {
      if (closing) {
        options.close();
        throw new DetectorClosedException("the " + name + " network is closed: the detectors are shutting down");
      }
      running.add(options);
    }
    try (OnnxTensor tensor = OnnxTensor.createTensor(env, data, shape);
        OrtSession.Result result = session.run(Map.of(input, tensor), outputs, options)) {
      return read.read(result);
    } catch (OrtException e) {
      synchronized (lock) {
        if (closing) {
          DetectorClosedException stopped = new DetectorClosedException("the " + name
              + " network was closed during a run: the detectors are shutting down");
          stopped.initCause(e);
          throw stopped;
        }
      }
      throw e;
    } finally {
      synchronized (lock) {
        running.remove(options);
        lock.notifyAll();
      }
      options.close();
    }
  }

  /**
   * Refuses new runs, stops the ones in flight and waits for them (at most {@value #STOP_WAIT_SECONDS} s), then
   * frees the session. A run that does not stop in time leaves the session open, logged: a leak, where freeing it
   * would crash the JVM. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closing) {
        return;
      }
      closing = true;
      for (OrtSession.RunOptions options : running) {
        try {
          options.setTerminate(true);
        } catch (OrtException e) {
          LOG.warn("could not ask a run of the {} network to stop; waiting for it to end", name, e);
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_WAIT_SECONDS);
      while (!running.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.error("{} run(s) of the {} network did not stop within {} s; leaving its session open",
              running.size(), name, STOP_WAIT_SECONDS);
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          LOG.error("interrupted while {} run(s) of the {} network were stopping; leaving its session open",
              running.size(), name);
          return;
        }
      }
      try {
        session.close();
      } catch (OrtException e) {
        throw new IllegalStateException("closing the " + name + " network failed", e);
      }
    }
    if (Thread.currentThread() != exitHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(exitHook);
      } catch (IllegalStateException exiting) {
        // The JVM is exiting: the hook runs, finds the network closed and returns.
      }
    }
  }
}
