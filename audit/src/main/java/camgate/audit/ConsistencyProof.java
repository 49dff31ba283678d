package camgate.audit;

import java.util.List;

/**
 * RFC 9162 §2.1.4 consistency proof: the tree of size {@code fromSize} is a prefix of the tree of size {@code toSize}.
 */
public record ConsistencyProof(long fromSize, long toSize, List<Hash> path) {
  public ConsistencyProof {
    path = List.copyOf(path);
  }

  /**
   * Checks that the tree with root {@code fromRoot} is a prefix of the tree with root {@code toRoot}
   * (RFC 9162 §2.1.4.2).
   *
   * @throws RootMismatchException if the proof leads to another root
   * @throws ProofException if the sizes or the proof are malformed
   */
  public void verify(Hash fromRoot, Hash toRoot) throws ProofException {
    ProofVerifier.verifyConsistency(fromSize, toSize, fromRoot, toRoot, path);
  }

  /** The path as hex strings (for JSON). */
  public List<String> pathHex() {
    return path.stream().map(Hash::hex).toList();
  }
}
