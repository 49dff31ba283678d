package camgate.redaction;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * A memory-mapped BGR frame shared by the gateway and its detector host: the gateway copies the part of a frame a
 * detection looks at into it (one copy, no encoding; a 1280x720 frame is 2.7 MB), the host runs the detectors on
 * it in place. The file lives in the host's owner-only run folder (in /dev/shm where there is one: memory, never
 * disk) since it holds unredacted pictures. Not thread-safe: one per connection, one request at a time.
 */
final class FrameSlot implements AutoCloseable {
  private final Path file;
  private final boolean writer;
  private FileChannel channel;
  private MappedByteBuffer mapped;
  private BytePointer pointer;

  private FrameSlot(Path file, boolean writer) {
    this.file = file;
    this.writer = writer;
  }

  /** The gateway's side: creates the file (mode 0600 through its folder's 0700). */
  static FrameSlot create(Path file) throws IOException {
    FrameSlot slot = new FrameSlot(file, true);
    slot.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    return slot;
  }

  /** The host's side: opens the file the gateway created. */
  static FrameSlot open(Path file) throws IOException {
    FrameSlot slot = new FrameSlot(file, false);
    slot.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return slot;
  }

  Path file() {
    return file;
  }

  /**
   * Copies {@code region} of {@code bgr} to the same place in the slot, growing it to the frame's size if needed;
   * the rest of the slot is left as it was (no detector reads outside the region it is given).
   */
  void write(Mat bgr, Box region) throws IOException {
    ensureCapacity((long) bgr.cols() * bgr.rows() * 3);
    try (Mat whole = new Mat(bgr.rows(), bgr.cols(), CV_8UC3, pointer);
        Rect rect = new Rect(region.x(), region.y(), region.w(), region.h());
        Mat from = new Mat(bgr, rect); Mat to = new Mat(whole, rect)) {
      from.copyTo(to);
    }
  }

  /** A {@code width}x{@code height} BGR frame over the slot, valid until the next {@link #frame} or close. */
  Mat frame(int width, int height) throws IOException {
    ensureCapacity((long) width * height * 3);
    return new Mat(height, width, CV_8UC3, pointer);
  }

  private void ensureCapacity(long bytes) throws IOException {
    if (mapped != null && mapped.capacity() >= bytes) {
      return;
    }
    if (bytes > Integer.MAX_VALUE) {
      throw new IOException("a frame of " + bytes + " bytes does not fit a frame slot (at most 2 GB)");
    }
    if (writer && channel.size() < bytes) {
      channel.write(java.nio.ByteBuffer.wrap(new byte[1]), bytes - 1);
    }
    if (channel.size() < bytes) {
      throw new IOException("frame slot " + file + " holds " + channel.size() + " bytes, the request needs " + bytes
          + "; the gateway must grow it before asking");
    }
    if (pointer != null) {
      pointer.close();
    }
    mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
    pointer = new BytePointer(mapped);
  }

  @Override
  public void close() {
    if (pointer != null) {
      pointer.close();
      pointer = null;
    }
    mapped = null; // unmapped once collected; the file may go at once (the mapping outlives it)
    try {
      channel.close();
      if (writer) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("closing frame slot " + file + " failed", e);
    }
  }
}
