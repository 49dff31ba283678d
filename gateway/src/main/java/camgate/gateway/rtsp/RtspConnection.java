package camgate.gateway.rtsp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One client's RTSP connection: reads its requests in order, answers them (admission through the gateway's
 * {@link RtspAccessPort} at DESCRIBE or SETUP), and owns the sessions set up on it. Closing the connection ends
 * them all; ending a session the client did not tear down closes the connection, so the client sees the end.
 *
 * <p>Confined to the connection's event loop.
 *
 * <p>Longer than camgate's usual class (about 430 lines) on purpose: it is RFC 2326's per-connection state
 * machine (each method's preconditions on the session's state, CSeq, Session and Transport headers), and
 * splitting it per method would scatter the one state those rules share.
 */
final class RtspConnection implements RtspMessageReader.Handler {

  private static final Logger LOG = LoggerFactory.getLogger(RtspConnection.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER";
  private static final int MAX_QUEUED_REQUESTS = 16;
  private static final int WRITE_QUEUE_BYTES = 1 << 20;

  private final RtspServer server;
  private final RtspServerConfig config;
  private final Vertx vertx;
  private final Context context;
  private final NetSocket socket;
  private final String clientAddress;
  private final String localAddress;
  private final RtspMessageReader reader = new RtspMessageReader(this);
  private final Map<String, RtspSession> sessions = new LinkedHashMap<>();
  private final Map<RtspResource.Key, Admission> described = new HashMap<>();
  private final List<Runnable> drainWaiters = new ArrayList<>();
  private Future<Void> pipeline = Future.succeededFuture();
  private int queued;
  private long lastActivityNanos = System.nanoTime();
  private final long idleTimer;
  private boolean closed;

  RtspConnection(RtspServer server, RtspServerConfig config, Vertx vertx, Context context, NetSocket socket) {
    this.server = server;
    this.config = config;
    this.vertx = vertx;
    this.context = context;
    this.socket = socket;
    this.clientAddress = socket.remoteAddress().hostAddress();
    this.localAddress = socket.localAddress().hostAddress();
    socket.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    socket.handler(reader::feed);
    socket.drainHandler(v -> {
      List<Runnable> waiting = new ArrayList<>(drainWaiters);
      drainWaiters.clear();
      waiting.forEach(Runnable::run);
    });
    socket.closeHandler(v -> closed("disconnected"));
    socket.exceptionHandler(e -> LOG.debug("RTSP connection from {}: {}", clientAddress, e.toString()));
    long check = Math.max(500, config.sessionTimeout().toMillis() / 4);
    idleTimer = vertx.setPeriodic(check, t -> expireIdle());
  }

  int sessionCount() {
    return sessions.size();
  }

  // ---- reading

  @Override
  public void request(RtspRequest request) {
    lastActivityNanos = System.nanoTime();
    sessions.values().forEach(RtspSession::touch);
    if (++queued > MAX_QUEUED_REQUESTS) {
      LOG.warn("RTSP client {} sent more than {} requests without waiting for answers; closing", clientAddress,
          MAX_QUEUED_REQUESTS);
      close("too many pipelined requests");
      return;
    }
    pipeline = pipeline.transform(ignored -> answer(request)).andThen(ar -> queued--);
  }

  @Override
  public void interleaved(int channel, Buffer data) {
    // RTCP receiver reports over TCP: the client is alive.
    lastActivityNanos = System.nanoTime();
    sessions.values().forEach(RtspSession::touch);
  }

  @Override
  public void malformed(int status, String why) {
    send(null, RtspResponse.error(status, why + "; closing the connection"));
    close("malformed request");
  }

  // ---- answering

  private Future<Void> answer(RtspRequest request) {
    if (closed) {
      return Future.succeededFuture();
    }
    String cseq = request.cseq();
    if (cseq == null) {
      send(null, RtspResponse.error(400, request.method() + " has no CSeq header; every RTSP request needs one"));
      return Future.succeededFuture();
    }
    if (!request.version().equals("RTSP/1.0")) {
      send(cseq, RtspResponse.error(505, "version " + request.version() + " is not supported; use RTSP/1.0"));
      return Future.succeededFuture();
    }
    Future<RtspResponse> response;
    try {
      response = switch (request.method()) {
        case "OPTIONS" -> Future.succeededFuture(RtspResponse.ok().header("Public", PUBLIC));
        case "DESCRIBE" -> describe(request);
        case "SETUP" -> setup(request);
        case "PLAY" -> play(request);
        case "PAUSE" -> pause(request);
        case "TEARDOWN" -> teardown(request);
        case "GET_PARAMETER" -> keepAlive(request);
        case "SET_PARAMETER" -> Future.succeededFuture(
            RtspResponse.error(451, "camgate has no parameters to set"));
        case "ANNOUNCE", "RECORD", "REDIRECT" -> Future.succeededFuture(
            RtspResponse.error(405, request.method() + " is not allowed: camgate only serves live views")
                .header("Allow", PUBLIC));
        default -> Future.succeededFuture(
            RtspResponse.error(501, "method " + request.method() + " is not implemented; allowed: " + PUBLIC));
      };
    } catch (IllegalArgumentException e) {
      response = Future.succeededFuture(badRequest(e));
    }
    return response
        .recover(e -> Future.succeededFuture(failure(request, e)))
        .map(r -> {
          if (r != null) { // null: the handler wrote its answer itself
            send(cseq, r);
          }
          return null;
        });
  }

  private static RtspResponse badRequest(IllegalArgumentException e) {
    String message = e.getMessage();
    return RtspResponse.error(message.startsWith("no such resource") ? 404 : 400, message);
  }

  private RtspResponse failure(RtspRequest request, Throwable e) {
    if (e instanceof RtspRefusal refusal) {
      RtspResponse r = RtspResponse.error(refusal.status(), refusal.body().isEmpty()
          ? RtspResponse.reason(refusal.status()) : refusal.body());
      refusal.headers().forEach(r::header);
      return r;
    }
    if (e instanceof IllegalArgumentException bad) {
      return badRequest(bad);
    }
    if (e instanceof TimeoutException) {
      return RtspResponse.error(504, "the access decision took longer than " + config.admitTimeout().toSeconds()
          + " s; access fails closed, retry later");
    }
    // A URL token is a credential while it lives: it stays out of the log.
    LOG.error("RTSP {} {} from {} failed", request.method(), request.uri().replaceAll("token=[^&]*", "token=(hidden)"),
        clientAddress, e);
    return RtspResponse.error(500, request.method() + " failed inside the gateway; see its log");
  }

  private void send(String cseq, RtspResponse response) {
    if (!closed) {
      socket.write(response.encode(cseq));
    }
  }

  private Future<RtspResponse> describe(RtspRequest request) {
    RtspResource resource = RtspResource.parse(request.uri());
    return admit(request, resource).compose(admission -> {
      Promise<ParameterSets> sets = Promise.promise();
      admission.grant().stream().parameterSets()
          .orTimeout(config.describeTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((p, e) -> context.runOnContext(v -> {
            if (e == null) {
              sets.complete(p);
            } else {
              sets.fail(e);
            }
          }));
      return sets.future().transform(ar -> {
        if (ar.failed() || closed) {
          String why = ar.failed() ? String.valueOf(ar.cause().getMessage()) : "disconnected";
          admission.end(ar.failed() ? "stream failed: " + why : "disconnected", 0, 0);
          return Future.failedFuture(RtspRefusal.unavailable("camera " + resource.cameraId() + " gave no picture "
              + "within " + config.describeTimeout().toSeconds() + " s (" + why + "); retry when it is live"));
        }
        Admission previous = described.put(resource.key(), admission);
        if (previous != null) {
          previous.end("superseded", 0, 0);
        }
        String sdp = SessionDescription.of(RANDOM.nextInt(Integer.MAX_VALUE), localAddress, resource.cameraId(),
            RtspResource.trackUrl(presentationUri(request.uri())), ar.result(),
            admission.grant().stream().settings().framesPerSecond());
        return Future.succeededFuture(RtspResponse.ok().body("application/sdp", sdp));
      });
    });
  }

  /** The Request-URI without a track suffix: what the client described. */
  private static String presentationUri(String uri) {
    return uri.replaceFirst("/(?:trackID|track|streamid|stream)=?0?(?=$|\\?)", "");
  }

  /** Asks the gateway; the grant's cut is wired to this connection. Fails with a refusal, or 504 past the wait. */
  private Future<Admission> admit(RtspRequest request, RtspResource resource) {
    RtspAccessRequest asked = new RtspAccessRequest(resource.cameraId(), resource.profile(), resource.query(),
        request.header("Authorization"), request.method(), request.uri(), clientAddress);
    Future<RtspGrant> decided;
    try {
      decided = server.access().admit(asked);
    } catch (RuntimeException e) {
      decided = Future.failedFuture(e);
    }
    Promise<Admission> admitted = Promise.promise();
    long timer = vertx.setTimer(config.admitTimeout().toMillis(),
        t -> admitted.tryFail(new TimeoutException("admission of " + resource.cameraId())));
    decided.onComplete(ar -> context.runOnContext(v -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        admitted.tryFail(ar.cause() instanceof RtspRefusal ? ar.cause() : unavailable(ar.cause()));
        return;
      }
      Admission admission = new Admission(ar.result(), resource);
      if (closed || admitted.future().isComplete()) {
        admission.end(closed ? "disconnected" : "admission timed out", 0, 0);
        return;
      }
      ar.result().onCut(reason -> context.runOnContext(x -> cut(admission, reason)));
      admitted.complete(admission);
    }));
    return admitted.future();
  }

