package camgate.gateway.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A real RTSP camera on loopback: GStreamer's RTSP server (Debian) serving a media file as H.264. */
public final class RtspCamera implements AutoCloseable {

  private final Process process;
  private final String url;

  private RtspCamera(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  /** Starts the server on a free port and waits until it accepts connections. */
  public static RtspCamera serve(Path media) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return serve(media, port);
  }

  /** Starts the server on the given port (a camera coming back where it was) and waits until it accepts connections. */
  public static RtspCamera serve(Path media, int port) throws IOException, InterruptedException {
    return serve(media, port, 25);
  }

  /** A camera at {@code fps} frames per second on a free port: a light one, when several gateways share a machine. */
  public static RtspCamera serveAt(Path media, int fps) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return serve(media, port, fps);
  }

  private static RtspCamera serve(Path media, int port, int fps) throws IOException, InterruptedException {
    if (!Files.isRegularFile(media)) {
      throw new IllegalStateException("test media " + media + " missing; run ./camgate setup (Debian opencv-doc, "
          + "python3-skimage)");
    }
    Path script = TestPaths.root().resolve("gateway/src/test/python/rtsp_camera.py");
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--port", Integer.toString(port),
        "--media", media.toString(), "--fps", Integer.toString(fps)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line = r.readLine();
        return line != null && line.startsWith("READY ") ? line.substring(6) : null;
      } catch (IOException e) {
        return null;
      }
    });
    try {
      String url = ready.get(20, TimeUnit.SECONDS);
      if (url == null) {
        p.destroyForcibly();
        throw new IllegalStateException("RTSP test camera did not start (python3-gi, gir1.2-gst-rtsp-server-1.0 "
            + "installed? ./camgate setup installs them)");
      }
      return new RtspCamera(p, url);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      throw new IllegalStateException("RTSP test camera did not report READY within 20 s", e);
    }
  }

  /** Freezes the camera (SIGSTOP): its connections stay open and say nothing, as a hung camera's do. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Lets a paused camera go on (SIGCONT). */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    if (new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  public int port() {
    return java.net.URI.create(url).getPort();
  }

  public String url() {
    return url;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      resume();  // a stopped process would hold its SIGTERM until continued
    } catch (IOException | IllegalStateException e) {
      // ending it anyway below
    }
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
