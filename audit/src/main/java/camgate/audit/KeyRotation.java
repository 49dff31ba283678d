package camgate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A change of signing key, in a crash-safe order: (1) the new key goes to {@code <key>.next} (mode 600); (2) a
 * {@code key_rotation} entry announcing it is appended durably; (3) a checkpoint signed by the OLD key covers that
 * entry; (4) the old key is copied to {@code <key>.retired-<keyId>} and {@code .next} atomically replaces the key
 * file; (5) new checkpoints use the new key. A crash after (2) is completed at the next open.
 */
final class KeyRotation {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);
  private static final int SCAN_PAGE = 10_000;

  private final AuditLogOptions options;
  private final MerkleTree tree;
  private final LiveStore store;
  private final GroupCommit commit;
  private final CheckpointSchedule checkpoints;
  private final Object lock = new Object();

  KeyRotation(AuditLogOptions options, MerkleTree tree, LiveStore store, GroupCommit commit,
              CheckpointSchedule checkpoints) {
    this.options = options;
    this.tree = tree;
    this.store = store;
    this.commit = commit;
    this.checkpoints = checkpoints;
  }

  /** See {@link AuditLog#rotateKey()}. */
  AuditEntry rotate() throws IOException {
    synchronized (lock) {
      commit.checkAvailable();
      SigningKey old = checkpoints.key();
      SigningKey next = SigningKey.generate(options.origin());
      Path nextFile = sibling(".next");
      Files.deleteIfExists(nextFile);
      next.writeTo(nextFile);
      AuditEntry announcement;
      // Held from the announcement to the switch: once one old-key checkpoint covers the announcement, the verifier
      // trusts only the new key, so the periodic checkpointer must not sign another one with the old key meanwhile.
      synchronized (checkpoints.lock()) {
        announcement = commit.append(rotationEvent(old.publicKey(), next.publicKey()));
        finish(old, next, nextFile, announcement.seq());
      }
      LOG.info("audit signing key rotated: {} -> {} {}", old.publicKey().keyId(), next.publicKey().keyId(),
          next.publicKey().fingerprint());
      return announcement;
    }
  }

  /** The entry announcing {@code next} as the successor of {@code old}. */
  static AuditEvent rotationEvent(NoteKey old, NoteKey next) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("new_key_pem", next.pem());
    details.put("new_key_id", next.keyId());
    details.put("new_key_fingerprint", next.fingerprint());
    details.put("previous_key_id", old.keyId());
    return new AuditEvent(BundleVerifier.KEY_ROTATION, null, "rotate_key", null, null, null, null, details);
  }

  /** Steps (3) to (5): the announcement (entry {@code announcedSeq}) is already durable. */
  private void finish(SigningKey old, SigningKey next, Path nextFile, long announcedSeq) throws IOException {
    synchronized (checkpoints.lock()) {
      SignedCheckpoint l = checkpoints.latest();
      if (l == null || l.size() <= announcedSeq) {
        checkpoints.signAndStore(tree.size()); // signed by the old key; covers the announcement
      }
      store.current().recordKey(next.publicKey(), tree.size());
      Path retired = sibling(".retired-" + old.publicKey().keyId());
      if (!Files.exists(retired)) {
        old.writeTo(retired);
      }
      Files.move(nextFile, options.signingKeyFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      checkpoints.switchKey(next);
    }
  }

  private Path sibling(String suffix) {
    Path key = options.signingKeyFile().toAbsolutePath();
    return key.resolveSibling(key.getFileName() + suffix);
  }

  /**
   * Completes a rotation interrupted by a crash: if {@code <key>.next} exists and the log's last {@code key_rotation}
   * entry announces it, finishes steps (3) to (5); if no entry announces it, the rotation never happened: removes it.
   */
  void recoverInterrupted() throws IOException {
    Path nextFile = sibling(".next");
    if (!Files.exists(nextFile)) {
      return;
    }
    SigningKey next = SigningKey.loadOrCreate(nextFile, options.origin());
    long[] announcedSeq = {-1};
    String announced = lastAnnouncedKeyId(announcedSeq);
    if (next.publicKey().keyId().equals(announced)) {
      LOG.warn("completing an interrupted audit key rotation to {}", announced);
      finish(checkpoints.key(), next, nextFile, announcedSeq[0]);
    } else {
      LOG.warn("removing {}: no key_rotation entry announces it (the rotation was interrupted before it was logged)",
          nextFile);
      Files.delete(nextFile);
    }
  }

  /** The key id announced by the last key_rotation entry (its seq into {@code seqOut[0]}), or null. */
  private String lastAnnouncedKeyId(long[] seqOut) {
    String[] last = new String[1];
    byte[] marker = ("\"type\":\"" + BundleVerifier.KEY_ROTATION + "\"}").getBytes(StandardCharsets.UTF_8);
    AuditStore current = store.current();
    for (long from = 0; from < tree.size(); from += SCAN_PAGE) {
      current.readEntries(from, Math.min(tree.size(), from + SCAN_PAGE), line -> {
        if (endsWith(line, marker)) {
          JsonNode entry = CanonicalJson.parse(line);
          last[0] = entry.path("details").path("new_key_id").asText(null);
          seqOut[0] = entry.path("seq").asLong(-1);
        }
      });
    }
    return last[0];
  }

  private static boolean endsWith(byte[] line, byte[] suffix) {
    if (line.length < suffix.length) {
      return false;
    }
    for (int i = 0; i < suffix.length; i++) {
      if (line[line.length - suffix.length + i] != suffix[i]) {
        return false;
      }
    }
    return true;
  }
}
