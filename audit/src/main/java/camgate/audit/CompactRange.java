package camgate.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * The right border of an RFC 9162 tree built leaf by leaf: one complete subtree root per set bit of the size,
 * enough to compute the root of the tree so far in O(log n) memory (the offline verifier streams entries).
 */
final class CompactRange {
  private final List<Hash> roots = new ArrayList<>();
  private long size;

  void append(Hash leaf) {
    Hash h = leaf;
    long s = size;
    // Merge with each complete left neighbour of equal height (one per trailing 1 bit of the old size).
    while ((s & 1) == 1) {
      h = TreeHasher.hashChildren(roots.remove(roots.size() - 1), h);
      s >>= 1;
    }
    roots.add(h);
    size++;
  }

  long size() {
    return size;
  }

  /** MTH of the leaves so far: the subtree roots folded from the right. */
  Hash root() {
    if (roots.isEmpty()) {
      return TreeHasher.emptyRoot();
    }
    Hash r = roots.get(roots.size() - 1);
    for (int i = roots.size() - 2; i >= 0; i--) {
      r = TreeHasher.hashChildren(roots.get(i), r);
    }
    return r;
  }
}
