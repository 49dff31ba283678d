package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.audit.tools.AuditCliAccess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on good and bad input: clear message, non-zero exit, never "valid". */
class AuditCliTest {
  @TempDir
  static Path fixture;
  static Path bundle;

  @TempDir
  Path work;

  record Run(int exit, String out, String err) {
    String all() {
      return out + err;
    }
  }

  static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = AuditCliAccess.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @BeforeAll
  static void export() throws Exception {
    bundle = fixture.resolve("bundle");
    try (AuditLog log = AuditLog.open(AuditLogTest.options(fixture.resolve("db")))) {
      for (int i = 0; i < 12; i++) {
        log.append(AuditLogTest.event(i));
      }
      log.append(new AuditEvent("access_decision", Map.of("id", "<script>alert(1)</script>", "roles", List.of("agent")),
          "view_raw", Map.of("camera", "cam-017", "zone", "centre-ville"), Map.of("allow", true),
          "policy-v2", "dec-raw", Map.of("purpose", "enquete", "requisition", "=HYPERLINK(\"x\")")));
      log.append(new AuditEvent("access_decision", Map.of("id", "tech-1", "roles", List.of("vendor")), "maintenance",
          Map.of("camera", "cam-003"), Map.of("allow", true), "policy-v2", "dec-m", Map.of()));
      log.append(new AuditEvent("policy_published", Map.of("id", "admin"), "admin_policy", null, null, "policy-v3",
          null, Map.of("bundle", "sha256:abc")));
      log.export(0, log.size(), bundle);
    }
  }

  Path copy() throws Exception {
    Path dir = work.resolve("copy");
    Files.createDirectories(dir);
    for (String f : List.of("entries.jsonl", "checkpoints.jsonl", "public-key.pem", "bundle.json")) {
      Files.copy(bundle.resolve(f), dir.resolve(f));
    }
    return dir;
  }

  static void assertRefused(Run run, int exit, String expected) {
    assertEquals(exit, run.exit(), run.all());
    assertFalse(run.all().startsWith("valid"), run.all());
    assertTrue(run.err().contains(expected), "expected '" + expected + "' in: " + run.all());
  }

  @Test
  void validBundleExitsZero() {
    Run run = cli("verify", bundle.toString());
    assertEquals(0, run.exit(), run.all());
    assertTrue(run.out().startsWith("valid: 15 entries"), run.out());
  }

  @Test
  void pinnedFingerprintMustMatch() throws Exception {
    String fp = NoteKey.fromPem("x", Files.readString(bundle.resolve("public-key.pem"))).fingerprint();
    assertEquals(0, cli("verify", bundle.toString(), "--key-fingerprint", fp).exit());
    // A bundle signed by another key than the pinned one is invalid (1), not a usage error (2).
    assertRefused(cli("verify", bundle.toString(), "--key-fingerprint", "SHA256:" + "0".repeat(64)), 1,
        "not signed by the key you pinned");
  }

  @Test
  void blankLastLineOfCheckpointsIsNoCheckpoint() throws Exception {
    Path dir = copy();
    Path cps = dir.resolve("checkpoints.jsonl");
    Files.writeString(cps, Files.readString(cps) + "\n");
    Run run = cli("verify", dir.toString());
    assertEquals(0, run.exit(), run.all());
    assertTrue(run.out().startsWith("valid: 15 entries, 1 checkpoints"), run.out());
    Files.writeString(cps, "\n" + Files.readString(cps));
    assertRefused(cli("verify", dir.toString()), 1, "checkpoint 0 (checkpoints.jsonl line 1) has no 'note'");
  }

  /** A log of 10 entries with a checkpoint at 5: the bundles at 5 and 10 and the checkpoints kept from them. */
  record Grown(Path bundle5, Path bundle10, Path kept5, Path kept10, AuditLogOptions options) {
  }

