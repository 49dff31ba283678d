package camgate.gateway.publish;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** An OPA bundle archive (tar.gz with .manifest and .signatures.json), as served to OPA. Copies its bytes in and out. */
public final class SignedBundle {

  private final byte[] bytes;

  public SignedBundle(byte[] bytes) {
    this.bytes = bytes.clone();
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public int size() {
    return bytes.length;
  }

  /** Hex SHA-256 of the archive: the HTTP ETag, so OPA's poll costs a 304 while nothing changed. */
  public String sha256() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedBundle b && Arrays.equals(b.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "SignedBundle[" + bytes.length + " bytes, sha256 " + sha256().substring(0, 12) + "]";
  }
}
