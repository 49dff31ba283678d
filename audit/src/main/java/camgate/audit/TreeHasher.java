package camgate.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** RFC 9162 §2.1.1 hashing with SHA-256 and domain separation between leaves and interior nodes. */
final class TreeHasher {
  /** Prefix of a leaf hash input: SHA-256(0x00 || leaf). */
  static final byte LEAF_PREFIX = 0x00;
  /** Prefix of an interior node hash input: SHA-256(0x01 || left || right). */
  static final byte NODE_PREFIX = 0x01;

  // MessageDigest is not thread-safe and getInstance costs more than hashing a short entry.
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(TreeHasher::newSha256);

  private TreeHasher() {
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256, which every Java SE platform must provide", e);
    }
  }

  /** The root of the empty tree: SHA-256 of the empty string. */
  static Hash emptyRoot() {
    MessageDigest md = SHA256.get();
    md.reset();
    return Hash.wrap(md.digest());
  }

  static Hash hashLeaf(byte[] leaf) {
    MessageDigest md = SHA256.get();
    md.reset();
    md.update(LEAF_PREFIX);
    md.update(leaf);
    return Hash.wrap(md.digest());
  }

  /**
   * The leaf hash of {@code buf[off, off + len)} written to {@code out[outOff, outOff + 32)}: the verifier hashes
   * each line where it was read, with its worker's own digest, and keeps no per-leaf objects.
   */
  static void hashLeaf(MessageDigest md, byte[] buf, int off, int len, byte[] out, int outOff) {
    md.reset();
    md.update(LEAF_PREFIX);
    md.update(buf, off, len);
    digestInto(md, out, outOff);
  }

  /** The node hash of the two 32-byte children at {@code left[leftOff]} and {@code right[rightOff]}, written to {@code out[outOff]}. */
  static void hashChildren(MessageDigest md, byte[] left, int leftOff, byte[] right, int rightOff, byte[] out, int outOff) {
    md.reset();
    md.update(NODE_PREFIX);
    md.update(left, leftOff, Hash.LENGTH);
    md.update(right, rightOff, Hash.LENGTH);
    digestInto(md, out, outOff);
  }

  private static void digestInto(MessageDigest md, byte[] out, int outOff) {
    try {
      md.digest(out, outOff, Hash.LENGTH);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("SHA-256 refused a 32-byte output slot at offset " + outOff + " of "
          + out.length, e);
    }
  }

  static Hash hashChildren(Hash left, Hash right) {
    MessageDigest md = SHA256.get();
    md.reset();
    md.update(NODE_PREFIX);
    md.update(left.unsafeBytes());
    md.update(right.unsafeBytes());
    return Hash.wrap(md.digest());
  }
}
