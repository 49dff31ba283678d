package camgate.gateway.cluster;

import camgate.audit.ClusterBundle;
import camgate.audit.ClusterRegister;
import com.hazelcast.map.IMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The city's bundle as {@code GET /audit/export} serves it on a node of a cluster ({@link ClusterBundle#zip}): each
 * live node's own bundle, fetched from that node's {@code /audit/export?scope=node} with the caller's own API key
 * (so each node decides and records the access to its log itself), and the register's bundle from this node's copy
 * of it (the keeper's log, or a replica at most one round behind, signed with the same cluster key), up to its latest
 * cosigned checkpoint, with the witnesses' cosignatures this node holds ({@code witness/cosigned.jsonl}).
 *
 * <p>A node that is not a live member, or whose connection fails, is left out: the verifier then names it as
 * missing, which is the truth of that bundle. A live node that refuses (an HTTP error) fails the whole export.
 */
public final class ClusterAuditExport {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterAuditExport.class);

  private final RegisterKeeper keeper;
  private final IMap<String, String> nodeUrls;
  private final Path scratch;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  /** @param scratch a folder of this node's state where the parts wait before they are zipped together */
  public ClusterAuditExport(RegisterKeeper keeper, com.hazelcast.core.HazelcastInstance hazelcast, Path scratch) {
    this.keeper = keeper;
    this.nodeUrls = hazelcast.getMap(CameraOwnership.NODES_MAP);
    this.scratch = scratch;
  }

  /**
   * Writes the cluster bundle's zip to {@code out} (not closed). BLOCKING.
   *
   * @param apiKey the caller's API key, presented to each node in turn
   * @throws IOException naming the node, when a live node refuses its part
   */
  public void write(String apiKey, OutputStream out) throws IOException {
    Files.createDirectories(scratch);
    Path dir = Files.createTempDirectory(scratch, "export-");
    List<InputStream> open = new ArrayList<>();
    try {
      Map<String, InputStream> nodes = new LinkedHashMap<>();
      Map<String, String> urls = Map.copyOf(nodeUrls);
      for (String node : keeper.liveNodes()) {
        String url = urls.get(node);
        Path zip = url == null ? null : fetch(node, URI.create(url + "/audit/export?scope=node"), apiKey, dir);
        if (zip != null) {
          InputStream in = Files.newInputStream(zip);
          open.add(in);
          nodes.put(node, in);
        } else {
          LOG.warn("cluster export: node {} left out (no reachable URL); verify will name it missing", node);
        }
      }
      ClusterRegister register = keeper.register();
      Path registerZip = dir.resolve("register.zip");
      Path cosigned = dir.resolve(ClusterBundle.COSIGNED);
      // Up to the latest size a witness cosigned (the whole register when none did): the bundle's latest cluster
      // checkpoint is then the cosigned one, as `audit verify --witness-key` requires.
      try (OutputStream o = Files.newOutputStream(registerZip); OutputStream c = Files.newOutputStream(cosigned)) {
        register.exportZip(o, c);
      }
      try (InputStream registerIn = Files.newInputStream(registerZip);
           InputStream cosignedIn = Files.newInputStream(cosigned)) {
        ClusterBundle.zip(out, nodes, registerIn, cosignedIn);
      }
    } finally {
      for (InputStream in : open) {
        in.close();
      }
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /** One node's own bundle into a file; null when the node cannot be reached (it died since). */
  private Path fetch(String node, URI uri, String apiKey, Path dir) throws IOException {
    Path file = dir.resolve("node-" + node + ".zip");
    HttpResponse<InputStream> r;
    try {
      r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .header("Authorization", "Bearer " + apiKey).build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (ConnectException | HttpTimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching the bundle of node " + node, e);
    }
    try (InputStream body = r.body()) {
      if (r.statusCode() != 200) {
        throw new IOException("node " + node + " answered " + r.statusCode() + " to " + uri + ": "
            + new String(body.readNBytes(500), java.nio.charset.StandardCharsets.UTF_8)
            + "; the caller must be allowed to read the audit log of every node");
      }
      Files.copy(body, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }
}
