package camgate.redaction;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A model file on disk whose SHA-256 was checked against the pinned value before use. */
record ModelFile(Path path, String sha256) {

  /**
   * Returns the model at {@code path} after checking its hash.
   *
   * @throws IOException if the file is missing or its SHA-256 differs from {@code expectedSha256}
   */
  static ModelFile verified(Path path, String expectedSha256) throws IOException {
    if (!Files.isRegularFile(path)) {
      throw new IOException("model file " + path + " is missing (expected SHA-256 " + expectedSha256
          + "); run ./camgate setup to fetch it");
    }
    String actual = sha256(path);
    if (!actual.equals(expectedSha256)) {
      throw new IOException("model file " + path + " has SHA-256 " + actual + ", expected " + expectedSha256
          + "; delete it and run ./camgate setup to fetch the pinned version");
    }
    return new ModelFile(path, actual);
  }

  /** The hex SHA-256 of a file. */
  static String sha256(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime ships SHA-256", e);
    }
  }
}
