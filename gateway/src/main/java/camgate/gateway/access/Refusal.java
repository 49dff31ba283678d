package camgate.gateway.access;

import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * A reply that serves nothing: a status (401, 403, 404, 502, 503, …; RTSP shares HTTP's codes), the
 * JSON body that says why and what to do, and any header the protocol needs (a challenge).
 */
public record Refusal(int status, JsonObject body, Map<String, String> headers) {

  public Refusal {
    body = body.copy();
    headers = Map.copyOf(headers);
  }

  static Refusal of(int status, String error) {
    return new Refusal(status, new JsonObject().put("error", error), Map.of());
  }
}
