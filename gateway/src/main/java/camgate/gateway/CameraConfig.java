package camgate.gateway;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One camera as the operator configured it: where to read it and which zone it belongs to.
 *
 * @param id          stable identifier used in URLs, policies and the audit log
 * @param url         {@code rtsp://…} (H.264, TCP transport), {@code http://…} (MJPEG), or a local file path;
 *                    never with a login in it (that is in {@code credentials})
 * @param zone        the zone the camera covers; policies decide who may see which zone
 * @param loop        for a file source: play it in a loop, in real time (demo cameras)
 * @param credentials where the camera's login comes from, read only when the stream is opened
 */
public record CameraConfig(String id, String url, String zone, boolean loop, CameraCredentials credentials) {

  private static final Pattern USERINFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@]*)@");

  public CameraConfig {
    Objects.requireNonNull(id, "camera id");
    Objects.requireNonNull(url, "camera url");
    Objects.requireNonNull(zone, "camera zone");
    Objects.requireNonNull(credentials, "camera credentials");
    Matcher m = USERINFO.matcher(url);
    if (m.find()) {
      if (!(credentials instanceof CameraCredentials.None)) {
        throw new IllegalArgumentException("camera " + id + " has a login both in its url and in \"credentials\";"
            + " keep only \"credentials\"");
      }
      credentials = new CameraCredentials.InUrl(m.group(2));
      url = m.group(1) + url.substring(m.end());
    }
    if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("camera id '" + id
          + "' must be 1-64 letters, digits, '.', '_' or '-': it appears in URLs and policies");
    }
  }

  /** A camera without login. */
  public CameraConfig(String id, String url, String zone, boolean loop) {
    this(id, url, zone, loop, new CameraCredentials.None());
  }

  /**
   * What may be shown about the source to anyone (statuses, errors, logs): scheme, host and port of a network
   * camera, never its login or path; "a local file" for a file.
   */
  public String publicSource() {
    if (isFile()) {
      return "a local file";
    }
    try {
      URI u = URI.create(url);
      return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
    } catch (IllegalArgumentException e) {
      return url.substring(0, url.indexOf("://") + 3) + "…";
    }
  }

  /** The URL with the login in it, for the ingest worker alone. @throws IOException if the login cannot be read */
  public String urlWithLogin(Function<String, String> environment) throws IOException {
    String userinfo = credentials.userinfo(environment);
    if (userinfo == null || isFile()) {
      return url;
    }
    int at = url.indexOf("://") + 3;
    return url.substring(0, at) + userinfo + "@" + url.substring(at);
  }

  /** True when the URL names a file on this machine rather than a network camera. */
  public boolean isFile() {
    return !(url.startsWith("rtsp://") || url.startsWith("rtsps://") || url.startsWith("http://")
        || url.startsWith("https://"));
  }

  static CameraConfig fromJson(JsonObject json, Path base) {
    String id = json.getString("id");
    if (id == null || json.getString("url") == null || json.getString("zone") == null) {
      throw new IllegalArgumentException("camera entry " + json.encode() + " needs \"id\", \"url\" and \"zone\"");
    }
    return new CameraConfig(id, json.getString("url"), json.getString("zone"), json.getBoolean("loop", false),
        CameraCredentials.fromJson(json.getJsonObject("credentials") == null ? null
            : json.getJsonObject("credentials").getMap(), base));
  }

  /** The camera as the policy engine sees it: id, zone and the kind of source, never its address or login. */
  JsonObject toPolicyJson() {
    return new JsonObject().put("id", id).put("zone", zone).put("source", isFile() ? "file" : URI.create(url).getScheme());
  }
}
