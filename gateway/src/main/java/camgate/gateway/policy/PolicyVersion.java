package camgate.gateway.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** The content hash that names a policy set loaded from folders: same files, same version. */
public final class PolicyVersion {

  private PolicyVersion() {
  }

  /**
   * SHA-256 over every .rego and .json file under the roots, each contributing its path (relative
   * to its root) and contents, in a fixed order; "sha256:" followed by the first 16 hex digits.
   */
  public static String of(List<Path> roots) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path root : roots) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
          files = walk.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".rego") || p.toString().endsWith(".json"))
              .sorted().toList();
        }
        for (Path f : files) {
          digest.update(root.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
          digest.update((byte) 0);
          digest.update(Files.readAllBytes(f));
          digest.update((byte) 0);
        }
      }
      return "sha256:" + HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read policy files to compute their version: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
