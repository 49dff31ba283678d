package camgate.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The city's one register: a signed Merkle log (an {@link AuditLog} of its own, with its own key and H2 file) whose
 * entries are the gateway nodes' keys and signed checkpoints. Recording a node's checkpoint of size N commits the
 * cluster log to that node's first N entries; witnesses cosign the cluster log's checkpoints.
 *
 * <p>The keeper (one node at a time, by lease) {@link #record}s checkpoints; the other nodes keep replicas
 * ({@link #replicate}) of its entries, so whichever takes the lease next goes on with the same log. See
 * {@code docs/scale.md}, "One register for the city". Every method is BLOCKING; thread-safe.
 */
public final class ClusterRegister implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final H2AuditLog log;
  private final Path cosignedFile;
  private final Map<String, Node> nodes = new HashMap<>();
  private long lastWitnessedSize;
  /** The checkpoint last put to the witnesses: asked again at the same size, they see the same note. */
  private volatile SignedCheckpoint toWitness;
  /** The {@code cosigned.jsonl} lines of {@link #lastWitnessedSize}: one per cosigning round at that size. */
  private final List<String> latestCosigned = new ArrayList<>();

  /** What the register knows of one node: its current key and its latest recorded checkpoint. */
  public record Node(String nodeId, NoteKey key, long size, Hash root) {
  }

  private ClusterRegister(H2AuditLog log, Path cosignedFile) {
    this.log = log;
    this.cosignedFile = cosignedFile;
  }

  /**
   * Opens (or creates) the cluster log with {@code options} (its own database file, key and origin, e.g.
   * {@code camgate.example-city.fr/cluster}) and reads back every node's key and latest checkpoint from it.
   *
   * @throws IOException as {@link AuditLog#open} does, or if the log holds an entry that is not a valid node entry
   */
  public static ClusterRegister open(AuditLogOptions options) throws IOException {
    H2AuditLog log = H2AuditLog.open(options);
    ClusterRegister register = new ClusterRegister(log, Path.of(options.databaseFile() + "-cosigned.jsonl"));
    try {
      for (long seq = 0; seq < log.size(); seq += BundleExport.PAGE) {
        for (AuditEntry e : log.entries(seq, BundleExport.PAGE)) {
          register.learn(e);
        }
      }
      for (Cosigned c : register.cosigned()) {
        if (c.size() > register.lastWitnessedSize) {
          register.latestCosigned.clear();
          register.lastWitnessedSize = c.size();
        }
        if (c.size() == register.lastWitnessedSize) {
          register.latestCosigned.add(c.line());
        }
      }
    } catch (RuntimeException e) {
      log.close();
      throw new IOException("the cluster log at " + options.databaseFile() + " holds an entry the register cannot"
          + " read (" + e.getMessage() + "); is it a cluster log?", e);
    }
    return register;
  }

  /** The cluster log itself: checkpoints, proofs, export. */
  public AuditLog log() {
    return log;
  }

  /** Every node registered so far, by id. */
  public synchronized Map<String, Node> nodes() {
    return Map.copyOf(nodes);
  }

  /**
   * Registers the log key of {@code nodeId} (the node's {@link AuditLog#publicKey()}: its name is the node log's
   * origin); a node whose key rotated registers its new key. Does nothing if it is already the node's key.
   *
   * @throws IllegalArgumentException if the node id is not a valid folder name
   * @throws AuditUnavailableException if the cluster log cannot store it
   */
  public synchronized void registerNode(String nodeId, NoteKey key) {
    Node known = nodes.get(nodeId);
    if (known != null && known.key().equals(key)) {
      return;
    }
    learn(log.append(new NodeCheckpointEntry(NodeCheckpointEntry.NODE_KEY, nodeId, key.name(), key.pem()).event()));
  }

  /** {@link #registerNode(String, NoteKey)} with the key as {@code public-key.pem} text and the node log's origin. */
  public void registerNode(String nodeId, String origin, String publicKeyPem) {
    registerNode(nodeId, NoteKey.fromPem(origin, publicKeyPem));
  }

  /**
   * Records a node's signed checkpoint ({@link SignedCheckpoint#note()}) durably in the cluster log. A checkpoint of
   * the size already recorded with the same root is not recorded twice.
   *
   * @return the node's state after recording
   * @throws IllegalArgumentException if the note is malformed, is not signed by the node's registered key, is of
   *     another origin, is smaller than the node's last recorded checkpoint, or has its size with another root (the
   *     node's log went back or forked: the message says which)
   * @throws IllegalStateException if the node was never registered
   * @throws AuditUnavailableException if the cluster log cannot store it
   */
  public synchronized Node record(String nodeId, String signedCheckpointNote) {
    Node known = nodes.get(nodeId);
    if (known == null) {
      throw new IllegalStateException("node '" + nodeId + "' is not registered in the cluster log; call"
          + " registerNode with its log key first");
    }
    CheckpointNote.Parsed note = check(known, signedCheckpointNote);
    if (note.size() == known.size() && note.root().equals(known.root())) {
      return known;
    }
    learn(log.append(new NodeCheckpointEntry(NodeCheckpointEntry.NODE_CHECKPOINT, nodeId, note.origin(),
        signedCheckpointNote).event()));
    return nodes.get(nodeId);
  }

  private static CheckpointNote.Parsed check(Node known, String text) {
    CheckpointNote.Parsed note = CheckpointNote.parse(text);
    String nodeId = known.nodeId();
    if (!note.origin().equals(known.key().name())) {
      throw new IllegalArgumentException("checkpoint of node '" + nodeId + "' has origin '" + note.origin()
          + "' but the node's registered log is '" + known.key().name() + "'");
    }
    if (!CheckpointNote.isSignedBy(note, known.key())) {
      throw new IllegalArgumentException("checkpoint of node '" + nodeId + "' (size " + note.size() + ") is not signed"
          + " by its registered key " + known.key().keyId() + "; if the node rotated its key, register the new one");
    }
    if (note.size() < known.size()) {
      throw new IllegalArgumentException("checkpoint of node '" + nodeId + "' has size " + note.size() + " but size "
          + known.size() + " is already recorded: the node's log went back (restored from an old copy?)");
    }
    if (note.size() == known.size() && known.root() != null && !note.root().equals(known.root())) {
      throw new IllegalArgumentException("checkpoint of node '" + nodeId + "' has size " + note.size() + " with root "
          + note.root().hex() + " but root " + known.root().hex() + " is recorded for that size: the node's log forked");
    }
    return note;
  }

  /** Updates the in-memory state from a stored entry (appended here, replicated, or read at open). */
  private void learn(AuditEntry entry) {
    NodeCheckpointEntry e = NodeCheckpointEntry.of(entry.event());
    if (e == null) {
      return;
    }
    Node known = nodes.get(e.nodeId());
    if (NodeCheckpointEntry.NODE_KEY.equals(e.type())) {
      NoteKey key = NoteKey.fromPem(e.origin(), e.text());
      nodes.put(e.nodeId(), known == null ? new Node(e.nodeId(), key, 0, null)
          : new Node(e.nodeId(), key, known.size(), known.root()));
    } else {
      if (known == null) {
        throw new IllegalArgumentException("entry " + entry.seq() + " records a checkpoint of node '" + e.nodeId()
            + "' before any key of it");
      }
      CheckpointNote.Parsed note = check(known, e.text());
      nodes.put(e.nodeId(), new Node(e.nodeId(), known.key(), note.size(), note.root()));
    }
  }

  /** Up to {@code limit} cluster log entries from {@code fromSeq}, as their exact lines: what a replica takes. */
  public List<String> entriesFrom(long fromSeq, int limit) {
    return log.entries(fromSeq, limit).stream().map(AuditEntry::canonicalJson).toList();
  }

  /**
   * On a replica: appends the keeper's entries (from {@link #entriesFrom}) with their exact bytes, checking each as
   * the keeper did. Lines this replica already holds (a resent batch) are skipped if identical.
   *
   * @return this replica's size afterwards: acknowledge it to the keeper
   * @throws IllegalArgumentException if a line does not continue this replica, or differs from the line it holds
   *     at that seq (the keeper forked: stop and alert)
   */
  public synchronized long replicate(List<String> lines) {
    for (String line : lines) {
      AuditEntry decoded = EntryCodec.decode(line);
      if (decoded.seq() < log.size()) {
        String held = log.entries(decoded.seq(), 1).get(0).canonicalJson();
        if (!held.equals(line)) {
          throw new IllegalArgumentException("replicated entry " + decoded.seq() + " differs from the one this replica"
              + " holds: the cluster log forked; stop the keeper and compare both");
        }
        continue;
      }
      if (NodeCheckpointEntry.of(decoded.event()) == null) {
        // A key_rotation of the cluster log would need the replica's own key file to switch too: not supported.
        throw new IllegalArgumentException("replicated entry " + decoded.seq() + " has type '" + decoded.event().type()
            + "', not a node key or checkpoint; a replica takes only those (rotate the cluster key by configuration"
            + " on every node, with the cluster stopped)");
      }
      learn(log.appendVerbatim(line));
    }
    return log.size();
  }

  /**
   * Signs a checkpoint of the first {@code size} cluster entries (those the replicas acknowledged: see
   * docs/scale.md) and has every witness cosign it; stores the cosigned note durably for the bundle. The register
   * stays free for {@link #record} while the witnesses answer: only the signing and the storing take its lock.
   *
   * @return the checkpoint note with every witness's cosignature lines
   * @throws IOException naming each witness that refused or could not be reached (the others' cosignatures are kept)
   */
  public String witness(List<WitnessClient> witnesses, long size) throws IOException {
    SignedCheckpoint cp = toWitness;
    if (cp == null || cp.size() != size) {
      // Signed once per size: asking a witness that is down again every round adds no checkpoint to the log.
      cp = log.latestCheckpoint().filter(c -> c.size() == size).orElseGet(() -> log.checkpointAt(size));
      toWitness = cp;
    }
    long guessedOld = witnessedSize();
    StringBuilder note = new StringBuilder(cp.note());
    List<String> failures = new ArrayList<>();
    for (WitnessClient w : witnesses) {
      try {
        String cosigned = w.cosign(cp.note(), size, guessedOld, from -> log.consistencyProof(from, size).path());
        note.append(cosigned.substring(cp.note().length()));
      } catch (WitnessClient.Refused e) {
        failures.add(e.getMessage());
      } catch (IOException e) {
        failures.add("witness " + w.uri() + " could not be reached (" + e + ")");
      }
    }
    if (note.length() > cp.note().length()) {
      storeCosigned(size, note.toString());
    }
    if (!failures.isEmpty()) {
      throw new IOException("cluster checkpoint " + size + " not cosigned by every witness: "
          + String.join("; ", failures));
    }
    return note.toString();
  }

  /** The size of the latest cluster checkpoint cosigned by a witness (0 if none). */
  public synchronized long witnessedSize() {
    return lastWitnessedSize;
  }

  /**
   * The cosigned notes of the latest witnessed size, as {@code cosigned.jsonl} lines: what a replica {@link #adopt}s
   * so that its own export ends at the same cosigned checkpoint.
   */
  public synchronized List<String> latestCosigned() {
    return List.copyOf(latestCosigned);
  }

  /**
   * On a replica: keeps a cosigned note the keeper obtained ({@link #latestCosigned}), once this copy holds its size.
   * The note must be this cluster log's checkpoint, signed with its key, of the root this copy has at that size, and
   * carry a valid cosignature of one of {@code witnesses}.
   *
   * @return true if stored; false if this copy does not hold that size yet, or already holds that note or a later one
   * @throws IllegalArgumentException if the line is not such a note (the message says what is wrong)
   * @throws IOException if it cannot be stored
   */
  public synchronized boolean adopt(String cosignedLine, List<ClusterVerifier.WitnessKey> witnesses)
      throws IOException {
    String note = JSON.readTree(cosignedLine).path("note").asText();
    CheckpointNote.Parsed parsed = CheckpointNote.parse(note);
    if (latestCosigned.contains(cosignedLine) || parsed.size() < lastWitnessedSize || parsed.size() > log.size()) {
      return false;
    }
    if (!CheckpointNote.isSignedBy(parsed, log.publicKey()) || !parsed.origin().equals(log.publicKey().name())) {
      throw new IllegalArgumentException("cosigned note of size " + parsed.size() + " is not a checkpoint of the"
          + " cluster log " + log.publicKey().name() + " signed with its key");
    }
    if (!parsed.root().equals(log.root(parsed.size()))) {
      throw new IllegalArgumentException("cosigned cluster checkpoint " + parsed.size() + " has root "
          + parsed.root().hex() + " but this copy has " + log.root(parsed.size()).hex() + ": the cluster log forked");
    }
    if (witnesses.stream().noneMatch(w -> w.cosignatureOn(note).isPresent())) {
      throw new IllegalArgumentException("cosigned cluster checkpoint " + parsed.size() + " carries no valid"
          + " cosignature of a configured witness");
    }
    storeCosigned(parsed.size(), note);
    return true;
  }

  private record Cosigned(long size, String line) {
  }

  private synchronized void storeCosigned(long size, String note) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("size", size);
    o.put("note", note);
    String text = JSON.writeValueAsString(o);
    byte[] line = (text + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(cosignedFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(line));
      ch.force(true);
    }
    if (size > lastWitnessedSize) {
      latestCosigned.clear();
      lastWitnessedSize = size;
    }
    if (size == lastWitnessedSize) {
      latestCosigned.add(text);
    }
  }

  private List<Cosigned> cosigned() throws IOException {
    List<Cosigned> out = new ArrayList<>();
    if (!Files.exists(cosignedFile)) {
      return out;
    }
    for (String line : Files.readAllLines(cosignedFile, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        try {
          out.add(new Cosigned(JSON.readTree(line).path("size").asLong(), line));
        } catch (IOException e) {
          // a line cut by a crash while appending: the cosignature is asked again at the next round
        }
      }
    }
    return out;
  }

  /**
   * Writes the cluster log's bundle to {@code clusterDir} and its cosigned checkpoints to
   * {@code witnessDir/cosigned.jsonl}: up to the latest witnessed size when a witness cosigned one (so the bundle's
   * latest checkpoint is the cosigned one), else up to the whole log.
   *
   * @return the size exported
   */
  public long export(Path clusterDir, Path witnessDir) throws IOException {
    long size = exportSize();
    log.export(0, size, clusterDir);
    Files.createDirectories(witnessDir);
    try (OutputStream out = Files.newOutputStream(witnessDir.resolve(ClusterBundle.COSIGNED))) {
      writeCosigned(size, out);
    }
    return size;
  }

  /**
   * {@link #export} as the cluster log's export zip and the {@code cosigned.jsonl} text, to streams (not closed).
   *
   * @return the size exported
   */
  public long exportZip(OutputStream clusterZip, OutputStream cosignedJsonl) throws IOException {
    long size = exportSize();
    log.exportZip(0, size, clusterZip);
    writeCosigned(size, cosignedJsonl);
    return size;
  }

  /**
   * The size an export ends at. Only this takes the lock: the export itself (minutes for a year's register) must not
   * hold up {@link #record}; every cosigned line up to that size is already stored when it is chosen.
   */
  private synchronized long exportSize() {
    return lastWitnessedSize > 0 ? lastWitnessedSize : log.size();
  }

  private void writeCosigned(long size, OutputStream out) throws IOException {
    for (Cosigned c : cosigned()) {
      if (c.size() <= size) {
        out.write((c.line() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    out.flush();
  }

  @Override
  public void close() {
    log.close();
  }
}
