package camgate.gateway.rtsp;

import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.HttpCaller;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code GET /cameras/{id}/rtsp-url?purpose=P[&raw=1&requisition=R]}: an RTSP URL carrying a short-lived signed
 * token ({@link RtspTokens}), for a client that cannot be given a Digest secret. The HTTP request comes in through
 * the access gate like any other (authenticated by API key or console session, decided as the view it asks for,
 * {@code view_live} or {@code view_raw}, and recorded); the URL it returns opens an RTSP session that is decided
 * and recorded again, by {@link RtspGate}, when it is used.
 */
public final class RtspLinks {

  private final AccessGate gate;
  private final RtspTokens tokens;
  private final Supplier<Optional<URI>> rtspBase;

  /** @param rtspBase the RTSP server's {@code rtsp://host:port}, empty while it does not run */
  public RtspLinks(AccessGate gate, RtspTokens tokens, Supplier<Optional<URI>> rtspBase) {
    this.gate = gate;
    this.tokens = tokens;
    this.rtspBase = rtspBase;
  }

  public void mount(Router router) {
    router.get("/cameras/:id/rtsp-url").handler(this::issue);
  }

  private void issue(RoutingContext rc) {
    String id = rc.pathParam("id");
    boolean raw = "1".equals(rc.request().getParam("raw")) || "true".equals(rc.request().getParam("raw"));
    HttpCaller.admit(gate, rc, raw ? "view_raw" : "view_live", Target.camera(id, false), new JsonObject())
        .onSuccess(access -> {
          Optional<URI> base = rtspBase.get();
          if (base.isEmpty()) {
            access.refuse(503, "the RTSP server is not running; retry when the gateway has started", null);
            return;
          }
          String purpose = access.context().getString("purpose");
          String requisition = access.context().getString("requisition");
          RtspTokens.Issued issued = tokens.issue(access.subject(), id, raw ? RtspProfile.RAW : RtspProfile.REDACTED,
              purpose, requisition);
          String url = "rtsp://" + host(base.get(), rc) + ":" + base.get().getPort() + "/cameras/" + id
              + (raw ? "/raw" : "") + "?" + (purpose == null ? "" : "purpose=" + encode(purpose) + "&")
              + (requisition == null ? "" : "requisition=" + encode(requisition) + "&") + "token=" + issued.token();
          rc.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
              .putHeader("X-Camgate-Audit-Seq", Long.toString(access.auditSeq()))
              .end(new JsonObject().put("url", url).put("expires_at", issued.expiresAt().toString())
                  .put("audit_seq", access.auditSeq()).encode());
          access.end("rtsp url issued, valid until " + issued.expiresAt() + "; its session is decided when opened");
        });
  }

  /** The RTSP server's host, or the one the client reached this gateway by when the server binds every address. */
  private static String host(URI base, RoutingContext rc) {
    return reachableHost(base, rc.request().authority() == null ? null : rc.request().authority().host());
  }

  /**
   * The host to write in an RTSP URL: the server's, or {@code clientHost} (the host the client reached the gateway
   * by; null if unknown) when the server binds every address.
   */
  public static String reachableHost(URI base, String clientHost) {
    String host = base.getHost();
    boolean wildcard = host == null || host.equals("0.0.0.0") || host.equals("[::]") || host.equals("::");
    return wildcard && clientHost != null ? clientHost : host;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
