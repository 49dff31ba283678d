package camgate.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Offline verification of a {@link ClusterBundle}: the cluster log as any bundle (signatures, consistency over time,
 * {@code --since-checkpoint}); each node checkpoint it records verifies with the node's registered key and never
 * goes back; each node's bundle verifies on its own and its tree at every recorded size has the recorded root (a
 * node log missing, truncated below a recorded checkpoint, or forked is named); and, for each pinned witness, a
 * valid cosignature on the latest cluster checkpoint. BLOCKING (reads files).
 */
public final class ClusterVerifier {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClusterVerifier() {
  }

  /**
   * What the auditor brings from outside the bundle.
   *
   * @param clusterFingerprint the cluster log key's {@code SHA256:<hex>} fingerprint, or null
   * @param keptCheckpoint a cluster checkpoint kept from an earlier verification, or null
   * @param witnessKeys each pinned witness's public key ({@link #readWitnessKey}); empty: no cosignature required
   */
  public record Options(String clusterFingerprint, String keptCheckpoint, List<WitnessKey> witnessKeys) {
    public Options {
      witnessKeys = List.copyOf(witnessKeys);
    }
  }

  /**
   * A witness's cosignature key: a vkey (type 0x04) names the witness; a bare PEM does not, and then any cosignature
   * line whose name and key hash match this key counts.
   */
  public record WitnessKey(NoteKey key, boolean named) {
    String describe() {
      return named ? key.name() + " " + key.keyId() : "witness key " + key.fingerprint();
    }

    /**
     * The time of this witness's valid cosignature on a checkpoint note (body and signature lines); empty when the
     * note carries none, or cannot be read.
     */
    public OptionalLong cosignatureOn(String note) {
      try {
        return cosignedBy(CheckpointNote.parse(note), this);
      } catch (IllegalArgumentException e) {
        return OptionalLong.empty();
      }
    }
  }

  /**
   * Reads a witness key: the {@code witness.vkey} the witness writes at start, or its public key PEM.
   *
   * @throws IllegalArgumentException if it is neither
   */
  public static WitnessKey readWitnessKey(String text) {
    if (text.contains("-----BEGIN")) {
      return new WitnessKey(NoteKey.fromPem("witness", text).as("witness", NoteKey.COSIGNATURE_TYPE), false);
    }
    NoteKey key = NoteKey.fromVkey(text);
    if (key.type() != NoteKey.COSIGNATURE_TYPE) {
      throw new IllegalArgumentException("vkey " + key.verifierKey() + " is a log key (type 0x01), not a witness's"
          + " cosignature key (type 0x04); give the witness.vkey the witness wrote");
    }
    return new WitnessKey(key, true);
  }

  /** One thing found wrong, with what it concerns: {@code cluster log}, {@code node <id>} or {@code witness ...}. */
  public record Problem(String subject, String message, boolean unreadable) {
    @Override
    public String toString() {
      return subject + ": " + message;
    }
  }

  /**
   * The outcome: a line per part checked, and the problems (empty when the whole bundle is valid).
   */
  public record Outcome(List<String> lines, List<Problem> problems) {
    public boolean valid() {
      return problems.isEmpty();
    }

    /** Exit code of {@code audit verify}: 0 valid, 2 when only unreadable input stopped it, else 1. */
    public int exitCode() {
      if (valid()) {
        return 0;
      }
      return problems.stream().allMatch(Problem::unreadable) ? 2 : 1;
    }
  }

  /** A node's checkpoint as the cluster log recorded it. */
  private record Recorded(long clusterSeq, long size, Hash root) {
  }

  /** What the cluster log says of one node. */
  private static final class NodeRecord {
    final List<NoteKey> keys = new ArrayList<>();
    final List<Recorded> checkpoints = new ArrayList<>();
  }

  public static Outcome verify(Path dir, Options options) {
    List<String> lines = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    Path clusterDir = dir.resolve(ClusterBundle.CLUSTER);
    Verdict cluster = BundleVerifier.verify(clusterDir, options.clusterFingerprint(), options.keptCheckpoint());
    if (!cluster.valid()) {
      problems.add(new Problem("cluster log", cluster.summary(), cluster.problem().kind() == Verdict.Kind.BUNDLE));
      return new Outcome(lines, problems);
    }
    lines.add("cluster log: " + cluster.summary());
    Map<String, NodeRecord> nodes = new LinkedHashMap<>();
    try {
      readClusterEntries(clusterDir.resolve("entries.jsonl"), nodes, problems);
    } catch (IOException e) {
      problems.add(new Problem("cluster log", "cannot read entries.jsonl: " + e.getMessage(), true));
      return new Outcome(lines, problems);
    }
    for (Map.Entry<String, NodeRecord> node : nodes.entrySet()) {
      verifyNode(dir, node.getKey(), node.getValue(), lines, problems);
    }
    for (String unregistered : nodeFolders(dir)) {
      if (!nodes.containsKey(unregistered)) {
        Verdict alone = BundleVerifier.verify(dir.resolve(ClusterBundle.NODES).resolve(unregistered));
        if (alone.valid()) {
          lines.add("node " + unregistered + ": " + alone.summary() + "; not registered in the cluster log up to its"
              + " exported size, so verified on its own only");
        } else {
          problems.add(new Problem("node " + unregistered, alone.summary(), false));
        }
      }
    }
    verifyCosignatures(dir, clusterDir, cluster, options.witnessKeys(), lines, problems);
    return new Outcome(lines, problems);
  }

