package camgate.gateway;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The gateway's folders: who watched what (the audit database), the keys, the policy store, exported clips and
 * OPA's log live there, so only the gateway's user may enter them. Folders the gateway creates are made 0700 from
 * the start; its data folder ({@code audit.dir}), if it exists already, is closed to others as well.
 */
final class OwnerOnlyFolder {
  private static final String OWNER_ONLY = "rwx------";

  private OwnerOnlyFolder() {
  }

  /**
   * Makes the gateway's folders before anything writes in them. BLOCKING.
   *
   * @param dataFolder {@code audit.dir}: created 0700, or made 0700 if it exists
   * @throws IOException if a folder cannot be created, or {@code dataFolder} belongs to another user (its modes are
   *     not the gateway's to change)
   */
  static void prepare(Path dataFolder) throws IOException {
    Path folder = dataFolder.toAbsolutePath().normalize();
    // The parent holds OPA's log, configuration, pid file and socket folder: created 0700 when missing, left as it
    // is when it exists (it may be a shared place such as /var/lib).
    if (folder.getParent() != null) {
      create(folder.getParent());
    }
    create(folder);
    try {
      Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString(OWNER_ONLY));
    } catch (FileSystemException e) {
      // The kernel lets only the owner change a folder's modes.
      throw new IOException("the gateway's data folder " + folder + " (audit.dir) belongs to "
          + Files.getOwner(folder, LinkOption.NOFOLLOW_LINKS).getName() + ", not to the user running the gateway, "
          + "who cannot close it to others; chown it, or choose another audit.dir", e);
    }
  }

  private static void create(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(OWNER_ONLY)));
    }
  }
}
