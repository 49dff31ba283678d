package camgate.redaction;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the gateway and its detector host say to each other over a connection, a request and its answer at a time.
 * The pixels are not in it: they are in the connection's {@link FrameSlot}. A connection opens with the slot's file
 * name; then each request names the look, the detector's kind, the frame's size and the region, and each answer is
 * either the boxes found (with the detector's localisation error at that frame size) or the detector's error.
 */
final class HostExchange {
  /** {@link ObjectDetector#detect(org.bytedeco.opencv.opencv_core.Mat)}: the region is the whole frame. */
  static final int WHOLE = 1;
  /** {@link ObjectDetector#detect(org.bytedeco.opencv.opencv_core.Mat, Box)}. */
  static final int REGION = 2;
  /** {@link ObjectDetector#glance}. */
  static final int GLANCE = 3;
  /** Only the localisation error at the frame size; nothing is read from the slot. */
  static final int LOCALISATION = 4;
  /** Tests only, honoured when the host runs with {@value #CRASH_PROPERTY}: a SIGSEGV in OpenCV's native code. */
  static final int CRASH = 99;
  /** Tests only, honoured as {@link #CRASH}: the look never answers, as a host stuck in native code would not. */
  static final int HANG = 98;
  static final String CRASH_PROPERTY = "camgate.detectorHost.testCrash";

  private static final byte FOUND = 0;
  private static final byte FAILED = 1;

  private HostExchange() {}

  /** One look asked of the host. */
  record Request(int look, ObjectKind kind, int frameWidth, int frameHeight, Box region) {
    void write(DataOutputStream out) throws IOException {
      out.writeInt(look);
      out.writeInt(kind.ordinal());
      out.writeInt(frameWidth);
      out.writeInt(frameHeight);
      out.writeInt(region.x());
      out.writeInt(region.y());
      out.writeInt(region.w());
      out.writeInt(region.h());
      out.flush();
    }

    static Request read(DataInputStream in) throws IOException {
      int look = in.readInt();
      ObjectKind kind = ObjectKind.values()[in.readInt()];
      int w = in.readInt();
      int h = in.readInt();
      return new Request(look, kind, w, h, new Box(ObjectKind.MOTION, in.readInt(), in.readInt(), in.readInt(),
          in.readInt(), 1f));
    }
  }

  /** The answer to a look: what was found, and the detector's localisation error at that frame size. */
  record Found(List<Box> boxes, double localisationError) {
    Found {
      boxes = List.copyOf(boxes);
    }
  }

  static void writeFound(DataOutputStream out, Found found) throws IOException {
    out.writeByte(FOUND);
    out.writeDouble(found.localisationError());
    out.writeInt(found.boxes().size());
    for (Box b : found.boxes()) {
      out.writeInt(b.kind().ordinal());
      out.writeInt(b.x());
      out.writeInt(b.y());
      out.writeInt(b.w());
      out.writeInt(b.h());
      out.writeFloat(b.score());
    }
    out.flush();
  }

  static void writeFailure(DataOutputStream out, String message) throws IOException {
    out.writeByte(FAILED);
    out.writeUTF(message.length() > 16_000 ? message.substring(0, 16_000) : message);
    out.flush();
  }

  /**
   * Reads an answer.
   *
   * @throws IllegalStateException carrying the host's message when its detector failed (the connection stays usable)
   * @throws IOException when the connection broke (the host died or was stopped)
   */
  static Found readAnswer(DataInputStream in) throws IOException {
    byte status = in.readByte();
    if (status == FAILED) {
      throw new IllegalStateException("the detector host's detector failed: " + in.readUTF());
    }
    if (status != FOUND) {
      throw new IOException("the detector host answered with status " + status + ", expected 0 or 1");
    }
    double error = in.readDouble();
    int n = in.readInt();
    List<Box> boxes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      boxes.add(new Box(ObjectKind.values()[in.readInt()], in.readInt(), in.readInt(), in.readInt(), in.readInt(),
          in.readFloat()));
    }
    return new Found(boxes, error);
  }
}
