package camgate.gateway.rtsp;

/** Where one session's RTP and RTCP packets go: interleaved on the RTSP connection, or UDP to the client. */
interface RtpSink {

  /** Sends one access unit's packets, as they are (they are shared with other sessions). */
  void sendRtp(RtpPackets packets);

  void sendRtcp(byte[] packet);

  /** True while the transport cannot take more without buffering: the sender should wait for {@link #onDrain}. */
  boolean full();

  /** Runs the action once when the transport can take more. */
  void onDrain(Runnable action);

  /** The reply for the SETUP's Transport header. */
  String transportReply(int ssrc);

  void close();
}
