package camgate.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The tamper-evident access log: entries appended durably to an H2 file database, an RFC 9162 Merkle tree
 * over them, and Ed25519-signed checkpoints (C2SP signed notes) every {@code checkpointInterval} while
 * entries arrive and at close.
 *
 * <p>Every method is BLOCKING (database, file or signing work): call it from a worker thread, never an
 * event loop. Thread-safe.
 */
public interface AuditLog extends AutoCloseable {

  /**
   * Opens (or creates) the log: creates the database and the signing key on first start, loads the tree,
   * and checks that the stored entries still match the latest stored checkpoint. BLOCKING.
   *
   * @throws IOException if the database or key cannot be opened, the key file is readable by others, the
   *     same database is already open in this JVM, or the stored entries no longer match a signed checkpoint
   */
  static AuditLog open(AuditLogOptions options) throws IOException {
    return H2AuditLog.open(options);
  }

  /**
   * The exact JDBC URL the log opens for {@code databaseFile}; another connection to this URL in the same JVM
   * shares the embedded database (e.g. a test that runs {@code SHUTDOWN} to make the store fail).
   */
  static String jdbcUrl(Path databaseFile) {
    return H2AuditLog.jdbcUrl(databaseFile);
  }

  /**
   * Appends an entry and returns once it is durable (committed and synced as part of a group commit). BLOCKING.
   *
   * @throws AuditUnavailableException if the store cannot write, is unavailable after a failure (the log
   *     reopens it by itself: see {@link #status()}), or the log is closed: serve nothing
   * @throws IllegalArgumentException if the event holds a value JSON cannot carry
   */
  AuditEntry append(AuditEvent event);

  /**
   * Queues an entry and completes once it is durable, without holding a thread meanwhile: what lets an
   * event-loop caller have thousands of appends in one group commit. Never blocks; the stage fails with
   * {@link AuditUnavailableException} when {@link #append} would throw it, or when the queue is full (the
   * store cannot keep up: treat the entry as not logged).
   *
   * @throws IllegalArgumentException if the event holds a value JSON cannot carry
   */
  CompletionStage<AuditEntry> appendAsync(AuditEvent event);

  /**
   * Whether appends are being made durable now and, after a store failure, what failed and when the log next
   * tries to reopen the database (it does so by itself, with backoff, checking it as at open). Never blocks.
   */
  AuditStatus status();

  /** The number of durable entries (the current tree size). */
  long size();

  /** The most recent signed checkpoint, if any was signed. */
  Optional<SignedCheckpoint> latestCheckpoint();

  /**
   * Signs and stores a checkpoint of the current tree now. BLOCKING.
   *
   * @throws AuditUnavailableException if the checkpoint cannot be stored
   */
  SignedCheckpoint checkpointNow();

  /**
   * The inclusion proof of entry {@code seq} in the tree of size {@code treeSize}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= seq < treeSize <= size()}
   */
  InclusionProof inclusionProof(long seq, long treeSize);

  /**
   * The consistency proof from tree size {@code fromSize} to {@code toSize}.
   *
   * @throws IllegalArgumentException unless {@code 0 < fromSize <= toSize <= size()}
   */
  ConsistencyProof consistencyProof(long fromSize, long toSize);

  /** The root of the tree of size {@code treeSize}. @throws IllegalArgumentException unless {@code 0 <= treeSize <= size()} */
  Hash root(long treeSize);

  /**
   * Up to {@code limit} entries from {@code fromSeq}, in order. BLOCKING.
   *
   * @throws AuditUnavailableException if the store cannot be read
   */
  List<AuditEntry> entries(long fromSeq, int limit);

  /**
   * Writes an export bundle to {@code dir} (created if missing; existing bundle files are replaced):
   * {@code entries.jsonl} with entries {@code [0, toSeqExclusive)} (always from 0, because a verifier must
   * recompute the whole tree), {@code checkpoints.jsonl} with every stored checkpoint up to that size, a
   * checkpoint of exactly that size (signed now if none exists) and the consistency proof from the previous
   * one, {@code public-key.pem}, and {@code bundle.json} recording {@code [fromSeq, toSeqExclusive)} as the
   * range an {@code audit report} lists. BLOCKING.
   *
   * @throws IllegalArgumentException unless {@code 0 <= fromSeq <= toSeqExclusive <= size()}
   * @throws IOException if the directory cannot be written
   */
  void export(long fromSeq, long toSeqExclusive, Path dir) throws IOException;

  /**
   * Writes the same bundle as {@link #export} as a zip ({@code entries.jsonl}, {@code checkpoints.jsonl},
   * {@code public-key.pem}, {@code bundle.json}) straight to {@code out}, reading the entries from the store a page
   * at a time: memory stays flat whatever the size of the log. BLOCKING: the stream's own blocking is the
   * backpressure, and the store is never held while the stream blocks. {@code out} is flushed, not closed. After
   * an exception what was written is an incomplete zip: discard it (an HTTP server resets the connection).
   *
   * @throws IllegalArgumentException unless {@code 0 <= fromSeq <= toSeqExclusive <= size()}
   * @throws IOException if {@code out} fails
   * @throws AuditUnavailableException if the store cannot be read or the checkpoint cannot be stored
   */
  void exportZip(long fromSeq, long toSeqExclusive, OutputStream out) throws IOException;

  /** The current signing public key as SubjectPublicKeyInfo PEM. */
  String publicKeyPem();

  /** {@code SHA256:<hex>} of the raw 32-byte Ed25519 public key: print it at start, pin it when verifying. */
  String keyFingerprint();

  /** The current signing key with its note key id and Go-note verifier string. */
  NoteKey publicKey();

  /**
   * Rotates the signing key: appends a {@code key_rotation} entry announcing the new public key, signs a
   * checkpoint covering it with the OLD key, then switches to the new key (the old key file is kept next to
   * the new one as {@code <name>.retired-<keyId>}). BLOCKING.
   *
   * @return the entry announcing the new key
   * @throws IOException if the new key cannot be written
   */
  AuditEntry rotateKey() throws IOException;

  /** Signs a final checkpoint when entries arrived since the last one, then closes the database. Idempotent. */
  @Override
  void close();
}
