package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


import camgate.audit.tools.AuditCliAccess;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The witness over real HTTP on loopback: it cosigns a consistent cluster log, refuses a fork (409/422) before and
 * after a restart, and {@code audit verify --witness-key} requires its cosignature.
 */
class WitnessTest {
  @TempDir
  Path tmp;

  record Running(Witness witness, WitnessServer server, WitnessClient client) implements AutoCloseable {
    @Override
    public void close() {
      server.close();
    }
  }

  Running start(String name, Path state, NoteKey clusterKey) throws Exception {
    Witness w = Witness.open(tmp.resolve(name + ".key"), "witness.test/" + name,
        Map.of(ClusterFixture.CLUSTER_ORIGIN, clusterKey), state, Clock.systemUTC());
    WitnessServer server = WitnessServer.start(w, "127.0.0.1", 0);
    return new Running(w, server, new WitnessClient(URI.create("http://127.0.0.1:" + server.port()),
        Duration.ofSeconds(10)));
  }

  static Path vkey(Path dir, Witness w) throws Exception {
    Path file = dir.resolve(w.publicKey().name().replace('/', '-') + ".vkey");
    Files.writeString(file, w.publicKey().verifierKey() + "\n");
    return file;
  }

  @Test
  void aCosignedClusterBundlePassesAndOneWithoutTheCosignatureFails() throws Exception {
    Path bundle;
    Path pinned;
    Path other;
    try (ClusterFixture f = new ClusterFixture(tmp.resolve("c"));
         Running w1 = start("w1", tmp.resolve("w1-state"), f.register.log().publicKey());
         Running w2 = start("w2", tmp.resolve("w2-state"), f.register.log().publicKey())) {
      f.run(2, 3);
      f.register.witness(List.of(w1.client()), f.register.log().size());
      f.run(1, 3);
      f.register.witness(List.of(w1.client()), f.register.log().size()); // from the size w1 holds, with a proof
      assertEquals(f.register.log().size(), f.register.witnessedSize());
      f.run(1, 3); // recorded after the last cosignature: the export stops at the witnessed size
      bundle = f.bundle(tmp.resolve("bundle"));
      pinned = vkey(tmp, w1.witness());
      other = vkey(tmp, w2.witness());
    }
    AuditCliTest.Run ok = AuditCliTest.cli("verify", bundle.toString(), "--witness-key", pinned.toString());
    assertEquals(0, ok.exit(), ok.all());
    assertTrue(ok.out().contains("cluster log: valid: 12 entries"), "exported up to the witnessed size: " + ok.out());
    assertTrue(ok.out().contains("witness witness.test/w1"), ok.out());
    assertTrue(ok.out().contains("cosigned the latest cluster checkpoint (size 12)"), ok.out());
    AuditCliTest.Run pem = AuditCliTest.cli("verify", bundle.toString(), "--witness-key",
        writePem(tmp.resolve("w1.pem"), pinned).toString());
    assertEquals(0, pem.exit(), pem.all());

    AuditCliTest.Run notBy = AuditCliTest.cli("verify", bundle.toString(), "--witness-key", pinned.toString(),
        "--witness-key", other.toString());
    assertEquals(1, notBy.exit(), notBy.all());
    assertTrue(notBy.err().contains("INVALID: witness witness.test/w2"), notBy.all());

    Files.writeString(bundle.resolve("witness/cosigned.jsonl"), "");
    AuditCliTest.Run none = AuditCliTest.cli("verify", bundle.toString(), "--witness-key", pinned.toString());
    assertEquals(1, none.exit(), none.all());
    assertTrue(none.err().contains("INVALID: witness witness.test/w1")
        && none.err().contains("no valid cosignature on the latest cluster checkpoint"), none.all());
    assertEquals(0, AuditCliTest.cli("verify", bundle.toString()).exit(), "without --witness-key none is required");
  }

  static Path writePem(Path file, Path vkey) throws Exception {
    Files.writeString(file, NoteKey.fromVkey(Files.readString(vkey)).pem());
    return file;
  }

