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

  public PolicyTester(Path opa, Duration timeout) {
    this.opa = opa;
    this.timeout = timeout;
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
        return new PolicyCheck(true, "", 0, 1, List.of(test.output()), candidate.contentHash());
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
      return new PolicyCheck(true, "", passed, failures.size(), failures, candidate.contentHash());
    } finally {
      OpaCommand.deleteTree(dir);
    }
  }
}
