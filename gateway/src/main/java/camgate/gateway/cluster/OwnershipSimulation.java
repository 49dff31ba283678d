package camgate.gateway.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cluster's camera ownership over simulated time, without video or network: each member runs the same rounds
 * as {@link CameraOwnership} (placement over the members it sees, claim, renew, release) against one lease table,
 * every {@code renew} with its own phase; a member that dies stops renewing and leaves the others' view after
 * {@code failureDetection}; one that leaves gives its cameras back first. It measures what a join, a leave and a
 * death cost: how many cameras change hands, and how long until every camera is held by its placed owner again.
 */
public final class OwnershipSimulation {

  private static final long STEP_MS = 10;

  private final List<String> cameras;
  private final int capacity;
  private final long leaseMs;
  private final long renewMs;
  private final long marginMs;
  private final long detectionMs;
  private final Map<String, Long> phase = new HashMap<>();
  private final Set<String> running = new TreeSet<>();
  private final Map<String, Long> departedAt = new HashMap<>();
  private final Map<String, Lease> table = new HashMap<>();
  private final Map<String, Map<String, Long>> held = new HashMap<>();
  private final Random random = new Random(14);
  private long now;

  /** What one event cost. */
  public record Outcome(String event, int moved, long settleMs, long longestUnservedMs, int unownedAfter) {
    @Override
    public String toString() {
      return String.format("%-28s moved=%3d settle_ms=%6d longest_camera_gap_ms=%6d unowned_after=%d", event, moved,
          settleMs, longestUnservedMs, unownedAfter);
    }
  }

  public OwnershipSimulation(int cameraCount, int memberCount, int capacity, ClusterSettings timings) {
    this.cameras = new ArrayList<>();
    for (int i = 1; i <= cameraCount; i++) {
      cameras.add(String.format("cam-%03d", i));
    }
    this.capacity = capacity;
    this.leaseMs = timings.lease().toMillis();
    this.renewMs = timings.renew().toMillis();
    this.marginMs = timings.safetyMargin().toMillis();
    this.detectionMs = timings.failureDetection().toMillis();
    for (int i = 1; i <= memberCount; i++) {
      join("m-" + i);
    }
  }

  /** Runs until every camera is held by its placed owner (or {@code maxMs}); the time it took. */
  public long settle(long maxMs) {
    long start = now;
    while (now - start < maxMs) {
      step();
      if (settled()) {
        return now - start;
      }
    }
    return -1;
  }

  /** A new member joins and takes its share. */
  public Outcome join(String member, String label) {
    Map<String, String> before = holders();
    join(member);
    return measure(label, before);
  }

  /** A member stops on purpose: it gives its cameras back before it goes. */
  public Outcome leave(String member, String label) {
    Map<String, String> before = holders();
    running.remove(member);
    phase.remove(member);
    held.getOrDefault(member, Map.of()).keySet().forEach(c -> table.put(c, new Lease(c, member,
        table.get(c).token(), now)));
    held.remove(member);
    return measure(label, before);
  }

  /** Members die at once (SIGKILL): their leases run out, the others see them gone after the failure detection. */
  public Outcome die(String label, String... members) {
    Map<String, String> before = holders();
    for (String member : members) {
      running.remove(member);
      phase.remove(member);
      held.remove(member);
      departedAt.put(member, now);
    }
    return measure(label, before);
  }

  private void join(String member) {
    running.add(member);
    departedAt.remove(member);
    phase.put(member, (long) random.nextInt((int) renewMs));
    held.put(member, new HashMap<>());
  }

  private Outcome measure(String label, Map<String, String> before) {
    Map<String, Long> gapStart = new HashMap<>();
    long longest = 0;
    long start = now;
    long settle = -1;
    while (now - start < 120_000) {
      step();
      for (String c : cameras) {
        boolean served = servedBy(c) != null;
        if (!served) {
          gapStart.putIfAbsent(c, now);
        } else if (gapStart.containsKey(c)) {
          longest = Math.max(longest, now - gapStart.remove(c));
        }
      }
      if (settled()) {
        settle = now - start;
        break;
      }
    }
    for (long s : gapStart.values()) {
      longest = Math.max(longest, now - s);
    }
    Map<String, String> after = holders();
    int moved = 0;
    for (String c : cameras) {
      if (before.get(c) != null && !before.get(c).equals(after.get(c))) {
        moved++;
      }
    }
    int unowned = (int) cameras.stream().filter(c -> after.get(c) == null).count();
    return new Outcome(label, moved, settle, longest, unowned);
  }

