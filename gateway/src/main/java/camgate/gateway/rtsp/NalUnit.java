package camgate.gateway.rtsp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * One H.264 NAL unit without its start code, value-based: the bytes are copied in and out.
 *
 * <p>RTP carries NAL units without Annex B start codes (RFC 6184), so this is the unit the stream,
 * the packetiser and the SDP share.
 */
public final class NalUnit {

  /** Coded slice of a non-IDR picture. */
  public static final int NON_IDR_SLICE = 1;
  /** Coded slice of an IDR picture. */
  public static final int IDR_SLICE = 5;
  /** Supplemental enhancement information. */
  public static final int SEI = 6;
  /** Sequence parameter set. */
  public static final int SPS = 7;
  /** Picture parameter set. */
  public static final int PPS = 8;

  private final byte[] bytes;

  private NalUnit(byte[] bytes) {
    if (bytes.length == 0) {
      throw new IllegalArgumentException("a NAL unit has at least its one-byte header; got 0 bytes");
    }
    this.bytes = bytes;
  }

  /** The NAL unit of these bytes (header byte first, no start code). */
  public static NalUnit of(byte[] bytes) {
    return new NalUnit(bytes.clone());
  }

  /** Splits an Annex B byte stream (start codes 00 00 01 or 00 00 00 01) into its NAL units. */
  public static List<NalUnit> splitAnnexB(byte[] stream) {
    List<NalUnit> out = new ArrayList<>();
    int start = -1;
    int i = 0;
    while (i + 2 < stream.length) {
      if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
        if (start >= 0) {
          addTrimmed(out, stream, start, i);
        }
        i += 3;
        start = i;
      } else {
        i++;
      }
    }
    if (start >= 0 && start < stream.length) {
      addTrimmed(out, stream, start, stream.length);
    }
    return out;
  }

  private static void addTrimmed(List<NalUnit> out, byte[] stream, int from, int to) {
    int end = to;
    while (end > from && stream[end - 1] == 0) {
      end--; // the leading zero of a 4-byte start code, or trailing_zero_8bits
    }
    if (end > from) {
      out.add(new NalUnit(Arrays.copyOfRange(stream, from, end)));
    }
  }

  /** nal_unit_type, 0..31. */
  public int type() {
    return bytes[0] & 0x1f;
  }

  /** True for a coded slice (types 1 to 5). */
  public boolean isSlice() {
    int t = type();
    return t >= 1 && t <= 5;
  }

  public int size() {
    return bytes.length;
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes as Base64, the form {@code sprop-parameter-sets} uses. */
  public String base64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** The bytes without a copy, for the packetiser; callers must not modify them. */
  byte[] unsafeBytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NalUnit n && Arrays.equals(bytes, n.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "NalUnit[type=" + type() + ", size=" + bytes.length + "]";
  }
}
