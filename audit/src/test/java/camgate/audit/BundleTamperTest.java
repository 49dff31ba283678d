package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each test tampers with one copy of a real exported bundle and checks the verifier's verdict and what it names. */
class BundleTamperTest {
  static final int ENTRIES = 60;
  static final int CHECKPOINT_EVERY = 10; // checkpoints of sizes 10..60 on lines 0..5
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path fixture;
  static Path original;
  static SigningKey logKey;
  static String origin;

  @TempDir
  Path work;

  @BeforeAll
  static void exportRealBundle() throws Exception {
    AuditLogOptions options = AuditLogTest.options(fixture.resolve("db"));
    origin = options.origin();
    original = fixture.resolve("bundle");
    try (AuditLog log = AuditLog.open(options)) {
      for (int i = 0; i < ENTRIES; i++) {
        log.append(AuditLogTest.event(i));
        if ((i + 1) % CHECKPOINT_EVERY == 0) {
          log.checkpointNow();
        }
      }
      log.export(0, ENTRIES, original);
    }
    logKey = SigningKey.loadOrCreate(options.signingKeyFile(), origin);
  }

  Path copy() throws IOException {
    Path dir = work.resolve("bundle");
    Files.createDirectories(dir);
    for (String f : List.of("entries.jsonl", "checkpoints.jsonl", "public-key.pem", "bundle.json")) {
      Files.copy(original.resolve(f), dir.resolve(f));
    }
    return dir;
  }

