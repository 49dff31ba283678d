package camgate.gateway.rtsp;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A camera view named by an RTSP URL: {@code rtsp://HOST:PORT/cameras/{id}?purpose=P} (redacted) or
 * {@code .../cameras/{id}/raw?requisition=R&purpose=P}, optionally with the track suffix {@code /trackID=0} that
 * SETUP adds.
 *
 * @param query decoded query parameters, without a track suffix some clients append to the query
 * @param track true if the URL names the media track rather than the presentation
 */
record RtspResource(String cameraId, RtspProfile profile, Map<String, String> query, boolean track) {

  /** The track's control name, relative to the presentation. */
  static final String TRACK = "trackID=0";

  private static final Pattern PATH =
      Pattern.compile("/cameras/([A-Za-z0-9._~-]+)(/raw)?(?:/(?:trackID|track|streamid|stream)=?0?)?/?");
  private static final Pattern TRACK_SUFFIX = Pattern.compile("/(?:trackID|track|streamid|stream)=?0?$");

  RtspResource {
    query = Map.copyOf(query);
  }

  /** What identifies the view for admission: the same camera, profile and query, whatever the track suffix. */
  record Key(String cameraId, RtspProfile profile, Map<String, String> query) {
  }

  Key key() {
    return new Key(cameraId, profile, query);
  }

  /**
   * Parses a Request-URI.
   *
   * @throws IllegalArgumentException with a message for the client: 400 if it is no rtsp URL, and a message
   *                                  starting with "no such resource" (404) if it names no camera
   */
  static RtspResource parse(String requestUri) {
    URI uri;
    try {
      uri = new URI(requestUri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("malformed Request-URI '" + requestUri + "': " + e.getReason());
    }
    if (uri.getScheme() != null && !uri.getScheme().equalsIgnoreCase("rtsp")) {
      throw new IllegalArgumentException("Request-URI scheme '" + uri.getScheme() + "' is not rtsp");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String rawQuery = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    boolean track = false;
    Matcher suffix = TRACK_SUFFIX.matcher(rawQuery);
    if (suffix.find()) { // clients that append "/trackID=0" to a URL with a query
      rawQuery = rawQuery.substring(0, suffix.start());
      track = true;
    }
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      throw new IllegalArgumentException("no such resource '" + path + "'; use rtsp://HOST:PORT/cameras/{id}"
          + "?purpose=P or rtsp://HOST:PORT/cameras/{id}/raw?requisition=R&purpose=P");
    }
    track |= path.matches(".*/(?:trackID|track|streamid|stream)=?0?/?$");
    return new RtspResource(m.group(1), m.group(2) == null ? RtspProfile.REDACTED : RtspProfile.RAW,
        decodeQuery(rawQuery), track);
  }

  /**
   * The absolute URL of the media track for the SDP's {@code a=control}: the presentation URL as the client sent
   * it with {@code /trackID=0} after the path, before the query (absolute, so that no client appends it to the
   * query).
   */
  static String trackUrl(String requestUri) {
    int q = requestUri.indexOf('?');
    String base = q < 0 ? requestUri : requestUri.substring(0, q);
    String query = q < 0 ? "" : requestUri.substring(q);
    return (base.endsWith("/") ? base : base + "/") + TRACK + query;
  }

  private static Map<String, String> decodeQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }
}
