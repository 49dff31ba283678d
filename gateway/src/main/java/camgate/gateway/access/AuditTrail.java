package camgate.gateway.access;

import camgate.audit.AuditEntry;
import camgate.audit.AuditEvent;
import camgate.audit.AuditLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit log seen from the event loop: appends are queued to the log's group commit without blocking;
 * reads run on the named {@code audit-pool} workers.
 *
 * <p>An entry that must not be lost although the log cannot take it now (the end of an access already
 * served) waits in a bounded queue and is appended once the log is back ({@link #appendEventually}).
 */
public final class AuditTrail implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
  /** Ends of accesses kept in memory while the log is down; past this the oldest is logged as lost. */
  private static final int MAX_PENDING = 10_000;
  private static final long FIRST_RETRY_MS = 200;
  private static final long MAX_RETRY_MS = 5_000;

  private final Vertx vertx;
  private final AuditLog log;
  private final WorkerExecutor pool;
  private final AtomicLong failures = new AtomicLong();
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long retryTimer = -1;
  private long retryDelay = FIRST_RETRY_MS;
  private volatile boolean closed;
  private volatile Consumer<java.time.Duration> appendLatency = d -> { };
  private final List<Consumer<Throwable>> failureListeners = new CopyOnWriteArrayList<>();

  private record Pending(AuditEvent event, Promise<AuditEntry> durable) {
  }

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
    long started = System.nanoTime();
    Future<AuditEntry> durable;
    try {
      durable = Future.fromCompletionStage(log.appendAsync(event), vertx.getOrCreateContext());
    } catch (RuntimeException e) {
      durable = Future.failedFuture(e);
    }
    return durable
        // The log's own exception, not CompletableFuture's wrapper: its message is what callers report.
        .recover(e -> Future.failedFuture(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e))
        .onSuccess(e -> {
          appendLatency.accept(java.time.Duration.ofNanos(System.nanoTime() - started));
        })
        .onFailure(e -> {
          failures.incrementAndGet();
          failureListeners.forEach(l -> l.accept(e));
        });
  }

  /**
   * Appends an entry that records something already done (an access served): when the log cannot take it
   * now, it is kept and appended, in order, once the log is back. The future completes when it is durable.
   */
  public Future<AuditEntry> appendEventually(AuditEvent event) {
    Promise<AuditEntry> durable = Promise.promise();
    synchronized (pending) {
      if (!pending.isEmpty()) {
        // Keep the order: behind those already waiting.
        enqueue(new Pending(event, durable));
        return durable.future();
      }
    }
    append(event).onSuccess(durable::complete).onFailure(e -> {
      LOG.warn("audit log unavailable ({}); keeping a {} entry until it is back", e.getMessage(), event.type());
      synchronized (pending) {
        enqueue(new Pending(event, durable));
      }
    });
    return durable.future();
  }

  private void enqueue(Pending p) {
    if (pending.size() >= MAX_PENDING) {
      Pending lost = pending.removeFirst();
      LOG.error("audit log down too long: {} entries waiting, dropping the oldest {} entry {}", MAX_PENDING,
          lost.event().type(), lost.event().details());
      lost.durable().tryFail("audit log unavailable for too long; entry dropped");
    }
    pending.addLast(p);
    if (retryTimer < 0 && !closed) {
      retryTimer = vertx.setTimer(retryDelay, id -> retryPending());
    }
  }

  private void retryPending() {
    Pending next;
    synchronized (pending) {
      retryTimer = -1;
      next = pending.peekFirst();
    }
    if (next == null || closed) {
      return;
    }
    append(next.event()).onComplete(ar -> {
      synchronized (pending) {
        if (ar.succeeded()) {
          pending.removeFirst();
          next.durable().tryComplete(ar.result());
          retryDelay = FIRST_RETRY_MS;
          if (!pending.isEmpty()) {
            retryTimer = vertx.setTimer(1, id -> retryPending());
          }
          return;
        }
        retryDelay = Math.min(MAX_RETRY_MS, retryDelay * 2);
        if (!closed) {
          retryTimer = vertx.setTimer(retryDelay, id -> retryPending());
        }
      }
    });
  }

  /** Entries waiting for the log to come back (ends of accesses already served). */
  public int pending() {
    synchronized (pending) {
      return pending.size();
    }
  }

  /** Calls {@code listener} with how long each successful append took to become durable. */
  public void onAppendLatency(Consumer<java.time.Duration> listener) {
    appendLatency = listener;
  }

  /** Calls {@code listener} with the cause each time an append fails (on the appending context). */
  public void onAppendFailure(Consumer<Throwable> listener) {
    failureListeners.add(listener);
  }

  /** Runs any other read of the log off the event loop. */
  public <T> Future<T> read(Query<T> query) {
    return pool.executeBlocking(() -> query.apply(log), false);
  }

  /** A read of the log, run on a worker; it may block and throw. */
  public interface Query<T> {
    T apply(AuditLog log) throws Exception;
  }

  /** Whether the log is taking entries now and, after a store failure, when it next tries to reopen. */
  public camgate.audit.AuditStatus status() {
    return log.status();
  }

  /**
   * False when the log cannot record accesses now: the latest append failed, or the store is down and
   * reopening itself (it comes back by itself; see {@link #status()}).
   */
  public boolean writable() {
    return log.status().writable();
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
    closed = true;
    int left = pending();
    if (left > 0) {
      LOG.error("stopping with {} audit entries the log could not take (ends of accesses); they are lost", left);
    }
    pool.close();
  }
}
