package camgate.gateway.rtsp;

import java.time.Duration;

/**
 * How the RTSP server listens and how long it waits.
 *
 * @param host            address to bind, e.g. {@code 0.0.0.0}
 * @param port            TCP port, 0 for any free one (tests); 554 is RTSP's, 8554 its unprivileged habit
 * @param sessionTimeout  a session with no request nor RTCP from its client for this long is ended; announced in
 *                        the {@code Session} header's {@code timeout}
 * @param admitTimeout    longest wait for the gateway's decision; past it the client gets 504 and a late grant is
 *                        ended at once
 * @param describeTimeout longest wait at DESCRIBE for the camera's first encoded picture (its SPS/PPS), and at
 *                        PLAY for the keyframe the session starts with
 * @param udp             offer RTP over UDP besides interleaved TCP
 */
public record RtspServerConfig(String host, int port, Duration sessionTimeout, Duration admitTimeout,
                               Duration describeTimeout, boolean udp) {

  public RtspServerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
    if (sessionTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("sessionTimeout must be at least 1 s, was " + sessionTimeout);
    }
  }

  /** Listens on host:port, 60 s session timeout, 10 s to decide and 10 s to describe (or play), UDP offered. */
  public static RtspServerConfig of(String host, int port) {
    return new RtspServerConfig(host, port, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(10),
        true);
  }

  public RtspServerConfig withSessionTimeout(Duration timeout) {
    return new RtspServerConfig(host, port, timeout, admitTimeout, describeTimeout, udp);
  }

  public RtspServerConfig withUdp(boolean offered) {
    return new RtspServerConfig(host, port, sessionTimeout, admitTimeout, describeTimeout, offered);
  }
}
