package camgate.gateway.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which node should redact which camera: highest-random-weight (rendezvous) hashing over the live nodes,
 * bounded by each node's camera capacity. Every node computes the same answer from the same membership, with
 * no coordination, and a node joining or leaving moves only the cameras it gains or had (plus, when
 * capacities bind, the few pushed along).
 */
public final class RendezvousPlacement {

  private RendezvousPlacement() {
  }

  /**
   * The desired owner of each camera; a camera no node has room for is absent (unowned).
   *
   * @param cameras  camera ids (any order: they are placed in id order)
   * @param nodes    live node ids
   * @param capacity the most cameras one node takes
   */
  public static Map<String, String> assign(Collection<String> cameras, Collection<String> nodes, int capacity) {
    List<String> ordered = new ArrayList<>(cameras);
    ordered.sort(Comparator.naturalOrder());
    Map<String, Integer> load = new HashMap<>();
    Map<String, String> owners = new LinkedHashMap<>();
    for (String camera : ordered) {
      List<String> ranked = new ArrayList<>(nodes);
      ranked.sort(Comparator.comparingLong((String node) -> weight(camera, node)).reversed()
          .thenComparing(Comparator.naturalOrder()));
      for (String node : ranked) {
        if (load.getOrDefault(node, 0) < capacity) {
          load.merge(node, 1, Integer::sum);
          owners.put(camera, node);
          break;
        }
      }
    }
    return owners;
  }

  /** The camera's weight for a node: the first 8 bytes of SHA-256(camera, 0, node). */
  static long weight(String camera, String node) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(camera.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      byte[] d = sha.digest(node.getBytes(StandardCharsets.UTF_8));
      long w = 0;
      for (int i = 0; i < 8; i++) {
        w = (w << 8) | (d[i] & 0xff);
      }
      return w;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
