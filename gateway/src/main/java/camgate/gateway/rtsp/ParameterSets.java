package camgate.gateway.rtsp;

import java.util.Locale;

/**
 * The SPS and PPS of an H.264 stream, as a decoder needs them before the first picture and the SDP announces them.
 */
public record ParameterSets(NalUnit sps, NalUnit pps) {

  public ParameterSets {
    if (sps.type() != NalUnit.SPS || sps.size() < 4) {
      throw new IllegalArgumentException("expected an SPS (type 7, at least 4 bytes), got " + sps);
    }
    if (pps.type() != NalUnit.PPS) {
      throw new IllegalArgumentException("expected a PPS (type 8), got " + pps);
    }
  }

  /** The SDP {@code sprop-parameter-sets} value: Base64 SPS, comma, Base64 PPS (RFC 6184 §8.1). */
  public String spropParameterSets() {
    return sps.base64() + "," + pps.base64();
  }

  /** The SDP {@code profile-level-id}: profile_idc, constraint flags and level_idc of the SPS as six hex digits. */
  public String profileLevelId() {
    byte[] b = sps.unsafeBytes();
    return String.format(Locale.ROOT, "%02x%02x%02x", b[1] & 0xff, b[2] & 0xff, b[3] & 0xff);
  }
}
