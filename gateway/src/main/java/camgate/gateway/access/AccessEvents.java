package camgate.gateway.access;

import camgate.audit.AuditEvent;
import camgate.gateway.Subject;
import camgate.gateway.policy.PolicyDecision;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's audit events, each built in one place so that every way in (HTTP, console, RTSP, a
 * cluster peer) writes the same entry for the same thing. The keys are read by {@code audit report}
 * and by the policy's dry-run replay: change them here or not at all.
 */
public final class AccessEvents {

  /** The gateway itself, as the subject of the entries it writes on its own (start, retention purges). */
  static final Map<String, Object> GATEWAY = Map.of("id", "camgate-gateway");

  private AccessEvents() {
  }

  /** How a request reached the gateway: protocol, method and path, and the client's address. */
  public record Origin(String protocol, String method, String path, String clientIp) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("protocol", protocol);
      m.put("method", method);
      m.put("path", path);
      return m;
    }
  }

  /** An access decided: allowed, denied or undecidable, with the context the policy saw. */
  static AuditEvent decision(Subject subject, String action, Map<String, Object> resource, Map<String, Object> context,
                             Origin origin, PolicyDecision decision, Map<String, Object> extra) {
    Map<String, Object> details = new LinkedHashMap<>();
    // Flat keys for the register report (audit report), the full context for everything else.
    details.put("purpose", context.get("purpose"));
    details.put("requisition", context.get("requisition"));
    details.put("client_ip", origin.clientIp());
    details.put("context", context);
    details.put("request", origin.toMap());
    details.putAll(extra);
    return new AuditEvent("access_decision", subject.toMap(), action, resource, decision.toAuditMap(),
        decision.policyVersion(), decision.decisionId(), details);
  }

  /**
   * What an access delivered before it ended, and why it ended.
   *
   * @param frames  frames written to the connection (handed to the socket, not acknowledged by the client)
   * @param dropped frames skipped because the connection was still busy with earlier ones
   * @param extra   protocol-specific counts (e.g. RTP packets)
   */
  public record Delivery(long frames, long bytes, long dropped, Map<String, Object> extra) {
    public static final Delivery NOTHING = new Delivery(0, 0, 0, Map.of());
  }

  /** An admitted access ended: what it delivered, for how long, and why; {@code recheck} when a re-check cut it. */
  static AuditEvent ended(Access access, Delivery delivery, long millis, String reason, PolicyDecision recheck) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("decision_seq", access.auditSeq());
    details.put("frames", delivery.frames());
    details.put("bytes", delivery.bytes());
    details.put("frames_dropped", delivery.dropped());
    // Counted when handed to the socket: a client that vanished may not have received the last few.
    details.put("counted_at", "socket_write");
    details.putAll(delivery.extra());
    details.put("duration_ms", millis);
    details.put("duration_s", millis / 1000.0);
    details.put("purpose", access.context().getString("purpose"));
    details.put("requisition", access.context().getString("requisition"));
    details.put("reason", reason);
    return new AuditEvent("access_ended", access.subject().toMap(), access.action(), AuditTrail.plain(access.resource()),
        recheck == null ? null : recheck.toAuditMap(), access.decision().policyVersion(),
        access.decision().decisionId(), details);
  }

  /** An exported clip kept by the gateway (before it leaves): file hash, destination, retention end. */
  public static AuditEvent exportStored(Access access, Map<String, Object> stored) {
    return about(access, "export_stored", stored);
  }

  /** The outcome of sending an exported clip to its destination. */
  public static AuditEvent exportDelivery(Access access, String export, String destination, boolean delivered,
                                          int status, String detail) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("export", export);
    details.put("destination", destination);
    details.put("delivered", delivered);
    details.put("status", status);
    details.put("detail", detail);
    return about(access, "export_delivery", details);
  }

  /**
   * A policy version the DPO is about to make active, written before OPA is served it: no version is ever in
   * force without a trace, even if the gateway dies before OPA confirms it.
   */
  public static AuditEvent policyIntent(Access access, Map<String, Object> version, String revision) {
    return publication("policy_publication_intent", access, version, revision);
  }

  /** A policy version OPA has verified and made active. */
  public static AuditEvent policyPublished(Access access, Map<String, Object> version, String revision) {
    return publication("policy_published", access, version, revision);
  }

  private static AuditEvent publication(String type, Access access, Map<String, Object> version, String revision) {
    Map<String, Object> details = new LinkedHashMap<>(version);
    details.put("decision_seq", access.auditSeq());
    return new AuditEvent(type, access.subject().toMap(), access.action(), AuditTrail.plain(access.resource()), null,
        revision, access.decision().decisionId(), details);
  }

  /**
   * A node of a cluster whose OPA reported {@code version} active: each node records the revision it serves, on its
   * own log, whether a publication from another node, the undoing of one, or catching up when it joined.
   */
  public static AuditEvent policyActivated(String node, Map<String, Object> version, String revision, String why) {
    Map<String, Object> details = new LinkedHashMap<>(version);
    details.put("node", node);
    details.put("why", why);
    return new AuditEvent("policy_activated", Map.of("id", "camgate-node:" + node), "policy_activated", Map.of(), null,
        revision, "", details);
  }

  /** A stored file deleted by the retention sweep (written before the file is deleted). */
  public static AuditEvent retentionPurge(String stored, String camera, Map<String, Object> what, String policyVersion) {
    Map<String, Object> resource = new LinkedHashMap<>();
    resource.put("camera", camera);
    resource.put("stored", stored);
    return new AuditEvent("retention_purge", GATEWAY, "retention_purge", resource, null, policyVersion, "", what);
  }

  /**
   * A camera changed hands on this node: {@code acquired} (this node holds the lease with {@code token} and starts
   * redacting), {@code released} (handed back for a rebalance or at shutdown) or {@code lost} (the lease could not
   * be renewed before it expired). {@code servedUntil}, for a release or loss, is the last instant this node could
   * publish a frame of the camera under that token; a later holder's {@code acquired} entry is never before it.
   */
  public static AuditEvent cameraOwner(String camera, String node, String change, long token, String reason,
                                       Instant servedUntil, String policyVersion) {
    Map<String, Object> resource = new LinkedHashMap<>();
    resource.put("camera", camera);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("node", node);
    details.put("change", change);
    details.put("token", token);
    details.put("reason", reason);
    if (servedUntil != null) {
      details.put("served_until", servedUntil.toString());
    }
    return new AuditEvent("camera_owner", Map.of("id", "camgate-node:" + node), "camera_" + change, resource, null,
        policyVersion, "", details);
  }

  /** The gateway started: its cameras, keys, models and address. */
  public static AuditEvent gatewayStart(Map<String, Object> details, String policyVersion) {
    return new AuditEvent("admin", GATEWAY, "gateway_start", Map.of(), null, policyVersion, "", details);
  }

  /** A sign-in attempt on the console and its outcome ({@code success}, {@code wrong_password}, …). */
  public static AuditEvent signIn(Map<String, Object> subject, String username, String outcome, String clientIp) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("username", username);
    details.put("outcome", outcome);
    details.put("client_ip", clientIp);
    return new AuditEvent("sign_in", subject, "sign_in", Map.of(),
        Map.of("allow", "success".equals(outcome), "outcome", outcome), null, "", details);
  }

  /** A console session ended by its person. */
  public static AuditEvent signOut(Subject subject, String username) {
    return new AuditEvent("sign_in", subject.toMap(), "sign_out", Map.of(), null, null, "",
        Map.of("username", username, "outcome", "signed_out"));
  }

  /**
   * Anonymous refusals from one source counted over a window after its first one (which has its own
   * {@code access_decision} entry, {@code firstSeq}).
   */
  static AuditEvent refusedSummary(String source, long refusals, Instant from, Instant to, Long firstSeq) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("client_ip", source);
    details.put("refusals", refusals);
    details.put("from", from.toString());
    details.put("to", to.toString());
    details.put("first_seq", firstSeq);
    details.put("status", 401);
    return new AuditEvent("access_refused_summary", Subject.anonymous().toMap(), "refused_summary", Map.of(),
        Map.of("allow", false, "outcome", "deny"), null, "", details);
  }

  /** The cameras a listing showed, for the listing's decision entry. */
  static Map<String, Object> listed(List<String> cameras) {
    return Map.of("cameras", cameras);
  }

  /** An entry about an admitted access (what it led to), tied to its decision entry. */
  private static AuditEvent about(Access access, String type, Map<String, Object> what) {
    Map<String, Object> details = new LinkedHashMap<>(what);
    details.put("decision_seq", access.auditSeq());
    return new AuditEvent(type, access.subject().toMap(), access.action(), AuditTrail.plain(access.resource()), null,
        access.decision().policyVersion(), access.decision().decisionId(), details);
  }
}
