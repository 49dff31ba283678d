package camgate.gateway.publish;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Optional;

/**
 * One published version of the policy, as stored: who published it, why, when, and its revision.
 *
 * @param number        1, 2, 3...: every publication and rollback gets the next one, so revisions only grow
 * @param revision      "v{number}-{first 12 hex digits of the content hash}", the bundle manifest's revision
 *                      that OPA reports and every decision records as its policy version
 * @param contentHash   {@link PolicySet#contentHash()} of the content
 * @param kind          "initial" (imported from the policy folders), "publish", "rollback", or "revert"
 *                      (the gateway undoing a publication OPA did not activate or the audit log did not record)
 * @param rolledBackTo  for a rollback or revert, the version whose content it restored
 */
public record PublishedVersion(int number, String revision, String contentHash, String author, String reason,
                               Instant publishedAt, String kind, Optional<Integer> rolledBackTo) {

  static String revisionOf(int number, String contentHash) {
    String hex = contentHash.startsWith("sha256:") ? contentHash.substring(7) : contentHash;
    return "v" + number + "-" + hex.substring(0, 12);
  }

  /** The record {@link #toJson()} wrote. @throws RuntimeException when a field is missing */
  public static PublishedVersion fromJson(JsonObject json) {
    Integer back = json.getInteger("rolled_back_to");
    return new PublishedVersion(json.getInteger("version"), json.getString("revision"), json.getString("content_hash"),
        json.getString("author"), json.getString("reason"), Instant.parse(json.getString("time")),
        json.getString("kind"), Optional.ofNullable(back));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("version", number).put("revision", revision)
        .put("content_hash", contentHash).put("author", author).put("reason", reason)
        .put("time", publishedAt.toString()).put("kind", kind);
    rolledBackTo.ifPresent(v -> json.put("rolled_back_to", v));
    return json;
  }
}
