package camgate.gateway.rtsp;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * camgate's RTSP 1.0 server (RFC 2326) for video-management systems: H.264 over RTP (RFC 6184), interleaved on
 * the RTSP connection or over UDP, at {@code rtsp://HOST:PORT/cameras/{id}?purpose=P} (redacted) and
 * {@code .../cameras/{id}/raw?requisition=R&purpose=P}. It decides nothing itself: each session is admitted by the
 * gateway's {@link RtspAccessPort} before any media flows, and its end is reported to the grant exactly once.
 *
 * <p>Deploy it with {@code vertx.deployVerticle(server)}: the deployment fails if the port cannot be bound.
 * Undeploying ends every session ({@code server stopped}).
 */
public final class RtspServer extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RtspServer.class);

  private final RtspAccessPort access;
  private final RtspServerConfig config;
  private final Set<RtspConnection> connections = new LinkedHashSet<>();
  private NetServer server;

  public RtspServer(RtspAccessPort access, RtspServerConfig config) {
    this.access = access;
    this.config = config;
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(new NetServerOptions().setHost(config.host()).setPort(config.port())
        .setTcpNoDelay(true));
    server.connectHandler(socket -> connections.add(new RtspConnection(this, config, vertx, context, socket)));
    return server.listen().onSuccess(s -> LOG.info("RTSP server listening on {}:{}", config.host(), s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    new ArrayList<>(connections).forEach(c -> c.close("server stopped"));
    return server.close();
  }

  /** The bound port (the configured one, or the one chosen for port 0); valid once deployed. */
  public int actualPort() {
    return server.actualPort();
  }

  /** Sessions set up now, over all connections (call on the server's context, or for a test's rough look). */
  public int sessions() {
    return new ArrayList<>(connections).stream().mapToInt(RtspConnection::sessionCount).sum();
  }

  RtspAccessPort access() {
    return access;
  }

  void forget(RtspConnection connection) {
    connections.remove(connection);
  }
}