  Grown grown() throws Exception {
    AuditLogOptions options = AuditLogTest.options(work.resolve("grown-db"));
    Path kept5 = work.resolve("kept-5.note");
    try (AuditLog log = AuditLog.open(options)) {
      for (int i = 0; i < 10; i++) {
        log.append(AuditLogTest.event(i));
        if (i == 4) {
          Files.writeString(kept5, log.checkpointNow().note());
        }
      }
      log.export(0, 5, work.resolve("b5"));
      log.export(0, 10, work.resolve("b10"));
    }
    List<String> cps = Files.readAllLines(work.resolve("b10").resolve("checkpoints.jsonl"));
    Path kept10 = Files.writeString(work.resolve("kept-10.jsonl"), cps.get(cps.size() - 1) + "\n");
    return new Grown(work.resolve("b5"), work.resolve("b10"), kept5, kept10, options);
  }

  @Test
  void sinceCheckpointAcceptsALaterBundleOfTheSameLog() throws Exception {
    Grown g = grown();
    Run run = cli("verify", g.bundle10().toString(), "--since-checkpoint", g.kept5().toString());
    assertEquals(0, run.exit(), run.all());
    // The kept checkpoint may also be a line of checkpoints.jsonl; the same size as the bundle is fine.
    assertEquals(0, cli("verify", g.bundle10().toString(), "--since-checkpoint", g.kept10().toString()).exit());
  }

  @Test
  void sinceCheckpointCatchesARolledBackBundle() throws Exception {
    Grown g = grown();
    assertEquals(0, cli("verify", g.bundle5().toString()).exit(), "valid on its own");
    assertRefused(cli("verify", g.bundle5().toString(), "--since-checkpoint", g.kept10().toString()), 1,
        "the bundle has 5 entries but the checkpoint you kept (size 10");
  }

  @Test
  void sinceCheckpointCatchesARewrittenLog() throws Exception {
    Grown g = grown();
    // Another log of the same origin whose first 5 entries differ: the bundle forked from what was kept.
    Path other = work.resolve("other-kept.note");
    try (AuditLog log = AuditLog.open(AuditLogTest.options(work.resolve("other-db")))) {
      for (int i = 100; i < 105; i++) {
        log.append(AuditLogTest.event(i));
      }
      Files.writeString(other, log.checkpointNow().note());
    }
    assertRefused(cli("verify", g.bundle10().toString(), "--since-checkpoint", other.toString()), 1,
        "entries 0..4 of the bundle hash to root");
  }

  @Test
  void sinceCheckpointMustBeSignedByTheBundlesKey() throws Exception {
    Grown g = grown();
    CheckpointNote.Parsed kept = CheckpointNote.parse(Files.readString(g.kept5()));
    SigningKey stranger = SigningKey.generate(g.options().origin());
    Path forged = Files.writeString(work.resolve("forged.note"),
        CheckpointNote.sign(stranger, g.options().origin(), kept.size(), kept.root(), kept.time()).note());
    assertRefused(cli("verify", g.bundle10().toString(), "--since-checkpoint", forged.toString()), 1,
        "is not signed by any key of the bundle");
  }

  @Test
  void sinceCheckpointThatCannotBeReadIsAUsageError() throws Exception {
    Grown g = grown();
    assertRefused(cli("verify", g.bundle10().toString(), "--since-checkpoint", work.resolve("nope").toString()), 2,
        "cannot read the --since-checkpoint file");
    Path garbage = Files.writeString(work.resolve("garbage.note"), "not a note\n");
    assertRefused(cli("verify", g.bundle10().toString(), "--since-checkpoint", garbage.toString()), 2,
        "the kept checkpoint is not a signed checkpoint note");
  }

  @Test
  void emptyDirectory() throws Exception {
    Path empty = Files.createDirectories(work.resolve("empty"));
    assertRefused(cli("verify", empty.toString()), 2, "missing public-key.pem");
  }

  @Test
  void notADirectory() {
    assertRefused(cli("verify", work.resolve("nope").toString()), 2, "is not a directory");
  }

  @Test
  void missingKeyFile() throws Exception {
    Path dir = copy();
    Files.delete(dir.resolve("public-key.pem"));
    assertRefused(cli("verify", dir.toString()), 2, "missing public-key.pem");
  }

  @Test
  void garbageKeyFile() throws Exception {
    Path dir = copy();
    Files.writeString(dir.resolve("public-key.pem"), "not a key\n");
    assertRefused(cli("verify", dir.toString()), 2, "public-key.pem: expected a PEM block");
  }

