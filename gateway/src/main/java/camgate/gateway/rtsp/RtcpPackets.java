package camgate.gateway.rtsp;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The RTCP a sender sends (RFC 3550 §6): compound packets of a sender report and an SDES CNAME, and the BYE that
 * tells a client the stream ended.
 */
final class RtcpPackets {

  /** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
  private static final long NTP_OFFSET = 2_208_988_800L;

  private RtcpPackets() {
  }

  /** A compound SR + SDES(CNAME) packet: wall-clock {@code now} is RTP time {@code rtpTimestamp}. */
  static byte[] senderReport(int ssrc, Instant now, int rtpTimestamp, long packets, long payloadOctets,
                             String cname) {
    byte[] sr = new byte[28];
    sr[0] = (byte) 0x80; // V=2, RC=0
    sr[1] = (byte) 200;
    sr[3] = 6; // length in 32-bit words minus one
    RtpPacketizer.putInt(sr, 4, ssrc);
    long seconds = now.getEpochSecond() + NTP_OFFSET;
    long fraction = ((long) now.getNano() << 32) / 1_000_000_000L;
    RtpPacketizer.putInt(sr, 8, (int) seconds);
    RtpPacketizer.putInt(sr, 12, (int) fraction);
    RtpPacketizer.putInt(sr, 16, rtpTimestamp);
    RtpPacketizer.putInt(sr, 20, (int) packets);
    RtpPacketizer.putInt(sr, 24, (int) payloadOctets);
    byte[] sdes = sdes(ssrc, cname);
    byte[] out = new byte[sr.length + sdes.length];
    System.arraycopy(sr, 0, out, 0, sr.length);
    System.arraycopy(sdes, 0, out, sr.length, sdes.length);
    return out;
  }

  /** A compound SR(empty) + BYE packet with a reason: the RTP stream ended. */
  static byte[] bye(int ssrc, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    int textLen = Math.min(255, text.length);
    int byeLen = 8 + 1 + textLen;
    byeLen = (byeLen + 3) & ~3;
    byte[] rr = new byte[8];
    rr[0] = (byte) 0x80;
    rr[1] = (byte) 201; // empty receiver report: a compound packet starts with SR or RR
    rr[3] = 1;
    RtpPacketizer.putInt(rr, 4, ssrc);
    byte[] bye = new byte[byeLen];
    bye[0] = (byte) 0x81; // one SSRC
    bye[1] = (byte) 203;
    bye[2] = (byte) ((byeLen / 4 - 1) >>> 8);
    bye[3] = (byte) (byeLen / 4 - 1);
    RtpPacketizer.putInt(bye, 4, ssrc);
    bye[8] = (byte) textLen;
    System.arraycopy(text, 0, bye, 9, textLen);
    byte[] out = new byte[rr.length + bye.length];
    System.arraycopy(rr, 0, out, 0, rr.length);
    System.arraycopy(bye, 0, out, rr.length, bye.length);
    return out;
  }

  private static byte[] sdes(int ssrc, String cname) {
    byte[] name = cname.getBytes(StandardCharsets.UTF_8);
    int nameLen = Math.min(255, name.length);
    int len = 4 + 4 + 2 + nameLen + 1; // header, SSRC, CNAME item, end of list
    len = (len + 3) & ~3;
    byte[] p = new byte[len];
    p[0] = (byte) 0x81; // one chunk
    p[1] = (byte) 202;
    p[2] = (byte) ((len / 4 - 1) >>> 8);
    p[3] = (byte) (len / 4 - 1);
    RtpPacketizer.putInt(p, 4, ssrc);
    p[8] = 1; // CNAME
    p[9] = (byte) nameLen;
    System.arraycopy(name, 0, p, 10, nameLen);
    return p;
  }
}
