package camgate.gateway.access;

import camgate.gateway.access.AccessEvents.Origin;
import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * One request for access as a protocol adapter read it, before anything is decided: who (the credential
 * it presented), what (action and target), why (purpose, requisition) and how it came (origin).
 *
 * @param extraContext further context the policy needs for this action (an export's destination, an
 *                     administrative operation); copied, never shared with the caller
 */
public record AccessRequest(Credential credential, String action, Target target, String purpose, String requisition,
                            JsonObject extraContext, Origin origin) {

  public AccessRequest {
    Objects.requireNonNull(credential, "credential");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(origin, "origin");
    extraContext = extraContext == null ? new JsonObject() : extraContext.copy();
  }

  /** What an access is to: one camera (resolved by the gate) or another resource (the log, the policy). */
  public sealed interface Target {

    /**
     * A camera by id; {@code needsFrames} when the access serves pictures (the camera must then be live
     * with its privacy masks loaded), not only facts about it.
     */
    record Camera(String id, boolean needsFrames) implements Target {
    }

    /** A resource that is not a camera, as the policy sees it (e.g. {@code {"audit": "export"}}). */
    record Resource(JsonObject resource) implements Target {
      public Resource {
        resource = resource.copy();
      }
    }

    /** The cameras this subject may see (decided by the policy's visibility rule, not per camera). */
    record Listing() implements Target {
    }

    static Target camera(String id, boolean needsFrames) {
      return new Camera(id, needsFrames);
    }

    static Target resource(JsonObject resource) {
      return new Resource(resource);
    }

    static Target listing() {
      return new Listing();
    }
  }
}
