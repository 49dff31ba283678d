package camgate.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.OptionalLong;

/**
 * A C2SP tlog-cosignature/v1 (timestamped Ed25519) on a checkpoint: the note signature line
 * {@code — <witness name> base64(4-byte key hash || u64 timestamp || 64-byte signature)} over
 * {@code "cosignature/v1\ntime <seconds>\n" || checkpoint body}. The key hash uses signature type 0x04.
 */
final class Cosignature {
  static final String HEADER = "cosignature/v1\n";

  private Cosignature() {
  }

  /** The message a witness signs for {@code body} (the checkpoint note's body, final newline included). */
  static byte[] message(String body, long timestamp) {
    return (HEADER + "time " + timestamp + "\n" + body).getBytes(StandardCharsets.UTF_8);
  }

  /** The signature line (with its final newline) of {@code witness} on {@code body} at {@code timestamp} (seconds). */
  static String sign(SigningKey witness, String body, long timestamp) {
    NoteKey pub = witness.publicKey().as(witness.publicKey().name(), NoteKey.COSIGNATURE_TYPE);
    byte[] sig = witness.sign(message(body, timestamp));
    byte[] blob = ByteBuffer.allocate(4 + 8 + sig.length).putInt(pub.keyHash()).putLong(timestamp).put(sig).array();
    return "\u2014 " + pub.name() + " " + Base64.getEncoder().encodeToString(blob) + "\n";
  }

  /**
   * The timestamp of a valid cosignature of {@code witness} (a type 0x04 key under its witness name) among the
   * note's signature lines, or empty if none verifies.
   */
  static OptionalLong verify(CheckpointNote.Parsed note, NoteKey witness) {
    for (CheckpointNote.NoteSignature s : note.signatures()) {
      byte[] blob = s.signature();
      if (!s.keyName().equals(witness.name()) || s.keyHash() != witness.keyHash() || blob.length != 8 + 64) {
        continue;
      }
      ByteBuffer buf = ByteBuffer.wrap(blob);
      long timestamp = buf.getLong();
      byte[] sig = new byte[64];
      buf.get(sig);
      if (timestamp >= 0 && witness.verify(message(note.body(), timestamp), sig)) {
        return OptionalLong.of(timestamp);
      }
    }
    return OptionalLong.empty();
  }
}
