package camgate.gateway.rtsp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;

/**
 * RTP and RTCP over UDP to the client's ports, always at the address of its RTSP connection (never a
 * {@code destination} it names, so the server cannot be used to flood a third party). Sends without
 * backpressure: UDP drops what the network cannot carry.
 */
final class UdpSink implements RtpSink {

  private final DatagramSocket rtp;
  private final DatagramSocket rtcp;
  private final String clientHost;
  private final int clientRtp;
  private final int clientRtcp;

  private UdpSink(DatagramSocket rtp, DatagramSocket rtcp, String clientHost, int clientRtp, int clientRtcp) {
    this.rtp = rtp;
    this.rtcp = rtcp;
    this.clientHost = clientHost;
    this.clientRtp = clientRtp;
    this.clientRtcp = clientRtcp;
  }

  /** Binds two sockets (RTP, RTCP) on free ports of this host; {@code activity} runs on each packet received. */
  static Future<UdpSink> open(Vertx vertx, String host, String clientHost, int clientRtp, int clientRtcp,
                              Runnable activity) {
    DatagramSocket rtp = vertx.createDatagramSocket();
    DatagramSocket rtcp = vertx.createDatagramSocket();
    rtp.handler(p -> activity.run());
    rtcp.handler(p -> activity.run());
    return rtp.listen(0, host)
        .compose(r -> rtcp.listen(0, host))
        .map(r -> new UdpSink(rtp, rtcp, clientHost, clientRtp, clientRtcp))
        .onFailure(e -> {
          rtp.close();
          rtcp.close();
        });
  }

  @Override
  public void sendRtp(RtpPackets packets) {
    for (int i = 0; i < packets.count(); i++) {
      rtp.send(packets.packet(i), clientRtp, clientHost);
    }
  }

  @Override
  public void sendRtcp(byte[] packet) {
    rtcp.send(Buffer.buffer(packet), clientRtcp, clientHost);
  }

  @Override
  public boolean full() {
    return false;
  }

  @Override
  public void onDrain(Runnable action) {
    action.run();
  }

  @Override
  public String transportReply(int ssrc) {
    return RtspTransport.udpReply(clientRtp, clientRtcp, rtp.localAddress().port(), rtcp.localAddress().port(), ssrc);
  }

  @Override
  public void close() {
    rtp.close();
    rtcp.close();
  }
}
