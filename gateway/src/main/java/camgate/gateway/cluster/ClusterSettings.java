package camgate.gateway.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code cluster} section of camgate.json: this node's id, the Hazelcast member addresses (TCP/IP join,
 * no multicast), how many cameras a node may redact, and the lease timings.
 *
 * @param nodeId           this node's name in leases, audit entries and statuses
 * @param host             the address Hazelcast binds and announces
 * @param port             Hazelcast's member port
 * @param members          every member's {@code host:port}, this one included
 * @param cameraCapacity   the most cameras this node (and, for placement, any node) redacts at once
 * @param lease            how long a camera lease lasts without renewal
 * @param renew            how often leases are renewed and placement re-computed
 * @param failureDetection how long a silent member stays a member (Hazelcast's heartbeat deadline)
 */
public record ClusterSettings(String nodeId, String host, int port, List<String> members, int cameraCapacity,
                              Duration lease, Duration renew, Duration failureDetection) {

  public ClusterSettings {
    members = List.copyOf(members);
    if (nodeId == null || !nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("cluster.node_id must be 1-64 letters, digits or ._-, found '" + nodeId + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("cluster.port " + port + " is not a TCP port (1-65535)");
    }
    if (members.isEmpty()) {
      throw new IllegalArgumentException("cluster.members is empty: list every node's host:port, this one included");
    }
    for (String m : members) {
      if (!m.matches("[^:\\s]+:\\d{1,5}")) {
        throw new IllegalArgumentException("cluster.members entry '" + m + "' is not host:port");
      }
    }
    if (cameraCapacity < 1) {
      throw new IllegalArgumentException("cluster.camera_capacity must be at least 1, found " + cameraCapacity);
    }
    if (failureDetection.compareTo(lease) >= 0) {
      throw new IllegalArgumentException("cluster.failure_detection_ms (" + failureDetection.toMillis() + ") must be "
          + "shorter than cluster.lease_ms (" + lease.toMillis() + "): a node cut off must know it is in a minority "
          + "before a lease it could still see as its own runs out elsewhere");
    }
    if (renew.multipliedBy(2).compareTo(lease) > 0) {
      throw new IllegalArgumentException("cluster.renew_ms (" + renew.toMillis() + ") must be at most half of "
          + "cluster.lease_ms (" + lease.toMillis() + "): a lease must survive one missed renewal");
    }
  }

  /** Reads the section; defaults: lease 4 s, renewal every 1 s, failure detection 3 s, capacity 4. */
  public static ClusterSettings fromJson(JsonObject c) {
    List<String> members = new ArrayList<>();
    for (Object m : c.getJsonArray("members", new JsonArray())) {
      members.add(String.valueOf(m));
    }
    Object capacity = c.getValue("camera_capacity", 4);
    if (!(capacity instanceof Integer)) {
      throw new IllegalArgumentException("cluster.camera_capacity must be a whole number, found " + capacity);
    }
    return new ClusterSettings(c.getString("node_id"), c.getString("host", "127.0.0.1"), c.getInteger("port", 5701),
        members, (Integer) capacity, Duration.ofMillis(c.getLong("lease_ms", 4000L)),
        Duration.ofMillis(c.getLong("renew_ms", 1000L)), Duration.ofMillis(c.getLong("failure_detection_ms", 3000L)));
  }

  /** The fewest live members that may hand out leases: a majority of {@link #members}, so a cut-off minority never does. */
  public int quorum() {
    return members.size() / 2 + 1;
  }

  /**
   * How much earlier than the lease record's expiry this node stops serving: the renewal was sent before the
   * record's clock started, and this margin covers clock skew between members.
   */
  public Duration safetyMargin() {
    return lease.dividedBy(6);
  }
}
