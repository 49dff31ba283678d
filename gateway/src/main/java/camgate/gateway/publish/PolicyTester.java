package camgate.gateway.publish;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the real OPA tool on a candidate policy written to a scratch folder: {@code opa check --strict}
 * and, when that passes, {@code opa test}. BLOCKING; each command has a time limit.
 */
public final class PolicyTester {

  private final Path opa;
  private final Duration timeout;
  private final JsonObject configuration;

  /** @param configuration the gateway's configuration as the guard reads it (GatewayConfig.policyView()) */
  public PolicyTester(Path opa, Duration timeout, JsonObject configuration) {
    this.opa = opa;
    this.timeout = timeout;
    this.configuration = configuration.copy();
  }

  /**
   * Only compiles a candidate ({@code opa check --strict}); no tests, no guard. BLOCKING.
   *
   * @throws IOException when OPA cannot be run or exceeds the time limit
   */
  public PolicyCheck compile(PolicySet candidate) throws IOException {
    Path dir = Files.createTempDirectory("camgate-proposal");
    try {
      candidate.writeTo(dir.resolve("policy"), false);
      OpaCommand check = OpaCommand.run(opa, dir, timeout, "check", "--strict", "policy");
      return check.succeeded()
          ? new PolicyCheck(true, "", 0, 0, List.of(), List.of(), candidate.contentHash())
          : PolicyCheck.notCompiled(check.output(), candidate.contentHash());
    } finally {
      OpaCommand.deleteTree(dir);
    }
  }

  /**
   * Checks and tests a candidate. BLOCKING.
   *
   * @throws IOException when OPA cannot be run or exceeds the time limit
   */
  public PolicyCheck check(PolicySet candidate) throws IOException {
    Path dir = Files.createTempDirectory("camgate-proposal");
    try {
      candidate.writeTo(dir.resolve("policy"), true);
      OpaCommand check = OpaCommand.run(opa, dir, timeout, "check", "--strict", "policy");
      if (!check.succeeded()) {
        return PolicyCheck.notCompiled(check.output(), candidate.contentHash());
      }
      OpaCommand test = OpaCommand.run(opa, dir, timeout, "test", "--format", "json", "policy");
      JsonArray results;
      try {
        results = new JsonArray(test.stdout().isBlank() ? "[]" : test.stdout());
      } catch (DecodeException e) {
        // opa test prints plain text when it cannot even load the tests (e.g. a type error).
        return new PolicyCheck(true, "", 0, 1, List.of(test.output()), List.of(), candidate.contentHash());
      }
      int passed = 0;
      List<String> failures = new ArrayList<>();
      for (Object o : results) {
        JsonObject r = (JsonObject) o;
        JsonObject loc = r.getJsonObject("location", new JsonObject());
        String name = r.getString("package", "") + "." + r.getString("name", "?") + " ("
            + loc.getString("file", "?").replaceFirst("^policy/", "") + ":" + loc.getValue("row", "?") + ")";
        if (r.getBoolean("fail", false)) {
          failures.add(name + " failed");
        } else if (r.getValue("error") != null) {
          failures.add(name + " error: " + r.getValue("error"));
        } else if (!r.getBoolean("skip", false)) {
          passed++;
        }
      }
      if (!test.succeeded() && failures.isEmpty()) {
        failures.add("opa test exited with status " + test.exitCode() + ": " + test.output());
      }
      return new PolicyCheck(true, "", passed, failures.size(), failures, guard(dir), candidate.contentHash());
    } finally {
      OpaCommand.deleteTree(dir);
    }
  }

  /** The candidate's configuration guard on the running configuration (and on its own data). */
  private List<String> guard(Path dir) throws IOException {
    Files.writeString(dir.resolve("configuration.json"), configuration.encode());
    OpaCommand eval = OpaCommand.run(opa, dir, timeout, "eval", "--format", "json", "-d", "policy",
        "-i", "configuration.json", "data.camgate.config.violations");
    JsonArray result;
    try {
      result = new JsonObject(eval.stdout()).getJsonArray("result");
    } catch (DecodeException | ClassCastException e) {
      return List.of("the configuration guard could not be evaluated: " + eval.output());
    }
    if (result == null || result.isEmpty()) {
      return List.of("camgate.config.violations is undefined in the proposal: the policy set must define it "
          + "(the gateway checks its configuration with it at start-up)");
    }
    Object value = result.getJsonObject(0).getJsonArray("expressions").getJsonObject(0).getValue("value");
    if (!(value instanceof JsonArray violations)) {
      return List.of("camgate.config.violations returned " + value + " instead of a set of violations");
    }
    return violations.stream().map(String::valueOf).toList();
  }
}
