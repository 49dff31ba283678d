package camgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.gateway.support.TestGateway;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything the gateway writes at start and while it serves (the audit database and its folder, keys, the policy
 * store, the media register, OPA's log, configuration, pid file and socket) is its user's alone: folders 0700,
 * files 0600, in a gateway folder it had to create itself. Checked while it runs and once it stopped.
 */
class OwnerOnlyFoldersTest {

  @TempDir
  Path parent;

  @Test
  void everyFolderAndFileTheGatewayCreatesIsOwnerOnly() throws Exception {
    // A folder open to others above it: the gateway's own folder must not inherit that.
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path root = parent.resolve("gateway");
    try (TestGateway gw = TestGateway.builder().directory(root).start()) {
      assertEquals(200, gw.get("/cameras", TestGateway.OPERATOR_KEY).statusCode(), "an access is logged");
      assertEquals(List.of(), openToOthers(root), "while running");
    }
    assertEquals(List.of(), openToOthers(root), "after the stop");
  }

  /** Each path under {@code root} (itself included) that its group or others may use, with its mode. */
  private static List<String> openToOthers(Path root) throws Exception {
    List<String> open = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          continue; // removed while walking (a lock file, a rotated log)
        }
        var mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        boolean others = mode.stream().anyMatch(m -> m.name().startsWith("GROUP") || m.name().startsWith("OTHERS"));
        boolean directory = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
        boolean ownerExecutable = mode.contains(PosixFilePermission.OWNER_EXECUTE);
        if (others || (!directory && ownerExecutable)) {
          open.add(root.relativize(p) + " " + PosixFilePermissions.toString(mode));
        }
      }
    }
    assertTrue(Files.isDirectory(root.resolve("audit")), "the walk saw the gateway's folders");
    return open;
  }
}
