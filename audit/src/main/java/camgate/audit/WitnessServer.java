package camgate.audit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Witness} over HTTP (the JDK's server, no framework): {@code POST /add-checkpoint} as C2SP tlog-witness
 * says. Bodies over 64 KB are refused (413): a checkpoint with 63 proof lines is a few KB.
 */
public final class WitnessServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WitnessServer.class);
  static final int MAX_BODY = 64 * 1024;

  private final HttpServer server;
  private final ExecutorService pool;

  private WitnessServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /**
   * Starts serving {@code witness} on {@code host:port} (port 0: any free port, see {@link #port()}).
   *
   * @throws IOException if the address cannot be bound
   */
  public static WitnessServer start(Witness witness, String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "witness-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/add-checkpoint", exchange -> {
      try (exchange) {
        handle(witness, exchange);
      } catch (IOException | RuntimeException e) {
        LOG.warn("witness request failed: {}", e.toString());
      }
    });
    server.start();
    return new WitnessServer(server, pool);
  }

  private static void handle(Witness witness, HttpExchange exchange) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      send(exchange, Witness.Reply.text(405, "add-checkpoint takes POST\n"));
      return;
    }
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      send(exchange, Witness.Reply.text(413, "body over " + MAX_BODY + " bytes\n"));
      return;
    }
    Witness.Reply reply = witness.addCheckpoint(new String(body, StandardCharsets.UTF_8));
    if (reply.status() != 200) {
      LOG.info("add-checkpoint refused with {}: {}", reply.status(), reply.body().strip());
    }
    send(exchange, reply);
  }

  private static void send(HttpExchange exchange, Witness.Reply reply) throws IOException {
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The port bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops at once (requests in progress are cut; the state is written before any reply, so none is lost). */
  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
