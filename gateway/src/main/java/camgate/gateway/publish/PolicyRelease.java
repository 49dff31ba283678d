package camgate.gateway.publish;

import io.vertx.core.json.JsonObject;

import java.util.Base64;

/**
 * One policy version as it travels between the nodes of a cluster: its record, its content and its signed
 * bundle, byte for byte as the publishing node signed it, so every node serves its OPA the same archive.
 *
 * @param version the version's record (number, revision, author, reason)
 * @param content its modules and data, what the node's store keeps beside the bundle
 * @param bundle  the archive signed with the cluster's policy key, verified by each node's OPA
 */
public record PolicyRelease(PublishedVersion version, PolicySet content, SignedBundle bundle) {

  public String revision() {
    return version.revision();
  }

  public JsonObject toJson() {
    return new JsonObject().put("version", version.toJson()).put("content", content.toJson())
        .put("bundle", Base64.getEncoder().encodeToString(bundle.bytes()));
  }

  /** @throws IllegalArgumentException when a field is missing or malformed */
  public static PolicyRelease fromJson(JsonObject json) {
    try {
      return new PolicyRelease(PublishedVersion.fromJson(json.getJsonObject("version")),
          PolicySet.fromJson(json.getJsonObject("content")),
          new SignedBundle(Base64.getDecoder().decode(json.getString("bundle"))));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed policy release: " + e.getMessage(), e);
    }
  }
}
