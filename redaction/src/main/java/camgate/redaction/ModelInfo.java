package camgate.redaction;

/** The model behind a detector, as the per-frame report names it: file name, SHA-256 (hex) and score threshold. */
public record ModelInfo(String name, String sha256, float threshold) {}
