package camgate.gateway.policy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A log file bounded in size: when the next write would take it past {@code maxBytes} it becomes
 * {@code name.1} (the older ones shift up, the oldest of {@code files} is dropped) and a new one
 * starts. Files are readable by their owner only. BLOCKING; thread-safe.
 *
 * <p>A write that fails (full disk) is dropped, never retried and never blocks the writer: the
 * process whose output is copied here must not stall on its pipe.
 */
final class RotatingLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RotatingLog.class);
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final Path file;
  private final long maxBytes;
  private final int files;
  private OutputStream out;
  private long size;
  private boolean failing;

  /**
   * @param maxBytes the size a file may reach, at least 1
   * @param files    how many files are kept, the current one included; at least 1
   */
  RotatingLog(Path file, long maxBytes, int files) {
    if (maxBytes < 1 || files < 1) {
      throw new IllegalArgumentException("a rotating log needs maxBytes >= 1 and files >= 1, found " + maxBytes
          + " and " + files);
    }
    this.file = file;
    this.maxBytes = maxBytes;
    this.files = files;
  }

  /** Appends bytes; a write that does not fit in the current file goes to a new one. */
  synchronized void write(byte[] bytes, int offset, int length) {
    try {
      if (out == null) {
        open();
      }
      if (size > 0 && size + length > maxBytes) {
        rotate();
      }
      out.write(bytes, offset, length);
      out.flush();
      size += length;
      failing = false;
    } catch (IOException e) {
      if (!failing) {
        LOG.error("cannot write {} ({}); OPA's output is dropped until it can", file, e.toString());
      }
      failing = true;
      closeQuietly();
    }
  }

  /** Copies {@code in} here until it ends (the process exited). BLOCKING. */
  void copy(InputStream in) {
    byte[] buffer = new byte[8192];
    try (in) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        write(buffer, 0, n);
      }
    } catch (IOException e) {
      LOG.debug("output pipe of {} closed: {}", file, e.toString());
    }
  }

  private void open() throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (!Files.exists(file)) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    }
    Files.setPosixFilePermissions(file, OWNER_ONLY);
    out = Files.newOutputStream(file, StandardOpenOption.APPEND);
    size = Files.size(file);
  }

  private void rotate() throws IOException {
    closeQuietly();
    Files.deleteIfExists(numbered(files - 1));
    for (int i = files - 2; i >= 1; i--) {
      if (Files.exists(numbered(i))) {
        Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (files > 1) {
      Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.delete(file);
    }
    open();
  }

  private Path numbered(int i) {
    return i == 0 ? file : file.resolveSibling(file.getFileName() + "." + i);
  }

  private void closeQuietly() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        LOG.debug("closing {}: {}", file, e.toString());
      }
      out = null;
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly();
  }
}
