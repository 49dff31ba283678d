package camgate.gateway.http;

import camgate.audit.AuditEvent;
import camgate.gateway.ApiKeys;
import camgate.gateway.Subject;
import camgate.gateway.audit.AuditTrail;
import camgate.gateway.policy.PolicyDecision;
import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decide, log, then serve: authenticates a request, asks the policy, appends the decision to the
 * audit log, and only then lets the handler answer. Every refusal is answered here.
 *
 * <p>Status codes: 401 no valid credential, 403 denied by policy (reasons in the body), 503 policy
 * engine or audit log unavailable. Every request that reaches the gate leaves exactly one
 * {@code access_decision} entry, refusals included; if that entry cannot be written, nothing is served.
 */
public final class AccessGate {

  private static final Logger LOG = LoggerFactory.getLogger(AccessGate.class);

  private final ApiKeys keys;
  private final PolicyDecisionClient policy;
  private final AuditTrail audit;
  private final Clock clock;
  private final Supplier<String> policyVersion;

  public AccessGate(ApiKeys keys, PolicyDecisionClient policy, AuditTrail audit, Clock clock,
                    Supplier<String> policyVersion) {
    this.keys = keys;
    this.policy = policy;
    this.audit = audit;
    this.clock = clock;
    this.policyVersion = policyVersion;
  }

  /**
   * Routing-context key under which a sign-in session handler (the web console) places the signed-in
   * person's {@link Subject}; the gate takes it before looking for an API key.
   */
  public static final String SESSION_SUBJECT = "camgate.session.subject";

  /** The subject of a request: the session's, or the one its API key maps to. */
  public Optional<Subject> authenticate(RoutingContext rc) {
    Object session = rc.get(SESSION_SUBJECT);
    if (session instanceof Subject s) {
      return Optional.of(s);
    }
    return authenticate(rc.request());
  }

  /** The subject a request's credential maps to, if any (API key in Authorization: Bearer, X-Api-Key or ?key=). */
  public Optional<Subject> authenticate(HttpServerRequest request) {
    String auth = request.getHeader("Authorization");
    String key = null;
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      key = auth.substring(7).trim();
    } else if (request.getHeader("X-Api-Key") != null) {
      key = request.getHeader("X-Api-Key");
    } else if (request.getParam("key") != null) {
      // For <img src> and a browser address bar, which cannot set headers (the demo URL uses it).
      key = request.getParam("key");
    }
    return keys.authenticate(key);
  }

  /**
   * The gateway's clock as RFC 3339, seconds always included: OffsetDateTime.toString() drops ":00"
   * seconds on a whole minute, which the policy rightly refuses as not RFC 3339.
   */
  public String now() {
    return OffsetDateTime.now(clock).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
  }

  /** The request context policies see: purpose, requisition, time and client, plus anything extra. */
  public JsonObject context(RoutingContext rc, JsonObject extra) {
    HttpServerRequest r = rc.request();
    JsonObject context = new JsonObject()
        .put("purpose", firstNonNull(r.getParam("purpose"), r.getHeader("X-Camgate-Purpose")))
        .put("requisition", firstNonNull(r.getParam("requisition"), r.getHeader("X-Camgate-Requisition")))
        .put("time", now())
        .put("client", new JsonObject().put("ip", r.remoteAddress() == null ? null : r.remoteAddress().hostAddress()));
    extra.forEach(e -> context.put(e.getKey(), e.getValue()));
    return context;
  }

  /**
   * Runs the whole gate for one request. The future succeeds with the access only when it was allowed
   * and logged; otherwise the response has already been sent and the future fails.
   */
  public Future<Access> admit(RoutingContext rc, String action, JsonObject resource, JsonObject extraContext) {
    JsonObject context = context(rc, extraContext);
    Optional<Subject> subject = authenticate(rc);
    if (subject.isEmpty()) {
      PolicyDecision deny = PolicyDecision.gatewayDeny(
          "no valid API key: send 'Authorization: Bearer <key>' (or X-Api-Key)", "camgate.gateway.unauthenticated",
          policyVersion.get());
      return record(rc, Subject.anonymous(), action, resource, context, deny)
          .compose(seq -> refuse(rc, 401, deny, seq));
    }
    JsonObject input = new JsonObject().put("subject", subject.get().toJson()).put("action", action)
        .put("resource", resource).put("context", context);
    return policy.decide(input)
        .compose(decision -> record(rc, subject.get(), action, resource, context, decision)
            .compose(seq -> switch (decision.outcome()) {
              case ALLOW -> Future.succeededFuture(new Access(subject.get(), action, resource, context, decision, seq));
              case DENY -> refuse(rc, 403, decision, seq);
              case UNAVAILABLE -> refuse(rc, 503, decision, seq);
            }));
  }

  /** Appends an access decision; when the log cannot take it, answers 503 and fails. */
  private Future<Long> record(RoutingContext rc, Subject subject, String action, JsonObject resource,
                              JsonObject context, PolicyDecision decision) {
    Map<String, Object> details = new LinkedHashMap<>();
    // Flat keys for the register report (audit report), the full context for everything else.
    details.put("purpose", context.getString("purpose"));
    details.put("requisition", context.getString("requisition"));
    details.put("client_ip", context.getJsonObject("client").getString("ip"));
    details.put("context", AuditTrail.plain(context));
    details.put("request", Map.of("method", rc.request().method().name(), "path", rc.request().path()));
    AuditEvent event = new AuditEvent("access_decision", subject.toMap(), action, AuditTrail.plain(resource),
        decision.toAuditMap(), decision.policyVersion(), decision.decisionId(), details);
    return audit.append(event).map(entry -> entry.seq()).recover(e -> {
      LOG.error("audit append failed, refusing the request: {}", e.toString());
      rc.response().setStatusCode(503).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "audit log unavailable: the access could not be recorded, so nothing "
              + "is served; check the audit database and disk").encode());
      return Future.failedFuture(new Refused(503));
    });
  }

  private static Future<Access> refuse(RoutingContext rc, int status, PolicyDecision decision, long seq) {
    String error = switch (status) {
      case 401 -> "authentication required";
      case 403 -> "access denied by policy";
      default -> "policy decision unavailable: denied (fail closed)";
    };
    JsonObject body = new JsonObject().put("error", error).put("reasons", new JsonArray(decision.reasons()))
        .put("rules", new JsonArray(decision.rules())).put("policy_version", decision.policyVersion())
        .put("decision_id", decision.decisionId()).put("audit_seq", seq);
    if (status == 401) {
      rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"camgate\"");
    }
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    return Future.failedFuture(new Refused(status));
  }

  private static String firstNonNull(String a, String b) {
    return a != null ? a : b;
  }

  /** The request was refused and already answered; nothing more to do. */
  public static final class Refused extends RuntimeException {
    public final int status;

    Refused(int status) {
      super("refused with HTTP " + status, null, false, false);
      this.status = status;
    }
  }
}
