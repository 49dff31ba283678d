package camgate.audit;

import java.time.Instant;

/**
 * An event once it is in the log: its leaf index {@code seq} (0-based), the time the log assigned, and the
 * exact canonical JSON (RFC 8785) whose bytes are the Merkle leaf.
 *
 * <p>{@code canonicalJson} is the JCS form of
 * {@code {seq,time,type,subject,action,resource,decision,policy_version,decision_id,details}}.
 */
public record AuditEntry(long seq, Instant time, AuditEvent event, String canonicalJson) {
  /** The RFC 9162 leaf hash of this entry: SHA-256(0x00 || UTF-8 bytes of {@code canonicalJson}). */
  public Hash leafHash() {
    return TreeHasher.hashLeaf(canonicalJson.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
