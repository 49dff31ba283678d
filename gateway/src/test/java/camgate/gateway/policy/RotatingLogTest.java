package camgate.gateway.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OPA's output lands in a bounded set of owner-only files, however much OPA writes. */
class RotatingLogTest {

  @TempDir
  Path dir;

  @Test
  void aLogNeverGrowsPastItsFilesTimesTheirSize() throws Exception {
    Path file = dir.resolve("opa.log");
    byte[] line = "0123456789abcdefghijklmnopqrstuvwxyz-0123456789abcdefghijklmnopqrstuvwxyz-0123456789\n"
        .getBytes(StandardCharsets.US_ASCII);
    byte[] output = new byte[line.length * 1000];
    for (int i = 0; i < 1000; i++) {
      System.arraycopy(line, 0, output, i * line.length, line.length);
    }
    try (RotatingLog log = new RotatingLog(file, 10_000, 3)) {
      log.copy(new ByteArrayInputStream(output));
    }
    for (String name : new String[]{"opa.log", "opa.log.1", "opa.log.2"}) {
      Path f = dir.resolve(name);
      assertTrue(Files.exists(f), name + " exists");
      assertTrue(Files.size(f) <= 10_000, name + " holds " + Files.size(f) + " bytes");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), name);
    }
    assertFalse(Files.exists(dir.resolve("opa.log.3")), "the oldest file is dropped");
    assertTrue(Files.readString(file).endsWith("0123456789\n"), "the newest output is kept");
  }

  @Test
  void anExistingLogIsMadePrivateAndAppendedTo() throws Exception {
    Path file = dir.resolve("opa.log");
    Files.writeString(file, "before\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (RotatingLog log = new RotatingLog(file, 1000, 2)) {
      byte[] after = "after\n".getBytes(StandardCharsets.US_ASCII);
      log.write(after, 0, after.length);
    }
    assertEquals("before\nafter\n", Files.readString(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }
}
