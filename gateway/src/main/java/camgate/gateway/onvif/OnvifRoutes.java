package camgate.gateway.onvif;

import camgate.gateway.Subject;
import camgate.gateway.access.AccessEvents.Origin;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.Credential;
import camgate.gateway.access.Refusal;
import camgate.gateway.rtsp.DigestAuthenticator;
import camgate.gateway.rtsp.RtspUsers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The gateway as one ONVIF Profile S device (SOAP 1.2 over HTTP): {@code POST /onvif/device_service} and
 * {@code POST /onvif/media_service}, and {@code GET /onvif/snapshot/{id}} for GetSnapshotUri's URL. Requests are
 * dispatched by their operation, whichever of the two paths they reach.
 *
 * <p>Logins: GetSystemDateAndTime needs none (ONVIF requires it open); every other operation needs a WS-Security
 * UsernameToken with PasswordDigest of an {@code rtsp_users} entry (the same secret as its RTSP Digest login,
 * the same subject as its API key), or HTTP Digest with that secret; the snapshot URL takes HTTP Digest too. A
 * request without a valid login is recorded through the access gate as an anonymous refusal and answered
 * {@code ter:NotAuthorized}: HTTP 400 for a UsernameToken not accepted (as ONVIF specifies for WS-Security), 401
 * with a Digest challenge when there was no UsernameToken. Bodies are read up to {@link #MAX_BODY} bytes and parsed with
 * document types refused ({@link SoapEnvelope}); bad input gets a fault and changes nothing.
 */
public final class OnvifRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(OnvifRoutes.class);
  /** No ONVIF request camgate answers is near this; a UsernameToken envelope is under 2 KB. */
  static final int MAX_BODY = 64 * 1024;
  static final String SNAPSHOT_PATH = "/onvif/snapshot/";
  private static final String DEVICE_OPS_NS = SoapReply.DEVICE;

  private final Vertx vertx;
  private final AccessGate gate;
  private final RtspUsers users;
  private final OnvifSettings settings;
  private final UsernameTokenLogins logins;
  private final DigestAuthenticator digest;
  private final DeviceService device;
  private final MediaService media;

  /**
   * @param rtspBase              the RTSP server's {@code rtsp://host:port}, empty while none runs
   * @param snapshotRetentionDays how long a snapshot's recipient may keep it, for the policy
   * @param endpoint              the device's stable {@code urn:uuid:...}
   */
  public OnvifRoutes(Vertx vertx, AccessGate gate, RtspUsers users, OnvifSettings settings, Clock clock,
                     Supplier<Optional<URI>> rtspBase, int snapshotRetentionDays, String endpoint) {
    this.vertx = vertx;
    this.gate = gate;
    this.users = users;
    this.settings = settings;
    this.logins = new UsernameTokenLogins(users::secretOf, clock);
    this.digest = DigestAuthenticator.create("camgate-onvif", clock);
    this.device = new DeviceService(settings, endpoint, clock);
    this.media = new MediaService(gate, rtspBase, snapshotRetentionDays);
  }

  public void mount(Router router) {
    // Before the gateway's own failure handler: a body over the limit is a SOAP fault, not JSON.
    router.route("/onvif/*").failureHandler(this::failure);
    for (String path : new String[] {DeviceService.DEVICE_PATH, DeviceService.MEDIA_PATH}) {
      router.post(path).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(this::soap);
    }
    router.get(SNAPSHOT_PATH + ":id").handler(this::snapshot);
  }

  /**
   * WS-Discovery for this device, answering with the device service at {@code http://<interface address>:<port>}.
   *
   * @param httpHost the address the HTTP server binds ({@code http.host})
   * @param httpPort the HTTP server's bound port (read when a probe arrives)
   * @throws IllegalStateException if the settings have no discovery section
   */
  public WsDiscovery discovery(String httpHost, IntSupplier httpPort) {
    return new WsDiscovery(settings.discovery().orElseThrow(() -> new IllegalStateException("onvif.discovery is not"
        + " configured")), device, httpHost, httpPort);
  }

  private void soap(RoutingContext rc) {
    SoapEnvelope request;
    try {
      request = SoapEnvelope.parse(rc.body().buffer() == null ? new byte[0] : rc.body().buffer().getBytes());
    } catch (SoapFault f) {
      reply(rc, f);
      return;
    }
    String op = request.operation();
    String base = httpBase(rc);
    if ("GetSystemDateAndTime".equals(op)) {
      send(rc, device.answer(op, base));
      return;
    }
    Origin origin = new Origin("onvif", op, rc.request().path(),
        rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress());
    login(request, Optional.ofNullable(rc.request().getHeader("Authorization")), rc.request().uri(), origin)
        .compose(caller -> DEVICE_OPS_NS.equals(request.namespace())
            ? Future.succeededFuture(device.answer(op, base))
            : media.answer(request, caller, base, hostOf(rc)))
        .onSuccess(body -> send(rc, body))
        .onFailure(e -> reply(rc, e instanceof SoapFault f ? f : internal(op, e)));
  }

  /**
   * The caller a request's login proves: its WS-Security UsernameToken, else its HTTP Digest {@code Authorization}
   * (secrets are read off the event loop: they may sit in files). When there is none or it is not accepted, the
   * refusal is recorded as an anonymous one and the future fails with {@code ter:NotAuthorized}: HTTP 400 for a
   * UsernameToken, 401 with a Digest challenge otherwise.
   */
  private Future<OnvifCaller> login(SoapEnvelope request, Optional<String> authorization, String uri, Origin origin) {
    Optional<UsernameToken> token = request.usernameToken();
    Future<String> username;
    if (token.isPresent()) {
      username = vertx.executeBlocking(() -> logins.verify(token.get()));
    } else {
      username = vertx.executeBlocking(() -> digest.authenticate("POST", uri, authorization, users::secretOf))
          .compose(outcome -> outcome instanceof DigestAuthenticator.Authenticated a ? Future.succeededFuture(a.username())
              : Future.failedFuture(SoapFault.challenged(request.operation() + " needs a login: a WS-Security "
                  + "UsernameToken with PasswordDigest, or HTTP Digest, of an ONVIF user",
                  ((DigestAuthenticator.Challenged) outcome).wwwAuthenticate())));
    }
    return username.transform(ar -> {
      Optional<Subject> subject = ar.succeeded() ? users.subjectOf(ar.result()) : Optional.empty();
      if (subject.isPresent()) {
        return Future.succeededFuture(new OnvifCaller(ar.result(), subject.get(),
            settings.purposeOf(ar.result()).orElse(null), origin));
      }
      SoapFault fault = ar.failed() && ar.cause() instanceof SoapFault f ? f
          : SoapFault.notAuthorized("the WS-Security UsernameToken was not accepted");
      JsonObject tried = new JsonObject().put("onvif_operation", request.operation());
      token.ifPresent(t -> tried.put("onvif_username", t.username()));
      authorization.flatMap(OnvifRoutes::digestUsername).filter(u -> token.isEmpty())
          .ifPresent(u -> tried.put("onvif_username", u));
      AccessRequest refused = new AccessRequest(Credential.none(), "list_cameras", Target.listing(), null, null,
          tried, origin);
      return gate.admit(refused, r -> { }).transform(recorded -> Future.failedFuture(fault));
    });
  }

  /**
   * {@code GET /onvif/snapshot/{id}?purpose=P}: the redacted snapshot with HTTP Digest (a VMS fetches GetSnapshotUri's
   * URL with the ONVIF user's password), decided and recorded as {@code GET /cameras/{id}/snapshot.jpg} is.
   */
  private void snapshot(RoutingContext rc) {
    String id = rc.pathParam("id");
    String uri = rc.request().uri();
    Optional<String> authorization = Optional.ofNullable(rc.request().getHeader("Authorization"));
    vertx.executeBlocking(() -> digest.authenticate("GET", uri, authorization, users::secretOf)).onComplete(ar -> {
      Credential credential = Credential.none();
      String challenge = digest.challenge(false);
      if (ar.succeeded() && ar.result() instanceof DigestAuthenticator.Authenticated a) {
        credential = users.subjectOf(a.username()).<Credential>map(Credential.Authenticated::new)
            .orElse(Credential.none());
      } else if (ar.succeeded() && ar.result() instanceof DigestAuthenticator.Challenged c) {
        challenge = c.wwwAuthenticate();
      }
      String wwwAuthenticate = challenge;
      AccessRequest request = new AccessRequest(credential, "snapshot", Target.camera(id, true),
          rc.request().getParam("purpose"), null, new JsonObject().put("retention_days", snapshotRetention()),
          new Origin("onvif", "GET", rc.request().path(),
              rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress()));
      gate.admit(request, refusal -> refuseHttp(rc, refusal, wwwAuthenticate)).onSuccess(access ->
          access.view().latest().ifPresentOrElse(frame -> rc.response().putHeader("Content-Type", "image/jpeg")
              .putHeader("Cache-Control", "no-store").putHeader("X-Camgate-Audit-Seq", Long.toString(access.auditSeq()))
              .end(frame.jpegBuffer()), access::cameraUnavailable));
    });
  }

  private int snapshotRetention() {
    return media.snapshotRetentionDays();
  }

  private static void refuseHttp(RoutingContext rc, Refusal refusal, String challenge) {
    if (rc.response().ended()) {
      return;
    }
    if (refusal.status() == 401) {
      rc.response().putHeader("WWW-Authenticate", challenge);
    }
    rc.response().setStatusCode(refusal.status()).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(refusal.body().encode());
  }

  /** A body over the limit (413 from the body handler) or any other failure on an ONVIF path, as a SOAP fault. */
  private void failure(RoutingContext rc) {
    if (rc.response().headWritten()) {
      rc.request().connection().close();
      return;
    }
    SoapFault fault = rc.statusCode() == 413
        ? SoapFault.malformed("the request body is over " + MAX_BODY + " bytes; ONVIF requests are a few KB")
        : internal(rc.request().path(), rc.failure());
    rc.response().setStatusCode(rc.statusCode() == 413 ? 413 : fault.httpStatus())
        .putHeader("Content-Type", "application/soap+xml; charset=utf-8").putHeader("Connection", "close")
        .end(fault.envelope());
  }

  private static SoapFault internal(String what, Throwable e) {
    LOG.error("ONVIF {} failed", what, e);
    return SoapFault.unavailable("the device could not answer " + what + "; the gateway log has the details");
  }

  private static void reply(RoutingContext rc, SoapFault fault) {
    if (rc.response().ended()) {
      return;
    }
    rc.response().setStatusCode(fault.httpStatus());
    fault.challenge().ifPresent(c -> rc.response().putHeader("WWW-Authenticate", c));
    end(rc, fault.envelope());
  }

  /** A reply whose body is {@code body} in a SOAP envelope. */
  private static void send(RoutingContext rc, String body) {
    end(rc, SoapReply.envelope(body));
  }

  private static void end(RoutingContext rc, String envelope) {
    rc.response().putHeader("Content-Type", "application/soap+xml; charset=utf-8").putHeader("Cache-Control", "no-store")
        .end(envelope);
  }

  /** {@code http://host:port} as the client reached the gateway. */
  private static String httpBase(RoutingContext rc) {
    HostAndPort authority = rc.request().authority();
    if (authority == null) {
      return "http://" + rc.request().localAddress().hostAddress() + ":" + rc.request().localAddress().port();
    }
    String host = authority.host().contains(":") && !authority.host().startsWith("[") ? "[" + authority.host() + "]"
        : authority.host();
    return "http://" + host + (authority.port() > 0 ? ":" + authority.port() : "");
  }

  /** The username of an HTTP Digest {@code Authorization} header, for the record of a refused login. */
  private static Optional<String> digestUsername(String authorization) {
    var m = java.util.regex.Pattern.compile("username=\"([^\"]{1,64})\"").matcher(authorization);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static String hostOf(RoutingContext rc) {
    return rc.request().authority() == null ? null : rc.request().authority().host();
  }
}
