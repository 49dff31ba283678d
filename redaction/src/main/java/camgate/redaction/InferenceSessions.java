package camgate.redaction;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * ONNX Runtime sessions of the detectors, all with the same threading: {@code camgate.detect.intraThreads} threads a
 * network (default 1) and no spinning. A pass then costs the least CPU time in all, and the cores the detection
 * threads leave free decode, redact and encode the streams; ORT's default (a spinning thread a core) would busy
 * those cores while a network waits for its slowest thread.
 */
final class InferenceSessions {
  private InferenceSessions() {}

  static int intraOpThreads() {
    return Math.max(1, Integer.getInteger("camgate.detect.intraThreads", 1));
  }

  /**
   * A session on the model's bytes.
   *
   * @throws OrtException if ONNX Runtime rejects the model
   */
  static OrtSession open(OrtEnvironment env, byte[] model) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      options.setIntraOpNumThreads(intraOpThreads());
      options.setInterOpNumThreads(1);
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      return env.createSession(model, options);
    }
  }
}
