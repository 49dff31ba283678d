package camgate.gateway.cluster;

import camgate.audit.ClusterRegister;
import camgate.audit.WitnessClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The keeper's cosigning of the city's register by its witnesses (docs/scale.md, "Witnessed only once replicated"):
 * it remembers the size each live replica acknowledged in its last checkpoint request, and each round asks every
 * witness behind to cosign the register's checkpoint at the smallest of them. So a witness never cosigns an entry
 * that a surviving node would lack if the keeper died now, and the next keeper's log always extends what the
 * witnesses saw.
 *
 * <p>A witness that is down or refuses is logged (WARN, once per distinct problem) and counted, and asked again
 * next round: logging and access never wait for it (it runs on the keeper's own thread, and the register is not
 * locked while a witness answers). Also kept on replicas: the latest size each witness cosigned that this node
 * holds, for the meter {@code camgate_register_witnessed_size}.
 */
final class WitnessRound {

  private static final Logger LOG = LoggerFactory.getLogger(WitnessRound.class);

  /** One configured witness: its client, and the latest size of which this node holds its valid cosignature. */
  static final class Target {
    final RegisterWitness witness;
    final WitnessClient client;
    final AtomicLong cosigned = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    private volatile String lastProblem = "";

    Target(RegisterWitness witness) {
      this.witness = witness;
      this.client = new WitnessClient(witness.url(), witness.timeout());
    }
  }

  private final List<Target> targets;
  /** Node id → the register size it acknowledged (0 when its copy did not match the keeper's): keeper only. */
  private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();

  WitnessRound(List<RegisterWitness> witnesses) {
    this.targets = witnesses.stream().map(Target::new).toList();
  }

  List<Target> targets() {
    return targets;
  }

  /** A new keeping begins: acknowledgements made to an earlier keeper do not count. */
  void reset() {
    acknowledged.clear();
  }

  /** A replica's acknowledgement, from its checkpoint request (its latest, not its largest: a copy set aside shrinks). */
  void acknowledge(String node, long size) {
    acknowledged.put(node, size);
  }

  /**
   * The largest size every live replica acknowledged, never more than the keeper holds; empty while a live replica
   * has not acknowledged anything to this keeper.
   */
  OptionalLong agreedSize(Set<String> liveReplicas, long held) {
    long size = held;
    for (String node : liveReplicas) {
      Long ack = acknowledged.get(node);
      if (ack == null) {
        return OptionalLong.empty();
      }
      size = Math.min(size, ack);
    }
    return OptionalLong.of(size);
  }

  /**
   * One round on the keeper: each witness behind the agreed size is asked to cosign it. BLOCKING (HTTP).
   *
   * @param keeps the keeper's fence, checked again just before each witness is asked
   */
  void run(ClusterRegister register, Set<String> liveReplicas, BooleanSupplier keeps) {
    OptionalLong agreed = agreedSize(liveReplicas, register.log().size());
    if (agreed.isEmpty() || agreed.getAsLong() == 0) {
      return;
    }
    long size = agreed.getAsLong();
    for (Target t : targets) {
      if (t.cosigned.get() >= size || !keeps.getAsBoolean()) {
        continue;
      }
      try {
        String note = register.witness(List.of(t.client), size);
        if (t.witness.key().cosignatureOn(note).isEmpty()) {
          throw new IOException("its answer for size " + size + " carries no cosignature that verifies with the"
              + " configured key of cluster.witnesses; check the witness's vkey");
        }
        t.cosigned.accumulateAndGet(size, Math::max);
        if (!t.lastProblem.isEmpty()) {
          LOG.info("witness {} cosigns the register again (size {})", t.witness.label(), size);
        }
        t.lastProblem = "";
      } catch (IOException | RuntimeException e) {
        t.failures.incrementAndGet();
        // Once per kind of problem, not once per size: a witness down for an hour is one line, not 3,600.
        String problem = String.valueOf(e.getMessage()).replaceAll("\\d+", "N");
        if (!problem.equals(t.lastProblem)) {
          LOG.warn("witness {} did not cosign the register at size {}: {}; asked again next round",
              t.witness.label(), size, problem);
        }
        t.lastProblem = problem;
      }
    }
  }

  /** A cosigned note this node now holds (a replica adopted it): each witness whose cosignature verifies on it. */
  void held(String note, long size) {
    for (Target t : targets) {
      if (t.witness.key().cosignatureOn(note).isPresent()) {
        t.cosigned.accumulateAndGet(size, Math::max);
      }
    }
  }
}
