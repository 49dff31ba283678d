package camgate.gateway.rtsp;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The RTP packets of one access unit, made once per stream and shared read-only by every session that sends it:
 * the stream numbers them, so no session copies or rewrites a packet.
 *
 * <p>They are laid out as RTSP interleaved frames on channel 0 ({@code $}, 0, length, packet; RFC 2326 §10.12), the
 * channel nearly every client asks for, in one direct buffer: a session on channel 0 sends the whole access unit in
 * one write that the socket takes without a copy. Another channel gets a copy made once, at its first session, and
 * shared by every later one; UDP gets views of the same bytes. Thread-safe; the bytes are never modified after
 * construction.
 */
public final class RtpPackets {

  /** {@code $}, channel, 16-bit length before each packet on an interleaved connection. */
  static final int PREFIX = 4;

  private final Buffer interleaved;
  private final int[] starts;
  private final int firstSequence;
  private final int timestamp;
  private final int rtpBytes;
  /** The copies for channels other than 0, by channel, made when a session first asks (most AUs never need one). */
  private Map<Integer, Buffer> otherChannels;

  /**
   * @param frames        the packets, each already preceded by its channel-0 prefix, back to back
   * @param starts        where each packet (after its prefix) starts in {@code frames}
   * @param firstSequence the RTP sequence number of the first packet
   * @param timestamp     the RTP timestamp of every packet
   */
  RtpPackets(byte[] frames, int[] starts, int firstSequence, int timestamp) {
    if (starts.length == 0) {
      throw new IllegalArgumentException("an access unit has at least one RTP packet; got none");
    }
    this.interleaved = readOnlyDirect(frames);
    this.starts = starts.clone();
    this.firstSequence = firstSequence;
    this.timestamp = timestamp;
    this.rtpBytes = frames.length - PREFIX * starts.length;
  }

  /** How many RTP packets. */
  public int count() {
    return starts.length;
  }

  /** RTP bytes (headers included, interleaving prefixes not). */
  public int rtpBytes() {
    return rtpBytes;
  }

  /** Payload bytes, for the sender report's octet count. */
  public int payloadOctets() {
    return rtpBytes - RtpPacketizer.HEADER_SIZE * starts.length;
  }

  /** The sequence number of the first packet: the {@code seq} of RTP-Info when a session starts here. */
  public int firstSequence() {
    return firstSequence;
  }

  /** The RTP timestamp of this access unit (32 bits, as sent). */
  public int timestamp() {
    return timestamp;
  }

  /**
   * The packets as interleaved frames on {@code channel}: the shared bytes for channel 0, else the channel's copy,
   * made by its first session and sent by all (not one copy per session and access unit).
   */
  Buffer interleaved(int channel) {
    if (channel == 0) {
      return interleaved;
    }
    synchronized (this) {
      if (otherChannels == null) {
        otherChannels = new HashMap<>(2);
      }
      return otherChannels.computeIfAbsent(channel, c -> {
        byte[] bytes = interleaved.getBytes();
        for (int start : starts) {
          bytes[start - PREFIX + 1] = (byte) channel;
        }
        return readOnlyDirect(bytes);
      });
    }
  }

  /** A direct JDK buffer: sockets write it as is, and the JDK frees it once no packet refers to it. */
  private static Buffer readOnlyDirect(byte[] bytes) {
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
    direct.put(bytes).flip();
    return BufferInternal.buffer(Unpooled.wrappedBuffer(direct).asReadOnly());
  }

  /** Packet {@code i} alone (a read-only view, no copy), e.g. one UDP datagram. */
  Buffer packet(int i) {
    int start = starts[i];
    int end = i + 1 < starts.length ? starts[i + 1] - PREFIX : interleaved.length();
    return interleaved.slice(start, end);
  }
}
