package camgate.gateway.rtsp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A grant the server holds for one view on one connection, from admission to its single end: it makes sure
 * {@link RtspGrant#ended} is called exactly once, whatever ends it first.
 */
final class Admission {

  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

  private final RtspGrant grant;
  private final RtspResource resource;
  private boolean ended;

  Admission(RtspGrant grant, RtspResource resource) {
    this.grant = grant;
    this.resource = resource;
  }

  RtspGrant grant() {
    return grant;
  }

  RtspResource resource() {
    return resource;
  }

  boolean ended() {
    return ended;
  }

  /** Records the end once; later calls do nothing. Runs on the connection's event loop. */
  void end(String reason, long packets, long bytes) {
    if (ended) {
      return;
    }
    ended = true;
    try {
      grant.ended(reason, packets, bytes);
    } catch (RuntimeException e) {
      LOG.error("the gateway failed to record the end ({}) of an RTSP session on camera {}", reason,
          resource.cameraId(), e);
    }
  }
}
