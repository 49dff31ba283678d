package camgate.gateway.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;


/**
 * This gateway's membership of the cluster: a Hazelcast member joined over TCP/IP to the listed members (never
 * multicast), with heartbeats fast enough that a dead node's cameras move within seconds, and the clustered
 * Vert.x instance built on it.
 */
public final class ClusterNode {

  /** The member attribute carrying the gateway's node id, read by every other node's placement. */
  static final String NODE_ATTRIBUTE = "camgate.node";

  private final ClusterSettings settings;
  private final HazelcastInstance hazelcast;
  private final Vertx vertx;

  private ClusterNode(ClusterSettings settings, HazelcastInstance hazelcast, Vertx vertx) {
    this.settings = settings;
    this.hazelcast = hazelcast;
    this.vertx = vertx;
  }

  /**
   * Starts the Hazelcast member (blocking: joining takes a second or more) and the clustered Vert.x on it.
   *
   * @throws IllegalStateException (in the future) naming the port, when the member cannot start
   */
  public static Future<ClusterNode> start(ClusterSettings settings) {
    // Vert.x's cluster manager starts the member from this configuration (adding its own node-id attribute).
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(settings));
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost(settings.host()).setPort(0);
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
        .map(v -> new ClusterNode(settings, manager.getHazelcastInstance(), v))
        .recover(e -> Future.failedFuture(new IllegalStateException("the cluster member could not start on "
            + settings.host() + ":" + settings.port() + ": " + e.getMessage()
            + "; check cluster.port is free and cluster.members lists reachable host:port", e)));
  }

  static Config hazelcastConfig(ClusterSettings s) {
    Config config = new Config();
    config.setClusterName("camgate");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds",
        Long.toString(Math.max(2, s.failureDetection().toSeconds())));
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    // A node cut off and back merges into the larger side within seconds, not the default 5 minutes.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    // A lease operation that cannot complete must fail fast: the fence does not wait for it, the loop should not.
    config.setProperty("hazelcast.operation.call.timeout.millis", Long.toString(s.lease().toMillis()));
    config.setProperty("hazelcast.invocation.max.retry.count", "5");
    config.getMemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, s.nodeId());
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(s.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(s.host());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(s.members());
    config.addMapConfig(new MapConfig(LeaseTable.MAP).setBackupCount(1).setAsyncBackupCount(0));
    return config;
  }

  /** The gateway node ids of the members Hazelcast sees now (sorted). */
  static java.util.SortedSet<String> liveNodes(HazelcastInstance hazelcast) {
    java.util.SortedSet<String> nodes = new java.util.TreeSet<>();
    for (com.hazelcast.cluster.Member m : hazelcast.getCluster().getMembers()) {
      String id = m.getAttribute(NODE_ATTRIBUTE);
      if (id != null) {
        nodes.add(id);
      }
    }
    return nodes;
  }

  public ClusterSettings settings() {
    return settings;
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Leaves the cluster: closing Vert.x makes its cluster manager shut the member down. */
  public Future<Void> close() {
    return vertx.close();
  }
}
