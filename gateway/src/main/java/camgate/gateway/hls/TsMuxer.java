package camgate.gateway.hls;

import camgate.gateway.rtsp.AccessUnit;
import camgate.gateway.rtsp.NalUnit;

import java.io.ByteArrayOutputStream;

/**
 * An MPEG-2 transport stream writer (ISO/IEC 13818-1) for one H.264 video stream, as HLS carries it: a PAT and a PMT
 * at the start of every segment, one PES per picture (an access unit delimiter, then the picture's NAL units in
 * Annex B form, the SEI with its frame sequence number included) with its PTS, and a PCR in the adaptation field of
 * each picture's first packet, flagged as a random access point on keyframes. Continuity counters run on across
 * segments, as one stream cut in pieces.
 *
 * <p>Not thread-safe: one segmenter writes with it.
 */
final class TsMuxer {

  static final int PACKET_SIZE = 188;
  static final int PMT_PID = 0x1000;
  static final int VIDEO_PID = 0x100;
  static final int STREAM_TYPE_H264 = 0x1b;
  /** PTS runs this far ahead of the PCR, as FFmpeg's muxer does by default (0.7 s): the decoder's buffer time. */
  static final long PTS_DELAY_TICKS = 63_000;
  private static final long PTS_MASK = (1L << 33) - 1;
  private static final byte[] START_CODE = {0, 0, 0, 1};
  /** Access unit delimiter, primary_pic_type 7 (any slice type): HLS players expect one before each picture. */
  private static final byte[] AUD = {0, 0, 0, 1, 0x09, (byte) 0xf0};

  private int patCounter;
  private int pmtCounter;
  private int videoCounter;

  /** The PAT and PMT packets that open a segment, so that a player can start decoding at it. */
  byte[] tables() {
    byte[] out = new byte[2 * PACKET_SIZE];
    section(out, 0, 0, patCounter, pat());
    patCounter = (patCounter + 1) & 0xf;
    section(out, PACKET_SIZE, PMT_PID, pmtCounter, pmt());
    pmtCounter = (pmtCounter + 1) & 0xf;
    return out;
  }

  /**
   * One picture as a PES in transport packets.
   *
   * @param clock90k the picture's time in 90 kHz ticks on the segmenter's clock (starting near 0); the PCR is this
   *                 value and the PTS (= DTS, no B-frames in the baseline profile) {@link #PTS_DELAY_TICKS} later
   */
  byte[] picture(AccessUnit au, long clock90k) {
    ByteArrayOutputStream es = new ByteArrayOutputStream(au.size() + 64);
    long pts = (clock90k + PTS_DELAY_TICKS) & PTS_MASK;
    es.write(0);
    es.write(0);
    es.write(1);
    es.write(0xe0);             // stream_id: video stream 0
    es.write(0);
    es.write(0);                // PES_packet_length 0: unbounded, allowed for video in a transport stream
    es.write(0x84);             // '10', not scrambled, no priority, data_alignment_indicator, no copyright, copy
    es.write(0x80);             // PTS only
    es.write(5);                // PES_header_data_length
    es.write((int) (0x20 | ((pts >> 29) & 0x0e) | 1));
    es.write((int) ((pts >> 22) & 0xff));
    es.write((int) (((pts >> 14) & 0xfe) | 1));
    es.write((int) ((pts >> 7) & 0xff));
    es.write((int) (((pts << 1) & 0xfe) | 1));
    es.writeBytes(AUD);
    for (NalUnit unit : au.nalUnits()) {
      es.writeBytes(START_CODE);
      es.writeBytes(unit.bytes());
    }
    return packetize(es.toByteArray(), clock90k & PTS_MASK, au.keyframe());
  }

