package camgate.gateway.rtsp;

import io.vertx.core.Future;

/** Decides and records one RTSP session before any media flows; supplied by the gateway. */
public interface RtspAccessPort {

  /**
   * Called on the event loop at DESCRIBE (or at SETUP if the client skipped DESCRIBE), the first request that
   * names a camera; must not block.
   *
   * @return a grant once the decision is durably recorded, or a failure: an {@link RtspRefusal} is sent as is
   *     (401 with a Digest challenge, 403, 404, 502, 503), any other failure as 503 (fail closed)
   */
  Future<RtspGrant> admit(RtspAccessRequest request);
}