  @Test
  void aForkIsRefusedBeforeAndAfterARestart() throws Exception {
    Path state = tmp.resolve("w-state");
    AuditLogOptions honest = ClusterFixture.clusterOptions(tmp.resolve("honest"));
    AuditLogOptions fork = ClusterFixture.clusterOptions(tmp.resolve("fork"));
    try (AuditLog log = AuditLog.open(honest)) {
      Files.createDirectories(fork.signingKeyFile().getParent());
      Files.copy(honest.signingKeyFile(), fork.signingKeyFile(), StandardCopyOption.COPY_ATTRIBUTES);
      try (AuditLog forked = AuditLog.open(fork)) {
        for (int i = 0; i < 6; i++) {
          log.append(AuditLogTest.event(i));
          forked.append(AuditLogTest.event(i == 0 ? i : 100 + i)); // the same first entry, then other ones
        }
        for (int restart = 0; restart < 2; restart++) {
          if (restart == 1) {
            // A crash while writing the state leaves a temporary file beside it: the state itself is whole.
            Files.writeString(state.resolve("0123.head.tmp"), "half a wri");
          }
          try (Running w = start("w", state, log.publicKey())) {
            if (restart == 0) {
              SignedCheckpoint three = checkpointAt(log, 3);
              w.client().addCheckpoint(0, List.of(), three.note());
            }
            SignedCheckpoint forkSix = forked.checkpointNow();
            // old 0 no longer matches what the witness cosigned: 409 with the size it holds
            WitnessClient.Refused conflict = assertThrows(WitnessClient.Refused.class,
                () -> w.client().addCheckpoint(0, List.of(), forkSix.note()));
            assertEquals(409, conflict.status());
            assertEquals(3, conflict.knownSize());
            // from that size, the fork's own proof: it does not lead from the cosigned root, 422
            WitnessClient.Refused bad = assertThrows(WitnessClient.Refused.class,
                () -> w.client().addCheckpoint(3, forked.consistencyProof(3, 6).path(), forkSix.note()));
            assertEquals(422, bad.status(), bad.getMessage());
            // the same size with another root: 409
            SignedCheckpoint forkThree = checkpointAt(forked, 3);
            SignedCheckpoint honestTwo = checkpointAt(log, 2);
            assertEquals(409, assertThrows(WitnessClient.Refused.class,
                () -> w.client().addCheckpoint(3, List.of(), forkThree.note())).status());
            assertEquals(400, assertThrows(WitnessClient.Refused.class,
                () -> w.client().addCheckpoint(3, List.of(), honestTwo.note())).status(), "old above the size");
          }
        }
        try (Running w = start("w", state, log.publicKey())) {
          SignedCheckpoint six = log.checkpointNow();
          List<String> cosig = w.client().addCheckpoint(3, log.consistencyProof(3, 6).path(), six.note());
          assertEquals(1, cosig.size());
          CheckpointNote.Parsed both = CheckpointNote.parse(six.note() + cosig.get(0));
          assertTrue(Cosignature.verify(both, w.witness().publicKey()).isPresent(), "the honest log is still cosigned");
        }
      }
    }
  }

  static SignedCheckpoint checkpointAt(AuditLog log, long size) {
    return ((H2AuditLog) log).checkpointAt(size);
  }

  @Test
  void aWitnessDoesNotStartOnAStateItCannotRead() throws Exception {
    Path state = Files.createDirectories(tmp.resolve("state"));
    Files.writeString(state.resolve("abc.head"), "camgate.test/cluster\nnot a size\n");
    try (AuditLog log = AuditLog.open(ClusterFixture.clusterOptions(tmp.resolve("a")))) {
      java.io.IOException e = assertThrows(java.io.IOException.class, () -> start("w", state, log.publicKey()));
      assertTrue(e.getMessage().contains("is malformed") && e.getMessage().contains("could cosign a fork"),
          e.getMessage());
    }
  }

