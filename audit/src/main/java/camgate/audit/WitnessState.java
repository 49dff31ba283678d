package camgate.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * What a witness has cosigned: for each log (origin) the size and root of the latest checkpoint it cosigned, one
 * small file per log. Written to a temporary file, fsynced, renamed over the old one atomically and the directory
 * fsynced, so after a crash the file holds either the old state or the new one, never a mix: a restarted witness
 * still refuses whatever the old state refused.
 */
final class WitnessState {
  /** The latest cosigned tree head of one log. */
  record Head(long size, Hash root) {
  }

  private final Path dir;
  private final Map<String, Head> heads = new HashMap<>();

  private WitnessState(Path dir) {
    this.dir = dir;
  }

  /**
   * Loads every log's head from {@code dir} (created if missing). BLOCKING.
   *
   * @throws IOException if the directory cannot be read or a state file is malformed (the witness must not start
   *     on a state it cannot read: it could cosign a fork)
   */
  static WitnessState load(Path dir) throws IOException {
    Files.createDirectories(dir);
    WitnessState state = new WitnessState(dir);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.head")) {
      for (Path f : files) {
        String[] lines = Files.readString(f, StandardCharsets.UTF_8).split("\n", -1);
        try {
          if (lines.length != 4 || !lines[3].isEmpty()) {
            throw new IllegalArgumentException("expected three lines: origin, size, base64 root");
          }
          state.heads.put(lines[0], new Head(Long.parseLong(lines[1]), Hash.fromBase64(lines[2])));
        } catch (IllegalArgumentException e) {
          throw new IOException("witness state " + f + " is malformed (" + e.getMessage() + "); restore it from"
              + " backup: starting without it could cosign a fork", e);
        }
      }
    }
    return state;
  }

  Optional<Head> head(String origin) {
    return Optional.ofNullable(heads.get(origin));
  }

  /** Records {@code head} for {@code origin} durably before returning. BLOCKING. */
  void put(String origin, Head head) throws IOException {
    String name = HexFormat.of().formatHex(TreeHasher.newSha256().digest(origin.getBytes(StandardCharsets.UTF_8)));
    Path file = dir.resolve(name + ".head");
    Path tmp = dir.resolve(name + ".head.tmp");
    byte[] text = (origin + "\n" + head.size() + "\n" + head.root().base64() + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(text));
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the witness state directory " + dir + " cannot rename atomically; put it on a local"
          + " file system", e);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true); // the rename itself is durable only once the directory is
    }
    heads.put(origin, head);
  }
}
