package camgate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns events into canonical entry JSON and back.
 *
 * <p>The ten entry members sort (RFC 8785) as action, decision, decision_id, details, policy_version,
 * resource, seq, subject, time, type; so an event is canonicalized once on the caller's thread into the
 * text around {@code seq} and {@code time}, and the single writer thread only splices those two in.
 */
final class EntryCodec {
  /** Canonical text of an event with holes for seq and time. */
  record Template(String beforeSeq, String beforeTime, String afterTime) {
    String fill(long seq, String t) {
      return new StringBuilder(beforeSeq.length() + beforeTime.length() + afterTime.length() + 48)
          .append(beforeSeq).append(seq).append(beforeTime).append(t).append(afterTime).toString();
    }
  }

  private EntryCodec() {
  }

  static Template template(AuditEvent e) {
    String beforeSeq = "{\"action\":" + CanonicalJson.canonicalize(e.action())
        + ",\"decision\":" + CanonicalJson.canonicalize(e.decision())
        + ",\"decision_id\":" + CanonicalJson.canonicalize(e.decisionId())
        + ",\"details\":" + CanonicalJson.canonicalize(e.details())
        + ",\"policy_version\":" + CanonicalJson.canonicalize(e.policyVersion())
        + ",\"resource\":" + CanonicalJson.canonicalize(e.resource())
        + ",\"seq\":";
    String beforeTime = ",\"subject\":" + CanonicalJson.canonicalize(e.subject()) + ",\"time\":\"";
    String afterTime = "\",\"type\":" + CanonicalJson.canonicalize(e.type()) + "}";
    return new Template(beforeSeq, beforeTime, afterTime);
  }

  /** The entry as a plain map (the shape whose canonical form is the entry). */
  static Map<String, Object> asMap(long seq, Instant time, AuditEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", seq);
    m.put("time", CheckpointNote.formatTime(time));
    m.put("type", e.type());
    m.put("subject", e.subject());
    m.put("action", e.action());
    m.put("resource", e.resource());
    m.put("decision", e.decision());
    m.put("policy_version", e.policyVersion());
    m.put("decision_id", e.decisionId());
    m.put("details", e.details());
    return m;
  }

  /**
   * Reads an entry back from its canonical JSON.
   *
   * @throws IllegalArgumentException if the text is not an entry object
   */
  @SuppressWarnings("unchecked")
  static AuditEntry decode(String canonicalJson) {
    JsonNode node = CanonicalJson.parse(canonicalJson);
    if (!node.isObject()) {
      throw new IllegalArgumentException("an entry is a JSON object, found " + node.getNodeType());
    }
    JsonNode seq = node.get("seq");
    if (seq == null || !seq.canConvertToLong() || !seq.isIntegralNumber()) {
      throw new IllegalArgumentException("entry has no integer 'seq'");
    }
    JsonNode time = node.get("time");
    Instant instant;
    try {
      instant = Instant.parse(time == null ? "" : time.asText());
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException("entry " + seq.asLong() + " has no valid 'time', found " + time);
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      throw new IllegalArgumentException("entry " + seq.asLong() + " has no string 'type'");
    }
    AuditEvent event = new AuditEvent(type.textValue(),
        (Map<String, Object>) mapOrNull(node, "subject"), textOrNull(node, "action"),
        (Map<String, Object>) mapOrNull(node, "resource"), (Map<String, Object>) mapOrNull(node, "decision"),
        textOrNull(node, "policy_version"), textOrNull(node, "decision_id"),
        (Map<String, Object>) mapOrNull(node, "details"));
    return new AuditEntry(seq.asLong(), instant, event, canonicalJson);
  }

  private static Object mapOrNull(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.isObject() ? null : CanonicalJson.toJava(v);
  }

  private static String textOrNull(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
