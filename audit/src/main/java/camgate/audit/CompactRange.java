package camgate.audit;

import java.security.MessageDigest;

/**
 * The right border of an RFC 9162 tree built leaf by leaf: one complete subtree root per set bit of the size,
 * enough to compute the root of the tree so far in O(log n) memory (the offline verifier streams entries).
 *
 * <p>The roots sit side by side in one array and merge in place, so appending a leaf allocates nothing.
 * Not thread-safe.
 */
final class CompactRange {
  /** One slot per bit of a {@code long} size, plus one for the leaf being merged in. */
  private final byte[] roots = new byte[(Long.SIZE + 1) * Hash.LENGTH];
  private final MessageDigest md = TreeHasher.newSha256();
  private int count;
  private long size;

  void append(Hash leaf) {
    append(leaf.unsafeBytes(), 0);
  }

  /** Appends the 32-byte leaf hash at {@code leaves[offset]}. */
  void append(byte[] leaves, int offset) {
    System.arraycopy(leaves, offset, roots, count * Hash.LENGTH, Hash.LENGTH);
    long s = size;
    // Merge with each complete left neighbour of equal height (one per trailing 1 bit of the old size).
    while ((s & 1) == 1) {
      int left = (count - 1) * Hash.LENGTH;
      TreeHasher.hashChildren(md, roots, left, roots, left + Hash.LENGTH, roots, left);
      count--;
      s >>= 1;
    }
    count++;
    size++;
  }

  long size() {
    return size;
  }

  /** MTH of the leaves so far: the subtree roots folded from the right. */
  Hash root() {
    if (count == 0) {
      return TreeHasher.emptyRoot();
    }
    byte[] r = new byte[Hash.LENGTH];
    System.arraycopy(roots, (count - 1) * Hash.LENGTH, r, 0, Hash.LENGTH);
    for (int i = count - 2; i >= 0; i--) {
      TreeHasher.hashChildren(md, roots, i * Hash.LENGTH, r, 0, r, 0);
    }
    return Hash.wrap(r);
  }
}
