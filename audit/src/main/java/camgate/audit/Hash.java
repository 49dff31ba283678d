package camgate.audit;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A SHA-256 value (32 bytes) with content equality: leaf hashes, node hashes and tree roots.
 *
 * <p>Value-based: the bytes are copied in and out, so a {@code Hash} never changes.
 */
public final class Hash {
  /** Length of a SHA-256 digest in bytes. */
  public static final int LENGTH = 32;

  private final byte[] bytes;

  private Hash(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Wraps a copy of {@code bytes}.
   *
   * @throws IllegalArgumentException if {@code bytes} is not 32 bytes long
   */
  public static Hash of(byte[] bytes) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException("a SHA-256 hash has " + LENGTH + " bytes, found "
          + (bytes == null ? "null" : bytes.length + " bytes"));
    }
    return new Hash(bytes.clone());
  }

  /** Takes ownership of a freshly computed digest without copying it (package-private: callers never keep it). */
  static Hash wrap(byte[] digest) {
    if (digest.length != LENGTH) {
      throw new IllegalArgumentException("a SHA-256 hash has " + LENGTH + " bytes, found " + digest.length);
    }
    return new Hash(digest);
  }

  /**
   * Parses 64 hex digits.
   *
   * @throws IllegalArgumentException if {@code hex} is not 64 hex digits
   */
  public static Hash fromHex(String hex) {
    if (hex == null || hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("expected 64 hex digits for a SHA-256 hash, found "
          + (hex == null ? "null" : hex.length() + " characters"));
    }
    return new Hash(HexFormat.of().parseHex(hex));
  }

  /**
   * Parses standard base64 (as in checkpoint notes).
   *
   * @throws IllegalArgumentException if {@code base64} is not valid base64 of 32 bytes
   */
  public static Hash fromBase64(String base64) {
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("expected base64 of a 32-byte hash, found '" + base64 + "': " + e.getMessage());
    }
    return of(decoded);
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Package-private view without copying, for hashing hot paths that never modify it. */
  byte[] unsafeBytes() {
    return bytes;
  }

  /** Lower-case hex, 64 characters (how the gateway renders proofs). */
  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  /** Standard base64 with padding (how checkpoint notes carry roots). */
  public String base64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hash h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The hex form. */
  @Override
  public String toString() {
    return hex();
  }
}
