package camgate.gateway.rtsp;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * Packs access units into RTP packets per RFC 6184 (non-interleaved mode): a NAL unit that fits is sent as a single
 * NAL unit packet, a larger one as FU-A fragments; the marker bit is set on the last packet of each access unit and
 * every packet of a unit carries its 90 kHz timestamp.
 *
 * <p>One per encoded stream, not per session: the stream packs each access unit once and every session sends the
 * same packets, so the synchronisation source, the sequence numbers and the timestamp offset are the stream's. A
 * session learns where it starts from the RTP-Info of its PLAY answer, and a subscriber that skips pictures sees a
 * gap in the sequence numbers, as RTP receivers expect of lost packets. {@link #packetize} is called by one thread
 * (the encoder's); the other methods are thread-safe.
 */
final class RtpPacketizer {

  static final int HEADER_SIZE = 12;
  /** Largest RTP payload: a packet then fits a 1500-byte Ethernet MTU with IP, UDP and RTP headers. */
  static final int MAX_PAYLOAD = 1400;
  private static final int FU_A = 28;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final int payloadType;
  private final int ssrc;
  private final int timestampOffset;
  private final int maxPayload;
  private int sequence;

  /**
   * @param payloadType     dynamic payload type of the SDP's {@code a=rtpmap} (96..127)
   * @param ssrc            this stream's synchronisation source
   * @param firstSequence   random first sequence number (RFC 3550 §5.1), low 16 bits used
   * @param timestampOffset random offset added to the 90 kHz clock (RFC 3550 §5.1)
   * @param maxPayload      largest RTP payload, e.g. 1400 to fit a 1500-byte MTU over UDP
   */
  RtpPacketizer(int payloadType, int ssrc, int firstSequence, int timestampOffset, int maxPayload) {
    if (payloadType < 96 || payloadType > 127) {
      throw new IllegalArgumentException("H.264 uses a dynamic payload type 96..127, got " + payloadType);
    }
    if (maxPayload < 100 || maxPayload > 65_000) {
      throw new IllegalArgumentException("maxPayload must be 100..65000 bytes, was " + maxPayload);
    }
    this.payloadType = payloadType;
    this.ssrc = ssrc;
    this.timestampOffset = timestampOffset;
    this.maxPayload = maxPayload;
    this.sequence = firstSequence & 0xffff;
  }

  /** A packetiser with random SSRC, first sequence number and timestamp offset, 1400-byte payloads. */
  static RtpPacketizer random(int payloadType) {
    return new RtpPacketizer(payloadType, RANDOM.nextInt(), RANDOM.nextInt(), RANDOM.nextInt(), MAX_PAYLOAD);
  }

  int ssrc() {
    return ssrc;
  }

  /** The RTP timestamp of a 90 kHz time, e.g. {@link AccessUnit#timestamp90k()}: offset, low 32 bits. */
  int rtpTime(long ticks90k) {
    return (int) (ticks90k + timestampOffset);
  }

  /** The RTP timestamp of a wall-clock time, for sender reports. */
  int rtpTime(Instant time) {
    return rtpTime(H264Stream.ticks(time));
  }

  /** The RTP packets of one access unit, numbered from the stream's next sequence number. */
  RtpPackets packetize(List<NalUnit> units, long ticks90k) {
    int timestamp = rtpTime(ticks90k);
    int chunk = maxPayload - 2;
    int count = 0;
    int size = 0;
    for (NalUnit u : units) {
      int nal = u.size();
      if (nal <= maxPayload) {
        count++;
        size += RtpPackets.PREFIX + HEADER_SIZE + nal;
      } else {
        int fragments = (nal - 1 + chunk - 1) / chunk;
        count += fragments;
        size += fragments * (RtpPackets.PREFIX + HEADER_SIZE + 2) + nal - 1;
      }
    }
    byte[] out = new byte[size];
    int[] starts = new int[count];
    int first = sequence;
    int at = 0;
    int n = 0;
    for (int i = 0; i < units.size(); i++) {
      boolean lastUnit = i == units.size() - 1;
      byte[] nal = units.get(i).unsafeBytes();
      if (nal.length <= maxPayload) {
        starts[n++] = at + RtpPackets.PREFIX;
        at = header(out, at, lastUnit, timestamp, nal.length);
        System.arraycopy(nal, 0, out, at, nal.length);
        at += nal.length;
        continue;
      }
      int indicator = (nal[0] & 0xe0) | FU_A;
      int type = nal[0] & 0x1f;
      for (int offset = 1; offset < nal.length; offset += chunk) {
        int length = Math.min(chunk, nal.length - offset);
        boolean start = offset == 1;
        boolean end = offset + length == nal.length;
        starts[n++] = at + RtpPackets.PREFIX;
        at = header(out, at, lastUnit && end, timestamp, 2 + length);
        out[at++] = (byte) indicator;
        out[at++] = (byte) ((start ? 0x80 : 0) | (end ? 0x40 : 0) | type);
        System.arraycopy(nal, offset, out, at, length);
        at += length;
      }
    }
    return new RtpPackets(out, starts, first, timestamp);
  }

  /** Writes the channel-0 interleaving prefix and the RTP header at {@code at}; returns where the payload goes. */
  private int header(byte[] p, int at, boolean marker, int timestamp, int payload) {
    int length = HEADER_SIZE + payload;
    p[at] = '$';
    p[at + 1] = 0;
    p[at + 2] = (byte) (length >>> 8);
    p[at + 3] = (byte) length;
    at += RtpPackets.PREFIX;
    p[at] = (byte) 0x80; // V=2, no padding, no extension, no CSRC
    p[at + 1] = (byte) ((marker ? 0x80 : 0) | payloadType);
    p[at + 2] = (byte) (sequence >>> 8);
    p[at + 3] = (byte) sequence;
    sequence = (sequence + 1) & 0xffff;
    putInt(p, at + 4, timestamp);
    putInt(p, at + 8, ssrc);
    return at + HEADER_SIZE;
  }

  static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
