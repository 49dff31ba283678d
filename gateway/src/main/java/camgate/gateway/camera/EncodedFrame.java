package camgate.gateway.camera;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One redacted frame, JPEG-encoded once and shared by every consumer of its camera.
 *
 * @param sequence  increases by one per published frame of the camera
 * @param failSafe  the whole frame was masked because detection was not ready, failed or late
 */
public record EncodedFrame(long sequence, Instant time, byte[] jpeg, boolean failSafe) {

  /** The multipart boundary of camgate's MJPEG streams. */
  public static final String BOUNDARY = "camgateframe";

  /** The frame as one part of a multipart/x-mixed-replace stream, built once per frame. */
  public byte[] mjpegPart() {
    byte[] head = ("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length
        + "\r\nX-Frame-Sequence: " + sequence + "\r\nX-Fail-Safe: " + (failSafe ? 1 : 0) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] part = new byte[head.length + jpeg.length + 2];
    System.arraycopy(head, 0, part, 0, head.length);
    System.arraycopy(jpeg, 0, part, head.length, jpeg.length);
    part[part.length - 2] = '\r';
    part[part.length - 1] = '\n';
    return part;
  }
}
