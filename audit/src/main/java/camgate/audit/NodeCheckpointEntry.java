package camgate.audit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the cluster log holds: a node's public key ({@code node_key}: the key its checkpoints must verify with) and
 * a node's signed checkpoint ({@code node_checkpoint}: the C2SP signed note as the node signed it). Both carry the
 * node id in {@code resource.node} and {@code details.node}.
 *
 * @param type {@link #NODE_KEY} or {@link #NODE_CHECKPOINT}
 * @param nodeId the gateway node, as the cluster names it
 * @param text the node key's PEM, or the signed checkpoint note
 * @param origin the node log's origin (its note key name)
 */
public record NodeCheckpointEntry(String type, String nodeId, String origin, String text) {
  /** Entry type announcing a node's log key. */
  public static final String NODE_KEY = "node_key";
  /** Entry type carrying a node's signed checkpoint. */
  public static final String NODE_CHECKPOINT = "node_checkpoint";

  /** @throws IllegalArgumentException if a field is missing or the type is neither */
  public NodeCheckpointEntry {
    if (!NODE_KEY.equals(type) && !NODE_CHECKPOINT.equals(type)) {
      throw new IllegalArgumentException("a cluster log entry is '" + NODE_KEY + "' or '" + NODE_CHECKPOINT
          + "', found '" + type + "'");
    }
    if (nodeId == null || !nodeId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException("a node id is 1-64 letters, digits, '.', '_' or '-' (it names a folder of"
          + " the cluster bundle), found '" + nodeId + "'");
    }
    if (origin == null || text == null) {
      throw new IllegalArgumentException("a cluster log entry needs the node's origin and its key or note");
    }
  }

  AuditEvent event() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("node", nodeId);
    details.put("origin", origin);
    details.put(NODE_KEY.equals(type) ? "public_key_pem" : "note", text);
    return new AuditEvent(type, null, null, Map.of("node", nodeId), null, null, null, details);
  }

  /** The cluster entry {@code event} as a node entry, or null if it is another kind of entry. */
  static NodeCheckpointEntry of(AuditEvent event) {
    if (!NODE_KEY.equals(event.type()) && !NODE_CHECKPOINT.equals(event.type())) {
      return null;
    }
    Map<String, Object> d = event.details() == null ? Map.of() : event.details();
    Object text = d.get(NODE_KEY.equals(event.type()) ? "public_key_pem" : "note");
    return new NodeCheckpointEntry(event.type(), String.valueOf(d.get("node")), String.valueOf(d.get("origin")),
        text == null ? null : text.toString());
  }
}
