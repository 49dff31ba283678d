package camgate.gateway.export;

import camgate.gateway.camera.CameraStatus;
import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.camera.FrameHub;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Records what one camera view publishes during a given time into a file. The frames are the ones
 * every live consumer of that view gets, so an export is redacted exactly as the live view is.
 */
public final class ClipRecorder {

  private final Vertx vertx;

  public ClipRecorder(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Records {@code duration} of {@code hub} into {@code file}. Fails, and deletes the partial file,
   * when the camera stops during the recording or no frame arrived at all.
   */
  public Future<RecordedClip> record(FrameHub hub, Duration duration, Path file) {
    Context context = vertx.getOrCreateContext();
    Promise<RecordedClip> done = Promise.promise();
    vertx.fileSystem().open(file.toString(), new OpenOptions().setCreateNew(true).setWrite(true).setPerms("rw-------"))
        .onFailure(done::fail)
        .onSuccess(out -> new Recording(context, hub, out, file, done).start(duration));
    return done.future();
  }

  /** One recording: frames arrive on the ingest thread and are written in order on the Vert.x context. */
  private final class Recording implements FrameHub.Listener {
    private final Context context;
    private final FrameHub hub;
    private final AsyncFile out;
    private final Path file;
    private final Promise<RecordedClip> done;
    private Runnable unsubscribe;
    private long frames;
    private long lastSequence = Long.MIN_VALUE;
    private long failSafe;
    private long dropped;
    private long bytes;
    private String failure;
    private boolean finished;

    Recording(Context context, FrameHub hub, AsyncFile out, Path file, Promise<RecordedClip> done) {
      this.context = context;
      this.hub = hub;
      this.out = out;
      this.file = file;
      this.done = done;
    }

    void start(Duration duration) {
      unsubscribe = hub.subscribe(this);
      // The clip opens on the picture shown now: a slow camera (or a loaded machine) may publish less
      // than one frame in a short clip's time.
      hub.latest().ifPresent(this::onFrame);
      vertx.setTimer(Math.max(1, duration.toMillis()), id -> finish());
    }

    @Override
    public void onFrame(EncodedFrame frame) {
      context.runOnContext(v -> {
        // The latest frame and the first published one may be the same frame, handed over twice.
        if (finished || frame.sequence() <= lastSequence) {
          return;
        }
        lastSequence = frame.sequence();
        if (out.writeQueueFull()) {
          // The disk is behind: skip this frame, as a slow viewer would, rather than queue frames in memory.
          dropped++;
          return;
        }
        out.write(frame.mjpegPart());
        frames++;
        bytes += frame.mjpegPartLength();
        if (frame.failSafe()) {
          failSafe++;
        }
      });
    }

    @Override
    public void onStatus(CameraStatus status) {
      if (!status.live()) {
        context.runOnContext(v -> {
          failure = "camera stopped during the recording: " + status.detail();
          finish();
        });
      }
    }

    private void finish() {
      if (finished) {
        return;
      }
      finished = true;
      unsubscribe.run();
      if (failure == null && frames == 0) {
        failure = "no frame arrived during the recording";
      }
      out.close().compose(v -> failure != null
              ? vertx.fileSystem().delete(file.toString()).transform(ar -> Future.<RecordedClip>failedFuture(failure))
              : vertx.executeBlocking(() -> new RecordedClip(file, frames, failSafe, dropped, bytes, sha256(file)), false))
          .onComplete(done);
    }
  }

  /** Hex SHA-256 of a file. BLOCKING. */
  static String sha256(Path file) throws IOException {
    try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }
}