  @Test
  void unknownLogsAndForeignSignaturesAreRefused() throws Exception {
    try (AuditLog log = AuditLog.open(ClusterFixture.clusterOptions(tmp.resolve("a")));
         AuditLog stranger = AuditLog.open(ClusterFixture.clusterOptions(tmp.resolve("b")));
         AuditLog otherOrigin = AuditLog.open(AuditLogTest.options(tmp.resolve("c")));
         Running w = start("w", tmp.resolve("state"), log.publicKey())) {
      log.append(AuditLogTest.event(1));
      stranger.append(AuditLogTest.event(1));
      otherOrigin.append(AuditLogTest.event(1));
      assertEquals(403, assertThrows(WitnessClient.Refused.class,
          () -> w.client().addCheckpoint(0, List.of(), stranger.checkpointNow().note())).status());
      assertEquals(404, assertThrows(WitnessClient.Refused.class,
          () -> w.client().addCheckpoint(0, List.of(), otherOrigin.checkpointNow().note())).status());
      assertEquals(400, assertThrows(WitnessClient.Refused.class,
          () -> w.client().addCheckpoint(0, List.of(), "garbage\n")).status());
      assertEquals(1, w.client().addCheckpoint(0, List.of(), log.checkpointNow().note()).size());
    }
  }

  @Test
  void theWitnessCommandServesAndWritesTheKeyToPin() throws Exception {
    try (AuditLog log = AuditLog.open(ClusterFixture.clusterOptions(tmp.resolve("log")))) {
      log.append(AuditLogTest.event(1));
      Path pem = Files.writeString(tmp.resolve("cluster-public-key.pem"), log.publicKeyPem());
      Path state = tmp.resolve("state");
      PipedInputStream pipe = new PipedInputStream();
      PrintStream out = new PrintStream(new PipedOutputStream(pipe), true, StandardCharsets.UTF_8);
      Thread command = new Thread(() -> AuditCliAccess.run(new String[] {"witness", "--key",
          tmp.resolve("w.pem").toString(), "--port", "0", "--state", state.toString(), "--name", "witness.test/cli",
          "--log", ClusterFixture.CLUSTER_ORIGIN + "=" + pem}, out, System.err), "witness-command");
      command.start();
      BufferedReader lines = new BufferedReader(new InputStreamReader(pipe, StandardCharsets.UTF_8));
      String listening = lines.readLine();
      assertTrue(listening.startsWith("witness witness.test/cli listening on http://127.0.0.1:"), listening);
      String url = listening.substring(listening.indexOf("http://"), listening.indexOf("/add-checkpoint"));
      WitnessClient client = new WitnessClient(URI.create(url), Duration.ofSeconds(10));
      SignedCheckpoint cp = log.checkpointNow();
      List<String> cosig = client.addCheckpoint(0, List.of(), cp.note());
      NoteKey pinned = NoteKey.fromVkey(Files.readString(state.resolve("witness.vkey")));
      assertTrue(Cosignature.verify(CheckpointNote.parse(cp.note() + cosig.get(0)), pinned).isPresent());
      command.interrupt();
      command.join(10_000);
      assertTrue(!command.isAlive(), "the command stops when interrupted");
    }
  }

  @Test
  void theWitnessCommandRefusesBadOptions() {
    AuditCliTest.Run none = AuditCliTest.cli("witness", "--port", "0");
    assertEquals(2, none.exit(), none.all());
    assertTrue(none.err().contains("witness needs --key FILE, --port N and --state DIR"), none.all());
    AuditCliTest.Run badLog = AuditCliTest.cli("witness", "--log", "x=" + tmp.resolve("missing.pem"));
    assertEquals(2, badLog.exit(), badLog.all());
    assertTrue(badLog.err().contains("cannot read the log's public key"), badLog.all());
  }

