package camgate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;

/**
 * A checkpoint the auditor kept from an earlier verification ({@code audit verify --since-checkpoint}): a later
 * bundle of the same log must hold at least its entries, and its first {@code size} entries must hash to its
 * root. A log truncated, rolled back or rewritten since fails one of these.
 */
final class KeptCheckpoint {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CheckpointNote.Parsed note;

  private KeptCheckpoint(CheckpointNote.Parsed note) {
    this.note = note;
  }

  /**
   * Parses a C2SP signed note, or a JSON object carrying one in {@code note} (a line of {@code checkpoints.jsonl},
   * the gateway's latest checkpoint).
   *
   * @throws BundleVerifier.Stop of kind BUNDLE if it is neither
   */
  static KeptCheckpoint parse(String text) throws BundleVerifier.Stop {
    String noteText = text;
    if (text.stripLeading().startsWith("{")) {
      try {
        JsonNode node = JSON.readTree(text);
        noteText = node.path("note").textValue();
      } catch (IOException e) {
        throw BundleVerifier.bundle("the kept checkpoint is not valid JSON: " + e.getMessage());
      }
      if (noteText == null) {
        throw BundleVerifier.bundle("the kept checkpoint is a JSON object without a 'note' string; give the signed"
            + " note itself or a line of checkpoints.jsonl");
      }
    }
    try {
      return new KeptCheckpoint(CheckpointNote.parse(noteText));
    } catch (IllegalArgumentException e) {
      throw BundleVerifier.bundle("the kept checkpoint is not a signed checkpoint note: " + e.getMessage());
    }
  }

  private String describe() {
    return "the checkpoint you kept (size " + note.size() + (note.time() == null ? "" : ", time "
        + CheckpointNote.formatTime(note.time())) + ")";
  }

  /** @throws BundleVerifier.Stop of kind ANCHOR if the bundle is another log's */
  void checkOrigin(String bundleOrigin) throws BundleVerifier.Stop {
    if (!note.origin().equals(bundleOrigin)) {
      throw BundleVerifier.anchor(describe() + " is of log '" + note.origin() + "' but the bundle is of '"
          + bundleOrigin + "': keep a checkpoint of the log you are auditing");
    }
  }

  /**
   * Called with the tree of the bundle's first {@code size} entries, for every size as the entries stream by.
   *
   * @throws BundleVerifier.Stop of kind ANCHOR if they do not hash to the kept root
   */
  void checkRootAt(long size, CompactRange range) throws BundleVerifier.Stop {
    if (size != note.size()) {
      return;
    }
    Hash root = range.root();
    if (!root.equals(note.root())) {
      throw BundleVerifier.anchor("entries 0.." + (size - 1) + " of the bundle hash to root " + root.hex() + " but "
          + describe() + " signs root " + note.root().hex() + ": the log was rewritten or forked since you kept it");
    }
  }

  /**
   * Called at the end with the bundle's entry count and every key it trusted.
   *
   * @throws BundleVerifier.Stop of kind ANCHOR if the bundle is shorter or no key of the bundle signed the note
   */
  void checkCoveredBy(long entries, List<NoteKey> chain) throws BundleVerifier.Stop {
    if (entries < note.size()) {
      throw BundleVerifier.anchor("the bundle has " + entries + " entries but " + describe() + " covers "
          + note.size() + ": entries " + entries + ".." + (note.size() - 1) + " are gone, the log was truncated or"
          + " rolled back since you kept it");
    }
    for (NoteKey key : chain) {
      if (CheckpointNote.isSignedBy(note, key)) {
        return;
      }
    }
    throw BundleVerifier.anchor(describe() + " is not signed by any key of the bundle ("
        + String.join(", ", chain.stream().map(NoteKey::keyId).toList()) + "): it is not a checkpoint of this log,"
        + " or the log's keys were replaced");
  }
}
