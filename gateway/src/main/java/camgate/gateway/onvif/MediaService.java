package camgate.gateway.onvif;

import camgate.gateway.access.Access;
import camgate.gateway.access.AccessGate;
import camgate.gateway.access.AccessRequest;
import camgate.gateway.access.AccessRequest.Target;
import camgate.gateway.access.Credential;
import camgate.gateway.access.Refusal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static camgate.gateway.onvif.SoapReply.escape;

/**
 * The ONVIF media service (ver10) of the gateway: one profile per camera. Every operation that names cameras goes
 * through the access gate as its HTTP counterpart does, decided and recorded before it answers: GetProfiles,
 * GetProfile and GetVideoSources as {@code GET /cameras} ({@code list_cameras}: the subject sees only the cameras
 * the policy lets it list), GetStreamUri as {@code GET /cameras/{id}/rtsp-url} ({@code view_live} for the caller's
 * configured purpose) and GetSnapshotUri as the snapshot it points to ({@code snapshot}). The stream itself is
 * decided again when the VMS opens it over RTSP.
 */
final class MediaService {

  private final AccessGate gate;
  private final Supplier<Optional<URI>> rtspBase;
  private final int snapshotRetentionDays;

  /** @param rtspBase the RTSP server's {@code rtsp://host:port}, empty while none runs */
  MediaService(AccessGate gate, Supplier<Optional<URI>> rtspBase, int snapshotRetentionDays) {
    this.gate = gate;
    this.rtspBase = rtspBase;
    this.snapshotRetentionDays = snapshotRetentionDays;
  }

  /**
   * The reply to a media operation; the future fails with a {@link SoapFault} when it is refused or cannot be
   * answered.
   *
   * @param httpBase   {@code http://host:port} as the client reached the gateway
   * @param clientHost the host the client reached the gateway by, for the RTSP URL when the server binds all
   */
  Future<String> answer(SoapEnvelope request, OnvifCaller caller, String httpBase, String clientHost) {
    String op = request.operation();
    return switch (op) {
      case "GetProfiles" -> listed(caller).map(profiles -> "<trt:GetProfilesResponse>"
          + String.join("", profiles.stream().map(p -> p.profileXml("trt:Profiles")).toList())
          + "</trt:GetProfilesResponse>");
      case "GetVideoSources" -> listed(caller).map(profiles -> "<trt:GetVideoSourcesResponse>"
          + String.join("", profiles.stream().map(p -> p.videoSourceXml("trt:VideoSources")).toList())
          + "</trt:GetVideoSourcesResponse>");
      case "GetProfile" -> {
        String token = profileToken(request);
        yield listed(caller).map(profiles -> profiles.stream().filter(p -> p.cameraId().equals(token)).findFirst()
            .map(p -> "<trt:GetProfileResponse>" + p.profileXml("trt:Profile") + "</trt:GetProfileResponse>")
            .orElseThrow(() -> noProfile(token)));
      }
      case "GetStreamUri" -> streamUri(request, caller, clientHost);
      case "GetSnapshotUri" -> snapshotUri(request, caller, httpBase);
      default -> Future.failedFuture(SoapFault.notSupported("the media service does not implement " + op
          + "; camgate implements GetProfiles, GetProfile, GetVideoSources, GetStreamUri, GetSnapshotUri"));
    };
  }

  int snapshotRetentionDays() {
    return snapshotRetentionDays;
  }

  /** The profiles of the cameras the caller may list, decided and recorded as {@code GET /cameras} is. */
  private Future<List<MediaProfile>> listed(OnvifCaller caller) {
    return admit(caller, "list_cameras", Target.listing(), new JsonObject())
        .map(access -> gate.listed(access).stream().map(MediaProfile::of).toList());
  }

