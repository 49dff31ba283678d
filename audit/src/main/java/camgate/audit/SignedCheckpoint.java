package camgate.audit;

import java.time.Instant;

/**
 * A signed statement of the tree: size, root, time, and the full C2SP signed note that carries them.
 *
 * <p>The note is {@code origin\nsize\nbase64(root)\ntime <RFC 3339 UTC>\n\n— <key name> <base64(key hash || sig)>\n}:
 * the time is an extension line of the checkpoint body, so it is covered by the signature.
 *
 * @param keyId 8 hex digits: the 4-byte C2SP signed-note key hash of the signing key
 * @param note the full signed note text, as a transparency-log tool would read it
 */
public record SignedCheckpoint(long size, Hash root, Instant time, String keyId, String note) {
}
