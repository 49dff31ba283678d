package camgate.gateway.publish;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;

/**
 * The bundle service OPA downloads the policy from: {@code GET /bundles/camgate.tar.gz} answers the
 * active version's signed archive (ETag = its SHA-256, so an unchanged poll costs a 304).
 *
 * <p>It listens on loopback only, on its own port, before OPA starts: OPA needs it to load any policy,
 * and the main HTTP server opens last. The archive carries the whole policy data (agents,
 * requisitions), so it is not exposed on the public port.
 */
public final class BundleServer {

  private static final Logger LOG = LoggerFactory.getLogger(BundleServer.class);
  public static final String PATH = "/bundles/camgate.tar.gz";

  private final Vertx vertx;
  private final PolicyPublisher publisher;
  private HttpServer server;

  public BundleServer(Vertx vertx, PolicyPublisher publisher) {
    this.vertx = vertx;
    this.publisher = publisher;
  }

  /** Starts listening on 127.0.0.1 on a free port; the future gives the service URL to configure in OPA. */
  public Future<URI> start() {
    return vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").map(s -> {
      server = s;
      return url();
    });
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  private void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET || !PATH.equals(request.path())) {
      request.response().setStatusCode(404).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "this loopback service only serves GET " + PATH).encode());
      return;
    }
    publisher.activeBundle().onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("cannot read the active policy bundle: {}", ar.cause().toString());
        request.response().setStatusCode(503).end();
        return;
      }
      String etag = "\"" + ar.result().sha256() + "\"";
      if (etag.equals(request.getHeader("If-None-Match"))) {
        request.response().setStatusCode(304).putHeader("ETag", etag).end();
        return;
      }
      request.response().putHeader("Content-Type", "application/gzip").putHeader("ETag", etag)
          .end(Buffer.buffer(ar.result().bytes()));
    });
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
