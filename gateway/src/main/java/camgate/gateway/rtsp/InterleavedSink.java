package camgate.gateway.rtsp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.function.Consumer;

/** RTP and RTCP interleaved on the RTSP connection (RFC 2326 §10.12): {@code $}, channel, length, packet. */
final class InterleavedSink implements RtpSink {

  private final NetSocket socket;
  private final int rtpChannel;
  private final int rtcpChannel;
  private final Consumer<Runnable> drainWaiters;

  InterleavedSink(NetSocket socket, int rtpChannel, int rtcpChannel, Consumer<Runnable> drainWaiters) {
    this.socket = socket;
    this.rtpChannel = rtpChannel;
    this.rtcpChannel = rtcpChannel;
    this.drainWaiters = drainWaiters;
  }

  int rtpChannel() {
    return rtpChannel;
  }

  int rtcpChannel() {
    return rtcpChannel;
  }

  @Override
  public void sendRtp(RtpPackets packets) {
    socket.write(packets.interleaved(rtpChannel));
  }

  @Override
  public void sendRtcp(byte[] packet) {
    write(rtcpChannel, packet);
  }

  private void write(int channel, byte[] packet) {
    Buffer b = Buffer.buffer(4 + packet.length);
    b.appendByte((byte) '$').appendByte((byte) channel).appendUnsignedShort(packet.length).appendBytes(packet);
    socket.write(b);
  }

  @Override
  public boolean full() {
    return socket.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    drainWaiters.accept(action);
  }

  @Override
  public String transportReply(int ssrc) {
    return RtspTransport.interleavedReply(rtpChannel, rtcpChannel, ssrc);
  }

  @Override
  public void close() {
  }
}
