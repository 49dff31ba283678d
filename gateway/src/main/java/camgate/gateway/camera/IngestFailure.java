package camgate.gateway.camera;

import camgate.gateway.CameraConfig;
import camgate.gateway.CameraCredentials;

import java.io.IOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a camera's stream could not be read, in words that are safe to show anyone: FFmpeg's own messages
 * carry the URL the stream was opened with, login included, so they never reach a status, a reply or the
 * audit log. The error code is read out of them and named; the rest goes to the gateway log, scrubbed.
 */
final class IngestFailure {

  private static final Pattern CODE = Pattern.compile("error (-?\\d+)");
  private static final Pattern USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"']*@");
  /** FFmpeg's AVERROR codes a camera gives most often (negated errno values and FFmpeg's own tags). */
  private static final Map<Integer, String> CODES = Map.ofEntries(
      Map.entry(-111, "connection refused"),
      Map.entry(-110, "connection timed out"),
      Map.entry(-113, "no route to host"),
      Map.entry(-101, "network unreachable"),
      Map.entry(-104, "connection reset by the camera"),
      Map.entry(-5, "input/output error"),
      Map.entry(-2, "no such stream"),
      Map.entry(-1094995529, "invalid data in the stream"),
      Map.entry(-825242872, "the camera refused the login (401)"),
      Map.entry(-858797304, "the camera forbids this stream (403)"),
      Map.entry(-875574520, "the camera has no such stream (404)"),
      Map.entry(-541478725, "end of stream"));

  private IngestFailure() {
  }

  /** The stream could not be opened; the cause's message is not for display. */
  static final class OpenFailed extends Exception {
    OpenFailed(Exception cause) {
      super("open failed", cause, false, false);
    }
  }

  /** A reason safe for statuses and replies: the camera's public source and a classified cause. */
  static String describe(CameraConfig camera, Exception e) {
    if (e instanceof OpenFailed) {
      return "cannot open " + camera.publicSource() + ": " + classify(e.getCause());
    }
    if (e instanceof IOException && e.getMessage() != null && e.getMessage().contains("login")) {
      return "the camera's login could not be read (the gateway log says why)";
    }
    if (e instanceof IllegalStateException && e.getMessage() != null && e.getMessage().startsWith("stream of camera")) {
      return e.getMessage();  // ours: no URL in it
    }
    return "stream of " + camera.publicSource() + " failed: " + classify(e);
  }

  /** The library's message for the gateway log, with every login cut out. */
  static String scrub(CameraConfig camera, Throwable e) {
    Throwable root = e instanceof OpenFailed && e.getCause() != null ? e.getCause() : e;
    String message = String.valueOf(root.getMessage());
    message = USERINFO.matcher(message).replaceAll("$1***@");
    if (camera.credentials() instanceof CameraCredentials.InUrl in && !in.userinfo().isEmpty()) {
      message = message.replace(in.userinfo(), "***");
    }
    return root.getClass().getSimpleName() + ": " + message;
  }

  private static String classify(Throwable e) {
    String message = e == null ? null : e.getMessage();
    if (message != null) {
      Matcher m = CODE.matcher(message);
      if (m.find()) {
        int code = Integer.parseInt(m.group(1));
        return CODES.getOrDefault(code, "FFmpeg error " + code);
      }
    }
    return e == null ? "unknown error" : e.getClass().getSimpleName();
  }
}
