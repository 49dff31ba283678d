package camgate.gateway.rtsp;

import java.util.ArrayList;
import java.util.List;

/**
 * Packs access units into RTP packets per RFC 6184 (non-interleaved mode): a NAL unit that fits is sent as a single
 * NAL unit packet, a larger one as FU-A fragments; the marker bit is set on the last packet of each access unit and
 * every packet of a unit carries its 90 kHz timestamp. One per RTP stream (it holds the sequence number); not
 * thread-safe.
 */
final class RtpPacketizer {

  static final int HEADER_SIZE = 12;
  private static final int FU_A = 28;

  private final int payloadType;
  private final int ssrc;
  private final int maxPayload;
  private int sequence;

  /**
   * @param payloadType  dynamic payload type of the SDP's {@code a=rtpmap} (96..127)
   * @param ssrc         this stream's synchronisation source
   * @param firstSequence random first sequence number (RFC 3550 §5.1), low 16 bits used
   * @param maxPayload   largest RTP payload, e.g. 1400 to fit a 1500-byte MTU over UDP
   */
  RtpPacketizer(int payloadType, int ssrc, int firstSequence, int maxPayload) {
    if (payloadType < 96 || payloadType > 127) {
      throw new IllegalArgumentException("H.264 uses a dynamic payload type 96..127, got " + payloadType);
    }
    if (maxPayload < 100) {
      throw new IllegalArgumentException("maxPayload must be at least 100 bytes, was " + maxPayload);
    }
    this.payloadType = payloadType;
    this.ssrc = ssrc;
    this.maxPayload = maxPayload;
    this.sequence = firstSequence & 0xffff;
  }

  /** The sequence number the next packet will carry. */
  int nextSequence() {
    return sequence;
  }

  int ssrc() {
    return ssrc;
  }

  /** The RTP packets of one access unit, in sending order. */
  List<byte[]> packetize(List<NalUnit> units, int rtpTimestamp) {
    List<byte[]> packets = new ArrayList<>();
    for (int i = 0; i < units.size(); i++) {
      boolean lastUnit = i == units.size() - 1;
      byte[] nal = units.get(i).unsafeBytes();
      if (nal.length <= maxPayload) {
        byte[] p = header(lastUnit, rtpTimestamp, nal.length);
        System.arraycopy(nal, 0, p, HEADER_SIZE, nal.length);
        packets.add(p);
        continue;
      }
      int indicator = (nal[0] & 0xe0) | FU_A;
      int type = nal[0] & 0x1f;
      int chunk = maxPayload - 2;
      for (int offset = 1; offset < nal.length; offset += chunk) {
        int n = Math.min(chunk, nal.length - offset);
        boolean start = offset == 1;
        boolean end = offset + n == nal.length;
        byte[] p = header(lastUnit && end, rtpTimestamp, 2 + n);
        p[HEADER_SIZE] = (byte) indicator;
        p[HEADER_SIZE + 1] = (byte) ((start ? 0x80 : 0) | (end ? 0x40 : 0) | type);
        System.arraycopy(nal, offset, p, HEADER_SIZE + 2, n);
        packets.add(p);
      }
    }
    return packets;
  }

  private byte[] header(boolean marker, int timestamp, int payload) {
    byte[] p = new byte[HEADER_SIZE + payload];
    p[0] = (byte) 0x80; // V=2, no padding, no extension, no CSRC
    p[1] = (byte) ((marker ? 0x80 : 0) | payloadType);
    p[2] = (byte) (sequence >>> 8);
    p[3] = (byte) sequence;
    sequence = (sequence + 1) & 0xffff;
    putInt(p, 4, timestamp);
    putInt(p, 8, ssrc);
    return p;
  }

  static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
