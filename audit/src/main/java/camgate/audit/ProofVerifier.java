package camgate.audit;

import java.util.List;

/**
 * Verification of RFC 9162 proofs, kept apart from building them ({@link MerkleTree}) so that the
 * offline verifier trusts nothing but this code and the hasher.
 *
 * <p>Two layers per proof, as in transparency-dev/merkle {@code proof/verify.go}: {@code rootFrom...}
 * computes, {@code verify...} compares and throws {@link RootMismatchException} with both roots.
 */
final class ProofVerifier {
  private ProofVerifier() {
  }

  /**
   * The root implied by an inclusion proof (RFC 9162 §2.1.3.2). Requires {@code 0 <= index < size}.
   *
   * @throws ProofException if the precondition fails or the path has the wrong length
   */
  static Hash rootFromInclusionProof(long index, long size, Hash leafHash, List<Hash> path) throws ProofException {
    if (index < 0 || size <= 0 || index >= size) {
      throw new ProofException("inclusion proof needs 0 <= index < size, found index " + index + ", size " + size);
    }
    long fn = index;
    long sn = size - 1;
    Hash r = leafHash;
    for (Hash p : path) {
      if (sn == 0) {
        throw new ProofException("inclusion proof for index " + index + " in size " + size + " is too long: "
            + path.size() + " hashes");
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = TreeHasher.hashChildren(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = TreeHasher.hashChildren(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      throw new ProofException("inclusion proof for index " + index + " in size " + size + " is too short: "
          + path.size() + " hashes");
    }
    return r;
  }

  /**
   * Checks an inclusion proof against {@code root}.
   *
   * @throws RootMismatchException if the proof is well-formed but leads to another root
   * @throws ProofException if the proof is malformed
   */
  static void verifyInclusion(long index, long size, Hash leafHash, List<Hash> path, Hash root) throws ProofException {
    Hash calculated = rootFromInclusionProof(index, size, leafHash, path);
    if (!calculated.equals(root)) {
      throw new RootMismatchException("inclusion proof of leaf " + index + " in tree of size " + size, root, calculated);
    }
  }

  /**
   * Checks that the tree {@code (size1, root1)} is a prefix of {@code (size2, root2)} (RFC 9162 §2.1.4.2).
   * Requires {@code 0 < size1 <= size2}; when the sizes are equal the proof must be empty and the roots equal.
   *
   * @throws RootMismatchException if either recomputed root differs from the one given
   * @throws ProofException if the sizes or the proof are malformed
   */
  static void verifyConsistency(long size1, long size2, Hash root1, Hash root2, List<Hash> path) throws ProofException {
    if (size1 <= 0 || size2 < size1) {
      throw new ProofException("consistency proof needs 0 < size1 <= size2, found size1 " + size1 + ", size2 " + size2);
    }
    if (size1 == size2) {
      if (!path.isEmpty()) {
        throw new ProofException("consistency proof between equal sizes " + size1 + " must be empty, found "
            + path.size() + " hashes");
      }
      if (!root1.equals(root2)) {
        throw new RootMismatchException("trees of the same size " + size1, root1, root2);
      }
      return;
    }
    if (path.isEmpty()) {
      throw new ProofException("consistency proof from size " + size1 + " to " + size2 + " is empty");
    }
    Hash[] proof;
    int start = 0;
    // A power-of-two first tree is itself a complete subtree of the second: RFC 9162 prepends its root.
    if (Long.bitCount(size1) == 1) {
      proof = new Hash[path.size() + 1];
      proof[0] = root1;
      for (int i = 0; i < path.size(); i++) {
        proof[i + 1] = path.get(i);
      }
    } else {
      proof = path.toArray(new Hash[0]);
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    Hash fr = proof[start];
    Hash sr = proof[start];
    for (int i = start + 1; i < proof.length; i++) {
      Hash c = proof[i];
      if (sn == 0) {
        throw new ProofException("consistency proof from size " + size1 + " to " + size2 + " is too long: "
            + path.size() + " hashes");
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = TreeHasher.hashChildren(c, fr);
        sr = TreeHasher.hashChildren(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = TreeHasher.hashChildren(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      throw new ProofException("consistency proof from size " + size1 + " to " + size2 + " is too short: "
          + path.size() + " hashes");
    }
    if (!fr.equals(root1)) {
      throw new RootMismatchException("consistency proof, first tree of size " + size1, root1, fr);
    }
    if (!sr.equals(root2)) {
      throw new RootMismatchException("consistency proof, second tree of size " + size2, root2, sr);
    }
  }
}
