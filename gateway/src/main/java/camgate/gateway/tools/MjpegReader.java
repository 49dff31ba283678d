package camgate.gateway.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads the JPEG parts of a multipart/x-mixed-replace stream, one at a time. */
public final class MjpegReader implements AutoCloseable {

  private final InputStream in;

  public MjpegReader(InputStream in) {
    this.in = in;
  }

  /** One part: its JPEG bytes and its headers (lower-case names). */
  public record Part(byte[] jpeg, Map<String, String> headers) {
    /** True when the gateway masked the whole frame (warm-up, detector failed or late). */
    public boolean failSafe() {
      return "1".equals(headers.get("x-fail-safe"));
    }
  }

  /** The next part, or null at the end of the stream. */
  public Part next() throws IOException {
    String line;
    do {
      line = readLine();
      if (line == null) {
        return null;
      }
    } while (!line.startsWith("--"));
    Map<String, String> headers = new HashMap<>();
    while ((line = readLine()) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
    }
    if (line == null) {
      return null;
    }
    int length = Integer.parseInt(headers.get("content-length"));
    byte[] jpeg = in.readNBytes(length);
    return jpeg.length == length ? new Part(jpeg, headers) : null;
  }

  /**
   * The first part the gateway did not mask whole (past the detector's warm-up), reading at most
   * {@code maxParts} parts; fails the test if the stream ends or stays masked.
   */
  public Part firstRedacted(int maxParts) throws IOException {
    for (int n = 0; n < maxParts; n++) {
      Part part = next();
      if (part == null) {
        throw new AssertionError("stream ended before a frame past the fail-safe warm-up");
      }
      if (!part.failSafe()) {
        return part;
      }
    }
    throw new AssertionError("still fail-safe after " + maxParts + " parts: the detector did not warm up");
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String s = buf.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      buf.write(b);
    }
    return buf.size() == 0 ? null : buf.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
