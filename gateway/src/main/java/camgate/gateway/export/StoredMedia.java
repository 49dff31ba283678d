package camgate.gateway.export;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A file the gateway keeps on behalf of a consumer (an exported clip), and how long it may keep it.
 *
 * @param retentionDays days the file may be kept once no legal hold covers it (CSI L252-5: at most 30)
 * @param legalHold     the judicial hold it was stored under, if any: while that hold is in force the
 *                      file is kept past its retention
 * @param auditSeq      the access decision that allowed the export
 */
public record StoredMedia(String id, String kind, String camera, Path file, long bytes, String sha256,
                          Instant createdAt, int retentionDays, Optional<String> legalHold, String subject,
                          long auditSeq, String destination) {

  /** When the retention alone (no hold) ends. */
  public Instant retentionEnds() {
    return createdAt.plus(java.time.Duration.ofDays(retentionDays));
  }

  /** For the audit log and API answers. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("kind", kind);
    m.put("camera", camera);
    m.put("bytes", bytes);
    m.put("sha256", sha256);
    m.put("created_at", createdAt.toString());
    m.put("retention_days", retentionDays);
    m.put("retention_ends", retentionEnds().toString());
    m.put("legal_hold", legalHold.orElse(null));
    m.put("subject", subject);
    m.put("decision_seq", auditSeq);
    m.put("destination", destination);
    return m;
  }
}
