package camgate.gateway.http;

import camgate.gateway.access.AccessGate;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;

/** The gateway's HTTP server: mounts the route groups and answers every failure the same way. */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  private final String host;
  private final int port;
  private final List<Consumer<Router>> routes;
  private HttpServer server;

  public HttpVerticle(String host, int port, List<Consumer<Router>> routes) {
    this.host = host;
    this.port = port;
    this.routes = List.copyOf(routes);
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    routes.forEach(r -> r.accept(router));
    router.route().last().handler(rc -> rc.response().setStatusCode(404).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "no such endpoint: " + rc.request().method() + " " + rc.request().path()
            + "; see the README for the API").encode()));
    router.route().failureHandler(HttpVerticle::failure);
    // A fixed send buffer (instead of the kernel's auto-tuning up to several MiB) keeps what a slow
    // consumer can have in flight to a few frames; beyond that its stream drops frames.
    HttpServerOptions options = new HttpServerOptions().setSendBufferSize(256 * 1024);
    return vertx.createHttpServer(options).requestHandler(router).listen(port, host).onSuccess(s -> server = s);
  }

  /** The port actually bound (the configured one, or the one the OS picked for port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private static void failure(RoutingContext rc) {
    Throwable cause = rc.failure();
    if (cause instanceof AccessGate.Refused) {
      return;  // already answered by the gate
    }
    int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
    if (rc.response().headWritten()) {
      // Half-sent stream: a body cannot be written any more; cut the connection.
      LOG.warn("failure after headers on {}: {}", rc.request().path(), String.valueOf(cause));
      rc.request().connection().close();
      return;
    }
    if (status >= 500) {
      LOG.error("request {} {} failed", rc.request().method(), rc.request().path(), cause);
    }
    String message = switch (status) {
      case 400 -> "malformed request: " + (cause == null ? "bad input" : cause.getMessage());
      case 413 -> "request body too large: send at most the documented limit (console.body_limit_bytes)";
      case 500 -> "internal error; the gateway log has the details";
      default -> "request failed with HTTP " + status;
    };
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
