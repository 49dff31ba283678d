package camgate.audit;

import java.util.Map;

/**
 * One thing that happened: the payload of an entry, before its sequence number and time are assigned.
 *
 * <p>{@code type} is one of {@code access_decision}, {@code access_ended}, {@code policy_published},
 * {@code admin}, {@code sign_in}, {@code key_rotation} (the log does not restrict it). Any map may be
 * null or empty; values must be JSON-able: String, Number, Boolean, null, List, Map with String keys.
 * Numbers follow RFC 8785 (IEEE double): integers beyond 2^53 are refused, send them as strings.
 *
 * <p>Conventional keys read by {@code audit report}: {@code subject.id}, {@code subject.roles},
 * {@code subject.org}, {@code resource.camera}, {@code resource.zone}, {@code decision.allow},
 * {@code decision.redact}, and in {@code details}: {@code purpose}, {@code requisition}, {@code client_ip},
 * {@code frames}, {@code bytes}, {@code duration_s}.
 */
public record AuditEvent(String type, Map<String, Object> subject, String action, Map<String, Object> resource,
                         Map<String, Object> decision, String policyVersion, String decisionId,
                         Map<String, Object> details) {
  /** @throws IllegalArgumentException if {@code type} is null or blank */
  public AuditEvent {
    if (type == null || type.isBlank()) {
      throw new IllegalArgumentException("an audit event needs a type such as 'access_decision', found "
          + (type == null ? "null" : "'" + type + "'"));
    }
  }
}