  private void step() {
    now += STEP_MS;
    for (String m : new ArrayList<>(running)) {
      if ((now + phase.get(m)) % renewMs < STEP_MS) {
        round(m);
      }
    }
    // The fence: a member serves a camera only until its local deadline.
    for (Map<String, Long> h : held.values()) {
      h.values().removeIf(deadline -> deadline <= now);
    }
  }

  /** One member's round, as {@link CameraOwnership#tick} does it. */
  private void round(String member) {
    Set<String> view = view();
    Map<String, String> desired = view.size() >= quorum()
        ? RendezvousPlacement.assign(cameras, view, capacity) : Map.of();
    Map<String, Long> mine = held.get(member);
    for (String c : cameras) {
      boolean placedHere = member.equals(desired.get(c));
      Long deadline = mine.get(c);
      Lease lease = table.get(c);
      if (deadline != null && !placedHere) {
        mine.remove(c);
        table.put(c, new Lease(c, member, lease.token(), now));
      } else if (deadline != null) {
        table.put(c, new Lease(c, member, lease.token(), now + leaseMs));
        mine.put(c, now + leaseMs - marginMs);
      } else if (placedHere && (lease == null || !lease.heldAt(now) || lease.node().equals(member))) {
        table.put(c, new Lease(c, member, (lease == null ? 0 : lease.token()) + 1, now + leaseMs));
        mine.put(c, now + leaseMs - marginMs);
      }
    }
  }

  private int quorum() {
    return (running.size() + departedAt.size()) / 2 + 1;
  }

  /** The members every running member sees: the running ones, and the dead until the failure detection. */
  private Set<String> view() {
    Set<String> view = new LinkedHashSet<>(running);
    departedAt.forEach((m, at) -> {
      if (now - at < detectionMs) {
        view.add(m);
      }
    });
    return view;
  }

  private String servedBy(String camera) {
    for (Map.Entry<String, Map<String, Long>> e : held.entrySet()) {
      if (e.getValue().containsKey(camera)) {
        return e.getKey();
      }
    }
    return null;
  }

  private Map<String, String> holders() {
    Map<String, String> h = new HashMap<>();
    for (String c : cameras) {
      h.put(c, servedBy(c));
    }
    return h;
  }

  private boolean settled() {
    Map<String, String> desired = RendezvousPlacement.assign(cameras, running, capacity);
    for (String c : cameras) {
      if (!java.util.Objects.equals(desired.get(c), servedBy(c))) {
        return false;
      }
    }
    return true;
  }

  /** Prints the outcomes for the city: 217 cameras over 28 members (arguments: cameras, members, capacity). */
  public static void main(String[] args) {
    int cameraCount = args.length > 0 ? Integer.parseInt(args[0]) : 217;
    int members = args.length > 1 ? Integer.parseInt(args[1]) : 28;
    int capacity = args.length > 2 ? Integer.parseInt(args[2]) : (int) Math.ceil(cameraCount * 1.25 / members);
    ClusterSettings timings = ClusterSettings.fromJson(new io.vertx.core.json.JsonObject().put("node_id", "sim")
        .put("members", new io.vertx.core.json.JsonArray().add("127.0.0.1:5701")));
    OwnershipSimulation sim = new OwnershipSimulation(cameraCount, members, capacity, timings);
    System.out.printf("ownership simulation: %d cameras, %d members, camera_capacity %d, lease %d ms, renew %d ms,"
            + " failure detection %d ms%n", cameraCount, members, capacity, timings.lease().toMillis(),
        timings.renew().toMillis(), timings.failureDetection().toMillis());
    System.out.println("initial placement settles in " + sim.settle(60_000) + " ms");
    System.out.println(sim.join("m-" + (members + 1), "member joins"));
    System.out.println(sim.leave("m-" + (members + 1), "member leaves (orderly stop)"));
    System.out.println(sim.die("member dies (SIGKILL)", "m-3"));
    System.out.println(sim.join("m-3", "dead member rejoins"));
    System.out.println(sim.die("5 members die at once", "m-11", "m-12", "m-13", "m-14", "m-15"));
  }
}
