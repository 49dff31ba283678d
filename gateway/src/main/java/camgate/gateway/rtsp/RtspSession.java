package camgate.gateway.rtsp;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One RTSP session set up on a connection: its admission, its RTP sink and, while playing, its subscription to the
 * camera's H.264 stream. Sends each access unit's RTP packets (RFC 6184), made once by the stream and shared with
 * every other session, and a sender report every 5 s; ends exactly once.
 *
 * <p>Confined to the connection's event loop, except the subscription's listener, which hops onto it.
 */
final class RtspSession {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long SENDER_REPORT_MILLIS = 5_000;
  private static final String CNAME = "camgate";

  enum State { READY, PLAYING, ENDED }

  private final String id;
  private final Vertx vertx;
  private final Context context;
  private final Admission admission;
  private final RtpSink sink;
  /** The stream's numbering: SSRC, sequence numbers and RTP clock are the stream's, shared by its sessions. */
  private final RtpPacketizer rtp;
  private final String trackUrl;
  /** Told when the stream ends the session by itself (camera down, stream failed): reason; closes the connection. */
  private final BiConsumer<RtspSession, String> streamEnded;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private State state = State.READY;
  /** The PLAY answer, waiting for the first picture's RTP-Info. */
  private Consumer<String> answer;
  private H264Subscription subscription;
  private long reportTimer = -1;
  private long lastActivityNanos = System.nanoTime();
  private long packets;
  private long bytes;
  private long payloadOctets;
  private boolean started;

  RtspSession(Vertx vertx, Context context, Admission admission, RtpSink sink, String trackUrl,
              BiConsumer<RtspSession, String> streamEnded) {
    byte[] idBytes = new byte[8];
    RANDOM.nextBytes(idBytes);
    this.id = HexFormat.of().formatHex(idBytes);
    this.vertx = vertx;
    this.context = context;
    this.admission = admission;
    this.sink = sink;
    this.rtp = admission.grant().stream().rtp();
    this.trackUrl = trackUrl;
    this.streamEnded = streamEnded;
  }

  String id() {
    return id;
  }

  State state() {
    return state;
  }

  Admission admission() {
    return admission;
  }

  RtpSink sink() {
    return sink;
  }

  int ssrc() {
    return rtp.ssrc();
  }

  String trackUrl() {
    return trackUrl;
  }

  void touch() {
    lastActivityNanos = System.nanoTime();
  }

  long idleNanos() {
    return System.nanoTime() - lastActivityNanos;
  }

  /** The RTP-Info header value for PLAY: the first packet this session is sent and its RTP time. */
  private String rtpInfo(RtpPackets first) {
    return "url=" + trackUrl + ";seq=" + first.firstSequence() + ";rtptime=" + (first.timestamp() & 0xffffffffL);
  }

  /**
   * Starts (or resumes) sending: subscribes to the stream, which starts at a keyframe. The packets are the stream's,
   * so where this session starts is known only then: {@code answer} is called with the RTP-Info value just before
   * the keyframe's packets are written, and must write the PLAY answer, which so precedes them.
   */
  void play(Consumer<String> answer) {
    if (state != State.READY) {
      return;
    }
    state = State.PLAYING;
    this.answer = answer;
    H264Stream stream = admission.grant().stream();
    subscription = stream.subscribe(new H264Subscription.Listener() {
      @Override
      public void ready() {
        if (drainScheduled.compareAndSet(false, true)) {
          context.runOnContext(v -> {
            drainScheduled.set(false);
            drain();
          });
        }
      }

      @Override
      public void ended(String reason) {
        context.runOnContext(v -> streamEnded.accept(RtspSession.this, reason));
      }
    });
    if (reportTimer < 0) {
      reportTimer = vertx.setPeriodic(SENDER_REPORT_MILLIS, t -> senderReport());
    }
  }

  /** Stops sending but keeps the session (PAUSE). */
  void pause() {
    if (state != State.PLAYING) {
      return;
    }
    state = State.READY;
    subscription.close();
    subscription = null;
    answer = null;
  }

  /** True while playing and the first picture (and so the PLAY answer) has not been sent yet. */
  boolean awaitingFirstPicture() {
    return state == State.PLAYING && answer != null;
  }

  private void drain() {
    if (state != State.PLAYING) {
      return;
    }
    H264Subscription s = subscription;
    while (!sink.full()) {
      AccessUnit au = s.poll();
      if (au == null) {
        return;
      }
      send(au);
    }
    sink.onDrain(this::drain);
  }

  private void send(AccessUnit au) {
    RtpPackets p = au.rtp();
    if (answer != null) {
      Consumer<String> a = answer;
      answer = null;
      a.accept(rtpInfo(p));
    }
    sink.sendRtp(p);
    packets += p.count();
    bytes += p.rtpBytes();
    payloadOctets += p.payloadOctets();
    if (!started) {
      started = true;
      senderReport(); // lets a client map RTP time to wall-clock time from the first picture on
    }
  }

  private void senderReport() {
    if (state != State.PLAYING || packets == 0) {
      return;
    }
    Instant now = Instant.now();
    sink.sendRtcp(RtcpPackets.senderReport(rtp.ssrc(), now, rtp.rtpTime(now), packets, payloadOctets, CNAME));
  }

  /**
   * Ends the session once: stops the subscription, says BYE if asked (the server ends it, the client did not),
   * frees the sink, and records the end with the counts.
   */
  void end(String reason, boolean bye) {
    if (state == State.ENDED) {
      return;
    }
    boolean wasPlaying = state == State.PLAYING || started;
    state = State.ENDED;
    answer = null;
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
    if (reportTimer >= 0) {
      vertx.cancelTimer(reportTimer);
    }
    if (bye && wasPlaying) {
      sink.sendRtcp(RtcpPackets.bye(rtp.ssrc(), reason));
    }
    sink.close();
    admission.end(reason, packets, bytes);
  }

  long packets() {
    return packets;
  }

  long bytes() {
    return bytes;
  }
}
