package camgate.redaction;

/** What a detector looks for. */
public enum ObjectKind { FACE, PLATE }
