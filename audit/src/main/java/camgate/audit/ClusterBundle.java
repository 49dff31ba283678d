package camgate.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The city's bundle: {@code nodes/<node-id>/} (each a node's bundle as {@link AuditLog#export} writes it),
 * {@code cluster/} (the cluster log's bundle) and {@code witness/cosigned.jsonl} (the cluster checkpoints with the
 * witnesses' cosignatures). {@code ./camgate audit verify DIR} recognises it by {@code cluster/} and verifies it
 * whole ({@link ClusterVerifier}). The same layout as a zip is what a node's {@code GET /audit/export} serves.
 */
public final class ClusterBundle {
  public static final String NODES = "nodes";
  public static final String CLUSTER = "cluster";
  public static final String WITNESS = "witness";
  public static final String COSIGNED = "cosigned.jsonl";
  /** The files of a bundle: nothing else is copied out of a node's zip (no path of the zip reaches the disk). */
  static final Set<String> BUNDLE_FILES = Set.of("entries.jsonl", "checkpoints.jsonl", "public-key.pem", "bundle.json");

  private ClusterBundle() {
  }

  /** Whether {@code dir} is a cluster bundle (it has a {@code cluster/} folder) rather than one log's bundle. */
  public static boolean isClusterBundle(Path dir) {
    return Files.isDirectory(dir.resolve(CLUSTER));
  }

  /** Writes one bundle's files into a folder. */
  private interface Source {
    void copyTo(Path dir) throws IOException;
  }

  /**
   * Assembles a cluster bundle in {@code out} from bundle directories. BLOCKING.
   *
   * @param nodeBundles each node's bundle directory, by node id
   * @param clusterBundle the cluster log's bundle ({@link ClusterRegister#export})
   * @param witnessDir the folder holding {@code cosigned.jsonl}, or null if no witness cosigned
   */
  public static void assemble(Path out, Map<String, Path> nodeBundles, Path clusterBundle, Path witnessDir)
      throws IOException {
    Map<String, Source> nodes = new TreeMap<>();
    nodeBundles.forEach((id, dir) -> nodes.put(id, to -> copyBundle(dir, to)));
    Path cosigned = witnessDir == null ? null : witnessDir.resolve(COSIGNED);
    try (InputStream in = cosigned != null && Files.exists(cosigned) ? Files.newInputStream(cosigned) : null) {
      lay(out, nodes, to -> copyBundle(clusterBundle, to), in);
    }
  }

  /**
   * Assembles a cluster bundle in {@code out} from export zips ({@link AuditLog#exportZip}), as the nodes serve them.
   * BLOCKING. Each stream is read to its end, not closed.
   *
   * @param cosigned the cluster's {@code cosigned.jsonl}, or null
   */
  public static void unzip(Path out, Map<String, InputStream> nodeZips, InputStream clusterZip, InputStream cosigned)
      throws IOException {
    Map<String, Source> nodes = new TreeMap<>();
    nodeZips.forEach((id, zip) -> nodes.put(id, to -> unzipBundle(zip, to)));
    lay(out, nodes, to -> unzipBundle(clusterZip, to), cosigned);
  }

  private static void lay(Path out, Map<String, Source> nodes, Source cluster, InputStream cosigned)
      throws IOException {
    for (Map.Entry<String, Source> node : nodes.entrySet()) {
      node.getValue().copyTo(out.resolve(NODES).resolve(checkNodeId(node.getKey())));
    }
    cluster.copyTo(out.resolve(CLUSTER));
    Files.createDirectories(out.resolve(WITNESS));
    if (cosigned != null) {
      Files.copy(cosigned, out.resolve(WITNESS).resolve(COSIGNED), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Writes the cluster bundle as one zip to {@code out} (flushed, not closed) from the nodes' and the cluster's export
   * zips, streaming: memory stays flat whatever the size of the logs. BLOCKING.
   */
  public static void zip(OutputStream out, Map<String, InputStream> nodeZips, InputStream clusterZip,
                         InputStream cosigned) throws IOException {
    ZipOutputStream zip = new ZipOutputStream(BundleExport.keepOpen(out));
    for (Map.Entry<String, InputStream> node : new TreeMap<>(nodeZips).entrySet()) {
      rezip(node.getValue(), NODES + "/" + checkNodeId(node.getKey()) + "/", zip);
    }
    rezip(clusterZip, CLUSTER + "/", zip);
    zip.putNextEntry(new ZipEntry(WITNESS + "/" + COSIGNED));
    if (cosigned != null) {
      cosigned.transferTo(zip);
    }
    zip.closeEntry();
    zip.close();
  }

  private static String checkNodeId(String nodeId) {
    // The same rule as the cluster log's: a node id is a plain folder name.
    return new NodeCheckpointEntry(NodeCheckpointEntry.NODE_KEY, nodeId, "-", "-").nodeId();
  }

  private static void copyBundle(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (String name : BUNDLE_FILES) {
      if (Files.exists(from.resolve(name))) {
        Files.copy(from.resolve(name), to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** Takes one file of an export zip: its name (one of {@link #BUNDLE_FILES}) and the stream positioned on it. */
  private interface ZipFile {
    void take(String name, InputStream body) throws IOException;
  }

  private static void eachFile(InputStream in, ZipFile file) throws IOException {
    ZipInputStream zip = new ZipInputStream(in);
    for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
      if (!BUNDLE_FILES.contains(e.getName())) {
        throw new IOException("unexpected file '" + e.getName() + "' in an export zip; a bundle holds only "
            + BUNDLE_FILES);
      }
      file.take(e.getName(), zip);
    }
  }

  private static void unzipBundle(InputStream in, Path to) throws IOException {
    Files.createDirectories(to);
    eachFile(in, (name, body) -> Files.copy(body, to.resolve(name), StandardCopyOption.REPLACE_EXISTING));
  }

  private static void rezip(InputStream in, String prefix, ZipOutputStream out) throws IOException {
    eachFile(in, (name, body) -> {
      out.putNextEntry(new ZipEntry(prefix + name));
      body.transferTo(out);
      out.closeEntry();
    });
  }
}
