package camgate.gateway.publish;

import camgate.audit.AuditEntry;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replays recorded access decisions against a candidate policy with one {@code opa eval} run.
 *
 * <p>The OPA input of a recorded decision is rebuilt from its audit entry: {@code subject},
 * {@code action}, {@code resource} and {@code details.context} are exactly what the gateway sent
 * (AccessGate writes them so), including {@code context.time}, so the replay asks "what would the
 * candidate have said then". Only entries OPA decided (they carry a decision id) are replayed. BLOCKING.
 */
public final class DecisionReplay {

  private static final String QUERY = "[{\"allow\": d.allow, \"rules\": d.rules, \"reasons\": d.reasons} | "
      + "some item in input.items; d := data.camgate.decision with input as item]";

  private final Path opa;
  private final Duration timeout;

  public DecisionReplay(Path opa, Duration timeout) {
    this.opa = opa;
    this.timeout = timeout;
  }

  /**
   * Replays the access decisions among {@code entries} (other entry types are ignored). BLOCKING.
   *
   * @throws IOException when OPA cannot be run, exceeds the time limit, or cannot evaluate the candidate
   */
  public DryRun replay(PolicySet candidate, List<AuditEntry> entries, long fromSeq, long toSeq) throws IOException {
    List<AuditEntry> replayable = new ArrayList<>();
    List<JsonObject> inputs = new ArrayList<>();
    int skipped = 0;
    for (AuditEntry e : entries) {
      if (!e.event().type().equals("access_decision")) {
        continue;
      }
      Map<String, Object> details = e.event().details();
      String decisionId = e.event().decisionId();
      if (decisionId == null || decisionId.isEmpty() || details == null || !(details.get("context") instanceof Map)) {
        skipped++;
        continue;
      }
      replayable.add(e);
      inputs.add(inputOf(e));
    }
    if (inputs.isEmpty()) {
      return new DryRun(0, skipped, fromSeq, toSeq, List.of(), candidate.contentHash());
    }
    Path dir = Files.createTempDirectory("camgate-dry-run");
    try {
      candidate.writeTo(dir.resolve("policy"), true);
      Files.writeString(dir.resolve("input.json"), new JsonObject().put("items", new JsonArray(inputs)).encode());
      OpaCommand eval = OpaCommand.run(opa, dir, timeout, "eval", "--format", "json", "-d", "policy",
          "-i", "input.json", QUERY);
      JsonArray after;
      try {
        after = new JsonObject(eval.stdout()).getJsonArray("result").getJsonObject(0).getJsonArray("expressions")
            .getJsonObject(0).getJsonArray("value");
      } catch (DecodeException | NullPointerException | ClassCastException | IndexOutOfBoundsException e) {
        throw new IOException("opa eval could not replay decisions on the candidate: " + eval.output());
      }
      if (after.size() != inputs.size()) {
        throw new IOException("opa eval returned " + after.size() + " decisions for " + inputs.size()
            + " inputs: the candidate's camgate.decision is not defined for every input; it must always be defined");
      }
      List<DryRun.Change> changes = new ArrayList<>();
      for (int i = 0; i < inputs.size(); i++) {
        AuditEntry e = replayable.get(i);
        Map<String, Object> recorded = e.event().decision();
        boolean allowedBefore = recorded != null && Boolean.TRUE.equals(recorded.get("allow"));
        JsonObject now = after.getJsonObject(i);
        boolean allowedNow = Boolean.TRUE.equals(now.getValue("allow"));
        if (allowedBefore == allowedNow) {
          continue;
        }
        JsonArray rulesBefore = recorded != null && recorded.get("rules") instanceof List<?> l
            ? new JsonArray(new ArrayList<>(l)) : new JsonArray();
        JsonObject before = new JsonObject().put("allow", allowedBefore).put("rules", rulesBefore);
        JsonArray rulesNow = now.getJsonArray("rules", new JsonArray());
        List<String> responsible = (allowedBefore ? rulesNow : rulesBefore).stream().map(String::valueOf).toList();
        changes.add(new DryRun.Change(e.seq(), inputs.get(i), before, now, responsible));
      }
      return new DryRun(inputs.size(), skipped, fromSeq, toSeq, changes, candidate.contentHash());
    } finally {
      OpaCommand.deleteTree(dir);
    }
  }

  /** The input the gateway sent for this entry. */
  static JsonObject inputOf(AuditEntry e) {
    return new JsonObject()
        .put("subject", new JsonObject(e.event().subject()))
        .put("action", e.event().action())
        .put("resource", e.event().resource() == null ? new JsonObject() : new JsonObject(e.event().resource()))
        .put("context", new JsonObject(castMap(e.event().details().get("context"))));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }
}
