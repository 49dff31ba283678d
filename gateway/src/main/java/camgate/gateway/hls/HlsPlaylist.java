package camgate.gateway.hls;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The playlists of an HLS viewing session (RFC 8216): the multivariant playlist that opens it, naming the session's
 * media playlist by its token, and the live media playlist of the newest segments.
 */
final class HlsPlaylist {

  static final String CONTENT_TYPE = "application/vnd.apple.mpegurl";
  /** Segments a media playlist lists: about ten seconds, what a player needs to start three segments from the end. */
  static final int LISTED = 5;
  /** The keyframe interval's bound (2 s): no segment is longer, to the rounding RFC 8216 applies. */
  static final int TARGET_DURATION_S = 2;
  /** Peak bit rate announced: the encoder's cap ({@code H264Settings}: 8 Mbit/s at most). */
  static final int PEAK_BITS_PER_SECOND = 8_000_000;
  private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
      .withZone(ZoneOffset.UTC);

  private HlsPlaylist() {
  }

  /**
   * The multivariant playlist: one variant, the session's media playlist at {@code TOKEN/index.m3u8} relative to
   * the request. A player loads it once and then reloads only the media playlist, so the session is opened once.
   *
   * @param codecs the RFC 6381 codec of the stream ({@code avc1.PPCCLL}) when known, else null
   */
  static String multivariant(String token, String codecs) {
    return "#EXTM3U\n"
        + "#EXT-X-VERSION:3\n"
        + "#EXT-X-INDEPENDENT-SEGMENTS\n"
        + "#EXT-X-STREAM-INF:BANDWIDTH=" + PEAK_BITS_PER_SECOND + (codecs == null ? "" : ",CODECS=\"" + codecs + "\"")
        + "\n"
        + token + "/index.m3u8\n";
  }

  /**
   * The live media playlist of the newest {@link #LISTED} segments of {@code window} (oldest first), each with the
   * wall-clock time of its first picture; {@code EXT-X-DISCONTINUITY} where the encoding restarted or pictures were
   * lost. The target duration is 2 s unless a segment was longer (a camera slower than 1 picture per second).
   */
  static String media(List<Segment> window) {
    List<Segment> listed = window.subList(Math.max(0, window.size() - LISTED), window.size());
    long target = TARGET_DURATION_S;
    for (Segment s : window) {
      target = Math.max(target, Math.round(s.seconds()));
    }
    StringBuilder out = new StringBuilder(256 + 96 * listed.size())
        .append("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n")
        .append("#EXT-X-TARGETDURATION:").append(target).append('\n')
        .append("#EXT-X-MEDIA-SEQUENCE:").append(listed.isEmpty() ? 0 : listed.get(0).sequence()).append('\n')
        .append("#EXT-X-DISCONTINUITY-SEQUENCE:")
        .append(listed.isEmpty() ? 0 : listed.get(0).discontinuitiesBefore()).append('\n');
    for (Segment s : listed) {
      if (s.discontinuity()) {
        out.append("#EXT-X-DISCONTINUITY\n");
      }
      out.append("#EXT-X-PROGRAM-DATE-TIME:").append(DATE_TIME.format(s.start())).append('\n')
          .append("#EXTINF:").append(s.extinf()).append(",\n")
          .append(s.name()).append('\n');
    }
    return out.toString();
  }
}
