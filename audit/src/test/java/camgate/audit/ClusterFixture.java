package camgate.audit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Three real node logs (H2 files, keys of their own) and a real cluster register recording their checkpoints, as a
 * gateway cluster does: what the cluster tests assemble, verify and then break.
 */
final class ClusterFixture implements AutoCloseable {
  static final List<String> NODES = List.of("node-a", "node-b", "node-c");
  static final String CLUSTER_ORIGIN = "camgate.test/cluster";

  final Path root;
  final Map<String, AuditLog> logs = new LinkedHashMap<>();
  final ClusterRegister register;

  ClusterFixture(Path root) throws IOException {
    this.root = root;
    for (String node : NODES) {
      AuditLog log = AuditLog.open(nodeOptions(root, node));
      logs.put(node, log);
    }
    register = ClusterRegister.open(clusterOptions(root.resolve("cluster-db")));
    logs.forEach((node, log) -> register.registerNode(node, log.publicKey()));
  }

  static AuditLogOptions nodeOptions(Path root, String node) {
    return AuditLogTest.options(root.resolve(node)).withOrigin(node + ".camgate.test/audit");
  }

  static AuditLogOptions clusterOptions(Path dir) {
    return AuditLogTest.options(dir).withOrigin(CLUSTER_ORIGIN);
  }

  /** {@code rounds} times: each node appends {@code perRound} entries, signs a checkpoint, the register records it. */
  void run(int rounds, int perRound) {
    for (int r = 0; r < rounds; r++) {
      for (Map.Entry<String, AuditLog> e : logs.entrySet()) {
        for (int i = 0; i < perRound; i++) {
          e.getValue().append(AuditLogTest.event(r * perRound + i));
        }
        register.record(e.getKey(), e.getValue().checkpointNow().note());
      }
    }
  }

  /** Exports every node, the cluster log and its cosignatures, and assembles the cluster bundle at {@code out}. */
  Path bundle(Path out) throws IOException {
    Map<String, Path> nodeDirs = new LinkedHashMap<>();
    for (Map.Entry<String, AuditLog> e : logs.entrySet()) {
      Path dir = root.resolve("export").resolve(e.getKey());
      e.getValue().export(0, e.getValue().size(), dir);
      nodeDirs.put(e.getKey(), dir);
    }
    Path clusterDir = root.resolve("export").resolve("cluster");
    Path witnessDir = root.resolve("export").resolve("witness");
    register.export(clusterDir, witnessDir);
    ClusterBundle.assemble(out, nodeDirs, clusterDir, witnessDir);
    return out;
  }

  /** Each node's export zip, as the nodes serve it. */
  Map<String, InputStream> nodeZips() throws IOException {
    Map<String, InputStream> zips = new LinkedHashMap<>();
    for (Map.Entry<String, AuditLog> e : logs.entrySet()) {
      zips.put(e.getKey(), zipOf(e.getValue()));
    }
    return zips;
  }

  /** The cluster log's export zip. */
  InputStream clusterZip() throws IOException {
    return zipOf(register.log());
  }

  private static InputStream zipOf(AuditLog log) throws IOException {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    log.exportZip(0, log.size(), zip);
    return new ByteArrayInputStream(zip.toByteArray());
  }

  @Override
  public void close() {
    logs.values().forEach(AuditLog::close);
    register.close();
  }
}
