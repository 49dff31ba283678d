package camgate.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The log's appends: one writer thread ({@code audit-writer}) takes every request waiting in the queue (up to
 * {@value #MAX_BATCH}) and stores them as one transaction followed by one sync to disk. A caller is released only
 * after that sync, so thousands of callers share one fsync. After a store failure the same thread fails what is
 * queued and reopens the store when {@link LiveStore} says it is due.
 */
final class GroupCommit {
  static final int MAX_BATCH = 1024;
  private static final int QUEUE_CAPACITY = 65_536;

  private final AuditLogOptions options;
  private final MerkleTree tree;
  private final LiveStore store;
  private final CheckpointSchedule checkpoints;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
  private final Thread writer;
  private volatile boolean closing;
  // Written by the writer thread only; read for benchmarks.
  private volatile long batches;
  private volatile long batchedEntries;
  private volatile long storeNanos;
  private volatile long syncNanos;

  /** Group-commit statistics: batches written, entries in them, time in insert+commit, time in sync. */
  record Stats(long batches, long entries, long storeNanos, long syncNanos) {
  }

  /** An append waiting for the writer; {@code fixedTime} is null except for a replicated entry, which keeps its own. */
  private record Pending(EntryCodec.Template template, AuditEvent event, Instant fixedTime,
                         CompletableFuture<AuditEntry> done) {
  }

  GroupCommit(AuditLogOptions options, MerkleTree tree, LiveStore store, CheckpointSchedule checkpoints) {
    this.options = options;
    this.tree = tree;
    this.store = store;
    this.checkpoints = checkpoints;
    this.writer = new Thread(this::writeLoop, "audit-writer");
    this.writer.setDaemon(true);
  }

  void start() {
    writer.start();
  }

  Stats stats() {
    return new Stats(batches, batchedEntries, storeNanos, syncNanos);
  }

  /** See {@link AuditLog#append}. */
  AuditEntry append(AuditEvent event) {
    return append(event, null);
  }

  /**
   * Appends {@code event} with {@code fixedTime} as its entry time instead of the clock's (null: the clock's): a
   * replica re-appending another log's entry gets the very same bytes.
   */
  AuditEntry append(AuditEvent event, Instant fixedTime) {
    checkAvailable();
    Pending p = new Pending(EntryCodec.template(event), event, fixedTime, new CompletableFuture<>());
    try {
      queue.put(p);
      while (true) {
        try {
          return p.done.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          // close() may have drained the queue just before this put: a request the writer will never see must not
          // wait forever.
          if (!writer.isAlive()) {
            p.done.completeExceptionally(new AuditUnavailableException("audit log is closed"));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AuditUnavailableException("interrupted while waiting for the audit entry to become durable;"
          + " treat it as not logged", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuditUnavailableException aue) {
        throw new AuditUnavailableException(aue.getMessage(), aue);
      }
      throw new AuditUnavailableException("audit append failed: " + e.getCause(), e.getCause());
    }
  }

  /** See {@link AuditLog#appendAsync}. */
  CompletionStage<AuditEntry> appendAsync(AuditEvent event) {
    try {
      checkAvailable();
    } catch (AuditUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    Pending p = new Pending(EntryCodec.template(event), event, null, new CompletableFuture<>());
    if (!queue.offer(p)) {
      return CompletableFuture.failedFuture(new AuditUnavailableException("audit queue full (" + QUEUE_CAPACITY
          + " entries waiting): the store cannot keep up; treat the entry as not logged"));
    }
    // close() may have drained the queue just before this offer: take the request back if the writer is gone.
    if ((closing || !writer.isAlive()) && queue.remove(p)) {
      p.done.completeExceptionally(new AuditUnavailableException("audit log is closed"));
    }
    // A copy, so that a caller cannot complete the writer's own future.
    return p.done.thenApply(entry -> entry);
  }

  /** @throws AuditUnavailableException if the store failed or the log is closing */
  void checkAvailable() {
    store.current();
    if (closing) {
      throw new AuditUnavailableException("audit log is closed");
    }
  }

  /** Stops taking appends and waits (up to 30 s) for the writer to store what is queued. */
  void close() {
    closing = true;
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    Throwable stopped = null;
    try {
      while (true) {
        if (store.retryDue()) {
          // Here, on the writer thread: nothing else extends the tree while the store is checked and adopted.
          store.reopen(tree, checkpoints::adopt);
        }
        Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing) {
            break;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        if (store.failed()) {
          failAll(batch, store.failure());
        } else {
          write(batch);
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = e;
      store.fail(e);
    } finally {
      List<Pending> rest = new ArrayList<>();
      queue.drainTo(rest);
      Throwable cause = store.failed() ? store.failure() : stopped;
      failAll(rest, cause != null ? cause : new IllegalStateException("closed"));
    }
  }

  /** Stores one group durably, then extends the tree and releases its callers; on failure fails them all. */
  private void write(List<Pending> batch) {
    long next = tree.size();
    try {
      List<AuditEntry> entries = new ArrayList<>(batch.size());
      List<Hash> leaves = new ArrayList<>(batch.size());
      Instant now = Instant.ofEpochMilli(options.clock().millis());
      String nowText = CheckpointNote.formatTime(now);
      ByteArrayOutputStream blob = new ByteArrayOutputStream(batch.size() * 512);
      for (Pending p : batch) {
        long seq = next + entries.size();
        Instant time = p.fixedTime == null ? now : p.fixedTime;
        String json = p.template.fill(seq, p.fixedTime == null ? nowText : CheckpointNote.formatTime(time));
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (!entries.isEmpty()) {
          blob.write('\n');
        }
        blob.write(bytes, 0, bytes.length);
        entries.add(new AuditEntry(seq, time, p.event, json));
        leaves.add(TreeHasher.hashLeaf(bytes));
      }
      long[] nanos = store.current().writeBatch(next, entries.size(), blob.toByteArray());
      storeNanos += nanos[0];
      syncNanos += nanos[1];
      batches++;
      batchedEntries += entries.size();
      tree.append(leaves);
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).done.complete(entries.get(i));
      }
    } catch (SQLException | RuntimeException e) {
      store.fail(e);
      failAll(batch, e);
    }
  }

  private static void failAll(List<Pending> batch, Throwable cause) {
    for (Pending p : batch) {
      p.done.completeExceptionally(new AuditUnavailableException("audit entry not stored: " + cause.getMessage(), cause));
    }
  }
}
