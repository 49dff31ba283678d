package camgate.gateway.audit;

import camgate.audit.AuditEntry;
import camgate.audit.AuditEvent;
import camgate.audit.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The audit log seen from the event loop: appends are queued to the log's group commit without blocking;
 * reads run on the named {@code audit-pool} workers.
 */
public final class AuditTrail implements AutoCloseable {

  private final Vertx vertx;
  private final AuditLog log;
  private final WorkerExecutor pool;
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean lastAppendFailed;

  public AuditTrail(Vertx vertx, AuditLog log) {
    this.vertx = vertx;
    this.log = log;
    this.pool = vertx.createSharedWorkerExecutor("audit-pool", 8);
  }

  /**
   * Appends durably; the future fails when the entry could not be made durable. Holds no thread while the
   * entry waits for its group commit, so every request in flight can share one commit and one sync.
   */
  public Future<AuditEntry> append(AuditEvent event) {
    Future<AuditEntry> durable;
    try {
      durable = Future.fromCompletionStage(log.appendAsync(event), vertx.getOrCreateContext());
    } catch (RuntimeException e) {
      durable = Future.failedFuture(e);
    }
    return durable
        // The log's own exception, not CompletableFuture's wrapper: its message is what callers report.
        .recover(e -> Future.failedFuture(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e))
        .onSuccess(e -> lastAppendFailed = false)
        .onFailure(e -> {
          failures.incrementAndGet();
          lastAppendFailed = true;
        });
  }

  /** Runs any other read of the log off the event loop. */
  public <T> Future<T> read(Function<AuditLog, T> query) {
    return pool.executeBlocking(() -> query.apply(log), false);
  }

  /** False when the latest append failed: the log cannot currently record accesses. */
  public boolean writable() {
    return !lastAppendFailed;
  }

  public long failures() {
    return failures.get();
  }

  public AuditLog log() {
    return log;
  }

  /**
   * A JSON object as plain maps and lists, the only shapes an audit entry takes (Vert.x's
   * {@code getMap()} leaves nested JsonObjects and JsonArrays in place).
   */
  public static Map<String, Object> plain(JsonObject json) {
    if (json == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    json.forEach(e -> out.put(e.getKey(), plainValue(e.getValue())));
    return out;
  }

  private static Object plainValue(Object v) {
    if (v instanceof JsonObject o) {
      return plain(o);
    }
    if (v instanceof JsonArray a) {
      List<Object> list = new ArrayList<>();
      a.forEach(x -> list.add(plainValue(x)));
      return list;
    }
    return v;
  }

  @Override
  public void close() {
    pool.close();
  }
}
