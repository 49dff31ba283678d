package camgate.audit;

import java.util.List;

/**
 * RFC 9162 §2.1.3 inclusion proof: the audit path of leaf {@code index} in the tree of size {@code treeSize}.
 */
public record InclusionProof(long index, long treeSize, List<Hash> path) {
  public InclusionProof {
    path = List.copyOf(path);
  }

  /**
   * Computes the root this proof implies for {@code leafHash} (RFC 9162 §2.1.3.2).
   *
   * @throws ProofException if {@code 0 <= index < treeSize} does not hold or the path length is wrong
   */
  public Hash rootFrom(Hash leafHash) throws ProofException {
    return ProofVerifier.rootFromInclusionProof(index, treeSize, leafHash, path);
  }

  /**
   * Checks that {@code leafHash} is leaf {@code index} of the tree with root {@code root}.
   *
   * @throws RootMismatchException if the proof leads to another root
   * @throws ProofException if the proof is malformed
   */
  public void verify(Hash leafHash, Hash root) throws ProofException {
    ProofVerifier.verifyInclusion(index, treeSize, leafHash, path, root);
  }

  /** The path as hex strings (for JSON). */
  public List<String> pathHex() {
    return path.stream().map(Hash::hex).toList();
  }
}
