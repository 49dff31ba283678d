package camgate.gateway.publish;

import io.vertx.core.json.JsonObject;

/**
 * A policy operation refused with an HTTP status and a body saying why (and, for an invalid
 * proposal, OPA's check and test results). Nothing was changed.
 */
public final class PolicyRejected extends RuntimeException {

  private final int status;
  private final JsonObject body;

  public PolicyRejected(int status, String message, JsonObject details) {
    super(message, null, false, false);
    this.status = status;
    this.body = details.copy().put("error", message);
  }

  public PolicyRejected(int status, String message) {
    this(status, message, new JsonObject());
  }

  public int status() {
    return status;
  }

  public JsonObject body() {
    return body.copy();
  }
}
