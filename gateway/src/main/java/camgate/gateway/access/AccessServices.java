package camgate.gateway.access;

import camgate.gateway.metrics.GatewayMetrics;
import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every access needs over its life: timers, the policy to re-check with, the log, the gateway's clock,
 * and the register of accesses being served (to cap them per subject and to cut them all at once).
 */
record AccessServices(Vertx vertx, PolicyDecisionClient policy, AuditTrail trail, Clock clock,
                      Duration recheckInterval, Serving serving, GatewayMetrics metrics) {

  /** The accesses being served now, by subject, at most {@code perSubject} each. Thread-safe. */
  static final class Serving {
    private final int perSubject;
    private final Set<Access> all = ConcurrentHashMap.newKeySet();

    Serving(int perSubject) {
      this.perSubject = perSubject;
    }

    /** Registers the access unless its subject already has {@code perSubject} being served. */
    synchronized boolean tryAdd(Access access) {
      long same = all.stream().filter(a -> a.subject().id().equals(access.subject().id())).count();
      return same < perSubject && all.add(access);
    }

    void remove(Access access) {
      all.remove(access);
    }

    List<Access> all() {
      return List.copyOf(all);
    }

    int perSubject() {
      return perSubject;
    }
  }

  /**
   * The gateway's clock as RFC 3339, seconds always included: OffsetDateTime.toString() drops ":00"
   * seconds on a whole minute, which the policy rightly refuses as not RFC 3339.
   */
  String now() {
    return OffsetDateTime.now(clock).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
  }
}
