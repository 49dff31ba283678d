package camgate.audit;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The complete lines of one chunk of {@code entries.jsonl}, each checked to be a canonical entry and leaf-hashed
 * by one worker; the verifier reads the results back in log order.
 *
 * <p>The leaf hash is taken over the very bytes that were found canonical, where they lie in the read buffer:
 * no per-line copy, string or tree. Results sit in flat arrays (32 bytes of leaf hash and one seq per line).
 * The first line that is not a canonical entry ends the chunk: its reason is {@link #error()} and nothing
 * after it is looked at.
 */
final class EntryChunk {
  // One digest and one recognizer per worker: MessageDigest.getInstance costs more than hashing a line.
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(TreeHasher::newSha256);
  private static final ThreadLocal<CanonicalLine> LINE = ThreadLocal.withInitial(CanonicalLine::new);

  private byte[] leaves;
  private long[] seqs;
  private byte[][] rotations; // the bytes of key_rotation entries, by line; null until one is seen
  private int size;
  private String error;

  private EntryChunk(int capacity) {
    leaves = new byte[capacity * Hash.LENGTH];
    seqs = new long[capacity];
  }

  /** Checks and hashes every line in {@code buf[0, end)}; {@code end} is just past a newline. */
  static EntryChunk check(byte[] buf, int end) {
    EntryChunk chunk = new EntryChunk(end / 256 + 16);
    MessageDigest md = SHA256.get();
    CanonicalLine line = LINE.get();
    int start = 0;
    while (start < end) {
      int newline;
      long seq;
      boolean rotation;
      if (line.read(buf, start, end)) {
        newline = line.end();
        seq = line.seq();
        rotation = line.keyRotation();
      } else {
        newline = start;
        while (buf[newline] != '\n') {
          newline++;
        }
        // Not the common shape: the full check decides, and says why in the words it always used.
        CanonicalJson.CanonicalObject entry;
        try {
          entry = CanonicalJson.checkCanonical(Arrays.copyOfRange(buf, start, newline));
        } catch (IllegalArgumentException e) {
          chunk.error = (e.getMessage().startsWith("invalid JSON") ? " is not valid JSON: " : " is not canonical: ")
              + e.getMessage();
          return chunk;
        }
        seq = entry.seq();
        rotation = BundleVerifier.KEY_ROTATION.equals(entry.type());
      }
      if (seq < 0) {
        chunk.error = " has no integer seq";
        return chunk;
      }
      chunk.add(md, buf, start, newline, seq, rotation);
      start = newline + 1;
    }
    return chunk;
  }

  private void add(MessageDigest md, byte[] buf, int from, int to, long seq, boolean rotation) {
    if (size == seqs.length) {
      seqs = Arrays.copyOf(seqs, size * 2);
      leaves = Arrays.copyOf(leaves, size * 2 * Hash.LENGTH);
      if (rotations != null) {
        rotations = Arrays.copyOf(rotations, size * 2);
      }
    }
    TreeHasher.hashLeaf(md, buf, from, to - from, leaves, size * Hash.LENGTH);
    seqs[size] = seq;
    if (rotation) {
      if (rotations == null) {
        rotations = new byte[seqs.length][];
      }
      rotations[size] = Arrays.copyOfRange(buf, from, to);
    }
    size++;
  }

  /** Lines checked and hashed. */
  int size() {
    return size;
  }

  /** The seq of line {@code i}. */
  long seq(int i) {
    return seqs[i];
  }

  /** The bytes of line {@code i} if it is a {@code key_rotation} entry, else null. */
  byte[] rotation(int i) {
    return rotations == null ? null : rotations[i];
  }

  /** Appends the leaf hash of line {@code i} to {@code range}. */
  void appendLeaf(int i, CompactRange range) {
    range.append(leaves, i * Hash.LENGTH);
  }

  /** Why line {@link #size()} is not a canonical entry (to follow "entry N (entries.jsonl line N+1)"), or null. */
  String error() {
    return error;
  }
}
