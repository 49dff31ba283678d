package camgate.gateway.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * SETUP's {@code Transport} header on any text: parsed, or refused with the documented
 * {@link IllegalArgumentException}; channels and ports always in range; what the server writes in its reply and
 * what a client writes in its offer read back as written.
 */
class RtspTransportPropertyTest {

  @Example
  void aSpecOfSemicolonsOnlyOffersNothingRatherThanThrowing() {
    // Found by the property below: "".split(";") has no element, and parse threw ArrayIndexOutOfBoundsException,
    // so a SETUP with "Transport: ;" got no answer at all instead of 461 Unsupported Transport.
    assertTrue(RtspTransport.parse(";").isEmpty());
    assertTrue(RtspTransport.parse(" ;;; , ;").isEmpty());
  }

  @Property(tries = 3000)
  void anyHeaderIsParsedInRangeOrRefusedWithTheParseError(@ForAll("headers") String header) {
    List<RtspTransport> transports;
    try {
      transports = RtspTransport.parse(header);
    } catch (IllegalArgumentException refused) {
      assertTrue(refused.getMessage().startsWith("Transport "), refused.getMessage());
      return;
    }
    for (RtspTransport t : transports) {
      int max = t.tcp() ? 255 : 65535;
      for (int v : new int[] {t.rtp(), t.rtcp()}) {
        assertTrue(v == -1 || (v >= 0 && v <= max), header + " gave " + t);
      }
      assertTrue((t.rtp() == -1) == (t.rtcp() == -1), "both ends or neither: " + t);
    }
  }

  @Property
  void theInterleavedReplyReadsBack(@ForAll @IntRange(max = 255) int rtp, @ForAll @IntRange(max = 255) int rtcp,
                                    @ForAll int ssrc) {
    assertEquals(List.of(new RtspTransport(true, false, rtp, rtcp)),
        RtspTransport.parse(RtspTransport.interleavedReply(rtp, rtcp, ssrc)));
  }

  @Property
  void theUdpReplyReadsBackAsTheClientsPorts(@ForAll @IntRange(max = 65535) int clientRtp,
                                             @ForAll @IntRange(max = 65535) int clientRtcp,
                                             @ForAll @IntRange(max = 65535) int serverRtp, @ForAll int ssrc) {
    assertEquals(List.of(new RtspTransport(false, false, clientRtp, clientRtcp)),
        RtspTransport.parse(RtspTransport.udpReply(clientRtp, clientRtcp, serverRtp, serverRtp + 1, ssrc)));
  }

  /** A client's offer, several specs in preference order, reads back spec by spec. */
  @Property(tries = 1000)
  void aClientsOfferReadsBackInOrder(@ForAll("offers") List<Offer> offers) {
    String header = offers.stream().map(Offer::text).collect(Collectors.joining(","));
    List<RtspTransport> expected = offers.stream().map(Offer::transport).toList();
    if (expected.stream().anyMatch(t -> t.rtcp() > (t.tcp() ? 255 : 65535))) {
      assertThrows(IllegalArgumentException.class, () -> RtspTransport.parse(header), header);
      return;
    }
    assertEquals(expected, RtspTransport.parse(header), header);
  }

  /** One transport spec as a client writes it; {@code second} -1 for a single number. */
  record Offer(String protocol, boolean tcp, boolean multicast, int first, int second, String spaces) {
    String text() {
      StringBuilder s = new StringBuilder(spaces).append(protocol).append(multicast ? ";multicast" : ";unicast");
      if (first >= 0) {
        s.append(';').append(tcp ? "interleaved" : "client_port").append('=').append(first);
        if (second >= 0) {
          s.append('-').append(second);
        }
      }
      return s.append(";mode=play").append(spaces).toString();
    }

    RtspTransport transport() {
      return first < 0 ? new RtspTransport(tcp, multicast, -1, -1)
          : new RtspTransport(tcp, multicast, first, second >= 0 ? second : first + 1);
    }
  }

  @Provide
  Arbitrary<List<Offer>> offers() {
    Arbitrary<String> protocol = Arbitraries.of("RTP/AVP/TCP", "rtp/avp/tcp", "RTP/AVP", "RTP/AVP/UDP");
    return protocol.flatMap(p -> {
      boolean tcp = p.equalsIgnoreCase("RTP/AVP/TCP");
      int max = tcp ? 255 : 65535;
      return Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(-1, max),
          Arbitraries.integers().between(-1, max), Arbitraries.of("", " "))
          .as((multicast, first, second, spaces) -> new Offer(p, tcp, multicast, first, first < 0 ? -1 : second,
              spaces));
    }).list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<String> headers() {
    Arbitrary<String> parts = Arbitraries.of("RTP/AVP/TCP", "RTP/AVP", "RTP/AVP/UDP", "RAW/RAW/UDP", "unicast",
        "multicast", "interleaved=", "client_port=", "0", "1", "255", "256", "65535", "65536", "-", "-1", ";", ",",
        " ", "=", "x", "99999999999", "mode=play", "interleaved", "client_port");
    return Arbitraries.oneOf(parts.list().ofMaxSize(14).map(l -> String.join("", l)),
        Arbitraries.strings().ofMaxLength(60));
  }
}
