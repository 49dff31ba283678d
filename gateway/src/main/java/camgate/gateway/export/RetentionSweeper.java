package camgate.gateway.export;

import camgate.gateway.access.AccessEvents;
import camgate.gateway.access.AuditTrail;
import camgate.gateway.policy.PolicyDecisionClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Deletes what the gateway stores once its retention has run out (CSI L252-5: one month at most),
 * unless a legal hold recorded in the policy data (data.legal_holds) is still in force for it. Each
 * deletion is appended to the audit log first: a file is never deleted without a trace, and a file
 * whose deletion could not be logged stays for the next sweep.
 *
 * <p>When the policy engine cannot say whether a hold is still in force, the file is kept: deleting
 * evidence a judge ordered kept cannot be undone, keeping it a little longer can.
 */
public final class RetentionSweeper {

  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);

  /** What one sweep did. */
  public record Sweep(List<String> purged, List<String> held, List<String> kept, List<String> problems) {
    public JsonObject toJson() {
      return new JsonObject().put("purged", purged).put("held", held).put("kept", kept).put("problems", problems);
    }
  }

  private final Vertx vertx;
  private final MediaStore store;
  private final AuditTrail audit;
  private final PolicyDecisionClient policy;
  private final Clock clock;
  private final Supplier<String> policyVersion;
  private final AtomicBoolean running = new AtomicBoolean();

  public RetentionSweeper(Vertx vertx, MediaStore store, AuditTrail audit, PolicyDecisionClient policy, Clock clock,
                          Supplier<String> policyVersion) {
    this.vertx = vertx;
    this.store = store;
    this.audit = audit;
    this.policy = policy;
    this.clock = clock;
    this.policyVersion = policyVersion;
  }

  /** Runs one sweep (register and files read off the event loop); a sweep already running makes this one a no-op. */
  public Future<Sweep> sweep() {
    if (!running.compareAndSet(false, true)) {
      return Future.succeededFuture(new Sweep(List.of(), List.of(), List.of(), List.of("a sweep is already running")));
    }
    Instant now = clock.instant();
    Sweep result = new Sweep(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    return vertx.executeBlocking(store::all, false)
        .compose(all -> each(all, m -> sweep(m, now, result))
            .compose(v -> vertx.executeBlocking(() -> store.orphans(all.stream().map(StoredMedia::id)
                .collect(Collectors.toSet())), false)))
        .compose(orphans -> each(orphans, orphan -> orphanPurge(orphan, result)))
        .map(v -> {
          if (!result.purged().isEmpty() || !result.problems().isEmpty()) {
            LOG.info("retention sweep: purged {}, held {}, problems {}", result.purged(), result.held(),
                result.problems());
          }
          return result;
        })
        .onComplete(ar -> running.set(false));
  }

  /** Runs the steps one after the other (each may append to the audit log, in order). */
  private static <T> Future<Void> each(List<T> items, Function<T, Future<Void>> step) {
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(v -> step.apply(item));
    }
    return chain;
  }

  private Future<Void> sweep(StoredMedia m, Instant now, Sweep result) {
    Future<HoldState> hold = m.legalHold().isPresent() ? holdState(m.legalHold().get(), m.camera())
        : Future.succeededFuture(HoldState.NONE);
    return hold.compose(state -> {
      if (state == HoldState.IN_FORCE) {
        result.held().add(m.id());
        return Future.succeededFuture();
      }
      if (state == HoldState.UNKNOWN) {
        result.problems().add(m.id() + ": kept, the policy engine could not say whether legal hold "
            + m.legalHold().get() + " is still in force");
        return Future.succeededFuture();
      }
      if (now.isBefore(m.retentionEnds())) {
        result.kept().add(m.id());
        return Future.succeededFuture();
      }
      String reason = "retention of " + m.retentionDays() + " days ended " + m.retentionEnds()
          + (m.legalHold().isPresent() ? " and legal hold " + m.legalHold().get()
              + " no longer covers it (lifted or removed from data.legal_holds)" : "");
      return purge(m.id(), m.camera(), m.toMap(), reason, () -> store.remove(m), result);
    });
  }

  private Future<Void> orphanPurge(Path orphan, Sweep result) {
    String id = orphan.getFileName().toString();
    return vertx.executeBlocking(() -> Files.size(orphan), false).otherwise(-1L).compose(size -> {
      Map<String, Object> what = new LinkedHashMap<>();
      what.put("file", id);
      what.put("bytes", size);
      return purge(id, null, what, "file without a register entry (an export interrupted before it was recorded)",
          () -> Files.deleteIfExists(orphan), result);
    });
  }

  private interface Deletion {
    void run() throws IOException;
  }

  /** Logs the deletion, then deletes; never fails (what went wrong is a problem of the sweep). */
  private Future<Void> purge(String id, String camera, Map<String, Object> what, String reason, Deletion deletion,
                             Sweep result) {
    Map<String, Object> details = new LinkedHashMap<>(what);
    details.put("reason", reason);
    details.put("purged_at", clock.instant().toString());
    return audit.append(AccessEvents.retentionPurge(id, camera, details, policyVersion.get()))
        .transform(logged -> {
          if (logged.failed()) {
            result.problems().add(id + ": kept, its deletion could not be written to the audit log ("
                + logged.cause().getMessage() + ")");
            return Future.succeededFuture();
          }
          return vertx.<Void>executeBlocking(() -> {
            deletion.run();
            return null;
          }, false).transform(deleted -> {
            if (deleted.succeeded()) {
              result.purged().add(id);
            } else {
              result.problems().add(id + ": logged for deletion but not deleted (" + deleted.cause().getMessage()
                  + "); the next sweep retries");
            }
            return Future.<Void>succeededFuture();
          });
        });
  }

  private enum HoldState { NONE, IN_FORCE, NOT_IN_FORCE, UNKNOWN }

  /** A hold is in force when data.legal_holds records it for the camera and it was not lifted. */
  private Future<HoldState> holdState(String ref, String camera) {
    return policy.data("legal_holds/" + ref).map(hold -> {
      if (hold.isEmpty() || !(hold.get() instanceof JsonObject h)) {
        return HoldState.NOT_IN_FORCE;
      }
      boolean covers = h.getJsonArray("cameras") != null && h.getJsonArray("cameras").contains(camera);
      return covers && h.getValue("lifted") == null ? HoldState.IN_FORCE : HoldState.NOT_IN_FORCE;
    }).otherwise(HoldState.UNKNOWN);
  }
}