  private byte[] packetize(byte[] pes, long pcr, boolean randomAccess) {
    int firstRoom = PACKET_SIZE - 4 - 8;   // the first packet carries an adaptation field with the PCR
    int packets = pes.length <= firstRoom ? 1 : 1 + (pes.length - firstRoom + 183) / 184;
    byte[] out = new byte[packets * PACKET_SIZE];
    int pos = 0;
    for (int p = 0; p < packets; p++) {
      int o = p * PACKET_SIZE;
      boolean first = p == 0;
      out[o] = 0x47;
      out[o + 1] = (byte) ((first ? 0x40 : 0) | (VIDEO_PID >> 8));
      out[o + 2] = (byte) VIDEO_PID;
      int adaptation = first ? 8 : 0;      // length byte + flags + 6 PCR bytes
      int remaining = pes.length - pos;
      int room = PACKET_SIZE - 4 - adaptation;
      int stuffing = Math.max(0, room - remaining);
      if (adaptation == 0 && stuffing > 0) {
        adaptation = stuffing;              // a length byte (and flags) made of stuffing
        stuffing = 0;
      }
      int payload = Math.min(remaining, PACKET_SIZE - 4 - adaptation - stuffing);
      out[o + 3] = (byte) ((adaptation + stuffing > 0 ? 0x30 : 0x10) | videoCounter);
      videoCounter = (videoCounter + 1) & 0xf;
      int a = o + 4;
      if (adaptation + stuffing > 0) {
        int length = adaptation + stuffing - 1;
        out[a] = (byte) length;
        if (length > 0) {
          int flags = first ? 0x10 | (randomAccess ? 0x40 : 0) : 0;
          out[a + 1] = (byte) flags;
          int f = a + 2;
          if (first) {
            out[f] = (byte) (pcr >> 25);
            out[f + 1] = (byte) (pcr >> 17);
            out[f + 2] = (byte) (pcr >> 9);
            out[f + 3] = (byte) (pcr >> 1);
            out[f + 4] = (byte) (((pcr & 1) << 7) | 0x7e);   // 6 reserved bits, extension high bit 0
            out[f + 5] = 0;                                    // extension low bits
            f += 6;
          }
          for (int s = f; s < a + 1 + length; s++) {
            out[s] = (byte) 0xff;
          }
        }
      }
      System.arraycopy(pes, pos, out, o + 4 + adaptation + stuffing, payload);
      pos += payload;
    }
    return out;
  }

  private static void section(byte[] out, int offset, int pid, int counter, byte[] section) {
    out[offset] = 0x47;
    out[offset + 1] = (byte) (0x40 | (pid >> 8));   // payload_unit_start_indicator: the section starts here
    out[offset + 2] = (byte) pid;
    out[offset + 3] = (byte) (0x10 | counter);
    out[offset + 4] = 0;                             // pointer_field
    System.arraycopy(section, 0, out, offset + 5, section.length);
    for (int i = offset + 5 + section.length; i < offset + PACKET_SIZE; i++) {
      out[i] = (byte) 0xff;
    }
  }

  /** Program association: program 1 is described by the PMT on {@link #PMT_PID}. */
  private static byte[] pat() {
    return withCrc(new byte[] {
        0x00, (byte) 0xb0, 0x0d,          // table_id, section_syntax_indicator, section_length 13
        0x00, 0x01,                       // transport_stream_id
        (byte) 0xc1, 0x00, 0x00,          // version 0, current, section 0 of 0
        0x00, 0x01,                       // program_number 1
        (byte) (0xe0 | (PMT_PID >> 8)), (byte) PMT_PID});
  }

  /** Program map: one H.264 stream on {@link #VIDEO_PID}, which also carries the PCR. */
  private static byte[] pmt() {
    return withCrc(new byte[] {
        0x02, (byte) 0xb0, 0x12,          // table_id, section_syntax_indicator, section_length 18
        0x00, 0x01,                       // program_number
        (byte) 0xc1, 0x00, 0x00,
        (byte) (0xe0 | (VIDEO_PID >> 8)), (byte) VIDEO_PID,   // PCR_PID
        (byte) 0xf0, 0x00,                // program_info_length 0
        STREAM_TYPE_H264, (byte) (0xe0 | (VIDEO_PID >> 8)), (byte) VIDEO_PID,
        (byte) 0xf0, 0x00});              // ES_info_length 0
  }

  private static byte[] withCrc(byte[] section) {
    byte[] out = new byte[section.length + 4];
    System.arraycopy(section, 0, out, 0, section.length);
    int crc = crc32(section, section.length);
    out[section.length] = (byte) (crc >>> 24);
    out[section.length + 1] = (byte) (crc >>> 16);
    out[section.length + 2] = (byte) (crc >>> 8);
    out[section.length + 3] = (byte) crc;
    return out;
  }

  /** CRC-32/MPEG-2 (polynomial 0x04C11DB7, not reflected, initial value all ones, no final XOR). */
  static int crc32(byte[] data, int length) {
    int crc = 0xffffffff;
    for (int i = 0; i < length; i++) {
      crc ^= (data[i] & 0xff) << 24;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
      }
    }
    return crc;
  }
}
