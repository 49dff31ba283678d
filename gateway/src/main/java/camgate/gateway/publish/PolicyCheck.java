package camgate.gateway.publish;

import camgate.gateway.policy.OpaCapabilities;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What OPA said about a candidate policy: {@code opa check --strict}, then {@code opa test} on every
 * test module of the candidate.
 *
 * @param compiled     opa check --strict accepted every module
 * @param checkOutput  OPA's error text when it did not (empty otherwise)
 * @param passed       tests that passed
 * @param failed       tests that failed or raised an error
 * @param failures     the failing tests as "package.name (file:row)", and error texts
 * @param violations   what the candidate's configuration guard (camgate.config.violations) finds in the
 *                     gateway's running configuration and the candidate's own data: a publication must not
 *                     make the running gateway non-compliant
 * @param contentHash  the candidate's content hash
 */
public record PolicyCheck(boolean compiled, String checkOutput, int passed, int failed, List<String> failures,
                          List<String> violations, String contentHash) {

  public PolicyCheck {
    failures = List.copyOf(failures);
    violations = List.copyOf(violations);
  }

  /** Publishable: it compiles, no test fails and the configuration guard finds nothing. */
  public boolean valid() {
    return compiled && failed == 0 && violations.isEmpty();
  }

  static PolicyCheck notCompiled(String output, String contentHash) {
    return new PolicyCheck(false, output, 0, 0, List.of(), List.of(), contentHash);
  }

  /** Why it is not publishable, in one sentence. */
  public String summary() {
    if (!compiled) {
      List<String> forbidden = OpaCapabilities.explain(checkOutput);
      return forbidden.isEmpty() ? "the proposal does not compile"
          : "the proposal does not compile: " + String.join("; ", forbidden);
    }
    if (failed > 0) {
      return failed + " policy test(s) fail on the proposal";
    }
    if (!violations.isEmpty()) {
      return "the proposal's configuration guard finds " + violations.size() + " violation(s) in the running "
          + "configuration or the policy data";
    }
    return "the proposal compiles, passes its tests and the configuration guard";
  }

  public JsonObject toJson() {
    return new JsonObject().put("valid", valid()).put("content_hash", contentHash)
        .put("check", new JsonObject().put("ok", compiled).put("errors", checkOutput))
        .put("test", new JsonObject().put("passed", passed).put("failed", failed)
            .put("failures", new JsonArray(failures)))
        .put("guard", new JsonObject().put("violations", new JsonArray(violations)));
  }
}
