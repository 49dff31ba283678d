package camgate.gateway.access;

import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/** What every access needs over its life: timers, the policy to re-check with, the log, the gateway's clock. */
record AccessServices(Vertx vertx, PolicyDecisionClient policy, AuditTrail trail, Clock clock,
                      Duration recheckInterval) {

  /**
   * The gateway's clock as RFC 3339, seconds always included: OffsetDateTime.toString() drops ":00"
   * seconds on a whole minute, which the policy rightly refuses as not RFC 3339.
   */
  String now() {
    return OffsetDateTime.now(clock).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
  }
}