  private static void readClusterEntries(Path file, Map<String, NodeRecord> nodes, List<Problem> problems)
      throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long seq = 0;
      for (String line; (line = in.readLine()) != null; seq++) {
        JsonNode entry = JSON.readTree(line);
        String type = entry.path("type").asText();
        JsonNode details = entry.path("details");
        String nodeId = details.path("node").asText();
        String where = "cluster entry " + seq;
        if (BundleVerifier.KEY_ROTATION.equals(type)) {
          continue; // the cluster log's own key chain, checked by the bundle verification above
        }
        if (!NodeCheckpointEntry.NODE_KEY.equals(type) && !NodeCheckpointEntry.NODE_CHECKPOINT.equals(type)) {
          problems.add(new Problem("cluster log", where + " has type '" + type + "', not a node key or checkpoint",
              false));
          continue;
        }
        NodeRecord node = nodes.computeIfAbsent(nodeId, k -> new NodeRecord());
        String origin = details.path("origin").asText();
        try {
          if (NodeCheckpointEntry.NODE_KEY.equals(type)) {
            node.keys.add(NoteKey.fromPem(origin, details.path("public_key_pem").asText()));
            continue;
          }
          CheckpointNote.Parsed note = CheckpointNote.parse(details.path("note").asText());
          if (node.keys.isEmpty()) {
            throw new IllegalArgumentException("records a checkpoint before any key of the node");
          }
          NoteKey key = node.keys.get(node.keys.size() - 1);
          if (!CheckpointNote.isSignedBy(note, key)) {
            throw new IllegalArgumentException("records a checkpoint (size " + note.size() + ") not signed by the node's"
                + " registered key " + key.keyId());
          }
          Recorded previous = node.checkpoints.isEmpty() ? null : node.checkpoints.get(node.checkpoints.size() - 1);
          if (previous != null && (note.size() < previous.size()
              || note.size() == previous.size() && !note.root().equals(previous.root()))) {
            throw new IllegalArgumentException("records size " + note.size() + " root " + note.root().hex() + " after"
                + " size " + previous.size() + " root " + previous.root().hex() + " (cluster entry " + previous.clusterSeq()
                + "): the node's log went back or forked");
          }
          node.checkpoints.add(new Recorded(seq, note.size(), note.root()));
        } catch (IllegalArgumentException e) {
          problems.add(new Problem("node " + nodeId, where + " " + e.getMessage(), false));
        }
      }
    }
  }

  private static void verifyNode(Path dir, String nodeId, NodeRecord record, List<String> lines,
                                 List<Problem> problems) {
    Path nodeDir = dir.resolve(ClusterBundle.NODES).resolve(nodeId);
    Recorded last = record.checkpoints.isEmpty() ? null : record.checkpoints.get(record.checkpoints.size() - 1);
    String recordedText = last == null ? "no checkpoint of it recorded yet"
        : "the cluster log records its checkpoints up to size " + last.size() + " (cluster entry " + last.clusterSeq() + ")";
    if (!Files.isDirectory(nodeDir)) {
      problems.add(new Problem("node " + nodeId, "its log is missing from the bundle (no " + ClusterBundle.NODES + "/"
          + nodeId + "/) but " + recordedText, false));
      return;
    }
    // The node's tree at each recorded size, seen as its entries stream by once (sizes ascending, one pointer).
    long[] sizes = record.checkpoints.stream().mapToLong(Recorded::size).distinct().sorted().toArray();
    Map<Long, Hash> roots = new LinkedHashMap<>();
    int[] next = {0};
    while (next[0] < sizes.length && sizes[next[0]] == 0) {
      roots.put(0L, new CompactRange().root());
      next[0]++;
    }
    Verdict verdict = BundleVerifier.verify(nodeDir, null, null, (size, range) -> {
      if (next[0] < sizes.length && sizes[next[0]] == size) {
        roots.put(size, range.root());
        next[0]++;
      }
    });
    if (!verdict.valid()) {
      problems.add(new Problem("node " + nodeId, verdict.summary(), false));
      return;
    }
    for (Recorded r : record.checkpoints) {
      Hash root = roots.get(r.size());
      if (root == null) {
        problems.add(new Problem("node " + nodeId, "its log has " + verdict.entries() + " entries but the cluster log"
            + " recorded its checkpoint of size " + r.size() + " (cluster entry " + r.clusterSeq() + "): entries "
            + verdict.entries() + ".." + (r.size() - 1) + " are gone, the node's log was truncated or rolled back",
            false));
        return;
      }
      if (!root.equals(r.root())) {
        problems.add(new Problem("node " + nodeId, "entries 0.." + (r.size() - 1) + " of its log hash to root "
            + root.hex() + " but the cluster log recorded root " + r.root().hex() + " for size " + r.size()
            + " (cluster entry " + r.clusterSeq() + "): the node's log forked or was rewritten", false));
        return;
      }
    }
    lines.add("node " + nodeId + ": " + verdict.summary() + "; " + record.checkpoints.size() + " checkpoints recorded"
        + " in the cluster log, " + (last == null ? "none yet" : "latest of size " + last.size()) + ", all match");
  }

  private static List<String> nodeFolders(Path dir) {
    List<String> out = new ArrayList<>();
    Path nodesDir = dir.resolve(ClusterBundle.NODES);
    if (!Files.isDirectory(nodesDir)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(nodesDir, Files::isDirectory)) {
      s.forEach(p -> out.add(p.getFileName().toString()));
    } catch (IOException e) {
      // unreadable folders are reported by the per-node verification that needs them
    }
    out.sort(null);
    return out;
  }

  private static void verifyCosignatures(Path dir, Path clusterDir, Verdict cluster, List<WitnessKey> keys,
                                         List<String> lines, List<Problem> problems) {
    if (keys.isEmpty()) {
      return;
    }
    CheckpointNote.Parsed latest;
    List<CheckpointNote.Parsed> cosigned = new ArrayList<>();
    try {
      List<String> cps = Files.readAllLines(clusterDir.resolve("checkpoints.jsonl"), StandardCharsets.UTF_8);
      cps.removeIf(String::isBlank);
      latest = CheckpointNote.parse(JSON.readTree(cps.get(cps.size() - 1)).path("note").asText());
      Path file = dir.resolve(ClusterBundle.WITNESS).resolve(ClusterBundle.COSIGNED);
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            try {
              cosigned.add(CheckpointNote.parse(JSON.readTree(line).path("note").asText()));
            } catch (IOException | IllegalArgumentException e) {
              // an unreadable line cosigns nothing; a witness without another valid line is reported below
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      problems.add(new Problem("witness", "cannot read the cosignatures: " + e.getMessage(), true));
      return;
    }
    for (WitnessKey w : keys) {
      OptionalLong time = OptionalLong.empty();
      for (CheckpointNote.Parsed note : cosigned) {
        if (note.origin().equals(latest.origin()) && note.size() == latest.size() && note.root().equals(latest.root())) {
          time = cosignedBy(note, w);
          if (time.isPresent()) {
            break;
          }
        }
      }
      if (time.isPresent()) {
        lines.add("witness " + w.describe() + ": cosigned the latest cluster checkpoint (size " + latest.size()
            + ") at " + java.time.Instant.ofEpochSecond(time.getAsLong()));
      } else {
        problems.add(new Problem("witness " + w.describe(), "no valid cosignature on the latest cluster checkpoint"
            + " (size " + latest.size() + ", root " + latest.root().hex() + ") in " + ClusterBundle.WITNESS + "/"
            + ClusterBundle.COSIGNED + "; the cluster log was not witnessed up to its end, or by another witness",
            false));
      }
    }
    if (cluster.lastCheckpointSize() != latest.size()) {
      problems.add(new Problem("cluster log", "its last checkpoint line has size " + latest.size() + " but "
          + cluster.lastCheckpointSize() + " was verified", false));
    }
  }

  private static OptionalLong cosignedBy(CheckpointNote.Parsed note, WitnessKey w) {
    if (w.named()) {
      return Cosignature.verify(note, w.key());
    }
    for (CheckpointNote.NoteSignature s : note.signatures()) {
      OptionalLong t = Cosignature.verify(note, w.key().as(s.keyName(), NoteKey.COSIGNATURE_TYPE));
      if (t.isPresent()) {
        return t;
      }
    }
    return OptionalLong.empty();
  }
}
