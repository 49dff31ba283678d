package camgate.gateway.rtsp;

import java.util.List;
import java.util.Objects;

/**
 * One encoded picture: the NAL units of one source frame, in decoding order, as every subscriber gets it.
 *
 * @param sequence     the {@code EncodedFrame.sequence()} of the JPEG this picture was encoded from
 * @param timestamp90k presentation time in 90 kHz ticks since the Unix epoch (from the frame's time); callers
 *                     add their own random offset and keep the low 32 bits for RTP
 * @param keyframe     an IDR picture, preceded by SPS and PPS: a decoder can start here
 * @param failSafe     the source frame was wholly masked by the redaction fail-safe
 * @param nalUnits     SPS, PPS (keyframes), an SEI carrying {@code sequence}, then the slices
 * @param rtp          the same NAL units as RTP packets, numbered by the stream, sent as they are by every session
 */
public record AccessUnit(long sequence, long timestamp90k, boolean keyframe, boolean failSafe, List<NalUnit> nalUnits,
                         RtpPackets rtp) {

  public AccessUnit {
    nalUnits = List.copyOf(nalUnits);
    if (nalUnits.isEmpty()) {
      throw new IllegalArgumentException("an access unit has at least one NAL unit; frame " + sequence + " had none");
    }
    Objects.requireNonNull(rtp, "rtp");
  }

  /** Sum of the NAL units' sizes, without start codes or RTP headers. */
  public int size() {
    int n = 0;
    for (NalUnit u : nalUnits) {
      n += u.size();
    }
    return n;
  }
}
