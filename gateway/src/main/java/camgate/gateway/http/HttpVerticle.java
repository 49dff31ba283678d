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

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The gateway's HTTP server: mounts the route groups and answers every failure the same way. */
public final class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private static final long MAX_BODY = 8L * 1024 * 1024;
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

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
    router.route().handler(HttpVerticle::bodyLimit);
    routes.forEach(r -> r.accept(router));
    router.route().last().handler(rc -> rc.response().setStatusCode(404).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "no such endpoint: " + rc.request().method() + " " + rc.request().path()
            + "; see the README for the API").encode()));
    router.route().failureHandler(HttpVerticle::failure);
    // A fixed send buffer (instead of the kernel's auto-tuning up to several MiB) keeps what a slow
    // consumer can have in flight to a few frames; beyond that its stream drops frames.
    // A connection with nothing sent or received for a minute (a client that opened one and went quiet, a
    // stream whose consumer stopped reading) is closed: idle connections cannot pile up.
    HttpServerOptions options = new HttpServerOptions().setSendBufferSize(256 * 1024)
        .setIdleTimeout((int) IDLE_TIMEOUT.toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxHeaderSize(16 * 1024).setMaxInitialLineLength(8 * 1024);
    return vertx.createHttpServer(options).requestHandler(router).listen(port, host).onSuccess(s -> server = s);
  }

  /**
   * No route takes a body over {@link #MAX_BODY} (the largest, a policy proposal): a larger declared body is
   * refused before anything reads it. Routes that take a body set their own, smaller limits.
   */
  private static void bodyLimit(RoutingContext rc) {
    String length = rc.request().getHeader("Content-Length");
    long declared;
    try {
      declared = length == null ? 0 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      declared = -1;
    }
    if (declared < 0 || declared > MAX_BODY) {
      rc.response().setStatusCode(declared < 0 ? 400 : 413).putHeader("Content-Type", "application/json")
          .putHeader("Connection", "close")
          .end(new JsonObject().put("error", declared < 0 ? "malformed Content-Length '" + length + "'"
              : "request body of " + declared + " bytes is over the gateway's limit of " + MAX_BODY).encode());
      return;
    }
    rc.next();
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
