package camgate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Offline verification of an export bundle ({@code entries.jsonl}, {@code checkpoints.jsonl},
 * {@code public-key.pem}) with nothing but this module: no database, no gateway.
 *
 * <p>In one pass over the entries, in log order: every line is canonical JSON (RFC 8785) with {@code seq}
 * equal to its line number; whenever the entries reach a checkpoint's size, that checkpoint must be signed by
 * a trusted key (the bundle key, or a key announced by a {@code key_rotation} entry that an earlier verified
 * checkpoint covers, which then replaces it), be consistent with the previous checkpoint (RFC 9162 proof
 * carried in the record), and its root must equal the root recomputed from the entries. Finally the last
 * checkpoint must cover every entry. The first failure is reported with the entry or checkpoint it concerns.
 */
public final class BundleVerifier {
  /** The entry type that announces a new signing key. */
  public static final String KEY_ROTATION = "key_rotation";
  private static final ObjectMapper JSON = new ObjectMapper();

  private BundleVerifier() {
  }

  /** A checkpoint record of checkpoints.jsonl, parsed. */
  private record CheckpointRecord(int line, CheckpointNote.Parsed note, long consistencyFrom, List<Hash> consistencyPath) {
  }

  /** Signals the first problem; carries the verdict's problem. */
  static final class Stop extends Exception {
    final Verdict.Problem problem;

    Stop(Verdict.Kind kind, long index, long end, String message) {
      super(message, null, false, false);
      this.problem = new Verdict.Problem(kind, index, end, message);
    }
  }

  /** Verifies the bundle in {@code dir} trusting its {@code public-key.pem}. BLOCKING (reads files). */
  public static Verdict verify(Path dir) {
    return verify(dir, null);
  }

  /** Verifies the bundle in {@code dir}, pinning its key to {@code expectedFingerprint} if not null. BLOCKING. */
  public static Verdict verify(Path dir, String expectedFingerprint) {
    return verify(dir, expectedFingerprint, null);
  }

  /**
   * Verifies the bundle in {@code dir}. BLOCKING (reads files). Never throws for bad bundle content: every
   * problem, including unreadable files, becomes the verdict's problem.
   *
   * @param expectedFingerprint if not null, the bundle key must have this {@code SHA256:<hex>} fingerprint
   *     (as printed by the gateway at start); otherwise the bundle's own key is trusted
   * @param keptCheckpoint if not null, a checkpoint the auditor kept from earlier: a C2SP signed note, or a JSON
   *     object with the note in its {@code note} field (a line of {@code checkpoints.jsonl}); it must be signed by
   *     one of the bundle's keys, cover no more entries than the bundle, and sign the root of the bundle's first
   *     entries of its size, else the log was truncated, rolled back or rewritten since
   */
  public static Verdict verify(Path dir, String expectedFingerprint, String keptCheckpoint) {
    return verify(dir, expectedFingerprint, keptCheckpoint, null);
  }

  /** Sees the tree of the bundle's first {@code size} entries as the entries stream by, for every size. */
  interface RootWatch {
    void reached(long size, CompactRange range);
  }

  /** {@link #verify(Path, String, String)}, showing {@code watch} the tree at every size (null: none). */
  static Verdict verify(Path dir, String expectedFingerprint, String keptCheckpoint, RootWatch watch) {
    Progress progress = new Progress();
    progress.watch = watch;
    try {
      progress.kept = keptCheckpoint == null ? null : KeptCheckpoint.parse(keptCheckpoint);
      run(dir, expectedFingerprint, progress);
      return new Verdict(progress.entries, progress.checkpoints, progress.lastSize, null);
    } catch (Stop stop) {
      return new Verdict(progress.entries, progress.checkpoints, progress.lastSize, stop.problem);
    }
  }

  private static final class Progress {
    long entries;
    int checkpoints;
    long lastSize = -1;
    KeptCheckpoint kept;
    RootWatch watch;
    /** Every key the bundle trusted so far: its own, then each announced one a verified checkpoint covered. */
    final List<NoteKey> chain = new ArrayList<>();
  }

