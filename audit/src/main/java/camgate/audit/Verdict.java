package camgate.audit;

/**
 * The outcome of verifying an export bundle: how much was checked and, when it is not valid, the first
 * problem found in log order.
 *
 * @param entries entries read before stopping (all of them when valid)
 * @param checkpoints checkpoints verified before stopping
 * @param lastCheckpointSize size covered by the last verified checkpoint (-1 if none)
 * @param problem null when the bundle is valid
 */
public record Verdict(long entries, int checkpoints, long lastCheckpointSize, Problem problem) {

  /** What a problem is about. */
  public enum Kind {
    /** The bundle cannot be read as a bundle: missing file, unreadable key, empty directory. */
    BUNDLE,
    /** One entry, {@code index} = its seq (its 0-based line in entries.jsonl). */
    ENTRY,
    /** Entries {@code [index, endIndex)} do not hash to a signed root: one of them was altered. */
    ENTRY_RANGE,
    /** One checkpoint, {@code index} = its 0-based line in checkpoints.jsonl. */
    CHECKPOINT,
    /**
     * The bundle contradicts what the auditor holds from outside it: the key fingerprint they pinned, or a
     * checkpoint they kept from earlier (the log was truncated, rolled back or rewritten since). Index -1.
     */
    ANCHOR
  }

  /**
   * The first thing found wrong.
   *
   * @param index entry seq or checkpoint line (0-based), -1 for {@link Kind#BUNDLE} and {@link Kind#ANCHOR}
   * @param endIndex exclusive end of an {@link Kind#ENTRY_RANGE}, else {@code index + 1}
   */
  public record Problem(Kind kind, long index, long endIndex, String message) {
    @Override
    public String toString() {
      return message;
    }
  }

  public boolean valid() {
    return problem == null;
  }

  /** One line for humans: {@code valid: ...} or {@code INVALID: ...}. */
  public String summary() {
    if (valid()) {
      return "valid: " + entries + " entries, " + checkpoints + " checkpoints verified, last checkpoint covers "
          + lastCheckpointSize + " entries";
    }
    return (problem.kind() == Kind.BUNDLE ? "cannot verify: " : "INVALID: ") + problem.message();
  }
}