  private Future<String> streamUri(SoapEnvelope request, OnvifCaller caller, String clientHost) {
    String token;
    try {
      token = profileToken(request);
      streamSetup(request);
    } catch (SoapFault f) {
      return Future.failedFuture(f);
    }
    return admit(caller, "view_live", Target.camera(token, false), new JsonObject()).compose(access -> {
      Optional<URI> base = rtspBase.get();
      if (base.isEmpty()) {
        access.end("onvif stream uri not issued: the RTSP server is not running");
        return Future.failedFuture(SoapFault.unavailable("the gateway's RTSP server is not running: configure an "
            + "\"rtsp\" section; nothing else serves ONVIF streams"));
      }
      String url = "rtsp://" + camgate.gateway.rtsp.RtspLinks.reachableHost(base.get(), clientHost) + ":"
          + base.get().getPort() + "/cameras/" + encode(token) + query(caller);
      access.end("onvif stream uri issued; the RTSP session is decided when the VMS opens it");
      return Future.succeededFuture("<trt:GetStreamUriResponse>" + mediaUri(url) + "</trt:GetStreamUriResponse>");
    });
  }

  private Future<String> snapshotUri(SoapEnvelope request, OnvifCaller caller, String httpBase) {
    String token;
    try {
      token = profileToken(request);
    } catch (SoapFault f) {
      return Future.failedFuture(f);
    }
    JsonObject retention = new JsonObject().put("retention_days", snapshotRetentionDays);
    return admit(caller, "snapshot", Target.camera(token, false), retention).map(access -> {
      access.end("onvif snapshot uri issued; each snapshot is decided when the VMS fetches it");
      return "<trt:GetSnapshotUriResponse>" + mediaUri(httpBase + OnvifRoutes.SNAPSHOT_PATH + encode(token)
          + query(caller)) + "</trt:GetSnapshotUriResponse>";
    });
  }

  private static String mediaUri(String url) {
    return "<trt:MediaUri><tt:Uri>" + escape(url) + "</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        + "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>";
  }

  /** {@code ?purpose=P} for the caller's configured purpose, or nothing (the policy then refuses the view). */
  private static String query(OnvifCaller caller) {
    return caller.purpose() == null ? "" : "?purpose=" + encode(caller.purpose());
  }

  /** RTP unicast over RTSP (TCP interleaved, or UDP): what the RTSP server offers; multicast and HTTP tunnels not. */
  private static void streamSetup(SoapEnvelope request) {
    String stream = request.argument("Stream").orElse("RTP-Unicast");
    String protocol = request.argument("Protocol").orElse("RTSP");
    if (!"RTP-Unicast".equals(stream) || !("RTSP".equals(protocol) || "UDP".equals(protocol)
        || "TCP".equals(protocol))) {
      throw SoapFault.invalidArgument("InvalidStreamSetup", "StreamSetup " + stream + " over " + protocol
          + " is not offered: ask for RTP-Unicast over RTSP (or UDP)");
    }
  }

  private static String profileToken(SoapEnvelope request) {
    return request.argument("ProfileToken").filter(t -> !t.isEmpty())
        .orElseThrow(() -> SoapFault.invalidArgument("NoProfile", "the request names no ProfileToken; "
            + "GetProfiles lists the tokens (one per camera)"));
  }

  private static SoapFault noProfile(String token) {
    return SoapFault.invalidArgument("NoProfile", "no profile '" + token + "' for this user; GetProfiles lists yours");
  }

  /** Runs the access gate for the caller; a refusal becomes the fault ONVIF expects for it. */
  private Future<Access> admit(OnvifCaller caller, String action, Target target, JsonObject extra) {
    AtomicReference<Refusal> refused = new AtomicReference<>();
    AccessRequest request = new AccessRequest(new Credential.Authenticated(caller.subject()), action, target,
        caller.purpose(), null, extra, caller.origin());
    return gate.admit(request, refused::set).recover(e -> Future.failedFuture(fault(refused.get())));
  }

  private static SoapFault fault(Refusal refusal) {
    if (refusal == null) {
      return SoapFault.unavailable("the access could not be decided or recorded: nothing is answered (fail closed)");
    }
    JsonObject body = refusal.body();
    String why = body.getString("error", "refused")
        + Optional.ofNullable(body.getJsonArray("reasons")).map(a -> ": " + a.encode()).orElse("")
        + Optional.ofNullable(body.getValue("audit_seq")).map(s -> " (audit entry " + s + ")").orElse("");
    return switch (refusal.status()) {
      case 401, 403 -> SoapFault.notAuthorized(why);
      case 404 -> SoapFault.invalidArgument("NoProfile", why);
      default -> SoapFault.unavailable(why);
    };
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
