package camgate.gateway.camera;

import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Latest-frame fan-out of one camera view: the ingest thread publishes, each consumer is handed
 * only the newest frame and drops what it cannot send, so a slow consumer never makes memory grow.
 *
 * <p>Thread-safe. Listeners are called on the publishing (ingest) thread and must hand off quickly.
 */
public final class FrameHub {

  /** Receives frames and status changes; must not block. */
  public interface Listener {
    void onFrame(EncodedFrame frame);

    void onStatus(CameraStatus status);
  }

  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile EncodedFrame latest;

  public void publish(EncodedFrame frame) {
    latest = frame;
    listeners.forEach(l -> l.onFrame(frame));
  }

  /** Tells every listener the camera's state changed; a camera that goes down also forgets its last frame. */
  public void publishStatus(CameraStatus status) {
    if (!status.live()) {
      latest = null;
    }
    listeners.forEach(l -> l.onStatus(status));
  }

  public Optional<EncodedFrame> latest() {
    return Optional.ofNullable(latest);
  }

  /** Adds a listener; the returned action removes it (and with it everything it held). */
  public Runnable subscribe(Listener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  public int consumers() {
    return listeners.size();
  }

  /** Convenience for a listener that only wants frames. */
  public static Listener onFrames(Consumer<EncodedFrame> frames) {
    return new Listener() {
      @Override
      public void onFrame(EncodedFrame frame) {
        frames.accept(frame);
      }

      @Override
      public void onStatus(CameraStatus status) {
      }
    };
  }
}
