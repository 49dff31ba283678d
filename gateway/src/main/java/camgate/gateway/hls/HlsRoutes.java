package camgate.gateway.hls;

import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.HttpCaller;
import camgate.gateway.camera.FrameHub;
import camgate.gateway.rtsp.H264Stream;
import camgate.gateway.rtsp.H264Streams;
import camgate.gateway.rtsp.ParameterSets;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HLS for browsers, an HTTP adapter of the access gate: {@code GET /cameras/{id}/hls/index.m3u8?purpose=P} is decided
 * and recorded once, like an MJPEG stream (same credentials, action {@code view_live}, or {@code view_raw} with
 * {@code raw=1&requisition=R}), and opens one viewing session; its answer names the session's media playlist
 * {@code /cameras/{id}/hls/{token}/index.m3u8}, whose segments are {@code /cameras/{id}/hls/{token}/seg-N.ts}. Those
 * URLs need no other credential and die with the access: afterwards they get 410 and no media.
 * {@code DELETE /cameras/{id}/hls/{token}} ends the session (a player that stops). A session nobody asks anything
 * of for {@code idle} ends by itself.
 *
 * <p>It decides, records and times nothing of the access itself: the {@link camgate.gateway.access.Access} does.
 */
public final class HlsRoutes implements AutoCloseable {

  /** A viewer is gone when it has not asked for anything for this long (five segment durations), by default. */
  public static final Duration DEFAULT_IDLE = Duration.ofSeconds(10);
  /** How long a first playlist request waits for the first segment of a view nobody was watching. */
  private static final Duration FIRST_SEGMENT_WAIT = Duration.ofSeconds(6);
  private static final Pattern SEGMENT = Pattern.compile("seg-(\\d{1,18})\\.ts");

  private final Vertx vertx;
  private final AccessGate gate;
  private final H264Streams streams;
  private final Duration idle;
  private final Map<H264Stream, HlsSegmenter> segmenters = new IdentityHashMap<>();
  private final Map<String, HlsSession> sessions = new ConcurrentHashMap<>();
  private long sweepTimer = -1;

  /**
   * @param streams the gateway's H.264 encodings, shared with RTSP: each camera view is encoded once
   * @param idle    how long a session may go without a request before it ends
   */
  public HlsRoutes(Vertx vertx, AccessGate gate, H264Streams streams, Duration idle) {
    if (idle.isNegative() || idle.compareTo(Duration.ofSeconds(HlsPlaylist.TARGET_DURATION_S)) <= 0) {
      throw new IllegalArgumentException("hls.idle_s must be longer than a segment (" + HlsPlaylist.TARGET_DURATION_S
          + " s), was " + idle.toSeconds() + " s");
    }
    this.vertx = vertx;
    this.gate = gate;
    this.streams = streams;
    this.idle = idle;
  }

  public void mount(Router router) {
    router.get("/cameras/:id/hls/index.m3u8").handler(this::open);
    router.get("/cameras/:id/hls/:token/index.m3u8").handler(this::playlist);
    router.get("/cameras/:id/hls/:token/:segment").handler(this::segment);
    router.delete("/cameras/:id/hls/:token").handler(this::close);
    if (sweepTimer < 0) {
      sweepTimer = vertx.setPeriodic(500, id -> sweep());
    }
  }

  /** HLS viewing sessions open now on a camera. */
  public int sessions(String cameraId) {
    return (int) sessions.values().stream().filter(s -> s.cameraId().equals(cameraId)).count();
  }

  /** H.264 subscriptions held by HLS segmenters on a camera's streams (one per view being watched over HLS). */
  public synchronized int encoderSubscriptions(String cameraId) {
    return (int) segmenters.values().stream()
        .filter(s -> s.viewers() > 0 && s.stream().name().startsWith(cameraId + "/")).count();
  }

  /** GET /cameras/{id}/hls/index.m3u8[?purpose=…][&raw=1&requisition=…]: decide, record, open a session. */
  private void open(RoutingContext rc) {
    boolean raw = "1".equals(rc.request().getParam("raw")) || "true".equals(rc.request().getParam("raw"));
    String cameraId = rc.pathParam("id");
    Context context = vertx.getOrCreateContext();
    HttpCaller.admit(gate, rc, raw ? "view_raw" : "view_live", Target.camera(cameraId, true), new JsonObject())
        .onSuccess(access -> {
          FrameHub view = access.view();
          H264Stream stream = streams.of(access.camera(), view, view != access.camera().redactedHub());
          HlsSegmenter segmenter = segmenterOf(stream);
          HlsSession session = new HlsSession(cameraId, access, segmenter, context, s -> sessions.remove(s.token()));
          if (!access.serve(session::end)) {
            return;  // refused (too many streams for this subject), answered and recorded by the access
          }
          sessions.put(session.token(), session);
          segmenter.join(session);
          String codecs = Optional.ofNullable(stream.parameterSets().getNow(null))
              .map(HlsRoutes::codecs).orElse(null);
          Buffer body = Buffer.buffer(HlsPlaylist.multivariant(session.token(), codecs));
          session.playlistSent(body.length());
          playlistHeaders(rc.response())
              .putHeader("X-Camgate-Audit-Seq", Long.toString(access.auditSeq()))
              .putHeader("X-Camgate-Policy-Version", access.decision().policyVersion())
              .end(body);
        });
  }