  private RtspRefusal unavailable(Throwable cause) {
    LOG.error("RTSP access decision for {} failed; refusing (fail closed)", clientAddress, cause);
    return RtspRefusal.unavailable("access could not be decided (" + cause.getMessage() + "); access fails closed, "
        + "retry later");
  }

  private Future<RtspResponse> setup(RtspRequest request) {
    RtspResource resource = RtspResource.parse(request.uri());
    Optional<String> sessionId = request.session();
    if (sessionId.isPresent()) {
      if (!sessions.containsKey(sessionId.get())) {
        return Future.succeededFuture(sessionNotFound(sessionId.get()));
      }
      return Future.succeededFuture(RtspResponse.error(455, "session " + sessionId.get() + " already has its one "
          + "video track set up; TEARDOWN it and SETUP again to change the transport"));
    }
    String header = request.header("Transport").orElse(null);
    if (header == null) {
      return Future.succeededFuture(RtspResponse.error(400, "SETUP needs a Transport header, e.g. "
          + "'RTP/AVP/TCP;unicast;interleaved=0-1'"));
    }
    RtspTransport transport = RtspTransport.parse(header).stream()
        .filter(t -> !t.multicast() && (t.tcp() || (config.udp() && t.rtp() >= 0)))
        .findFirst().orElse(null);
    if (transport == null) {
      return Future.succeededFuture(RtspResponse.error(461, "no supported transport in '" + header + "'; camgate "
          + "serves unicast RTP/AVP/TCP;interleaved=0-1" + (config.udp() ? " or RTP/AVP;unicast;client_port=a-b" : "")));
    }
    Admission described = this.described.remove(resource.key());
    Future<Admission> admission = described != null ? Future.succeededFuture(described) : admit(request, resource);
    return admission.compose(a -> openSink(transport).transform(sink -> {
      if (sink.failed() || closed) {
        a.end(closed ? "disconnected" : "stream failed: " + sink.cause().getMessage(), 0, 0);
        return Future.failedFuture(sink.failed() ? sink.cause() : new IllegalStateException("disconnected"));
      }
      RtspSession session = new RtspSession(vertx, context, a, sink.result(),
          RtspResource.trackUrl(presentationUri(request.uri())), this::streamEnded);
      sessions.put(session.id(), session);
      return Future.succeededFuture(RtspResponse.ok()
          .header("Transport", sink.result().transportReply(session.ssrc()))
          .header("Session", session.id() + ";timeout=" + config.sessionTimeout().toSeconds()));
    }));
  }

