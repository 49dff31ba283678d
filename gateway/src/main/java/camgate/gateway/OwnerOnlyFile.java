package camgate.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A secret kept in a file (a camera's login, an RTSP user's secret): read only when the gateway's user alone may
 * read the file, so a secret left readable by others is refused rather than used.
 */
public final class OwnerOnlyFile {

  private OwnerOnlyFile() {
  }

  /**
   * The file's content, stripped. BLOCKING.
   *
   * @param what what the file holds, for the error ("camera login file", "RTSP secret file")
   * @throws IOException if the file cannot be read, or its group or others have any permission on it
   */
  public static String read(Path path, String what) throws IOException {
    if (Files.getPosixFilePermissions(path).stream()
        .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
      throw new IOException(what + " " + path + " is readable by others; chmod 600 it");
    }
    return Files.readString(path, StandardCharsets.UTF_8).strip();
  }
}