  /**
   * A replica keeps the keeper's cosigned checkpoint (so that its own export ends at a cosigned checkpoint) only once
   * it holds that size, with the same tree, and with a valid cosignature of a configured witness.
   */
  @Test
  void aReplicaKeepsTheKeepersCosignedCheckpointOnlyForTheSameTree() throws Exception {
    Path bundle;
    Path pinned;
    try (ClusterFixture f = new ClusterFixture(tmp.resolve("c"));
         Running w1 = start("w1", tmp.resolve("w1-state"), f.register.log().publicKey());
         Running w2 = start("w2", tmp.resolve("w2-state"), f.register.log().publicKey())) {
      f.run(2, 3);
      f.register.witness(List.of(w1.client()), f.register.log().size());
      List<String> cosigned = f.register.latestCosigned();
      assertEquals(1, cosigned.size(), cosigned.toString());
      pinned = vkey(tmp, w1.witness());
      List<ClusterVerifier.WitnessKey> w1Key = List.of(ClusterVerifier.readWitnessKey(Files.readString(pinned)));
      List<ClusterVerifier.WitnessKey> w2Key = List.of(ClusterVerifier.readWitnessKey(
          Files.readString(vkey(tmp, w2.witness()))));
      List<String> lines = f.register.entriesFrom(0, 1000);

      try (ClusterRegister replica = ClusterRegister.open(sameKey(f, "replica-db"))) {
        replica.replicate(lines.subList(0, 4));
        assertFalse(replica.adopt(cosigned.get(0), w1Key), "not before the replica holds that size");
        replica.replicate(lines);
        IllegalArgumentException notW2 = assertThrows(IllegalArgumentException.class,
            () -> replica.adopt(cosigned.get(0), w2Key));
        assertTrue(notW2.getMessage().contains("no valid cosignature of a configured witness"), notW2.getMessage());
        assertTrue(replica.adopt(cosigned.get(0), w1Key));
        assertFalse(replica.adopt(cosigned.get(0), w1Key), "held already");
        assertEquals(f.register.witnessedSize(), replica.witnessedSize());
        assertEquals(cosigned, replica.latestCosigned());

        f.run(1, 3); // the keeper goes on; the replica's export still ends at the cosigned checkpoint
        replica.replicate(f.register.entriesFrom(0, 1000));
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
        assertEquals(f.register.witnessedSize(), replica.exportZip(zip, jsonl));
        bundle = tmp.resolve("replica-bundle");
        ClusterBundle.unzip(bundle, f.nodeZips(), new ByteArrayInputStream(zip.toByteArray()),
            new ByteArrayInputStream(jsonl.toByteArray()));
      }

      try (ClusterRegister forked = ClusterRegister.open(sameKey(f, "forked-db"))) {
        for (int i = 0; forked.log().size() < lines.size(); i++) {
          forked.registerNode("other-" + i, f.logs.get("node-a").publicKey());
        }
        IllegalArgumentException fork = assertThrows(IllegalArgumentException.class,
            () -> forked.adopt(cosigned.get(0), w1Key));
        assertTrue(fork.getMessage().contains("the cluster log forked"), fork.getMessage());
        assertEquals(0, forked.witnessedSize());
      }
    }
    AuditCliTest.Run run = AuditCliTest.cli("verify", bundle.toString(), "--witness-key", pinned.toString());
    assertEquals(0, run.exit(), run.all());
    assertTrue(run.out().contains("cosigned the latest cluster checkpoint (size 9)"), run.out());
  }

  @Test
  void askingAWitnessThatIsDownAgainAddsNoCheckpointToTheLog() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    WitnessClient down = new WitnessClient(URI.create("http://127.0.0.1:" + closedPort), Duration.ofSeconds(2));
    try (ClusterFixture f = new ClusterFixture(tmp.resolve("c"))) {
      f.run(1, 3);
      long size = f.register.log().size();
      java.io.IOException e = assertThrows(java.io.IOException.class, () -> f.register.witness(List.of(down), size));
      assertTrue(e.getMessage().contains("could not be reached"), e.getMessage());
      long before = checkpointLines(f, "before");
      for (int i = 0; i < 3; i++) {
        assertThrows(java.io.IOException.class, () -> f.register.witness(List.of(down), size));
      }
      assertEquals(before, checkpointLines(f, "after"), "the same checkpoint is put to the witness again");
      assertEquals(0, f.register.witnessedSize());
    }
  }

  private long checkpointLines(ClusterFixture f, String name) throws Exception {
    Path dir = tmp.resolve("count-" + name);
    f.register.log().export(0, f.register.log().size(), dir);
    return Files.readAllLines(dir.resolve("checkpoints.jsonl")).stream().filter(l -> !l.isBlank()).count();
  }

  /** The fixture's cluster log's options in another folder, with the same key (as deployed to every node). */
  private AuditLogOptions sameKey(ClusterFixture f, String name) throws Exception {
    AuditLogOptions options = ClusterFixture.clusterOptions(tmp.resolve(name));
    Files.createDirectories(options.signingKeyFile().getParent());
    Files.copy(ClusterFixture.clusterOptions(f.root.resolve("cluster-db")).signingKeyFile(),
        options.signingKeyFile(), StandardCopyOption.COPY_ATTRIBUTES);
    return options;
  }
}
