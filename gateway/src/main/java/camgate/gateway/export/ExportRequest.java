package camgate.gateway.export;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A request to export a clip: {@code {"seconds", "destination": {"name", "url"}, "purpose",
 * "retention_days" | "legal_hold", "requisition"}}. Only the shape is checked here; whether the export
 * is allowed (purpose, destination, retention) is the policy's decision.
 *
 * @param context what the policy sees of it (input.context, added to the request's own context)
 */
public record ExportRequest(Duration duration, String destinationUrl, Optional<Integer> retentionDays,
                            JsonObject context) {

  private static final Set<String> FIELDS = Set.of("seconds", "destination", "purpose", "retention_days",
      "legal_hold", "requisition");

  /**
   * Parses a request body.
   *
   * @throws IllegalArgumentException with what is wrong and how to fix it
   */
  public static ExportRequest parse(Buffer body, int maxSeconds) {
    JsonObject json;
    try {
      json = body == null || body.length() == 0 ? null : body.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("the body is not a JSON object: " + e.getMessage());
    }
    if (json == null) {
      throw new IllegalArgumentException("send a JSON body {\"seconds\": 1-" + maxSeconds + ", \"destination\": "
          + "{\"name\": ..., \"url\": ...}, \"purpose\": ..., \"retention_days\": 1-30 or \"legal_hold\": ...}");
    }
    for (String key : json.fieldNames()) {
      if (!FIELDS.contains(key)) {
        throw new IllegalArgumentException("unknown field \"" + key + "\"; an export takes " + FIELDS.stream().sorted().toList());
      }
    }
    if (!(json.getValue("seconds") instanceof Integer seconds) || seconds < 1 || seconds > maxSeconds) {
      throw new IllegalArgumentException("\"seconds\" must be a whole number from 1 to " + maxSeconds + ", found "
          + json.getValue("seconds"));
    }
    if (!(json.getValue("destination") instanceof JsonObject destination)
        || !(destination.getValue("url") instanceof String url)) {
      throw new IllegalArgumentException("\"destination\" must be {\"name\": ..., \"url\": \"https://...\"}: where the "
          + "clip is sent (it must be on the DPO's allow-list), found " + json.getValue("destination"));
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("destination url '" + url + "' is not a URL: " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("destination url '" + url + "' must be an absolute http(s) URL");
    }
    for (String text : new String[] {"purpose", "legal_hold", "requisition"}) {
      Object v = json.getValue(text);
      if (v != null && !(v instanceof String)) {
        throw new IllegalArgumentException("\"" + text + "\" must be text, found " + v);
      }
    }
    JsonObject context = new JsonObject().put("destination", destination.copy()).put("seconds", seconds);
    // Passed to the policy as given (a wrong type included): the retention rules explain the refusal.
    for (String key : new String[] {"purpose", "retention_days", "legal_hold", "requisition"}) {
      if (json.containsKey(key)) {
        context.put(key, json.getValue(key));
      }
    }
    Optional<Integer> days = json.getValue("retention_days") instanceof Integer d ? Optional.of(d) : Optional.empty();
    return new ExportRequest(Duration.ofSeconds(seconds), url, days, context);
  }

  public Optional<String> legalHold() {
    return Optional.ofNullable(context.getString("legal_hold"));
  }
}
