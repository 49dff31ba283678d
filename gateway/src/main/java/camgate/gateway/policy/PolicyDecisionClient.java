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
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks OPA over HTTP for decisions (the design's decision contract) and for policy data.
 *
 * <p>Fails closed: a timeout, a refused connection or a non-200 answer is {@link
 * PolicyDecision.Outcome#UNAVAILABLE}; an undefined or malformed result is a deny.
 */
public final class PolicyDecisionClient {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyDecisionClient.class);
  private static final Pattern NUMBERED_REVISION = Pattern.compile("v(\\d{1,15})-");

  private static final Duration CONFIG_CHECK_TIMEOUT = Duration.ofSeconds(20);

  private final WebClient client;
  private final Supplier<OpaEndpoint> opa;
  private final Duration timeout;
  private final Supplier<String> localVersion;
  private final AtomicLong highestRevision = new AtomicLong();

  /**
   * @param opa          where OPA listens now and the token it admits
   * @param localVersion the policy version to record when OPA does not report a bundle revision
   */
  public PolicyDecisionClient(WebClient client, Supplier<OpaEndpoint> opa, Duration timeout,
                              Supplier<String> localVersion) {
    this.client = client;
    this.opa = opa;
    this.timeout = timeout;
    this.localVersion = localVersion;
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
          Optional<String> replayed = revision.flatMap(this::olderThanSeen);
          if (replayed.isPresent()) {
            LOG.error("policy decision refused: {}", replayed.get());
            return PolicyDecision.unavailable(replayed.get(), revision.get());
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
    return post("/v1/data/camgate/visibility/cameras", new JsonObject().put("subject", subject).put("context", context))
        .compose(response -> {
          if (response.statusCode() != 200) {
            return Future.failedFuture("policy engine answered HTTP " + response.statusCode());
          }
          Object result = response.bodyAsJsonObject().getValue("result");
          return Future.succeededFuture(result instanceof JsonArray a
              ? a.stream().map(String::valueOf).sorted().toList() : List.<String>of());
        });
  }

  /** A policy data document (e.g. "cameras/cam-017/privacy_masks"); empty when undefined. */
  public Future<Optional<Object>> data(String path) {
    return opa.get().get(client, "/v1/data/" + path)
        .timeout(timeout.toMillis())
        .send()
        .compose(response -> response.statusCode() == 200
            ? Future.succeededFuture(Optional.ofNullable(response.bodyAsJsonObject().getValue("result")))
            : Future.failedFuture("policy engine answered HTTP " + response.statusCode() + " for data/" + path));
  }

  /** Violations the configuration guard finds in this configuration; a failed future when OPA cannot be asked. */
  public Future<List<String>> configViolations(JsonObject configuration) {
    // Checked once at start-up and on changes, often OPA's first evaluation (it compiles the policy
    // then): allowed far longer than a per-request decision.
    return post("/v1/data/camgate/config/violations", configuration, CONFIG_CHECK_TIMEOUT).compose(response -> {
      if (response.statusCode() != 200) {
        return Future.failedFuture("configuration guard answered HTTP " + response.statusCode() + ": "
            + abbreviate(response.bodyAsString()));
      }
      Object result = response.bodyAsJsonObject().getValue("result");
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
