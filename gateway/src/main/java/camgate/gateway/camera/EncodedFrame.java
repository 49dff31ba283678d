package camgate.gateway.camera;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One redacted frame, JPEG-encoded once and shared by every consumer of its camera. Value-based and
 * immutable: the bytes are copied in, and the MJPEG part every consumer writes is built once, here,
 * as a read-only buffer (Vert.x writes the same buffer to any number of connections).
 */
public final class EncodedFrame {

  /** The multipart boundary of camgate's MJPEG streams. */
  public static final String BOUNDARY = "camgateframe";

  private final long sequence;
  private final Instant time;
  private final boolean failSafe;
  private final int jpegOffset;
  private final int jpegLength;
  private final Buffer part;

  /**
   * @param sequence increases by one per published frame of the camera
   * @param jpeg     the encoded picture (copied)
   * @param failSafe the whole frame was masked because detection was not ready, failed or late
   */
  public EncodedFrame(long sequence, Instant time, byte[] jpeg, boolean failSafe) {
    this.sequence = sequence;
    this.time = time;
    this.failSafe = failSafe;
    byte[] head = ("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length
        + "\r\nX-Frame-Sequence: " + sequence + "\r\nX-Fail-Safe: " + (failSafe ? 1 : 0) + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = new byte[head.length + jpeg.length + 2];
    System.arraycopy(head, 0, bytes, 0, head.length);
    System.arraycopy(jpeg, 0, bytes, head.length, jpeg.length);
    bytes[bytes.length - 2] = '\r';
    bytes[bytes.length - 1] = '\n';
    this.jpegOffset = head.length;
    this.jpegLength = jpeg.length;
    this.part = BufferInternal.buffer(Unpooled.wrappedBuffer(bytes).asReadOnly());
  }

  public long sequence() {
    return sequence;
  }

  public Instant time() {
    return time;
  }

  /** True when the whole frame was masked (detection not ready, failed or late). */
  public boolean failSafe() {
    return failSafe;
  }

  /** A copy of the JPEG bytes. */
  public byte[] jpeg() {
    return part.getBytes(jpegOffset, jpegOffset + jpegLength);
  }

  /** The JPEG as a read-only buffer shared with every consumer (no copy). */
  public Buffer jpegBuffer() {
    return part.slice(jpegOffset, jpegOffset + jpegLength);
  }

  public int jpegLength() {
    return jpegLength;
  }

  /** The frame as one part of a multipart/x-mixed-replace stream: read-only, built once per frame. */
  public Buffer mjpegPart() {
    return part;
  }

  public int mjpegPartLength() {
    return part.length();
  }

  @Override
  public String toString() {
    return "EncodedFrame[sequence=" + sequence + ", time=" + time + ", jpeg=" + jpegLength + " bytes, failSafe="
        + failSafe + "]";
  }
}
