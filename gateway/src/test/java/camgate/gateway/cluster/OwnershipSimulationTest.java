package camgate.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The city's shape: 217 cameras over 28 members, lease 4 s, renewal 1 s, failure detection 3 s. */
class OwnershipSimulationTest {

  static final ClusterSettings TIMINGS = ClusterSettings.fromJson(new JsonObject().put("node_id", "sim")
      .put("members", new JsonArray().add("127.0.0.1:5701")));

  @Test
  void aDeadMembersCamerasAreHeldAgainAfterItsLeaseAndNoOtherCameraMoves() {
    OwnershipSimulation sim = new OwnershipSimulation(217, 28, 10, TIMINGS);
    assertTrue(sim.settle(60_000) >= 0);
    OwnershipSimulation.Outcome death = sim.die("death", "m-5");
    assertEquals(0, death.unownedAfter());
    // Its cameras wait for the lease to run out (4 s) and for a round (1 s): never longer.
    assertTrue(death.longestUnservedMs() <= 4_000 + 1_000, death.toString());
    assertTrue(death.moved() <= 10, "only the dead member's cameras (at most its capacity) move: " + death);
  }

  @Test
  void aJoinMovesOnlyTheNewcomersShareWithAGapOfAboutOneRound() {
    OwnershipSimulation sim = new OwnershipSimulation(217, 28, 10, TIMINGS);
    sim.settle(60_000);
    OwnershipSimulation.Outcome join = sim.join("m-29", "join");
    assertTrue(join.moved() >= 1 && join.moved() <= 10, join.toString());
    assertTrue(join.longestUnservedMs() <= 1_000 + 10, join.toString());
    assertTrue(join.settleMs() >= 0, join.toString());
  }

  @Test
  void withoutRoomForEveryCameraTheRestStayUnowned() {
    OwnershipSimulation sim = new OwnershipSimulation(30, 3, 8, TIMINGS);
    sim.settle(60_000);
    OwnershipSimulation.Outcome death = sim.die("death", "m-1");
    assertEquals(30 - 2 * 8, death.unownedAfter(), death.toString());
  }
}
