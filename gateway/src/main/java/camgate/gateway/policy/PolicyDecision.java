package camgate.gateway.policy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the policy said about one request, with what the gateway must do if it serves it.
 *
 * @param outcome      allowed, denied, or no decision could be had (which the gateway treats as a deny)
 * @param redactFaces  faces must be redacted (true unless a raw view was allowed)
 * @param redactPlates plates must be redacted (true unless a raw view was allowed)
 * @param reasons      why, in words a person can act on
 * @param rules        the rules that decided, for the audit log and dry-runs
 * @param maxDuration  how long the access may last at most
 * @param decisionId   OPA's decision id, when OPA gave one
 * @param policyVersion the version of the policy set that decided
 */
public record PolicyDecision(Outcome outcome, boolean redactFaces, boolean redactPlates, List<String> reasons,
                             List<String> rules, Optional<Duration> maxDuration, String decisionId,
                             String policyVersion) {

  /** Allowed, denied by a rule, or undecidable (policy engine unreachable, slow or broken). */
  public enum Outcome { ALLOW, DENY, UNAVAILABLE }

  public PolicyDecision {
    reasons = List.copyOf(reasons);
    rules = List.copyOf(rules);
  }

  public boolean allowed() {
    return outcome == Outcome.ALLOW;
  }

  /** A deny that no policy produced: the engine could not be asked. Fail closed. */
  public static PolicyDecision unavailable(String why, String policyVersion) {
    return new PolicyDecision(Outcome.UNAVAILABLE, true, true, List.of(why), List.of("camgate.gateway.fail_closed"),
        Optional.empty(), "", policyVersion);
  }

  /** A deny decided by the gateway itself before asking the policy (no credential, bad request). */
  public static PolicyDecision gatewayDeny(String why, String rule, String policyVersion) {
    return new PolicyDecision(Outcome.DENY, true, true, List.of(why), List.of(rule), Optional.empty(), "",
        policyVersion);
  }

  /**
   * The allowed listing of the cameras the policy's visibility rule ({@code camgate.visibility.cameras})
   * names for a subject: what the listing shows is decided by that rule, camera by camera.
   */
  public static PolicyDecision listing(int cameras, String policyVersion) {
    return new PolicyDecision(Outcome.ALLOW, true, true,
        List.of("camera list filtered by policy camgate.visibility: " + cameras + " visible"),
        List.of("camgate.visibility.cameras"), Optional.empty(), "", policyVersion);
  }

  /**
   * Reads OPA's result object strictly: anything but a boolean {@code allow} is a deny, and an
   * allowed decision that does not say what to redact redacts everything.
   */
  static PolicyDecision fromResult(Object result, String decisionId, String policyVersion) {
    if (!(result instanceof JsonObject r)) {
      return new PolicyDecision(Outcome.DENY, true, true,
          List.of(result == null ? "policy returned no decision (undefined): denied by default"
              : "policy returned a malformed decision (not an object): denied by default"),
          List.of("camgate.gateway.malformed_decision"), Optional.empty(), decisionId, policyVersion);
    }
    Object allow = r.getValue("allow");
    List<String> reasons = strings(r.getValue("reasons"));
    List<String> rules = strings(r.getValue("rules"));
    if (!(allow instanceof Boolean)) {
      return new PolicyDecision(Outcome.DENY, true, true,
          List.of("policy decision has no boolean 'allow' (found " + allow + "): denied by default"),
          List.of("camgate.gateway.malformed_decision"), Optional.empty(), decisionId, policyVersion);
    }
    JsonObject redact = r.getValue("redact") instanceof JsonObject o ? o : new JsonObject();
    // Only an explicit false lifts redaction; missing or malformed means redact.
    boolean faces = !Boolean.FALSE.equals(redact.getValue("faces"));
    boolean plates = !Boolean.FALSE.equals(redact.getValue("plates"));
    Optional<Duration> max = Optional.empty();
    if (r.getValue("obligations") instanceof JsonObject ob && ob.getValue("max_duration_s") instanceof Number n
        && n.longValue() > 0) {
      max = Optional.of(Duration.ofSeconds(n.longValue()));
    }
    return new PolicyDecision((Boolean) allow ? Outcome.ALLOW : Outcome.DENY, faces, plates, reasons, rules, max,
        decisionId, policyVersion);
  }

  private static List<String> strings(Object value) {
    if (value instanceof JsonArray a) {
      return a.stream().map(String::valueOf).toList();
    }
    return List.of();
  }

  /** The decision as it is written into the audit log. */
  public Map<String, Object> toAuditMap() {
    return Map.of("allow", allowed(), "outcome", outcome.name().toLowerCase(),
        "redact", Map.of("faces", redactFaces, "plates", redactPlates), "reasons", reasons, "rules", rules,
        "max_duration_s", maxDuration.map(Duration::toSeconds).orElse(0L));
  }

  public JsonObject toJson() {
    return new JsonObject().put("allow", allowed()).put("reasons", new JsonArray(reasons))
        .put("rules", new JsonArray(rules)).put("policy_version", policyVersion).put("decision_id", decisionId);
  }
}
