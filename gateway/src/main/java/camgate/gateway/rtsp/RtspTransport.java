package camgate.gateway.rtsp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One transport a client offers in its SETUP {@code Transport} header (RFC 2326 §12.39): RTP over the RTSP
 * connection (interleaved) or over UDP, unicast or multicast, with its channels or client ports.
 *
 * @param tcp       RTP/AVP/TCP (interleaved) rather than RTP/AVP or RTP/AVP/UDP
 * @param multicast the client asked for multicast (camgate serves unicast only)
 * @param rtp       interleaved channel or client RTP port; -1 if not given
 * @param rtcp      interleaved channel or client RTCP port; -1 if not given
 */
record RtspTransport(boolean tcp, boolean multicast, int rtp, int rtcp) {

  /**
   * Parses a Transport header value: a comma-separated list, the client's preferred first. Specs with another
   * protocol than RTP/AVP are left out.
   *
   * @throws IllegalArgumentException if a port or channel range is not numeric
   */
  static List<RtspTransport> parse(String header) {
    List<RtspTransport> out = new ArrayList<>();
    for (String spec : header.split(",")) {
      String[] parts = spec.trim().split(";");
      if (parts.length == 0) {
        continue;  // ";" alone: "".split yields nothing, and an empty spec offers no transport
      }
      String protocol = parts[0].trim().toUpperCase(Locale.ROOT);
      boolean tcp;
      if (protocol.equals("RTP/AVP/TCP")) {
        tcp = true;
      } else if (protocol.equals("RTP/AVP") || protocol.equals("RTP/AVP/UDP")) {
        tcp = false;
      } else {
        continue;
      }
      boolean multicast = false;
      int[] range = {-1, -1};
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].trim();
        String name = p.contains("=") ? p.substring(0, p.indexOf('=')).toLowerCase(Locale.ROOT) : p.toLowerCase(Locale.ROOT);
        String value = p.contains("=") ? p.substring(p.indexOf('=') + 1) : "";
        if (name.equals("multicast")) {
          multicast = true;
        } else if ((tcp && name.equals("interleaved")) || (!tcp && name.equals("client_port"))) {
          range = range(name, value);
        }
      }
      out.add(new RtspTransport(tcp, multicast, range[0], range[1]));
    }
    return out;
  }

  private static int[] range(String name, String value) {
    String[] ends = value.split("-", 2);
    try {
      int first = Integer.parseInt(ends[0].trim());
      int second = ends.length > 1 ? Integer.parseInt(ends[1].trim()) : first + 1;
      int max = name.equals("interleaved") ? 255 : 65535;
      if (first < 0 || first > max || second < 0 || second > max) {
        throw new IllegalArgumentException("Transport " + name + "=" + value + " is out of range 0.." + max);
      }
      return new int[] {first, second};
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Transport " + name + "=" + value + " is not a number range like 0-1");
    }
  }

  /** The reply for an interleaved transport on these channels. */
  static String interleavedReply(int rtpChannel, int rtcpChannel, int ssrc) {
    return String.format(Locale.ROOT, "RTP/AVP/TCP;unicast;interleaved=%d-%d;ssrc=%08X", rtpChannel, rtcpChannel,
        ssrc);
  }

  /** The reply for a UDP transport between these ports. */
  static String udpReply(int clientRtp, int clientRtcp, int serverRtp, int serverRtcp, int ssrc) {
    return String.format(Locale.ROOT, "RTP/AVP;unicast;client_port=%d-%d;server_port=%d-%d;ssrc=%08X", clientRtp,
        clientRtcp, serverRtp, serverRtcp, ssrc);
  }
}
