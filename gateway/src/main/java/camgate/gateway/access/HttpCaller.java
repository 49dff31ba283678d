package camgate.gateway.access;

import camgate.gateway.Subject;
import camgate.gateway.access.AccessEvents.Origin;
import camgate.gateway.access.AccessRequest.Target;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.List;
import java.util.Locale;

/**
 * The HTTP side of an access: reads an HTTP request into an {@link AccessRequest} (credential, purpose,
 * requisition, origin) and writes the gate's refusals as JSON replies. Every HTTP route group (camera,
 * export, maintenance, audit, console, policy administration) comes in through it.
 */
public final class HttpCaller {

  /**
   * Routing-context key under which a sign-in session handler (the web console) places the signed-in
   * person's {@link Subject}; it is taken before any API key.
   */
  public static final String SESSION_SUBJECT = "camgate.session.subject";

  private HttpCaller() {
  }

  /** Runs the gate for an HTTP request; the refusal, if any, is already answered when the future fails. */
  public static Future<Access> admit(AccessGate gate, RoutingContext rc, String action, Target target,
                                     JsonObject extraContext) {
    return gate.admit(request(rc, action, target, extraContext), replies(rc));
  }

  /** The access an HTTP request asks for. */
  public static AccessRequest request(RoutingContext rc, String action, Target target, JsonObject extraContext) {
    HttpServerRequest r = rc.request();
    return new AccessRequest(credential(rc), action, target,
        firstNonNull(r.getParam("purpose"), r.getHeader("X-Camgate-Purpose")),
        firstNonNull(r.getParam("requisition"), r.getHeader("X-Camgate-Requisition")),
        extraContext, new Origin("http", r.method().name(), r.path(),
            r.remoteAddress() == null ? null : r.remoteAddress().hostAddress()));
  }

  /** The session's subject, else the API key (Authorization: Bearer, X-Api-Key, or ?key= for a browser). */
  public static Credential credential(RoutingContext rc) {
    if (rc.get(SESSION_SUBJECT) instanceof Subject s) {
      return new Credential.Authenticated(s);
    }
    HttpServerRequest request = rc.request();
    String auth = request.getHeader("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return new Credential.ApiKey(auth.substring(7).trim());
    }
    if (request.getHeader("X-Api-Key") != null) {
      return new Credential.ApiKey(request.getHeader("X-Api-Key"));
    }
    if (request.getParam("key") != null) {
      // For <img src> and a browser address bar, which cannot set headers (the demo URL uses it).
      return new Credential.ApiKey(request.getParam("key"));
    }
    return Credential.none();
  }

  /**
   * The handlers a route with a JSON body needs, in order: the credential is checked before a byte of the
   * body is read (an anonymous request is refused through the gate, 401, and its body never stored); only
   * {@code application/json} is read (415 otherwise: no multipart, so no upload ever reaches the disk); and
   * the body is read into memory up to {@code limit} bytes (413 beyond).
   */
  public static List<Handler<RoutingContext>> jsonBody(AccessGate gate, String action, long limit) {
    Handler<RoutingContext> credentialFirst = rc -> {
      if (gate.authenticate(credential(rc)).isPresent()) {
        rc.next();
      } else {
        admit(gate, rc, action, Target.resource(new JsonObject()), new JsonObject());
      }
    };
    Handler<RoutingContext> jsonOnly = rc -> {
      String type = rc.request().getHeader("Content-Type");
      if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        rc.response().setStatusCode(415).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("error", "send the body as Content-Type: application/json, found '" + type
                + "'").encode());
        return;
      }
      rc.next();
    };
    return List.of(credentialFirst, jsonOnly, BodyHandler.create(false).setBodyLimit(limit));
  }

  /** Refusals as JSON bodies with their status; a 401 carries the Bearer challenge. */
  public static Replies replies(RoutingContext rc) {
    return refusal -> {
      HttpServerResponse response = rc.response();
      if (response.ended() || response.closed()) {
        return;
      }
      if (response.headWritten()) {
        // A stream already under way cannot turn into a refusal: cut the connection instead.
        rc.request().connection().close();
        return;
      }
      if (refusal.status() == 401) {
        response.putHeader("WWW-Authenticate", "Bearer realm=\"camgate\"");
      }
      refusal.headers().forEach(response::putHeader);
      if (refusal.status() == 307 && rc.request().query() != null) {
        // The owner node needs the same purpose (and key, for a browser) as this request carried.
        response.putHeader("Location", refusal.headers().get("Location") + "?" + rc.request().query());
      }
      response.setStatusCode(refusal.status()).putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-store").end(refusal.body().encode());
    };
  }

  private static String firstNonNull(String a, String b) {
    return a != null ? a : b;
  }
}