  private Future<RtpSink> openSink(RtspTransport transport) {
    if (transport.tcp()) {
      int rtp = transport.rtp();
      int rtcp = transport.rtcp();
      if (rtp < 0 || channelTaken(rtp) || channelTaken(rtcp)) {
        rtp = 0;
        while (channelTaken(rtp) || channelTaken(rtp + 1)) {
          rtp += 2;
        }
        rtcp = rtp + 1;
      }
      return Future.succeededFuture(new InterleavedSink(socket, rtp, rtcp, drainWaiters::add));
    }
    return UdpSink.open(vertx, localAddress, clientAddress, transport.rtp(), transport.rtcp(), () -> {
      lastActivityNanos = System.nanoTime();
      sessions.values().forEach(RtspSession::touch);
    }).map(s -> s);
  }

  private boolean channelTaken(int channel) {
    return sessions.values().stream().anyMatch(s -> s.sink() instanceof InterleavedSink i
        && (i.rtpChannel() == channel || i.rtcpChannel() == channel));
  }

  private Future<RtspResponse> play(RtspRequest request) {
    RtspSession session = session(request);
    if (session == null) {
      return Future.succeededFuture(sessionNotFound(request.session().orElse("(none)")));
    }
    if (session.state() != RtspSession.State.READY) {
      return Future.succeededFuture(RtspResponse.ok()
          .header("Session", session.id() + ";timeout=" + config.sessionTimeout().toSeconds())
          .header("Range", "npt=now-"));
    }
    // The answer carries where the session's packets start, known when its first keyframe is sent; it is written
    // then, just before that keyframe's packets. Later requests wait for it, so answers keep their order.
    Promise<RtspResponse> answered = Promise.promise();
    session.play(rtpInfo -> {
      send(request.cseq(), RtspResponse.ok()
          .header("Session", session.id() + ";timeout=" + config.sessionTimeout().toSeconds())
          .header("Range", "npt=now-")
          .header("RTP-Info", rtpInfo));
      answered.tryComplete(null);
    });
    long timer = vertx.setTimer(config.describeTimeout().toMillis(), t -> {
      if (session.awaitingFirstPicture() && sessions.remove(session.id()) != null) {
        session.end("no picture to play", false);
        answered.tryComplete(RtspResponse.error(503, "camera " + session.admission().resource().cameraId()
            + " gave no picture within " + config.describeTimeout().toSeconds() + " s; the session is ended, "
            + "SETUP again when the camera is live"));
      } else {
        answered.tryComplete(null); // ended meanwhile: the connection is closing
      }
    });
    return answered.future().andThen(ar -> vertx.cancelTimer(timer));
  }

