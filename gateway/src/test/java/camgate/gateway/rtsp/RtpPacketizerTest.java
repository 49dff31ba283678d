package camgate.gateway.rtsp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RtpPacketizerTest {

  private static NalUnit nal(int header, int size) {
    byte[] b = new byte[size];
    b[0] = (byte) header;
    for (int i = 1; i < size; i++) {
      b[i] = (byte) (i * 31);
    }
    return NalUnit.of(b);
  }

  @Test
  void smallNalUnitsGoAsSingleNalUnitPacketsWithTheMarkerOnTheLast() {
    RtpPacketizer p = new RtpPacketizer(96, 0x11223344, 65535, 0, 1400);
    NalUnit sps = nal(0x67, 20);
    NalUnit slice = nal(0x65, 900);
    RtpPackets rtp = p.packetize(List.of(sps, slice), 0xCAFEBABEL);
    List<byte[]> packets = packets(rtp);
    assertEquals(2, packets.size());
    assertEquals(65535, rtp.firstSequence(), "RTP-Info's seq for a session starting here");
    assertEquals(0xCAFEBABE, rtp.timestamp());
    byte[] first = packets.get(0);
    assertEquals(0x80, first[0] & 0xff, "V=2, no padding, extension or CSRC");
    assertEquals(96, first[1] & 0x7f);
    assertFalse((first[1] & 0x80) != 0, "no marker before the last packet of the access unit");
    assertEquals(65535, ((first[2] & 0xff) << 8) | (first[3] & 0xff));
    assertEquals(0, ((packets.get(1)[2] & 0xff) << 8) | (packets.get(1)[3] & 0xff), "sequence wraps at 16 bits");
    assertEquals(0xCAFEBABE, readInt(first, 4));
    assertEquals(0x11223344, readInt(first, 8));
    assertTrue((packets.get(1)[1] & 0x80) != 0, "marker on the last packet");
    assertArrayEquals(sps.bytes(), java.util.Arrays.copyOfRange(first, 12, first.length));
  }

  @Test
  void largeNalUnitsAreFragmentedAsFuAAndReassembleExactly() {
    RtpPacketizer p = new RtpPacketizer(96, 1, 0, 7, 1400);
    NalUnit big = nal(0x65, 5000);
    RtpPackets rtp = p.packetize(List.of(big), 90_000);
    List<byte[]> packets = packets(rtp);
    assertEquals(90_007, rtp.timestamp(), "the stream's offset is added to the 90 kHz clock");
    assertEquals(5000 - 1 + 4 * (12 + 2), rtp.rtpBytes());
    assertEquals(4, packets.size(), "4999 payload bytes in 1398-byte fragments");
    ByteArrayOutputStream rebuilt = new ByteArrayOutputStream();
    for (int i = 0; i < packets.size(); i++) {
      byte[] pk = packets.get(i);
      assertTrue(pk.length <= 12 + 1400);
      assertEquals(28, pk[12] & 0x1f, "FU-A indicator");
      assertEquals(0x60, pk[12] & 0xe0, "NRI and F of the original header");
      assertEquals(i == 0, (pk[13] & 0x80) != 0, "start bit on the first fragment only");
      assertEquals(i == packets.size() - 1, (pk[13] & 0x40) != 0, "end bit on the last fragment only");
      assertEquals(5, pk[13] & 0x1f, "original NAL type");
      assertEquals(i == packets.size() - 1, (pk[1] & 0x80) != 0, "marker on the last fragment only");
      if (i == 0) {
        rebuilt.write((pk[12] & 0xe0) | (pk[13] & 0x1f));
      }
      rebuilt.write(pk, 14, pk.length - 14);
    }
    assertArrayEquals(big.bytes(), rebuilt.toByteArray());
  }

  @Test
  void theStreamsPacketsAreInterleavedFramesOnChannelZeroAndCopiedOnceForAnother() {
    RtpPacketizer p = new RtpPacketizer(96, 1, 10, 0, 1400);
    RtpPackets first = p.packetize(List.of(nal(0x67, 20), nal(0x68, 4), nal(0x65, 3000)), 0);
    RtpPackets second = p.packetize(List.of(nal(0x41, 500)), 3600);
    assertEquals(10, first.firstSequence());
    assertEquals(10 + 2 + 3, second.firstSequence(), "one numbering per stream, whoever sends the packets");
    for (int channel : new int[] {0, 2}) {
      byte[] framed = first.interleaved(channel).getBytes();
      int at = 0;
      for (int i = 0; i < first.count(); i++) {
        byte[] packet = first.packet(i).getBytes();
        assertEquals('$', framed[at]);
        assertEquals(channel, framed[at + 1]);
        assertEquals(packet.length, ((framed[at + 2] & 0xff) << 8) | (framed[at + 3] & 0xff));
        assertArrayEquals(packet, java.util.Arrays.copyOfRange(framed, at + 4, at + 4 + packet.length));
        at += 4 + packet.length;
      }
      assertEquals(framed.length, at, "nothing after the last packet");
    }
    assertEquals(0, first.interleaved(0).getByte(1), "channel 2's copy left the shared bytes alone");
    // Every session on channel 2 sends the one copy: a copy per session and access unit grew with the subscribers.
    assertSame(first.interleaved(2), first.interleaved(2), "a second session on channel 2 got a copy of its own");
    assertSame(first.interleaved(0), first.interleaved(0));
  }

  @Test
  void annexBSplitsOnThreeAndFourByteStartCodes() {
    byte[] stream = {0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5};
    List<NalUnit> units = NalUnit.splitAnnexB(stream);
    assertEquals(List.of(NalUnit.of(new byte[] {0x67, 1, 2}), NalUnit.of(new byte[] {0x68, 3}),
        NalUnit.of(new byte[] {0x65, 4, 5})), units);
  }

  @Test
  void senderReportCarriesNtpAndRtpTimeAndCounts() {
    byte[] sr = RtcpPackets.senderReport(7, java.time.Instant.ofEpochSecond(0), 1234, 10, 5000, "camgate");
    assertEquals(200, sr[1] & 0xff);
    assertEquals(2_208_988_800L, readInt(sr, 8) & 0xffffffffL, "NTP seconds of the Unix epoch");
    assertEquals(1234, readInt(sr, 16));
    assertEquals(10, readInt(sr, 20));
    assertEquals(5000, readInt(sr, 24));
    assertEquals(202, sr[29] & 0xff, "SDES follows in the compound packet");
    assertEquals(0, sr.length % 4);
    byte[] bye = RtcpPackets.bye(7, "cut");
    assertEquals(203, bye[9] & 0xff);
    assertEquals(0, bye.length % 4);
  }

  private static List<byte[]> packets(RtpPackets rtp) {
    List<byte[]> out = new java.util.ArrayList<>();
    for (int i = 0; i < rtp.count(); i++) {
      out.add(rtp.packet(i).getBytes());
    }
    return out;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }
}