  static List<String> lines(Path dir, String file) throws IOException {
    return new ArrayList<>(Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8));
  }

  static void write(Path dir, String file, List<String> lines) throws IOException {
    Files.writeString(dir.resolve(file), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  static Verdict.Problem problem(Path dir) {
    Verdict v = BundleVerifier.verify(dir);
    assertFalse(v.valid(), "tampered bundle must not verify");
    return v.problem();
  }

  /** The bundle in {@code dir} fails at entry {@code seq}, with a message that contains {@code text}. */
  static void assertEntryNamed(Path dir, long seq, String text) {
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.ENTRY, p.kind(), p.message());
    assertEquals(seq, p.index());
    assertTrue(p.message().contains(text), p.message());
  }

  @Test
  void untouchedBundleVerifies() {
    Verdict v = BundleVerifier.verify(original);
    assertTrue(v.valid(), v.summary());
    assertEquals(ENTRIES, v.entries());
    assertEquals(ENTRIES / CHECKPOINT_EVERY, v.checkpoints());
    assertEquals(ENTRIES, v.lastCheckpointSize());
  }

  @Test
  void oneByteChangedInAnEntryIsLocatedToTheCheckpointRangeHoldingIt() throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    String e = entries.get(25);
    assertTrue(e.contains("\"cam-8\""));
    entries.set(25, e.replace("\"cam-8\"", "\"cam-9\"")); // one byte, still canonical JSON
    write(dir, "entries.jsonl", entries);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.ENTRY_RANGE, p.kind(), p.message());
    assertEquals(20, p.index());
    assertEquals(30, p.endIndex());
    assertTrue(p.message().contains("entries 20..29 do not match checkpoint 2"), p.message());
  }

  @Test
  void oneByteChangedThatBreaksCanonicalFormNamesTheEntry() throws Exception {
    Path dir = copy();
    byte[] bytes = Files.readAllBytes(dir.resolve("entries.jsonl"));
    List<String> entries = lines(dir, "entries.jsonl");
    int offset = 0;
    for (int i = 0; i < 25; i++) {
      offset += entries.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
    }
    int colon = entries.get(25).indexOf(':');
    bytes[offset + colon] = ' '; // {"action" "view_live"...: no longer JSON
    Files.write(dir.resolve("entries.jsonl"), bytes);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.ENTRY, p.kind(), p.message());
    assertEquals(25, p.index());
    assertTrue(p.message().contains("entry 25 (entries.jsonl line 26) is not valid JSON"), p.message());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "escaped letter|\"cam-8\"|\"\\u0063am-8\"",
      "whitespace|,\"type\":|, \"type\":",
      "number spelling|\"seq\":25,|\"seq\":25.0,",
      "member order|{\"action\":\"view_live\",\"decision\":|{\"decision\":"})
  void nonCanonicalEncodingOfAnEntryIsNamed(String desc, String from, String to) throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    String e = entries.get(25);
    assertTrue(e.contains(from), e);
    String edited = e.replace(from, to);
    if (desc.equals("member order")) { // move "action" after "decision": same members, RFC 8785 order broken
      edited = edited.replace(",\"decision_id\":", ",\"action\":\"view_live\",\"decision_id\":");
    }
    entries.set(25, edited);
    write(dir, "entries.jsonl", entries);
    assertEntryNamed(dir, 25, "entry 25 (entries.jsonl line 26) is not canonical");
  }

  @Test
  void deletedEntryIsNamed() throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    entries.remove(33);
    write(dir, "entries.jsonl", entries);
    assertEntryNamed(dir, 33, "has seq 34, expected 33");
  }

  @Test
  void swappedEntriesAreNamed() throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    String a = entries.get(41);
    entries.set(41, entries.get(42));
    entries.set(42, a);
    write(dir, "entries.jsonl", entries);
    assertEntryNamed(dir, 41, "has seq 42, expected 41");
  }

  @Test
  void tailTruncatedAfterACheckpointNamesTheFirstCheckpointLeftUncovered() throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    write(dir, "entries.jsonl", entries.subList(0, 30)); // cut right after the checkpoint of size 30
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.CHECKPOINT, p.kind(), p.message());
    assertEquals(3, p.index()); // the checkpoint of size 40
    assertTrue(p.message().contains("entries 30..39 are missing (truncated)"), p.message());
  }

  @Test
  void insertedEntryWithRenumberedSuccessorsIsLocatedToItsCheckpointRange() throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    List<String> forged = new ArrayList<>(entries.subList(0, 47));
    forged.add(CanonicalJson.canonicalize(EntryCodec.asMap(47, Instant.parse("2026-11-28T21:14:00.250Z"),
        AuditLogTest.event(999))));
    for (int i = 47; i < entries.size() - 1; i++) { // renumber so every seq still matches its line
      forged.add(entries.get(i).replace("\"seq\":" + i + ",", "\"seq\":" + (i + 1) + ","));
    }
    write(dir, "entries.jsonl", forged);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.ENTRY_RANGE, p.kind(), p.message());
    assertEquals(40, p.index());
    assertEquals(50, p.endIndex());
  }

  @Test
  void insertedEntryWithoutRenumberingIsNamedWhereTheSequenceBreaks() throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    entries.add(12, CanonicalJson.canonicalize(EntryCodec.asMap(12, Instant.parse("2026-11-28T21:14:00.250Z"),
        AuditLogTest.event(999))));
    write(dir, "entries.jsonl", entries);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.ENTRY, p.kind(), p.message());
    assertEquals(13, p.index());
    assertTrue(p.message().contains("has seq 12, expected 13"), p.message());
  }

  @Test
  void entryAppendedAfterTheLastCheckpointIsNamedAsUnsigned() throws Exception {
    Path dir = copy();
    List<String> entries = lines(dir, "entries.jsonl");
    entries.add(CanonicalJson.canonicalize(EntryCodec.asMap(ENTRIES, Instant.parse("2026-11-28T21:14:00.250Z"),
        AuditLogTest.event(999))));
    write(dir, "entries.jsonl", entries);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.ENTRY, p.kind(), p.message());
    assertEquals(ENTRIES, p.index());
    assertTrue(p.message().contains("not covered by any checkpoint"), p.message());
  }

  @Test
  void forgedSignatureIsNamed() throws Exception {
    Path dir = copy();
    List<String> cps = lines(dir, "checkpoints.jsonl");
    ObjectNode record = (ObjectNode) JSON.readTree(cps.get(2));
    String note = record.get("note").textValue();
    int sigStart = note.lastIndexOf(' ') + 1;
    byte[] blob = Base64.getDecoder().decode(note.substring(sigStart).trim());
    blob[10] ^= 1; // one bit of the Ed25519 signature
    record.put("note", note.substring(0, sigStart) + Base64.getEncoder().encodeToString(blob) + "\n");
    cps.set(2, JSON.writeValueAsString(record));
    write(dir, "checkpoints.jsonl", cps);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.CHECKPOINT, p.kind(), p.message());
    assertEquals(2, p.index());
    assertTrue(p.message().contains("does not verify"), p.message());
  }

  @Test
  void checkpointSignedByAnotherKeyIsNamed() throws Exception {
    Path dir = copy();
    List<String> cps = lines(dir, "checkpoints.jsonl");
    ObjectNode record = (ObjectNode) JSON.readTree(cps.get(4));
    CheckpointNote.Parsed parsed = CheckpointNote.parse(record.get("note").textValue());
    SignedCheckpoint resigned = CheckpointNote.sign(SigningKey.generate(origin), origin, parsed.size(), parsed.root(),
        parsed.time());
    record.put("note", resigned.note());
    record.put("key_id", resigned.keyId());
    cps.set(4, JSON.writeValueAsString(record));
    write(dir, "checkpoints.jsonl", cps);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.CHECKPOINT, p.kind(), p.message());
    assertEquals(4, p.index());
    assertTrue(p.message().contains("not by the trusted key"), p.message());
  }

  @Test
  void forkAtTheSameSizeIsNamed() throws Exception {
    Path dir = copy();
    MerkleTree other = treeWithOneChangedEntry(dir, ENTRIES, 55);
    SignedCheckpoint fork = CheckpointNote.sign(logKey, origin, ENTRIES, other.root(ENTRIES),
        Instant.parse("2026-11-28T21:15:00Z"));
    List<String> cps = lines(dir, "checkpoints.jsonl");
    cps.add(record(fork, null));
    write(dir, "checkpoints.jsonl", cps);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.CHECKPOINT, p.kind(), p.message());
    assertEquals(6, p.index());
    assertTrue(p.message().contains("the log forked"), p.message());
  }

  @Test
  void forkThatDoesNotExtendThePreviousCheckpointIsNamed() throws Exception {
    Path dir = copy();
    MerkleTree other = treeWithOneChangedEntry(dir, ENTRIES + 10, 55);
    SignedCheckpoint fork = CheckpointNote.sign(logKey, origin, ENTRIES + 10, other.root(ENTRIES + 10),
        Instant.parse("2026-11-28T21:15:00Z"));
    List<String> cps = lines(dir, "checkpoints.jsonl");
    // The forger's own consistency proof is valid for ITS tree, not for the signed tree of size 60.
    cps.add(record(fork, other.consistencyProof(ENTRIES, ENTRIES + 10)));
    write(dir, "checkpoints.jsonl", cps);
    Verdict.Problem p = problem(dir);
    assertEquals(Verdict.Kind.CHECKPOINT, p.kind(), p.message());
    assertEquals(6, p.index());
    assertTrue(p.message().contains("is not consistent with checkpoint 5"), p.message());
  }

  /** A tree over the bundle's entries (extended with fillers up to {@code size}) in which entry {@code changed} differs. */
  static MerkleTree treeWithOneChangedEntry(Path dir, int size, int changed) throws IOException {
    List<String> entries = lines(dir, "entries.jsonl");
    MerkleTree tree = new MerkleTree();
    for (int i = 0; i < size; i++) {
      String e = i < entries.size() ? entries.get(i) : "{\"filler\":" + i + "}";
      if (i == changed) {
        e = e.replace("agent-", "agent-X");
      }
      tree.append(List.of(TreeHasher.hashLeaf(e.getBytes(StandardCharsets.UTF_8))));
    }
    return tree;
  }

  static String record(SignedCheckpoint cp, ConsistencyProof proof) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("size", cp.size());
    o.put("root", cp.root().hex());
    o.put("note", cp.note());
    if (proof != null) {
      ObjectNode c = o.putObject("consistency");
      c.put("from_size", proof.fromSize());
      proof.pathHex().forEach(c.putArray("path")::add);
    }
    return JSON.writeValueAsString(o);
  }
}
