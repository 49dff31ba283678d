package camgate.audit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The RFC 9162 tree of the log, in memory: every complete, aligned subtree hash by level, so a root or a
 * proof for any size costs O(log² n) hashes instead of a rescan.
 *
 * <p>Memory: about 64 bytes per leaf (32 MB of leaves plus as much again for interior levels at 500k leaves).
 * Thread-safe: one appender, many readers.
 */
final class MerkleTree {
  private final List<HashArray> levels = new ArrayList<>();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private long size;

  MerkleTree() {
    levels.add(new HashArray());
  }

  long size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Appends leaf hashes in order (leaf index = current size, size + 1, ...). */
  void append(List<Hash> leafHashes) {
    lock.writeLock().lock();
    try {
      for (Hash leaf : leafHashes) {
        appendOne(leaf);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void appendOne(Hash leaf) {
    levels.get(0).add(leaf);
    long index = size;
    int level = 0;
    // Each time the new node is a right child, its parent becomes complete.
    while ((index & 1) == 1) {
      HashArray current = levels.get(level);
      Hash parent = TreeHasher.hashChildren(current.get(index - 1), current.get(index));
      level++;
      if (levels.size() == level) {
        levels.add(new HashArray());
      }
      levels.get(level).add(parent);
      index >>= 1;
    }
    size++;
  }

  /** The hash of leaf {@code index}. Requires {@code 0 <= index < size()}. */
  Hash leaf(long index) {
    lock.readLock().lock();
    try {
      checkIndex(index, size);
      return levels.get(0).get(index);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The root of the tree made of the first {@code treeSize} leaves.
   *
   * @throws IllegalArgumentException unless {@code 0 <= treeSize <= size()}
   */
  Hash root(long treeSize) {
    lock.readLock().lock();
    try {
      checkSize(treeSize);
      return treeSize == 0 ? TreeHasher.emptyRoot() : subtree(0, treeSize);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The RFC 9162 §2.1.3.1 inclusion path of leaf {@code index} in the tree of size {@code treeSize}, leaf to root.
   *
   * @throws IllegalArgumentException unless {@code 0 <= index < treeSize <= size()}
   */
  InclusionProof inclusionProof(long index, long treeSize) {
    lock.readLock().lock();
    try {
      checkSize(treeSize);
      checkIndex(index, treeSize);
      List<Hash> topDown = new ArrayList<>();
      long lo = 0;
      long hi = treeSize;
      long m = index;
      while (hi - lo > 1) {
        long k = largestPowerOfTwoBelow(hi - lo);
        if (m < k) {
          topDown.add(subtree(lo + k, hi));
          hi = lo + k;
        } else {
          topDown.add(subtree(lo, lo + k));
          lo = lo + k;
          m -= k;
        }
      }
      Collections.reverse(topDown);
      return new InclusionProof(index, treeSize, topDown);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The RFC 9162 §2.1.4.1 consistency proof from {@code fromSize} to {@code toSize}.
   *
   * @throws IllegalArgumentException unless {@code 0 < fromSize <= toSize <= size()}
   */
  ConsistencyProof consistencyProof(long fromSize, long toSize) {
    lock.readLock().lock();
    try {
      checkSize(toSize);
      if (fromSize <= 0 || fromSize > toSize) {
        throw new IllegalArgumentException("a consistency proof needs 0 < fromSize <= toSize, found fromSize "
            + fromSize + ", toSize " + toSize);
      }
      List<Hash> topDown = new ArrayList<>();
      long lo = 0;
      long hi = toSize;
      long m = fromSize;
      boolean whole = true;
      // SUBPROOF(m, D[lo:hi], whole), unrolled: each step records one sibling, deepest last.
      while (m != hi - lo) {
        long k = largestPowerOfTwoBelow(hi - lo);
        if (m <= k) {
          topDown.add(subtree(lo + k, hi));
          hi = lo + k;
        } else {
          topDown.add(subtree(lo, lo + k));
          lo = lo + k;
          m -= k;
          whole = false;
        }
      }
      if (!whole) {
        topDown.add(subtree(lo, hi));
      }
      Collections.reverse(topDown);
      return new ConsistencyProof(fromSize, toSize, topDown);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** MTH(D[lo:hi]) for {@code hi <= size}; complete aligned subtrees are read, others combined. */
  private Hash subtree(long lo, long hi) {
    long n = hi - lo;
    if (Long.bitCount(n) == 1 && lo % n == 0) {
      int level = Long.numberOfTrailingZeros(n);
      return levels.get(level).get(lo >> level);
    }
    long k = largestPowerOfTwoBelow(n);
    return TreeHasher.hashChildren(subtree(lo, lo + k), subtree(lo + k, hi));
  }

  /** The largest power of two strictly smaller than {@code n}; requires {@code n > 1}. */
  static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }

  private void checkSize(long treeSize) {
    if (treeSize < 0 || treeSize > size) {
      throw new IllegalArgumentException("tree size must be between 0 and the log size " + size + ", found " + treeSize);
    }
  }

  private static void checkIndex(long index, long treeSize) {
    if (index < 0 || index >= treeSize) {
      throw new IllegalArgumentException("leaf index must be in [0, " + treeSize + "), found " + index);
    }
  }

  /** A growable array of 32-byte hashes in one contiguous byte[] (no per-hash object overhead). */
  private static final class HashArray {
    private byte[] data = new byte[Hash.LENGTH * 1024];
    private long count;

    void add(Hash h) {
      long offset = count * Hash.LENGTH;
      if (offset + Hash.LENGTH > data.length) {
        long grown = Math.min((long) data.length * 2, Integer.MAX_VALUE - 8);
        if (grown < offset + Hash.LENGTH) {
          throw new IllegalStateException("the in-memory tree is full at " + count + " hashes per level;"
              + " a log this large needs the server-database audit store");
        }
        data = java.util.Arrays.copyOf(data, (int) grown);
      }
      System.arraycopy(h.unsafeBytes(), 0, data, (int) offset, Hash.LENGTH);
      count++;
    }

    Hash get(long index) {
      int offset = (int) (index * Hash.LENGTH);
      return Hash.wrap(java.util.Arrays.copyOfRange(data, offset, offset + Hash.LENGTH));
    }
  }
}
