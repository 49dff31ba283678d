package camgate.gateway.rtsp;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Splits the bytes a client sends on its RTSP connection into requests and interleaved binary frames
 * ({@code $}, channel, 16-bit length, data: RTCP receiver reports over TCP). Not thread-safe: one per connection.
 */
final class RtspMessageReader {

  /** Largest request head (request line and headers) accepted. */
  static final int MAX_HEAD = 8 * 1024;
  /** Largest request body accepted (GET_PARAMETER, SET_PARAMETER). */
  static final int MAX_BODY = 64 * 1024;

  /** Receives what the reader found. */
  interface Handler {
    void request(RtspRequest request);

    void interleaved(int channel, Buffer data);

    /** The client sent something that is not RTSP; the connection cannot be read further. */
    void malformed(int status, String why);
  }

  private final Handler handler;
  private Buffer pending = Buffer.buffer();
  private boolean broken;

  RtspMessageReader(Handler handler) {
    this.handler = handler;
  }

  void feed(Buffer data) {
    if (broken) {
      return;
    }
    pending.appendBuffer(data);
    int pos = 0;
    while (!broken && pos < pending.length()) {
      int used = pending.getByte(pos) == '$' ? readInterleaved(pos) : readRequest(pos);
      if (used == 0) {
        break;
      }
      pos += used;
    }
    pending = pos == pending.length() ? Buffer.buffer() : pending.getBuffer(pos, pending.length());
  }

  private int readInterleaved(int pos) {
    if (pending.length() - pos < 4) {
      return 0;
    }
    int channel = pending.getUnsignedByte(pos + 1);
    int length = pending.getUnsignedShort(pos + 2);
    if (pending.length() - pos < 4 + length) {
      return 0;
    }
    handler.interleaved(channel, pending.getBuffer(pos + 4, pos + 4 + length));
    return 4 + length;
  }

  private int readRequest(int pos) {
    int end = indexOfHeadEnd(pos);
    if (end < 0) {
      if (pending.length() - pos > MAX_HEAD) {
        fail(400, "request head longer than " + MAX_HEAD + " bytes or not terminated by an empty line");
      }
      return 0;
    }
    String head = pending.getString(pos, end, StandardCharsets.ISO_8859_1.name());
    String[] lines = head.split("\r?\n");
    int skip = 0;
    while (skip < lines.length && lines[skip].isEmpty()) {
      skip++; // stray CRLF between requests
    }
    if (skip == lines.length) {
      return end + headEndLength(end) - pos;
    }
    String[] requestLine = lines[skip].trim().split(" +");
    if (requestLine.length != 3) {
      fail(400, "malformed request line '" + lines[skip] + "'; expected 'METHOD rtsp://host/path RTSP/1.0'");
      return 0;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = skip + 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        fail(400, "malformed header line '" + lines[i] + "'; expected 'Name: value'");
        return 0;
      }
      headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
    }
    int bodyLength = 0;
    String declared = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Content-Length"))
        .map(Map.Entry::getValue).findFirst().orElse("0");
    try {
      bodyLength = Integer.parseInt(declared);
    } catch (NumberFormatException e) {
      bodyLength = -1;
    }
    if (bodyLength < 0 || bodyLength > MAX_BODY) {
      fail(bodyLength < 0 ? 400 : 413, "Content-Length '" + declared + "' must be a number from 0 to " + MAX_BODY);
      return 0;
    }
    int bodyStart = end + headEndLength(end);
    if (pending.length() < bodyStart + bodyLength) {
      return 0;
    }
    byte[] body = pending.getBytes(bodyStart, bodyStart + bodyLength);
    handler.request(new RtspRequest(requestLine[0], requestLine[1], requestLine[2], headers, body));
    return bodyStart + bodyLength - pos;
  }

  /** Index of the blank line that ends the head (CRLFCRLF, or LFLF from lax clients), or -1. */
  private int indexOfHeadEnd(int from) {
    int limit = Math.min(pending.length(), from + MAX_HEAD + 4);
    for (int i = from; i + 1 < limit; i++) {
      if (pending.getByte(i) == '\n' && pending.getByte(i + 1) == '\n') {
        return i;
      }
      if (i + 3 < limit && pending.getByte(i) == '\r' && pending.getByte(i + 1) == '\n'
          && pending.getByte(i + 2) == '\r' && pending.getByte(i + 3) == '\n') {
        return i;
      }
    }
    return -1;
  }

  private int headEndLength(int end) {
    return pending.getByte(end) == '\r' ? 4 : 2;
  }

  private void fail(int status, String why) {
    broken = true;
    handler.malformed(status, why);
  }
}