  private Future<RtspResponse> pause(RtspRequest request) {
    RtspSession session = session(request);
    if (session == null) {
      return Future.succeededFuture(sessionNotFound(request.session().orElse("(none)")));
    }
    session.pause();
    return Future.succeededFuture(RtspResponse.ok().header("Session", session.id()));
  }

  private Future<RtspResponse> teardown(RtspRequest request) {
    RtspSession session = session(request);
    if (session == null) {
      return Future.succeededFuture(sessionNotFound(request.session().orElse("(none)")));
    }
    sessions.remove(session.id());
    session.end("teardown", false);
    return Future.succeededFuture(RtspResponse.ok());
  }

  private Future<RtspResponse> keepAlive(RtspRequest request) {
    Optional<String> id = request.session();
    if (id.isPresent() && !sessions.containsKey(id.get())) {
      return Future.succeededFuture(sessionNotFound(id.get()));
    }
    RtspResponse ok = RtspResponse.ok();
    id.ifPresent(s -> ok.header("Session", s));
    return Future.succeededFuture(ok);
  }

  private RtspSession session(RtspRequest request) {
    return request.session().map(sessions::get).orElse(null);
  }

  private static RtspResponse sessionNotFound(String id) {
    return RtspResponse.error(454, "session " + id + " is not open on this connection (timed out, torn down, or "
        + "never set up); DESCRIBE and SETUP again");
  }

  // ---- ending

  /** The gateway ended the access: the session (or the described view) ends and the client is disconnected. */
  private void cut(Admission admission, String reason) {
    if (admission.ended()) {
      return;
    }
    LOG.info("RTSP access to camera {} by {} cut: {}", admission.resource().cameraId(), clientAddress, reason);
    endWhere(admission, "cut: " + reason);
    close("cut: " + reason);
  }

  private void endWhere(Admission admission, String reason) {
    sessions.values().removeIf(s -> {
      if (s.admission() == admission) {
        s.end(reason, true);
        return true;
      }
      return false;
    });
    described.values().removeIf(a -> a == admission);
    admission.end(reason, 0, 0);
  }

  private void streamEnded(RtspSession session, String reason) {
    if (sessions.remove(session.id()) != null) {
      session.end(reason, true);
      close(reason);
    }
  }

  private void expireIdle() {
    long limit = config.sessionTimeout().toNanos();
    List<RtspSession> expired = sessions.values().stream().filter(s -> s.idleNanos() > limit).toList();
    if (!expired.isEmpty()) {
      expired.forEach(s -> {
        sessions.remove(s.id());
        s.end("session timeout", true);
      });
      close("session timeout");
    } else if (sessions.isEmpty() && System.nanoTime() - lastActivityNanos > limit) {
      close("session timeout");
    }
  }

  /** Ends every session and admission with this reason and closes the socket. */
  void close(String reason) {
    closed(reason);
    socket.close();
  }

  private void closed(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(idleTimer);
    boolean bye = !reason.equals("disconnected");
    new ArrayList<>(sessions.values()).forEach(s -> s.end(reason, bye));
    sessions.clear();
    new ArrayList<>(described.values()).forEach(a -> a.end(reason, 0, 0));
    described.clear();
    drainWaiters.clear();
    server.forget(this);
  }
}
