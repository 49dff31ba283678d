package camgate.gateway.rtsp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A bare RTSP client for the protocol's edges that real clients hide (status codes, headers, whether RTP
 * arrives): sends one request at a time and reads the answer, counting interleaved frames it skips.
 */
final class RtspTestClient implements AutoCloseable {

  /** One answer. */
  record Answer(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private int cseq;
  int interleavedFrames;

  RtspTestClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(15_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  Answer send(String method, String url, String... headers) throws IOException {
    StringBuilder b = new StringBuilder(method).append(' ').append(url).append(" RTSP/1.0\r\nCSeq: ")
        .append(++cseq).append("\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    out.write(b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return read();
  }

  /** Reads the next answer, skipping interleaved frames. */
  Answer read() throws IOException {
    while (true) {
      int first = in.read();
      if (first < 0) {
        throw new IOException("connection closed by the server");
      }
      if (first == '$') {
        in.read();
        int len = (in.read() << 8) | in.read();
        in.readNBytes(len);
        interleavedFrames++;
        continue;
      }
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.write(first);
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("connection closed inside an answer: " + head);
        }
        head.write(c);
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
      }
      int length = Integer.parseInt(headers.getOrDefault("Content-Length", "0"));
      String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      if (!String.valueOf(cseq).equals(headers.get("CSeq"))) {
        throw new IOException("CSeq " + headers.get("CSeq") + " does not echo " + cseq + " in " + lines[0]);
      }
      return new Answer(status, headers, body);
    }
  }

  /** Reads interleaved frames for this long; returns how many arrived, or -1 if the server closed. */
  int countFrames(long millis) throws IOException {
    long end = System.currentTimeMillis() + millis;
    int before = interleavedFrames;
    socket.setSoTimeout(200);
    try {
      while (System.currentTimeMillis() < end) {
        int first;
        try {
          first = in.read();
        } catch (java.net.SocketTimeoutException e) {
          continue;
        }
        if (first < 0) {
          return -1;
        }
        if (first != '$') {
          throw new IOException(String.format(Locale.ROOT, "expected an interleaved frame, got byte 0x%02x", first));
        }
        in.read();
        int len = (in.read() << 8) | in.read();
        in.readNBytes(len);
        interleavedFrames++;
      }
    } finally {
      socket.setSoTimeout(15_000);
    }
    return interleavedFrames - before;
  }

  /** True if the server closed the connection within the time (reading and dropping what it sends). */
  boolean closedWithin(long millis) throws IOException {
    long end = System.currentTimeMillis() + millis;
    socket.setSoTimeout(200);
    byte[] sink = new byte[8192];
    while (System.currentTimeMillis() < end) {
      try {
        if (in.read(sink) < 0) {
          return true;
        }
      } catch (java.net.SocketTimeoutException e) {
        // keep waiting
      } catch (java.net.SocketException e) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