  private static void run(Path dir, String expectedFingerprint, Progress progress) throws Stop {
    if (!Files.isDirectory(dir)) {
      throw bundle("'" + dir + "' is not a directory; give the directory that 'export' wrote");
    }
    Path keyFile = dir.resolve("public-key.pem");
    Path entriesFile = dir.resolve("entries.jsonl");
    Path checkpointsFile = dir.resolve("checkpoints.jsonl");
    for (Path p : List.of(keyFile, entriesFile, checkpointsFile)) {
      if (!Files.isRegularFile(p)) {
        throw bundle("missing " + p.getFileName() + " in " + dir + "; a bundle holds entries.jsonl,"
            + " checkpoints.jsonl and public-key.pem");
      }
    }
    List<CheckpointRecord> checkpoints = readCheckpoints(checkpointsFile);
    if (checkpoints.isEmpty()) {
      throw bundle("checkpoints.jsonl is empty: nothing signed, nothing can be verified");
    }
    String origin = checkpoints.get(0).note().origin();
    NoteKey trusted;
    try {
      trusted = NoteKey.fromPem(origin, Files.readString(keyFile, StandardCharsets.US_ASCII));
    } catch (IOException | IllegalArgumentException e) {
      throw bundle("public-key.pem: " + e.getMessage());
    }
    if (expectedFingerprint != null && !trusted.fingerprint().equalsIgnoreCase(expectedFingerprint.trim())) {
      throw anchor("public-key.pem has fingerprint " + trusted.fingerprint() + ", expected " + expectedFingerprint
          + ": this bundle was not signed by the key you pinned");
    }
    progress.chain.add(trusted);
    KeptCheckpoint kept = progress.kept;
    if (kept != null) {
      kept.checkOrigin(origin);
      kept.checkRootAt(0, new CompactRange());
    }

    CompactRange range = new CompactRange();
    NoteKey pendingKey = null;
    long pendingKeySeq = -1;
    int next = 0; // next checkpoint to check
    CheckpointRecord previous = null;
    // Checkpoints of size 0 need no entries.
    while (next < checkpoints.size() && checkpoints.get(next).note().size() == 0) {
      checkCheckpoint(checkpoints.get(next), previous, trusted, origin, range, progress);
      previous = checkpoints.get(next++);
    }
    // Lines are checked and hashed in parallel, chunk by chunk; this thread consumes the results in log order,
    // so the first problem reported is still the first one in the log.
    int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "audit-verify");
      t.setDaemon(true);
      return t;
    });
    ArrayDeque<Future<EntryChunk>> inFlight = new ArrayDeque<>();
    // The buffers of the chunks in flight, in the same order; a consumed chunk's buffer is read into again, so
    // a file of hundreds of MB costs a few buffers, not a hundred 4 MB allocations.
    ArrayDeque<byte[]> inFlightBuffers = new ArrayDeque<>();
    ArrayDeque<byte[]> spare = new ArrayDeque<>();
    long seq = 0;
    try (InputStream in = Files.newInputStream(entriesFile)) {
      byte[] carry = new byte[0];
      boolean eof = false;
      while (!eof || !inFlight.isEmpty()) {
        while (!eof && inFlight.size() < 2 * workers) {
          byte[] chunk = spare.isEmpty() ? new byte[CHUNK] : spare.pop();
          System.arraycopy(carry, 0, chunk, 0, Math.min(carry.length, CHUNK));
          int filled = carry.length;
          if (filled >= CHUNK) { // a single line longer than a chunk: grow
            chunk = Arrays.copyOf(carry, carry.length * 2);
          }
          int read = in.readNBytes(chunk, filled, chunk.length - filled);
          filled += read;
          if (read == 0 || filled < chunk.length) {
            eof = true;
          }
          int lastNewline = filled - 1;
          while (lastNewline >= 0 && chunk[lastNewline] != '\n') {
            lastNewline--;
          }
          carry = Arrays.copyOfRange(chunk, lastNewline + 1, filled);
          if (lastNewline >= 0) {
            byte[] lines = chunk;
            int end = lastNewline + 1;
            inFlight.add(pool.submit(() -> EntryChunk.check(lines, end)));
            inFlightBuffers.add(lines);
          } else if (chunk.length == CHUNK) {
            spare.push(chunk);
          }
        }
        Future<EntryChunk> head = inFlight.poll();
        if (head == null) {
          continue;
        }
        EntryChunk chunk = head.get();
        byte[] done = inFlightBuffers.poll();
        if (done.length == CHUNK) {
          spare.push(done);
        }
        for (int i = 0; i < chunk.size(); i++) {
          if (chunk.seq(i) != seq) {
            throw entry(seq, where(seq) + " has seq " + chunk.seq(i) + ", expected " + seq + ": an entry is missing,"
                + " inserted or out of order here");
          }
          if (chunk.rotation(i) != null) {
            JsonNode pem = CanonicalJson.parse(chunk.rotation(i)).path("details").path("new_key_pem");
            try {
              pendingKey = NoteKey.fromPem(origin, pem.asText(""));
              pendingKeySeq = seq;
            } catch (IllegalArgumentException e) {
              throw entry(seq, where(seq) + " is a key_rotation without a valid details.new_key_pem: " + e.getMessage());
            }
          }
          chunk.appendLeaf(i, range);
          seq++;
          progress.entries = seq;
          if (kept != null) {
            kept.checkRootAt(seq, range);
          }
          if (progress.watch != null) {
            progress.watch.reached(seq, range);
          }
          while (next < checkpoints.size() && checkpoints.get(next).note().size() == seq) {
            CheckpointRecord cp = checkpoints.get(next);
            checkCheckpoint(cp, previous, trusted, origin, range, progress);
            previous = cp;
            next++;
            // A rotation entry covered by a checkpoint of the current key makes the announced key the trusted one.
            if (pendingKey != null && pendingKeySeq < cp.note().size()) {
              trusted = pendingKey;
              progress.chain.add(trusted);
              pendingKey = null;
            }
          }
          if (next < checkpoints.size() && checkpoints.get(next).note().size() < seq) {
            // Sizes must not decrease; report at the checkpoint that breaks the order.
            CheckpointRecord cp = checkpoints.get(next);
            checkSignatureAndConsistency(cp, previous, trusted, origin);
            throw checkpoint(cp, "size " + cp.note().size() + " is smaller than the previous checkpoint's size "
                + (previous == null ? 0 : previous.note().size()) + ": checkpoints must be in tree-size order");
          }
        }
        if (chunk.error() != null) {
          throw entry(seq, where(seq) + chunk.error());
        }
      }
      if (carry.length > 0) {
        throw entry(seq, where(seq) + " has no final newline: the file"
            + " was truncated or edited");
      }
    } catch (IOException e) {
      throw bundle("cannot read entries.jsonl: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw bundle("interrupted while verifying");
    } catch (ExecutionException e) {
      throw bundle("verifier worker failed: " + e.getCause());
    } finally {
      pool.shutdownNow();
    }
    long count = progress.entries;
    if (next < checkpoints.size()) {
      CheckpointRecord cp = checkpoints.get(next);
      checkSignatureAndConsistency(cp, previous, trusted, origin);
      throw new Stop(Verdict.Kind.CHECKPOINT, cp.line(), cp.line() + 1, "checkpoint " + cp.line() + " (checkpoints.jsonl"
          + " line " + (cp.line() + 1) + ") covers " + cp.note().size() + " entries but entries.jsonl has only " + count
          + ": entries " + count + ".." + (cp.note().size() - 1) + " are missing (truncated)");
    }
    if (previous == null || previous.note().size() < count) {
      long covered = previous == null ? 0 : previous.note().size();
      throw new Stop(Verdict.Kind.ENTRY, covered, count, "entry " + covered + " (entries.jsonl line " + (covered + 1)
          + ") and the " + (count - covered - 1) + " after it are not covered by any checkpoint (last checkpoint"
          + " covers " + covered + "): unsigned entries were appended");
    }
    if (kept != null) {
      kept.checkCoveredBy(count, progress.chain);
    }
  }

  private static final int CHUNK = 4 << 20;

  private static void checkCheckpoint(CheckpointRecord cp, CheckpointRecord previous, NoteKey trusted, String origin,
                                      CompactRange range, Progress progress) throws Stop {
    checkSignatureAndConsistency(cp, previous, trusted, origin);
    Hash computed = range.root();
    if (!computed.equals(cp.note().root())) {
      long from = previous == null ? 0 : previous.note().size();
      long to = cp.note().size();
      throw new Stop(Verdict.Kind.ENTRY_RANGE, from, to, "entries " + from + ".." + (to - 1) + " do not match checkpoint "
          + cp.line() + " (size " + to + ", validly signed): their tree root is " + computed.hex() + " but the"
          + " checkpoint signs " + cp.note().root().hex() + "; one of these entries was altered, replaced or reordered");
    }
    progress.checkpoints++;
    progress.lastSize = cp.note().size();
  }

  private static void checkSignatureAndConsistency(CheckpointRecord cp, CheckpointRecord previous, NoteKey trusted,
                                                   String origin) throws Stop {
    CheckpointNote.Parsed note = cp.note();
    if (!note.origin().equals(origin)) {
      throw checkpoint(cp, "origin '" + note.origin() + "' differs from the bundle's origin '" + origin + "'");
    }
    if (!CheckpointNote.isSignedBy(note, trusted)) {
      StringBuilder found = new StringBuilder();
      for (CheckpointNote.NoteSignature s : note.signatures()) {
        found.append(found.length() == 0 ? "" : ", ").append(s.keyName()).append(" key ")
            .append(String.format("%08x", s.keyHash()));
      }
      boolean sameKey = note.signatures().stream()
          .anyMatch(s -> s.keyName().equals(trusted.name()) && s.keyHash() == trusted.keyHash());
      throw checkpoint(cp, sameKey
          ? "signature of key " + trusted.keyId() + " does not verify: the note or its signature was forged or altered"
          : "is signed by " + found + ", not by the trusted key " + trusted.name() + " " + trusted.keyId()
              + " (" + trusted.fingerprint() + ")");
    }
    if (previous == null) {
      if (cp.consistencyPath() != null && cp.consistencyFrom() > 0) {
        throw checkpoint(cp, "carries a consistency proof from size " + cp.consistencyFrom() + " but is the first"
            + " checkpoint: the checkpoint of size " + cp.consistencyFrom() + " before it was removed");
      }
      return;
    }
    long size1 = previous.note().size();
    long size2 = note.size();
    if (size2 < size1) {
      throw checkpoint(cp, "size " + size2 + " is smaller than the previous checkpoint's size " + size1
          + ": checkpoints must be in tree-size order");
    }
    if (size1 == 0) {
      return;
    }
    if (size1 == size2) {
      if (!previous.note().root().equals(note.root())) {
        throw checkpoint(cp, "has the same size " + size2 + " as checkpoint " + previous.line() + " but a different root ("
            + note.root().hex() + " vs " + previous.note().root().hex() + "): the log forked");
      }
      return;
    }
    if (cp.consistencyPath() == null || cp.consistencyFrom() != size1) {
      throw checkpoint(cp, "carries no consistency proof from the previous checkpoint's size " + size1
          + (cp.consistencyPath() == null ? "" : " (it has one from size " + cp.consistencyFrom() + ")"));
    }
    try {
      ProofVerifier.verifyConsistency(size1, size2, previous.note().root(), note.root(), cp.consistencyPath());
    } catch (ProofException e) {
      throw checkpoint(cp, "is not consistent with checkpoint " + previous.line() + " (size " + size1 + "): "
          + e.getMessage() + "; the log forked or the checkpoint was replaced");
    }
  }

  private static List<CheckpointRecord> readCheckpoints(Path file) throws Stop {
    List<String> lines;
    try {
      lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw bundle("cannot read checkpoints.jsonl: " + e.getMessage());
    }
    // A blank last line (an editor's or a tool's trailing newline) is no checkpoint; blank lines before it are.
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
    List<CheckpointRecord> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String where = "checkpoint " + i + " (checkpoints.jsonl line " + (i + 1) + ")";
      JsonNode node;
      try {
        node = JSON.readTree(lines.get(i));
      } catch (IOException e) {
        throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " is not valid JSON: " + e.getMessage());
      }
      if (node == null || !node.isObject() || !node.path("note").isTextual()) {
        throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " has no 'note' string with the signed checkpoint");
      }
      CheckpointNote.Parsed note;
      try {
        note = CheckpointNote.parse(node.get("note").textValue());
      } catch (IllegalArgumentException e) {
        throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " note is malformed: " + e.getMessage());
      }
      if (node.has("size") && node.get("size").asLong(-1) != note.size()) {
        throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " record says size " + node.get("size")
            + " but its signed note says " + note.size());
      }
      // Exports write lowercase hex; any other spelling of the same bytes is an edit.
      if (node.has("root") && !node.get("root").asText().equals(note.root().hex())) {
        throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " record says root " + node.get("root").asText()
            + " but its signed note says " + note.root().hex());
      }
      // The record repeats the note's time and key id for readers; bound to the note so neither can be edited.
      if (node.has("time") && (note.time() == null
          || !node.get("time").asText().equals(CheckpointNote.formatTime(note.time())))) {
        throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " record says time " + node.get("time")
            + " but its signed note says " + (note.time() == null ? "none" : CheckpointNote.formatTime(note.time())));
      }
      if (node.has("key_id") && note.signatures().stream()
          .noneMatch(sig -> String.format("%08x", sig.keyHash()).equals(node.get("key_id").asText()))) {
        throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " record says key_id " + node.get("key_id")
            + " but no signature of its note is by that key");
      }
      long from = -1;
      List<Hash> path = null;
      JsonNode consistency = node.get("consistency");
      if (consistency != null && consistency.isObject()) {
        from = consistency.path("from_size").asLong(-1);
        path = new ArrayList<>();
        for (JsonNode h : consistency.path("path")) {
          Hash hash;
          try {
            hash = Hash.fromHex(h.asText());
          } catch (IllegalArgumentException e) {
            throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " consistency proof: " + e.getMessage());
          }
          if (!hash.hex().equals(h.asText())) {
            throw new Stop(Verdict.Kind.CHECKPOINT, i, i + 1, where + " consistency proof: '" + h.asText()
                + "' is not lowercase hex, as exports write it: the record was edited");
          }
          path.add(hash);
        }
      }
      out.add(new CheckpointRecord(i, note, from, path));
    }
    return out;
  }

  /** How an entry is named in messages (built only on failure: a million of them would be pure churn). */
  private static String where(long seq) {
    return "entry " + seq + " (entries.jsonl line " + (seq + 1) + ")";
  }

  static Stop bundle(String message) {
    return new Stop(Verdict.Kind.BUNDLE, -1, -1, message);
  }

  static Stop anchor(String message) {
    return new Stop(Verdict.Kind.ANCHOR, -1, -1, message);
  }

  private static Stop entry(long seq, String message) {
    return new Stop(Verdict.Kind.ENTRY, seq, seq + 1, message);
  }

  private static Stop checkpoint(CheckpointRecord cp, String message) {
    return new Stop(Verdict.Kind.CHECKPOINT, cp.line(), cp.line() + 1, "checkpoint " + cp.line()
        + " (checkpoints.jsonl line " + (cp.line() + 1) + ", size " + cp.note().size() + ") " + message);
  }
}
