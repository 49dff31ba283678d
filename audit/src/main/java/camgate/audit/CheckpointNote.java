package camgate.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * C2SP tlog-checkpoint body inside a C2SP signed note.
 *
 * <pre>
 * &lt;origin&gt;
 * &lt;decimal tree size&gt;
 * &lt;base64 root&gt;
 * time 2026-11-28T18:40:00.123Z      (extension line: covered by the signature)
 *
 * — &lt;key name&gt; &lt;base64(4-byte key hash || 64-byte Ed25519 signature)&gt;
 * </pre>
 *
 * The signature covers the body (every line up to and including the newline before the blank line).
 */
final class CheckpointNote {
  static final String TIME_PREFIX = "time ";
  private static final String SIGNATURE_PREFIX = "\u2014 ";
  private static final DateTimeFormatter TIME_FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** One signature line. */
  record NoteSignature(String keyName, int keyHash, byte[] signature) {
  }

  /** A parsed (not yet verified) checkpoint note. */
  record Parsed(String origin, long size, Hash root, Instant time, List<String> extensions, String body,
                List<NoteSignature> signatures) {
  }

  private CheckpointNote() {
  }

  static String formatTime(Instant time) {
    return TIME_FORMAT.format(time);
  }

  static String body(String origin, long size, Hash root, Instant time) {
    return origin + "\n" + size + "\n" + root.base64() + "\n" + TIME_PREFIX + formatTime(time) + "\n";
  }

  /** Signs a checkpoint of {@code (size, root)} at {@code time}. */
  static SignedCheckpoint sign(SigningKey key, String origin, long size, Hash root, Instant time) {
    Instant millis = Instant.ofEpochMilli(time.toEpochMilli());
    String body = body(origin, size, root, millis);
    byte[] sig = key.sign(body.getBytes(StandardCharsets.UTF_8));
    NoteKey pub = key.publicKey();
    byte[] blob = ByteBuffer.allocate(4 + sig.length).putInt(pub.keyHash()).put(sig).array();
    String note = body + "\n" + SIGNATURE_PREFIX + pub.name() + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    return new SignedCheckpoint(size, root, millis, pub.keyId(), note);
  }

  /**
   * Parses a signed checkpoint note.
   *
   * @throws IllegalArgumentException naming the line or field that is wrong
   */
  static Parsed parse(String note) {
    int split = note.indexOf("\n\n");
    if (split < 0) {
      throw new IllegalArgumentException("note has no blank line between body and signatures");
    }
    String body = note.substring(0, split + 1);
    String sigText = note.substring(split + 2);
    String[] lines = body.split("\n", -1); // last element is "" after the final newline
    if (lines.length < 4) {
      throw new IllegalArgumentException("checkpoint body needs origin, size and root lines, found "
          + (lines.length - 1) + " lines");
    }
    String origin = lines[0];
    if (origin.isEmpty()) {
      throw new IllegalArgumentException("checkpoint origin line is empty");
    }
    long size;
    if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
      throw new IllegalArgumentException("checkpoint size line must be a decimal without sign or leading zeros, found '"
          + lines[1] + "'");
    }
    try {
      size = Long.parseLong(lines[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("checkpoint size '" + lines[1] + "' does not fit in 64 bits");
    }
    Hash root;
    try {
      root = Hash.fromBase64(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("checkpoint root line: " + e.getMessage());
    }
    List<String> extensions = new ArrayList<>();
    Instant time = null;
    for (int i = 3; i < lines.length - 1; i++) {
      String ext = lines[i];
      if (ext.isEmpty()) {
        throw new IllegalArgumentException("checkpoint extension line " + (i + 1) + " is empty");
      }
      extensions.add(ext);
      if (ext.startsWith(TIME_PREFIX)) {
        try {
          time = Instant.from(TIME_FORMAT.parse(ext.substring(TIME_PREFIX.length())));
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("checkpoint time line must be 'time uuuu-MM-ddTHH:mm:ss.SSSZ', found '"
              + ext + "'");
        }
      }
    }
    List<NoteSignature> signatures = new ArrayList<>();
    if (!sigText.endsWith("\n")) {
      throw new IllegalArgumentException("note must end with a newline after its last signature line");
    }
    for (String line : sigText.substring(0, sigText.length() - 1).split("\n", -1)) {
      if (!line.startsWith(SIGNATURE_PREFIX)) {
        throw new IllegalArgumentException("signature line must start with '\u2014 ', found '" + line + "'");
      }
      String[] parts = line.substring(SIGNATURE_PREFIX.length()).split(" ", -1);
      if (parts.length != 2) {
        throw new IllegalArgumentException("signature line must be '\u2014 <name> <base64>', found '" + line + "'");
      }
      byte[] blob;
      try {
        blob = Base64.getDecoder().decode(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("signature of key '" + parts[0] + "' is not base64: " + e.getMessage());
      }
      // A decoder ignores the unused low bits of the last base64 digit: without this, four spellings of the same
      // signature would verify, and an edited note would pass for the original.
      if (!Base64.getEncoder().encodeToString(blob).equals(parts[1])) {
        throw new IllegalArgumentException("signature of key '" + parts[0] + "' is not canonical base64 (it decodes,"
            + " but its bytes encode as another text): the note was edited");
      }
      if (blob.length < 5) {
        throw new IllegalArgumentException("signature of key '" + parts[0] + "' has " + blob.length
            + " bytes, expected a 4-byte key hash and a signature");
      }
      ByteBuffer buf = ByteBuffer.wrap(blob);
      int keyHash = buf.getInt();
      byte[] sig = new byte[blob.length - 4];
      buf.get(sig);
      signatures.add(new NoteSignature(parts[0], keyHash, sig));
    }
    if (signatures.isEmpty()) {
      throw new IllegalArgumentException("note has no signature line");
    }
    return new Parsed(origin, size, root, time, List.copyOf(extensions), body, List.copyOf(signatures));
  }

  /** Whether one of the note's signatures is a valid signature of {@code key} over the body. */
  static boolean isSignedBy(Parsed parsed, NoteKey key) {
    byte[] body = parsed.body().getBytes(StandardCharsets.UTF_8);
    for (NoteSignature s : parsed.signatures()) {
      if (s.keyName().equals(key.name()) && s.keyHash() == key.keyHash() && key.verify(body, s.signature())) {
        return true;
      }
    }
    return false;
  }
}
