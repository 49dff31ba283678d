package camgate.gateway.rtsp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The SEI NAL unit that carries a picture's source frame sequence number: a "user data unregistered" message
 * (payload type 5) with camgate's UUID and the ASCII text {@code seq=N}. Decoders ignore it; an auditor or a test
 * reading the bitstream (e.g. {@code ffmpeg -c copy -f h264}) maps each picture to the exact published frame.
 */
public final class SequenceSei {

  /** UUID of camgate's frame-sequence SEI: 6d1f5c2a-93e4-4b7e-a1d0-63616d676174 ("camgat" at the end). */
  static final byte[] UUID = {
      0x6d, 0x1f, 0x5c, 0x2a, (byte) 0x93, (byte) 0xe4, 0x4b, 0x7e,
      (byte) 0xa1, (byte) 0xd0, 0x63, 0x61, 0x6d, 0x67, 0x61, 0x74};
  private static final byte[] PREFIX = "seq=".getBytes(StandardCharsets.US_ASCII);
  private static final int USER_DATA_UNREGISTERED = 5;

  private SequenceSei() {
  }

  /** The SEI NAL unit for this sequence number. */
  static NalUnit of(long sequence) {
    byte[] text = ("seq=" + sequence).getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream rbsp = new ByteArrayOutputStream();
    rbsp.write(USER_DATA_UNREGISTERED);
    rbsp.write(UUID.length + text.length); // < 255, one byte
    rbsp.writeBytes(UUID);
    rbsp.writeBytes(text);
    rbsp.write(0x80); // rbsp_trailing_bits
    ByteArrayOutputStream nal = new ByteArrayOutputStream();
    nal.write(NalUnit.SEI); // forbidden 0, nal_ref_idc 0, type 6
    int zeros = 0;
    for (byte b : rbsp.toByteArray()) {
      if (zeros == 2 && (b & 0xff) <= 3) {
        nal.write(3); // emulation prevention
        zeros = 0;
      }
      nal.write(b);
      zeros = b == 0 ? zeros + 1 : 0;
    }
    return NalUnit.of(nal.toByteArray());
  }

  /** The sequence number this NAL unit carries, if it is camgate's sequence SEI. */
  public static OptionalLong parse(NalUnit unit) {
    byte[] b = unit.unsafeBytes();
    int head = 3; // NAL header, payload type, payload size
    if (unit.type() != NalUnit.SEI || b.length < head + UUID.length + PREFIX.length || b[1] != USER_DATA_UNREGISTERED
        || !Arrays.equals(b, head, head + UUID.length, UUID, 0, UUID.length)) {
      return OptionalLong.empty();
    }
    int from = head + UUID.length;
    if (!Arrays.equals(b, from, from + PREFIX.length, PREFIX, 0, PREFIX.length)) {
      return OptionalLong.empty();
    }
    long value = 0;
    int digits = 0;
    for (int i = from + PREFIX.length; i < b.length && b[i] >= '0' && b[i] <= '9'; i++, digits++) {
      value = value * 10 + (b[i] - '0');
    }
    return digits == 0 ? OptionalLong.empty() : OptionalLong.of(value);
  }
}
