package camgate.gateway.http;

import camgate.gateway.access.Access;
import camgate.gateway.camera.CameraStatus;
import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.camera.FrameHub;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

/**
 * One consumer's MJPEG stream of an admitted access: latest-frame delivery with drop-on-backpressure.
 * The access decides when it ends (duration, re-check, audit outage); the session ends it when the
 * camera goes down or the client leaves, and closes the response either way.
 */
final class MjpegSession implements FrameHub.Listener {

  private final Context context;
  private final HttpServerResponse response;
  private final Access access;
  private Runnable unsubscribe = () -> { };

  private MjpegSession(Vertx vertx, HttpServerResponse response, Access access) {
    this.context = vertx.getOrCreateContext();
    this.response = response;
    this.access = access;
  }

  /** Starts streaming the access's view on the calling event loop. */
  static void start(Vertx vertx, HttpServerResponse response, Access access) {
    new MjpegSession(vertx, response, access).start();
  }

  private void start() {
    if (!access.serve(this::end)) {
      return;  // refused (too many streams for this subject) and recorded by the access
    }
    response.setChunked(true)
        .putHeader("Content-Type", "multipart/x-mixed-replace; boundary=" + EncodedFrame.BOUNDARY)
        .putHeader("Cache-Control", "no-store, no-cache, must-revalidate")
        .putHeader("Pragma", "no-cache")
        .putHeader("X-Camgate-Audit-Seq", Long.toString(access.auditSeq()))
        .putHeader("X-Camgate-Policy-Version", access.decision().policyVersion());
    response.closeHandler(v -> end("client closed the connection"));
    response.exceptionHandler(e -> end("connection error: " + e.getMessage()));
    FrameHub hub = access.view();
    unsubscribe = hub.subscribe(this);
    hub.latest().ifPresent(this::onFrame);
  }

  @Override
  public void onFrame(EncodedFrame frame) {
    // Called on the ingest thread: hand the frame to this connection's event loop.
    context.runOnContext(v -> write(frame));
  }

  @Override
  public void onStatus(CameraStatus status) {
    if (!status.live()) {
      context.runOnContext(v -> end("camera " + status.state().name().toLowerCase() + ": " + status.detail()));
    }
  }

  private void write(EncodedFrame frame) {
    if (access.ended()) {
      return;
    }
    if (response.writeQueueFull()) {
      access.dropped();  // slow consumer: skip this frame rather than queue it
      return;
    }
    response.write(frame.mjpegPart());
    access.sent(frame.mjpegPartLength());
  }

  private void end(String reason) {
    access.end(reason);
    close();
  }

  private void close() {
    unsubscribe.run();
    if (!response.closed() && !response.ended()) {
      response.end();
    }
  }
}
