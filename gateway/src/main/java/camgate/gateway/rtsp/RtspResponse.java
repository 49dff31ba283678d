package camgate.gateway.rtsp;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** One RTSP response being built: status, headers in order, optional body with its type. */
final class RtspResponse {

  private final int status;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private byte[] body = new byte[0];

  RtspResponse(int status) {
    this.status = status;
  }

  static RtspResponse ok() {
    return new RtspResponse(200);
  }

  /** An error response with a plain-text body that says what was wrong and what to do. */
  static RtspResponse error(int status, String explanation) {
    return new RtspResponse(status).body("text/plain; charset=utf-8", explanation + "\r\n");
  }

  int status() {
    return status;
  }

  RtspResponse header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  RtspResponse body(String contentType, String text) {
    headers.put("Content-Type", contentType);
    body = text.getBytes(StandardCharsets.UTF_8);
    return this;
  }

  /** The wire form, CSeq first (echoed from the request, omitted if it had none). */
  Buffer encode(String cseq) {
    StringBuilder b = new StringBuilder("RTSP/1.0 ").append(status).append(' ').append(reason(status)).append("\r\n");
    if (cseq != null) {
      b.append("CSeq: ").append(cseq).append("\r\n");
    }
    b.append("Server: camgate\r\n");
    b.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
        .append("\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    if (body.length > 0) {
      b.append("Content-Length: ").append(body.length).append("\r\n");
    }
    b.append("\r\n");
    Buffer out = Buffer.buffer(b.toString());
    return body.length > 0 ? out.appendBytes(body) : out;
  }

  /** The reason phrase of an RTSP 1.0 status (RFC 2326 §7.1.1). */
  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 301 -> "Moved Permanently";
      case 302 -> "Moved Temporarily";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 408 -> "Request Timeout";
      case 413 -> "Request Entity Too Large";
      case 451 -> "Parameter Not Understood";
      case 453 -> "Not Enough Bandwidth";
      case 454 -> "Session Not Found";
      case 455 -> "Method Not Valid in This State";
      case 459 -> "Aggregate Operation Not Allowed";
      case 461 -> "Unsupported Transport";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Time-out";
      case 505 -> "RTSP Version not supported";
      default -> status < 500 ? "Client Error" : "Server Error";
    };
  }
}
