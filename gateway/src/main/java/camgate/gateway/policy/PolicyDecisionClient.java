package camgate.gateway.policy;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks OPA over HTTP for decisions (the design's decision contract) and for policy data.
 *
 * <p>Fails closed: a timeout, a refused connection or a non-200 answer is {@link
 * PolicyDecision.Outcome#UNAVAILABLE}; an undefined or malformed result is a deny. With signed bundles
 * every answer must name a revision the gateway published (OPA's provenance): an answer without one
 * comes from an OPA with no policy active yet (just restarted) or from an impostor, and is
 * UNAVAILABLE, never a deny or an allow.
 */
public final class PolicyDecisionClient {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyDecisionClient.class);
  private static final Pattern NUMBERED_REVISION = Pattern.compile("v(\\d{1,15})-");

  private static final Duration CONFIG_CHECK_TIMEOUT = Duration.ofSeconds(20);

  private final WebClient client;
  private final Supplier<OpaEndpoint> opa;
  private final Duration timeout;
  private final Supplier<String> localVersion;
  private final Optional<Predicate<String>> published;
  private final Optional<Supplier<String>> required;
  private final AtomicLong highestRevision = new AtomicLong();

  /** A client for an OPA that loads policy files (no bundle revision to require). */
  public PolicyDecisionClient(WebClient client, Supplier<OpaEndpoint> opa, Duration timeout,
                              Supplier<String> localVersion) {
    this(client, opa, timeout, localVersion, Optional.empty());
  }

  /**
   * @param opa          where OPA listens now and the token it admits
   * @param localVersion the policy version to record when OPA does not report a bundle revision
   * @param published    with signed bundles, whether a revision is one the gateway published; every
   *                     answer must then carry such a revision
   */
  public PolicyDecisionClient(WebClient client, Supplier<OpaEndpoint> opa, Duration timeout,
                              Supplier<String> localVersion, Optional<Predicate<String>> published) {
    this(client, opa, timeout, localVersion, published, Optional.empty());
  }

  /**
   * @param required on a node of a cluster, the one revision every answer must come from: the cluster's, which
   *                 every live node activated; an answer from another (this node behind, or ahead during a
   *                 publication not yet complete everywhere) is unavailable
   */
  public PolicyDecisionClient(WebClient client, Supplier<OpaEndpoint> opa, Duration timeout,
                              Supplier<String> localVersion, Optional<Predicate<String>> published,
                              Optional<Supplier<String>> required) {
    this.required = required;
    this.client = client;
    this.opa = opa;
    this.timeout = timeout;
    this.localVersion = localVersion;
    this.published = published;
  }

  /** Decides one access. Never fails: every problem becomes a deny or an unavailable decision. */
  public Future<PolicyDecision> decide(JsonObject input) {
    String version = localVersion.get();
    return post("/v1/data/camgate/decision?provenance=true", input)
        .map(response -> {
          if (response.statusCode() != 200) {
            return PolicyDecision.unavailable("policy engine answered HTTP " + response.statusCode()
                + ": " + abbreviate(response.bodyAsString()), version);
          }
          JsonObject body = response.bodyAsJsonObject();
          String decisionId = body.getString("decision_id", "");
          Optional<String> revision = revision(body);
          Optional<String> untrusted = untrusted(revision);
          if (untrusted.isPresent()) {
            LOG.error("policy decision refused: {}", untrusted.get());
            return PolicyDecision.unavailable(untrusted.get(), revision.orElse(version));
          }
          return PolicyDecision.fromResult(body.getValue("result"), decisionId, revision.orElse(version));
        })
        .otherwise(e -> {
          LOG.warn("policy decision unavailable: {}", e.toString());
          return PolicyDecision.unavailable("policy engine unreachable or too slow (" + e.getMessage()
              + "): denied, fail closed", version);
        });
  }

  /** The camera ids this subject may see, or a failed future when OPA cannot be asked. */
  public Future<List<String>> visibleCameras(JsonObject subject, JsonObject context) {
    return post("/v1/data/camgate/visibility/cameras?provenance=true", new JsonObject().put("subject", subject)
        .put("context", context))
        .compose(response -> trusted(response, "camgate/visibility/cameras"))
        .compose(body -> {
          Object result = body.getValue("result");
          return Future.succeededFuture(result instanceof JsonArray a
              ? a.stream().map(String::valueOf).sorted().toList() : List.<String>of());
        });
  }

  /** A policy data document (e.g. "cameras/cam-017/privacy_masks"); empty when undefined. */
  public Future<Optional<Object>> data(String path) {
    return opa.get().get(client, "/v1/data/" + path + "?provenance=true")
        .timeout(timeout.toMillis())
        .send()
        .compose(response -> trusted(response, path))
        .map(body -> Optional.ofNullable(body.getValue("result")));
  }

  /** The body of a 200 answer whose provenance {@link #untrusted} accepts; a failed future otherwise. */
  private Future<JsonObject> trusted(HttpResponse<Buffer> response, String path) {
    if (response.statusCode() != 200) {
      return Future.failedFuture("policy engine answered HTTP " + response.statusCode() + " for data/" + path + ": "
          + abbreviate(response.bodyAsString()));
    }
    JsonObject body = response.bodyAsJsonObject();
    Optional<String> untrusted = untrusted(revision(body));
    return untrusted.isPresent() ? Future.failedFuture(untrusted.get() + " (data/" + path + ")")
        : Future.succeededFuture(body);
  }

  /**
   * Why an answer naming {@code revision} must not be believed, if it must not: with signed bundles, no
   * revision (no policy active, or not the gateway's OPA), one the gateway never published, or one
   * older than a revision already seen.
   */
  private Optional<String> untrusted(Optional<String> revision) {
    if (published.isEmpty()) {
      return revision.flatMap(this::olderThanSeen);
    }
    if (revision.isEmpty()) {
      return Optional.of("policy engine answered without a signed policy revision: OPA has no signed bundle "
          + "active yet (it may have just restarted) or is not the gateway's OPA; denied (fail closed), retry shortly");
    }
    if (!published.get().test(revision.get())) {
      return Optional.of("policy engine answered with revision " + revision.get() + ", which this gateway never "
          + "published: it is not the gateway's OPA or serves a foreign bundle; denied (fail closed); check what "
          + "listens on " + opa.get().url());
    }
    String clusterRevision = required.map(Supplier::get).orElse(revision.get());
    if (!revision.get().equals(clusterRevision)) {
      return Optional.of("policy engine decided with revision " + revision.get() + " but the cluster's revision is "
          + clusterRevision + ": this node is not on it yet (catching up, or a publication is not yet active on "
          + "every node); denied (fail closed), retry shortly");
    }
    return olderThanSeen(revision.get());
  }

  /** Violations the configuration guard finds in this configuration; a failed future when OPA cannot be asked. */
  public Future<List<String>> configViolations(JsonObject configuration) {
    // Checked once at start-up and on changes, often OPA's first evaluation (it compiles the policy
    // then): allowed far longer than a per-request decision.
    return post("/v1/data/camgate/config/violations?provenance=true", configuration, CONFIG_CHECK_TIMEOUT)
        .compose(response -> trusted(response, "camgate/config/violations")).compose(body -> {
      Object result = body.getValue("result");
      if (result == null) {
        return Future.failedFuture("configuration guard camgate.config.violations is undefined: "
            + "the policy set must define it (check policies/camgate/config)");
      }
      return Future.succeededFuture(result instanceof JsonArray a ? a.stream().map(String::valueOf).toList()
          : List.of("configuration guard returned " + result + " instead of a set of violations"));
    });
  }

  private Future<HttpResponse<Buffer>> post(String path, JsonObject input) {
    return post(path, input, timeout);
  }

  private Future<HttpResponse<Buffer>> post(String path, JsonObject input, Duration limit) {
    return opa.get().post(client, path)
        .timeout(limit.toMillis())
        .sendJsonObject(new JsonObject().put("input", input));
  }

  /**
   * OPA activates any correctly signed bundle, an older one included (docs/policy-bundles.md), so a
   * replayed old bundle could bring back a laxer policy. Published revisions are "v{n}-{hash}" with n
   * growing on every publication and rollback: once a decision came from v{n}, a decision from a lower
   * n is refused (fail closed) until the current policy is active again.
   */
  private Optional<String> olderThanSeen(String revision) {
    Matcher m = NUMBERED_REVISION.matcher(revision);
    if (!m.lookingAt()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    long seen = highestRevision.accumulateAndGet(n, Math::max);
    if (n < seen) {
      return Optional.of("policy engine decided with revision " + revision + ", older than v" + seen
          + " already in force: an old signed bundle was replayed; denied (fail closed) until the current "
          + "policy is active again; check who serves bundles to OPA");
    }
    return Optional.empty();
  }

  /** The highest published revision number a decision came from so far (0: none). */
  public long highestRevision() {
    return highestRevision.get();
  }

  private static Optional<String> revision(JsonObject body) {
    JsonObject bundles = body.getJsonObject("provenance", new JsonObject()).getJsonObject("bundles");
    if (bundles == null) {
      return Optional.empty();
    }
    return bundles.stream().map(e -> e.getValue() instanceof JsonObject b ? b.getString("revision") : null)
        .filter(r -> r != null && !r.isEmpty()).findFirst();
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
