package camgate.gateway.hls;

import camgate.gateway.access.Access;
import camgate.gateway.access.AccessEvents.Delivery;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One browser's HLS viewing session: the admitted {@link Access} its playlist request opened, and the unguessable
 * token its playlist and segment URLs carry. The token is good exactly as long as the access: when the access ends
 * (a re-check no longer allows it, its authorised duration is reached, the audit log cannot record it), when the
 * viewer stops asking (idle), when the client ends it or when the camera stops, the session ends once, forgets its
 * token and ends the access with what it delivered.
 *
 * <p>Requests of one session may come on any event loop: counters are atomic, and the access is ended on the
 * context that serves it.
 */
final class HlsSession implements HlsSegmenter.Viewer {

  private static final Logger LOG = LoggerFactory.getLogger(HlsSession.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String token;
  private final String cameraId;
  private final Access access;
  private final HlsSegmenter segmenter;
  private final Context context;
  private final Consumer<HlsSession> forget;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicLong lastRequestNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong segments = new AtomicLong();
  private final AtomicLong pictures = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong playlists = new AtomicLong();

  /**
   * @param context where the access is served (the playlist request's event loop)
   * @param forget  removes the session's token from the routes' register when it ends
   */
  HlsSession(String cameraId, Access access, HlsSegmenter segmenter, Context context, Consumer<HlsSession> forget) {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.cameraId = cameraId;
    this.access = access;
    this.segmenter = segmenter;
    this.context = context;
    this.forget = forget;
  }

  String token() {
    return token;
  }

  String cameraId() {
    return cameraId;
  }

  Access access() {
    return access;
  }

  HlsSegmenter segmenter() {
    return segmenter;
  }

  boolean ended() {
    return ended.get() || access.ended();
  }

  /** A request came with this session's token: the viewer is still there. */
  void touch() {
    lastRequestNanos.set(System.nanoTime());
  }

  long idleNanos() {
    return System.nanoTime() - lastRequestNanos.get();
  }

  void playlistSent(int size) {
    playlists.incrementAndGet();
    bytes.addAndGet(size);
  }

  void segmentSent(Segment segment) {
    segments.incrementAndGet();
    pictures.addAndGet(segment.pictures());
    bytes.addAndGet(segment.size());
  }

  /** The stream ended for every viewer (camera down, stream closed). */
  @Override
  public void ended(String reason) {
    end(reason);
  }

  /** Ends the session (idempotent): its token stops working at once, and the access ends with what it delivered. */
  void end(String reason) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    forget.accept(this);
    segmenter.leave(this);
    LOG.info("HLS session of access {} on {} ended ({}): {} segments, {} playlists", access.auditSeq(), cameraId,
        reason, segments.get(), playlists.get());
    context.runOnContext(v -> {
      access.delivered(pictures.get(), bytes.get());
      access.end(reason, new Delivery(0, 0, 0, Map.of("protocol", "hls", "segments", segments.get(),
          "playlists", playlists.get())));
    });
  }
}
