package camgate.audit;

/** A well-formed proof that leads to another root than the one expected; carries both roots as evidence. */
public final class RootMismatchException extends ProofException {
  private final Hash expected;
  private final Hash calculated;

  public RootMismatchException(String what, Hash expected, Hash calculated) {
    super(what + ": calculated root " + calculated.hex() + ", expected " + expected.hex());
    this.expected = expected;
    this.calculated = calculated;
  }

  public Hash expected() {
    return expected;
  }

  public Hash calculated() {
    return calculated;
  }
}
