package camgate.gateway.cluster;

import com.hazelcast.map.IMap;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The cluster's camera leases, one entry per camera in a Hazelcast map (one synchronous backup), changed only by
 * compare-and-set ({@code putIfAbsent}, {@code replace(key, old, new)}): two nodes claiming the same expired
 * lease cannot both win, and each new holder's token is the previous one plus one.
 *
 * <p>Plain map operations with their ordinary backups rather than an entry processor: the value written is the
 * one this node computed, so a backup never re-evaluates a lease against another member's clock.
 */
final class LeaseTable {

  static final String MAP = "camgate.camera-leases";

  private final IMap<String, Lease> leases;
  private final LongSupplier wallClock;

  LeaseTable(IMap<String, Lease> leases, LongSupplier wallClock) {
    this.leases = leases;
    this.wallClock = wallClock;
  }

  /**
   * Takes the camera's lease if it is free, expired, or left over from this node's own earlier holding (which
   * it has already stopped serving): always with a new token. Returns the lease as it stands afterwards (maybe
   * another node's).
   */
  Lease claim(String camera, String node, long leaseMillis) {
    while (true) {
      long now = wallClock.getAsLong();
      Lease current = leases.get(camera);
      if (current != null && current.heldAt(now) && !current.node().equals(node)) {
        return current;
      }
      Lease next = new Lease(camera, node, (current == null ? 0 : current.token()) + 1, now + leaseMillis);
      boolean won = current == null ? leases.putIfAbsent(camera, next) == null : leases.replace(camera, current, next);
      if (won) {
        return next;
      }
    }
  }

  /** Extends this node's lease with {@code token}; empty when it is no longer this node's (expired or taken). */
  Optional<Lease> renew(String camera, String node, long token, long leaseMillis) {
    long now = wallClock.getAsLong();
    Lease current = leases.get(camera);
    if (current == null || !current.heldBy(node, now) || current.token() != token) {
      return Optional.empty();
    }
    Lease next = new Lease(camera, node, token, now + leaseMillis);
    return leases.replace(camera, current, next) ? Optional.of(next) : Optional.empty();
  }

  /** Gives the lease up at once (it keeps its token), so the next holder need not wait for it to expire. */
  void release(String camera, String node, long token) {
    Lease current = leases.get(camera);
    if (current != null && current.node().equals(node) && current.token() == token) {
      leases.replace(camera, current, new Lease(camera, node, token, 0));
    }
  }

  /** The leases of these cameras as the cluster holds them now. */
  Map<String, Lease> read(Set<String> cameras) {
    return leases.getAll(cameras);
  }
}
