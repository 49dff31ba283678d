package camgate.gateway.publish;

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
 * @param contentHash  the candidate's content hash
 */
public record PolicyCheck(boolean compiled, String checkOutput, int passed, int failed, List<String> failures,
                          String contentHash) {

  public PolicyCheck {
    failures = List.copyOf(failures);
  }

  /** Publishable: it compiles and no test fails. */
  public boolean valid() {
    return compiled && failed == 0;
  }

  static PolicyCheck notCompiled(String output, String contentHash) {
    return new PolicyCheck(false, output, 0, 0, List.of(), contentHash);
  }

  public JsonObject toJson() {
    return new JsonObject().put("valid", valid()).put("content_hash", contentHash)
        .put("check", new JsonObject().put("ok", compiled).put("errors", checkOutput))
        .put("test", new JsonObject().put("passed", passed).put("failed", failed)
            .put("failures", new JsonArray(failures)));
  }
}
