package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three node logs and a cluster log: the whole verifies; a node's log removed, cut or forked is named. */
class ClusterBundleTest {
  @TempDir
  Path tmp;

  static void assertInvalidNaming(AuditCliTest.Run run, String node, String what) {
    assertEquals(1, run.exit(), run.all());
    assertTrue(run.err().contains("INVALID: node " + node + ":"), run.all());
    assertTrue(run.err().contains(what), "expected '" + what + "' in: " + run.all());
    assertTrue(!run.out().contains("the cluster bundle verifies whole"), run.all());
  }

  @Test
  void threeNodesAndTheClusterLogVerifyWhole() throws Exception {
    Path bundle;
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(4, 5);
      bundle = f.bundle(tmp.resolve("bundle"));
    }
    AuditCliTest.Run run = AuditCliTest.cli("verify", bundle.toString());
    assertEquals(0, run.exit(), run.all());
    for (String node : ClusterFixture.NODES) {
      assertTrue(run.out().contains("node " + node + ": valid: 20 entries"), run.out());
      assertTrue(run.out().contains("4 checkpoints recorded in the cluster log, latest of size 20"), run.out());
    }
    assertTrue(run.out().contains("cluster log: valid: 15 entries"), run.out()); // 3 keys + 12 checkpoints
    AuditCliTest.Run report = AuditCliTest.cli("report", bundle.toString(), tmp.resolve("report").toString());
    assertEquals(0, report.exit(), report.all());
    assertTrue(report.out().contains("cluster register: 60 rows over 3 nodes"), report.out());
    assertTrue(Files.exists(tmp.resolve("report/node-b/register.html")));
  }

  @Test
  void aMissingNodeLogIsNamed() throws Exception {
    Path bundle;
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(2, 3);
      bundle = f.bundle(tmp.resolve("bundle"));
    }
    deleteTree(bundle.resolve("nodes/node-b"));
    assertInvalidNaming(AuditCliTest.cli("verify", bundle.toString()), "node-b", "its log is missing from the bundle");
  }

  @Test
  void aNodeLogTruncatedBelowARecordedCheckpointIsNamed() throws Exception {
    Path bundle;
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(3, 4);
      bundle = f.bundle(tmp.resolve("bundle"));
      // node-c's log as it was before its last recorded checkpoint: valid on its own, but shorter than recorded.
      Path old = tmp.resolve("old-c");
      f.logs.get("node-c").export(0, 8, old);
      deleteTree(bundle.resolve("nodes/node-c"));
      ClusterBundle.assemble(tmp.resolve("bundle"), Map.of("node-c", old), bundle.resolve("cluster"), null);
    }
    assertEquals(0, AuditCliTest.cli("verify", bundle.resolve("nodes/node-c").toString()).exit());
    assertInvalidNaming(AuditCliTest.cli("verify", bundle.toString()), "node-c",
        "the cluster log recorded its checkpoint of size 12");
  }

  @Test
  void aForkedNodeLogIsNamed() throws Exception {
    Path bundle;
    Path forked = tmp.resolve("forked-a");
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(2, 5);
      bundle = f.bundle(tmp.resolve("bundle"));
      // The same key and origin, other entries: a log that node-a could have shown someone else.
      AuditLogOptions original = ClusterFixture.nodeOptions(tmp, "node-a");
      AuditLogOptions fork = ClusterFixture.nodeOptions(tmp.resolve("fork"), "node-a");
      Files.createDirectories(fork.signingKeyFile().getParent());
      Files.copy(original.signingKeyFile(), fork.signingKeyFile(), StandardCopyOption.COPY_ATTRIBUTES);
      try (AuditLog log = AuditLog.open(fork)) {
        for (int i = 0; i < 10; i++) {
          log.append(AuditLogTest.event(100 + i));
        }
        log.export(0, 10, forked);
      }
    }
    deleteTree(bundle.resolve("nodes/node-a"));
    ClusterBundle.assemble(bundle, Map.of("node-a", forked), bundle.resolve("cluster"), null);
    assertEquals(0, AuditCliTest.cli("verify", bundle.resolve("nodes/node-a").toString()).exit());
    assertInvalidNaming(AuditCliTest.cli("verify", bundle.toString()), "node-a", "the node's log forked");
  }

  @Test
  void theRegisterRefusesWhatWouldBreakTheRecord() throws Exception {
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(1, 3);
      AuditLog a = f.logs.get("node-a");
      String early = a.latestCheckpoint().orElseThrow().note();
      a.append(AuditLogTest.event(50));
      f.register.record("node-a", a.checkpointNow().note());
      long size = f.register.log().size();
      IllegalArgumentException back = assertThrows(IllegalArgumentException.class,
          () -> f.register.record("node-a", early));
      assertTrue(back.getMessage().contains("went back"), back.getMessage());
      String fromB = f.logs.get("node-b").checkpointNow().note();
      IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
          () -> f.register.record("node-a", fromB));
      assertTrue(other.getMessage().contains("origin"), other.getMessage());
      assertThrows(IllegalStateException.class, () -> f.register.record("node-z", fromB));
      assertThrows(IllegalArgumentException.class, () -> f.register.record("node-b", "not a note"));
      assertEquals(size, f.register.log().size(), "nothing refused was appended");
      // The same checkpoint again is no new entry.
      f.register.record("node-a", a.latestCheckpoint().orElseThrow().note());
      assertEquals(size, f.register.log().size());
    }
    // Reopened, the register knows every node's latest size again.
    try (ClusterRegister again = ClusterRegister.open(ClusterFixture.clusterOptions(tmp.resolve("cluster-db")))) {
      assertEquals(4, again.nodes().get("node-a").size());
      assertEquals(3, again.nodes().get("node-c").size());
    }
  }

  @Test
  void aReplicaTakesOverTheSameLog() throws Exception {
    Path bundle;
    AuditLogOptions replicaOptions = ClusterFixture.clusterOptions(tmp.resolve("replica-db"));
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(2, 3);
      Files.createDirectories(replicaOptions.signingKeyFile().getParent());
      Files.copy(ClusterFixture.clusterOptions(tmp.resolve("cluster-db")).signingKeyFile(),
          replicaOptions.signingKeyFile(), StandardCopyOption.COPY_ATTRIBUTES);
      try (ClusterRegister replica = ClusterRegister.open(replicaOptions)) {
        List<String> lines = f.register.entriesFrom(0, 1000);
        assertEquals(f.register.log().size(), replica.replicate(lines));
        assertEquals(f.register.log().size(), replica.replicate(lines.subList(2, 5)), "a resent batch is skipped");
        assertEquals(f.register.log().root(lines.size()), replica.log().root(lines.size()));
      }
      f.register.close(); // the keeper dies
      try (ClusterRegister keeper = ClusterRegister.open(replicaOptions)) {
        for (Map.Entry<String, AuditLog> e : f.logs.entrySet()) {
          e.getValue().append(AuditLogTest.event(99));
          keeper.record(e.getKey(), e.getValue().checkpointNow().note());
        }
        Map<String, Path> nodes = new LinkedHashMap<>();
        for (Map.Entry<String, AuditLog> e : f.logs.entrySet()) {
          e.getValue().export(0, e.getValue().size(), tmp.resolve("x").resolve(e.getKey()));
          nodes.put(e.getKey(), tmp.resolve("x").resolve(e.getKey()));
        }
        keeper.export(tmp.resolve("x/cluster"), tmp.resolve("x/witness"));
        bundle = tmp.resolve("bundle");
        ClusterBundle.assemble(bundle, nodes, tmp.resolve("x/cluster"), tmp.resolve("x/witness"));
      }
    }
    AuditCliTest.Run run = AuditCliTest.cli("verify", bundle.toString());
    assertEquals(0, run.exit(), run.all());
    assertTrue(run.out().contains("node node-b: valid: 7 entries"), run.out());
  }

  @Test
  void sinceCheckpointAppliesToTheClusterLogAndZipsAssembleTheSameBundle() throws Exception {
    Path bundle;
    String kept;
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(1, 2);
      kept = f.register.log().checkpointNow().note();
      f.run(1, 2);
      Map<String, InputStream> zips = f.nodeZips();
      bundle = tmp.resolve("from-zips");
      ClusterBundle.unzip(bundle, zips, f.clusterZip(), null);
      f.run(1, 1);
      Files.writeString(tmp.resolve("longer.note"), f.register.log().checkpointNow().note());
    }
    Path keptFile = tmp.resolve("kept.note");
    Files.writeString(keptFile, kept);
    AuditCliTest.Run run = AuditCliTest.cli("verify", bundle.toString(), "--since-checkpoint", keptFile.toString());
    assertEquals(0, run.exit(), run.all());
    // A checkpoint kept from a later state of the cluster log than the bundle's: the cluster log was cut.
    AuditCliTest.Run cut = AuditCliTest.cli("verify", bundle.toString(), "--since-checkpoint",
        tmp.resolve("longer.note").toString());
    assertEquals(1, cut.exit(), cut.all());
    assertTrue(cut.err().contains("INVALID: cluster log:") && cut.err().contains("truncated or rolled back"), cut.all());
  }

  @Test
  void theClusterZipUnzipsToABundleThatVerifies() throws Exception {
    Path dir = tmp.resolve("unzipped");
    try (ClusterFixture f = new ClusterFixture(tmp)) {
      f.run(2, 2);
      Map<String, InputStream> zips = f.nodeZips();
      ByteArrayOutputStream whole = new ByteArrayOutputStream();
      ClusterBundle.zip(whole, zips, f.clusterZip(), null);
      try (var in = new java.util.zip.ZipInputStream(new ByteArrayInputStream(whole.toByteArray()))) {
        for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          Path file = dir.resolve(e.getName());
          Files.createDirectories(file.getParent());
          Files.copy(in, file);
        }
      }
    }
    assertTrue(Files.exists(dir.resolve("nodes/node-c/entries.jsonl")));
    AuditCliTest.Run run = AuditCliTest.cli("verify", dir.toString());
    assertEquals(0, run.exit(), run.all());
    assertTrue(run.out().contains("node node-c: valid: 4 entries"), run.out());
  }

  static void deleteTree(Path dir) throws Exception {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
