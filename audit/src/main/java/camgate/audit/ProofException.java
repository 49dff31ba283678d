package camgate.audit;

/** A Merkle proof that does not verify, or cannot be checked because its inputs are malformed. */
public class ProofException extends Exception {
  public ProofException(String message) {
    super(message);
  }
}
