package camgate.gateway.rtsp;

import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.FrameHub;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's H.264 encodings, one per camera view (redacted, or masks only for a raw view), made on first
 * use and shared by every RTSP subscriber of that view: each camera and profile is encoded once. A stream
 * encodes only while it has subscribers.
 */
public final class H264Streams implements AutoCloseable {

  private static final int DEFAULT_FPS = 25;

  private final Map<FrameHub, H264Stream> streams = new IdentityHashMap<>();

  /** The encoding of {@code view}, a hub of {@code camera}. */
  public synchronized H264Stream of(CameraFeed camera, FrameHub view, boolean raw) {
    return streams.computeIfAbsent(view, hub -> {
      double fps = camera.status().framesPerSecond();
      int rate = fps >= 1 && fps <= 60 ? (int) Math.round(fps) : DEFAULT_FPS;
      return new H264Stream(camera.camera().id() + (raw ? "/raw" : "/redacted"), hub, H264Settings.forRate(rate));
    });
  }

  /** RTSP subscribers of a camera's views now. */
  public synchronized int subscribers(CameraFeed camera) {
    return streams.entrySet().stream()
        .filter(e -> e.getKey() == camera.redactedHub() || e.getKey() == camera.masksOnlyHub())
        .mapToInt(e -> e.getValue().subscribers()).sum();
  }

  /** Every encoding made so far. */
  public synchronized List<H264Stream> all() {
    return new ArrayList<>(streams.values());
  }

  @Override
  public synchronized void close() {
    streams.values().forEach(H264Stream::close);
    streams.clear();
  }
}
