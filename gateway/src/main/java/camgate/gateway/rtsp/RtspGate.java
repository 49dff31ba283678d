package camgate.gateway.rtsp;

import camgate.gateway.access.Access;
import camgate.gateway.access.AccessEvents.Delivery;
import camgate.gateway.access.AccessEvents.Origin;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.Credential;
import camgate.gateway.access.Refusal;
import camgate.gateway.camera.FrameHub;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The RTSP side of an access: reads a session's request (Digest login or signed URL token, camera, profile,
 * purpose) into an
 * {@link AccessRequest} for the gateway's {@link AccessGate}, turns the gate's refusals into RTSP replies,
 * and ties the server's session to the admitted {@link Access}: the access's re-checks and duration cut the
 * session, and the session's end (TEARDOWN, disconnect, timeout) ends the access with its RTP counts. It
 * decides, records and times nothing itself.
 */
public final class RtspGate implements RtspAccessPort {

  private static final Logger LOG = LoggerFactory.getLogger(RtspGate.class);

  private final AccessGate gate;
  private final RtspUsers users;
  private final DigestAuthenticator digest;
  private final RtspTokens tokens;
  private final H264Streams streams;

  public RtspGate(AccessGate gate, RtspUsers users, DigestAuthenticator digest, RtspTokens tokens,
                  H264Streams streams) {
    this.gate = gate;
    this.users = users;
    this.digest = digest;
    this.tokens = tokens;
    this.streams = streams;
  }

  @Override
  public Future<RtspGrant> admit(RtspAccessRequest r) {
    Credential credential = Credential.none();
    String challenge = null;
    String token = r.query().get("token");
    if (token != null) {
      // A URL token stands for a login: an invalid one is refused as no login at all (401, Digest offered).
      RtspTokens.Verdict verdict = tokens.verify(token, r.cameraId(), r.profile(), r.purpose(), r.requisition());
      if (verdict instanceof RtspTokens.Valid v) {
        credential = new Credential.Authenticated(v.subject());
      } else if (verdict instanceof RtspTokens.Invalid i) {
        LOG.info("RTSP token from {} for camera {} refused: {}", r.clientAddress(), r.cameraId(), i.reason());
      }
    } else {
      DigestAuthenticator.Outcome login = digest.authenticate(r.method(), r.uri(), r.authorization(), users::secretOf);
      if (login instanceof DigestAuthenticator.Authenticated a) {
        credential = users.subjectOf(a.username()).<Credential>map(Credential.Authenticated::new)
            .orElse(Credential.none());
      } else if (login instanceof DigestAuthenticator.Challenged c) {
        challenge = c.wwwAuthenticate();
        LOG.debug("RTSP login from {} not accepted: {}", r.clientAddress(), c.reason());
      }
    }
    String path = r.uri().replaceFirst("^rtsps?://[^/]*", "").replaceFirst("\\?.*$", "");
    int q = r.uri().indexOf('?');
    String query = q < 0 ? "" : r.uri().substring(q);
    AccessRequest request = new AccessRequest(credential, r.profile() == RtspProfile.RAW ? "view_raw" : "view_live",
        Target.camera(r.cameraId(), true), r.purpose().orElse(null), r.requisition().orElse(null), null,
        new Origin("rtsp", r.method(), path, r.clientAddress()));
    AtomicReference<Refusal> refused = new AtomicReference<>();
    String wwwAuthenticate = challenge;
    return gate.admit(request, refused::set).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(rtsp(refused.get(), wwwAuthenticate, query));
      }
      Access access = ar.result();
      FrameHub view = access.view();
      Session session = new Session(access, streams.of(access.camera(), view, view != access.camera().redactedHub()));
      if (!access.serve(session::cut)) {
        return Future.failedFuture(rtsp(refused.get(), null, query));
      }
      return Future.succeededFuture(session);
    });
  }

  /** The gate's refusal as RTSP says it: same status (429 is RTSP's 453), the reasons as text, a Digest challenge. */
  private RtspRefusal rtsp(Refusal refusal, String challenge, String query) {
    if (refusal == null) {
      return RtspRefusal.unavailable("the access could not be decided or recorded: nothing is served (fail closed)");
    }
    String body = refusal.body().getString("error", "refused")
        + Optional.ofNullable(refusal.body().getJsonArray("reasons")).map(a -> ": " + a.encode()).orElse("")
        + Optional.ofNullable(refusal.body().getValue("audit_seq")).map(s -> " (audit entry " + s + ")").orElse("");
    Map<String, String> headers = new LinkedHashMap<>();
    int status = refusal.status();
    if (status == 401) {
      headers.put("WWW-Authenticate", challenge != null ? challenge : digest.challenge(false));
    }
    if (status == 429) {
      status = 453;  // Not Enough Bandwidth: RTSP's word for "too many streams"
    }
    if (status == 307) {
      // Another node of the cluster redacts the camera: RTSP 1.0's redirect, which FFmpeg and GStreamer follow, to
      // the same path and query there (the owner decides and records the access again, as over HTTP).
      status = 302;
      headers.put("Location", refusal.headers().get("Location") + query);
    }
    return new RtspRefusal(status, headers, body);
  }

  /** One admitted RTSP session: the grant the server holds. */
  private static final class Session implements RtspGrant {
    private final Access access;
    private final H264Stream stream;
    private Consumer<String> serverCut;
    private String pendingCut;

    Session(Access access, H264Stream stream) {
      this.access = access;
      this.stream = stream;
    }

    @Override
    public H264Stream stream() {
      return stream;
    }

    @Override
    public synchronized void onCut(Consumer<String> cut) {
      serverCut = cut;
      if (pendingCut != null) {
        cut.accept(pendingCut);
      }
    }

    /** The access ended itself (re-check, duration, audit outage): the server closes the session. */
    synchronized void cut(String reason) {
      if (serverCut != null) {
        serverCut.accept(reason);
      } else {
        pendingCut = reason;
      }
    }

    @Override
    public void ended(String reason, long packets, long bytes) {
      access.delivered(0, bytes);
      access.end(reason, new Delivery(0, 0, 0, Map.of("protocol", "rtsp", "rtp_packets", packets)));
    }
  }
}
