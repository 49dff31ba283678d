package camgate.gateway.publish;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The recent decisions of the audit log replayed against a candidate policy: which would change.
 *
 * @param replayed     how many recorded OPA decisions were evaluated again
 * @param skipped      access_decision entries in the window that OPA did not decide (the gateway refused
 *                     them itself: no credential, policy engine unavailable, camera list), not replayable
 * @param fromSeq      the first audit entry looked at (inclusive)
 * @param toSeq        the last audit entry looked at (exclusive)
 * @param changes      the decisions that would change, oldest first
 */
public record DryRun(int replayed, int skipped, long fromSeq, long toSeq, List<Change> changes, String contentHash) {

  public DryRun {
    changes = List.copyOf(changes);
  }

  /**
   * One recorded decision that the candidate decides the other way.
   *
   * @param seq          the audit entry of the original decision
   * @param input        the OPA input that was decided (subject, action, resource, context)
   * @param before       the recorded decision: allow and rules
   * @param after        the candidate's decision: allow, rules and reasons
   * @param responsible  for allow → deny, the candidate's deny rules; for deny → allow, the recorded
   *                     deny rules that no longer fire
   */
  public record Change(long seq, JsonObject input, JsonObject before, JsonObject after, List<String> responsible) {

    public Change {
      input = input.copy();
      before = before.copy();
      after = after.copy();
      responsible = List.copyOf(responsible);
    }

    /** "allow_to_deny" or "deny_to_allow". */
    public String direction() {
      return before.getBoolean("allow", false) ? "allow_to_deny" : "deny_to_allow";
    }

    public JsonObject toJson() {
      return new JsonObject().put("seq", seq).put("change", direction())
          .put("subject", input.getJsonObject("subject", new JsonObject()).getString("id"))
          .put("action", input.getString("action")).put("resource", input.getValue("resource"))
          .put("before", before.copy()).put("after", after.copy()).put("rules", new JsonArray(responsible))
          .put("input", input.copy());
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("content_hash", contentHash).put("replayed", replayed).put("skipped", skipped)
        .put("from_seq", fromSeq).put("to_seq", toSeq)
        .put("allow_to_deny", changes.stream().filter(c -> c.direction().equals("allow_to_deny")).count())
        .put("deny_to_allow", changes.stream().filter(c -> c.direction().equals("deny_to_allow")).count())
        .put("changes", new JsonArray(changes.stream().map(Change::toJson).toList()));
  }
}
