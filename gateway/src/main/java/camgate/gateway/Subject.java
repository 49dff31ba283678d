package camgate.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * Who is asking: the identity an API key (or a session) maps to, as policies see it.
 *
 * @param capabilities what the client declares it does with video (e.g. "display", "recording");
 *                     policies refuse clients that declare face recognition
 */
public record Subject(String id, List<String> roles, String org, List<String> capabilities) {

  public Subject {
    roles = List.copyOf(roles);
    capabilities = List.copyOf(capabilities);
  }

  /** The subject of a request that presented no valid credential: logged, never allowed. */
  public static Subject anonymous() {
    return new Subject("anonymous", List.of(), "", List.of());
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("roles", new JsonArray(roles)).put("org", org)
        .put("capabilities", new JsonArray(capabilities));
  }

  public Map<String, Object> toMap() {
    return Map.of("id", id, "roles", roles, "org", org, "capabilities", capabilities);
  }

  /** The subject of its {@link #toJson} form (an API key's entry, a signed token's claim). */
  public static Subject fromJson(JsonObject json) {
    if (json == null || json.getString("id") == null) {
      throw new IllegalArgumentException("api key subject needs an \"id\": " + (json == null ? "null" : json.encode()));
    }
    return new Subject(json.getString("id"), strings(json.getJsonArray("roles")), json.getString("org", ""),
        strings(json.getJsonArray("capabilities")));
  }

  private static List<String> strings(JsonArray array) {
    return array == null ? List.of() : array.stream().map(String::valueOf).toList();
  }
}
