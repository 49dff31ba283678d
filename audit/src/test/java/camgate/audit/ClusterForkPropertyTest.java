package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Whoever holds a node's key can sign another history of its log. Put in place of the real one in a cluster
 * bundle, such a log passes {@code audit verify} exactly when its first entries up to the last recorded checkpoint
 * are the recorded ones; otherwise the verify fails and names the node. The other history is a real H2 log: the
 * node's first {@code divergeAt} entries, then other ones, {@code length} entries in all.
 */
class ClusterForkPropertyTest {
  static final int RECORDED = 12; // node-b: 3 rounds of 4 entries, each round's checkpoint recorded
  static Path fixture;
  static Path bundle;
  static Path nodeKey;

  @BeforeContainer
  static void buildCluster() throws Exception {
    fixture = Files.createTempDirectory("cluster-fork");
    try (ClusterFixture f = new ClusterFixture(fixture)) {
      f.run(3, 4);
      bundle = f.bundle(fixture.resolve("bundle"));
    }
    nodeKey = ClusterFixture.nodeOptions(fixture, "node-b").signingKeyFile();
    assertEquals(0, AuditCliTest.cli("verify", bundle.toString()).exit(), "the fixture itself must verify");
  }

  @AfterContainer
  static void removeFixture() throws IOException {
    BundlePropertyTest.deleteTree(fixture);
  }

  @Property(tries = 25)
  void anotherHistoryOfANodePassesOnlyIfItKeepsTheRecordedEntries(@ForAll @IntRange(min = 1, max = 16) int length,
                                                                  @ForAll @IntRange(min = 0, max = 16) int divergeAt)
      throws Exception {
    Path work = Files.createTempDirectory(fixture, "try");
    try {
      AuditLogOptions options = ClusterFixture.nodeOptions(work, "node-b");
      Files.createDirectories(options.signingKeyFile().getParent());
      Files.copy(nodeKey, options.signingKeyFile(), StandardCopyOption.COPY_ATTRIBUTES);
      Path other = work.resolve("other");
      try (AuditLog log = AuditLog.open(options)) {
        for (int k = 0; k < length; k++) {
          log.append(AuditLogTest.event(k < divergeAt ? k : 1000 + k));
        }
        log.export(0, length, other);
      }
      Path copy = work.resolve("bundle");
      ClusterBundle.assemble(copy, Map.of("node-a", bundle.resolve("nodes/node-a"), "node-b", other,
          "node-c", bundle.resolve("nodes/node-c")), bundle.resolve("cluster"), null);
      AuditCliTest.Run run = AuditCliTest.cli("verify", copy.toString());
      boolean keepsRecorded = length >= RECORDED && divergeAt >= RECORDED;
      Statistics.collect(keepsRecorded);
      // Both outcomes must be tried, or the property says nothing about one of them.
      Statistics.coverage(c -> {
        c.check(true).count(n -> n > 0);
        c.check(false).count(n -> n > 0);
      });
      if (keepsRecorded) {
        assertEquals(0, run.exit(), run.all());
      } else {
        assertEquals(1, run.exit(), run.all());
        assertTrue(run.err().contains("INVALID: node node-b:"), run.all());
        assertTrue(List.of("truncated", "forked").stream().anyMatch(run.err()::contains), run.all());
      }
    } finally {
      BundlePropertyTest.deleteTree(work);
    }
  }
}