  @Test
  void wrongKeyFile() throws Exception {
    Path dir = copy();
    Files.writeString(dir.resolve("public-key.pem"), SigningKey.generate("camgate.local/audit").publicKey().pem());
    assertRefused(cli("verify", dir.toString()), 1, "checkpoint 0 (checkpoints.jsonl line 1, size 15) is signed by");
  }

  @Test
  void entriesTruncatedMidLine() throws Exception {
    Path dir = copy();
    byte[] bytes = Files.readAllBytes(dir.resolve("entries.jsonl"));
    Files.write(dir.resolve("entries.jsonl"), java.util.Arrays.copyOf(bytes, bytes.length - 40));
    assertRefused(cli("verify", dir.toString()), 1, "entry 14 (entries.jsonl line 15) has no final newline");
  }

  @Test
  void checkpointsTruncatedMidLine() throws Exception {
    Path dir = copy();
    String text = Files.readString(dir.resolve("checkpoints.jsonl"));
    Files.writeString(dir.resolve("checkpoints.jsonl"), text.substring(0, text.length() / 2));
    assertRefused(cli("verify", dir.toString()), 1, "checkpoint 0 (checkpoints.jsonl line 1) is not valid JSON");
  }

  @Test
  void invalidJsonEntry() throws Exception {
    Path dir = copy();
    List<String> lines = Files.readAllLines(dir.resolve("entries.jsonl"));
    lines.set(3, "{\"seq\":3,");
    Files.writeString(dir.resolve("entries.jsonl"), String.join("\n", lines) + "\n");
    assertRefused(cli("verify", dir.toString()), 1, "entry 3 (entries.jsonl line 4) is not valid JSON");
  }

  @Test
  void emptyEntriesWithCheckpoints() throws Exception {
    Path dir = copy();
    Files.writeString(dir.resolve("entries.jsonl"), "");
    assertRefused(cli("verify", dir.toString()), 1, "entries 0..14 are missing (truncated)");
  }

  @Test
  void emptyCheckpoints() throws Exception {
    Path dir = copy();
    Files.writeString(dir.resolve("checkpoints.jsonl"), "");
    assertRefused(cli("verify", dir.toString()), 2, "checkpoints.jsonl is empty");
  }

  @Test
  void usageErrors() {
    assertRefused(cli(), 2, "no subcommand");
    assertRefused(cli("verify"), 2, "verify takes one bundle directory");
    assertRefused(cli("frobnicate"), 2, "unknown subcommand 'frobnicate'");
  }

  @Test
  void reportEscapesEverythingAndListsEachCategory() throws Exception {
    Path out = work.resolve("report");
    Run run = cli("report", bundle.toString(), out.toString());
    assertEquals(0, run.exit(), run.all());
    String html = Files.readString(out.resolve("register.html"));
    assertFalse(html.contains("<script>"), "raw markup from an entry reached the HTML");
    assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assertTrue(html.contains("Raw (unredacted) views and their requisitions (1)"), html);
    assertTrue(html.contains("Vendor maintenance sessions (1)"), html);
    assertTrue(html.contains("Policy publications (1)"), html);
    assertTrue(html.contains("Accesses (who viewed which camera, when, why, under which policy) (12)"), html);
    List<String> csv = Files.readAllLines(out.resolve("register.csv"));
    assertEquals(16, csv.size(), "header + 15 rows");
    String raw = csv.stream().filter(l -> l.contains("dec-raw")).findFirst().orElseThrow();
    assertTrue(raw.contains("raw view") && raw.contains("cam-017") && raw.contains("enquete") && raw.contains("policy-v2"), raw);
    assertTrue(raw.contains("\"'=HYPERLINK(\"\"x\"\")\""), "formula neutralised and quoted: " + raw);
  }

  @Test
  void reportRefusesATamperedBundle() throws Exception {
    Path dir = copy();
    List<String> lines = Files.readAllLines(dir.resolve("entries.jsonl"));
    lines.remove(2);
    Files.writeString(dir.resolve("entries.jsonl"), String.join("\n", lines) + "\n");
    Run run = cli("report", dir.toString(), work.resolve("r").toString());
    assertNotEquals(0, run.exit());
    assertTrue(run.err().contains("refusing to build a register"), run.all());
    assertFalse(Files.exists(work.resolve("r").resolve("register.html")));
  }
}
