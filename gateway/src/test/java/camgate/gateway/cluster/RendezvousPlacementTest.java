package camgate.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

class RendezvousPlacementTest {

  static List<String> names(String prefix, int n) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      names.add(prefix + i);
    }
    return names;
  }

  @Test
  void everyNodeComputesTheSamePlacementWhateverTheOrderItSeesMembersIn() {
    List<String> cameras = names("cam-", 40);
    List<String> nodes = names("node-", 5);
    List<String> reversed = new ArrayList<>(nodes);
    java.util.Collections.reverse(reversed);
    assertEquals(RendezvousPlacement.assign(cameras, nodes, 10), RendezvousPlacement.assign(cameras, reversed, 10));
  }

  @Test
  void noNodeTakesMoreThanItsCapacityAndWhatDoesNotFitIsUnowned() {
    Map<String, String> owners = RendezvousPlacement.assign(names("cam-", 10), names("node-", 3), 3);
    Map<String, Integer> load = new HashMap<>();
    owners.values().forEach(n -> load.merge(n, 1, Integer::sum));
    load.values().forEach(n -> assertTrue(n <= 3, "load " + load));
    assertEquals(9, owners.size(), "three nodes of three hold nine of ten cameras; the tenth is unowned");
  }

  @Test
  void aNodeLeavingMovesOnlyItsOwnCamerasWhenCapacityDoesNotBind() {
    List<String> cameras = names("cam-", 217);
    List<String> nodes = names("node-", 28);
    Map<String, String> before = RendezvousPlacement.assign(cameras, nodes, 1000);
    List<String> fewer = new ArrayList<>(nodes);
    fewer.remove("node-7");
    Map<String, String> after = RendezvousPlacement.assign(cameras, fewer, 1000);
    for (String c : cameras) {
      if (!before.get(c).equals("node-7")) {
        assertEquals(before.get(c), after.get(c), c + " moved although its node stayed");
      }
    }
  }
}