  /** GET /cameras/{id}/hls/{token}/index.m3u8: the live playlist, once the view has a first segment. */
  private void playlist(RoutingContext rc) {
    HlsSession session = session(rc);
    if (session == null) {
      return;
    }
    if (!session.segmenter().window().isEmpty()) {
      sendPlaylist(rc, session);
      return;
    }
    // The view was not being watched: its first segment is at most one keyframe interval away.
    Context context = vertx.getOrCreateContext();
    AtomicBoolean answered = new AtomicBoolean();
    Runnable answer = () -> {
      if (answered.compareAndSet(false, true)) {
        sendPlaylist(rc, session);
      }
    };
    Runnable withdraw = session.segmenter().onNextSegment(() -> context.runOnContext(v -> answer.run()));
    long timer = vertx.setTimer(FIRST_SEGMENT_WAIT.toMillis(), id -> answer.run());
    rc.response().closeHandler(v -> {
      withdraw.run();
      vertx.cancelTimer(timer);
    });
  }

  private void sendPlaylist(RoutingContext rc, HlsSession session) {
    if (session.ended()) {
      gone(rc);
      return;
    }
    session.touch();
    Buffer body = Buffer.buffer(HlsPlaylist.media(session.segmenter().window()));
    session.playlistSent(body.length());
    playlistHeaders(rc.response()).end(body);
  }

  /** GET /cameras/{id}/hls/{token}/seg-N.ts: one segment of the window, shared by every viewer of the view. */
  private void segment(RoutingContext rc) {
    Matcher m = SEGMENT.matcher(rc.pathParam("segment"));
    HlsSession session = session(rc);
    if (session == null) {
      return;
    }
    if (!m.matches()) {
      notFound(rc, "no '" + rc.pathParam("segment") + "' in an HLS session: segments are named seg-N.ts");
      return;
    }
    session.touch();
    long wanted = Long.parseLong(m.group(1));
    List<Segment> window = session.segmenter().window();
    Optional<Segment> found = window.stream().filter(s -> s.sequence() == wanted).findFirst();
    if (found.isEmpty()) {
      notFound(rc, "segment " + wanted + " is not in the live window (" + (window.isEmpty() ? "empty"
          : "segments " + window.get(0).sequence() + " to " + window.get(window.size() - 1).sequence())
          + "): reload the playlist");
      return;
    }
    session.segmentSent(found.get());
    rc.response().putHeader("Content-Type", "video/mp2t").putHeader("Cache-Control", "no-store")
        .end(found.get().data());
  }

  /** DELETE /cameras/{id}/hls/{token}: the player stops; the access ends now rather than when idle. */
  private void close(RoutingContext rc) {
    HlsSession session = session(rc);
    if (session != null) {
      session.end("client ended the session");
      rc.response().setStatusCode(204).end();
    }
  }

  /** The live session the request's token names on its camera, or null after answering 410. */
  private HlsSession session(RoutingContext rc) {
    HlsSession session = sessions.get(rc.pathParam("token"));
    if (session == null || session.ended() || !session.cameraId().equals(rc.pathParam("id"))) {
      gone(rc);
      return null;
    }
    session.touch();  // the viewer is there, even while its first playlist waits for the first segment
    return session;
  }

  private static void gone(RoutingContext rc) {
    rc.response().setStatusCode(410).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("error", "this HLS viewing session has ended or never existed: nothing is served; "
            + "open /cameras/" + rc.pathParam("id") + "/hls/index.m3u8?purpose=… again for a new decision").encode());
  }

  private static void notFound(RoutingContext rc, String error) {
    rc.response().setStatusCode(404).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("error", error).encode());
  }

  private static HttpServerResponse playlistHeaders(HttpServerResponse response) {
    return response.putHeader("Content-Type", HlsPlaylist.CONTENT_TYPE).putHeader("Cache-Control", "no-store");
  }

  /** RFC 6381 codec string of an H.264 stream: {@code avc1.} and the SPS's profile, constraints and level. */
  static String codecs(ParameterSets sets) {
    return "avc1." + sets.profileLevelId();
  }

  private synchronized HlsSegmenter segmenterOf(H264Stream stream) {
    return segmenters.computeIfAbsent(stream, HlsSegmenter::new);
  }

  /** Ends the sessions nobody has asked anything of for the idle time. */
  private void sweep() {
    long limit = idle.toNanos();
    for (HlsSession s : new ArrayList<>(sessions.values())) {
      if (s.idleNanos() > limit) {
        s.end("idle: no request for " + idle.toSeconds() + " s");
      }
    }
  }

  /** Ends every session (the gateway stops): their accesses record their ends. */
  @Override
  public void close() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    new ArrayList<>(sessions.values()).forEach(s -> s.end("gateway stopped"));
  }
}
