package camgate.gateway;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * One camera as the operator configured it: where to read it and which zone it belongs to.
 *
 * @param id   stable identifier used in URLs, policies and the audit log
 * @param url  {@code rtsp://…} (H.264, TCP transport), {@code http://…} (MJPEG), or a local file path
 * @param zone the zone the camera covers; policies decide who may see which zone
 * @param loop for a file source: play it in a loop, in real time (demo cameras)
 */
public record CameraConfig(String id, String url, String zone, boolean loop) {

  public CameraConfig {
    Objects.requireNonNull(id, "camera id");
    Objects.requireNonNull(url, "camera url");
    Objects.requireNonNull(zone, "camera zone");
    if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("camera id '" + id
          + "' must be 1-64 letters, digits, '.', '_' or '-': it appears in URLs and policies");
    }
  }

  /** True when the URL names a file on this machine rather than a network camera. */
  public boolean isFile() {
    return !(url.startsWith("rtsp://") || url.startsWith("rtsps://") || url.startsWith("http://")
        || url.startsWith("https://"));
  }

  static CameraConfig fromJson(JsonObject json) {
    String id = json.getString("id");
    if (id == null || json.getString("url") == null || json.getString("zone") == null) {
      throw new IllegalArgumentException("camera entry " + json.encode() + " needs \"id\", \"url\" and \"zone\"");
    }
    return new CameraConfig(id, json.getString("url"), json.getString("zone"), json.getBoolean("loop", false));
  }

  JsonObject toPolicyJson() {
    return new JsonObject().put("id", id).put("url", url).put("zone", zone);
  }
}
