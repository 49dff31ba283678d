package camgate.gateway.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.audit.AuditEvent;
import camgate.audit.AuditLog;
import camgate.audit.AuditLogOptions;
import camgate.audit.BundleVerifier;
import camgate.audit.Verdict;
import camgate.gateway.support.TestPaths;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The console's bundle verifier (verify.js, run in a real headless Chromium) against the Java verifier that
 * {@code ./camgate audit verify} runs, on random corruptions of one real bundle (a rotated key, checkpoints every 10
 * entries): both must call every corruption invalid, and they must agree. An auditor who checks a bundle in the
 * browser gets the verdict the CLI would give; a page that said "valid" where the CLI says "invalid" is the forgery
 * the hardening issue found.
 */
class VerifyJsPropertyTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> FILES = List.of("entries.jsonl", "checkpoints.jsonl", "public-key.pem", "bundle.json");
  static Path fixture;
  static Map<String, byte[]> original;
  static String pinned;
  static Browser browser;

  @BeforeContainer
  static void exportBundleAndOpenVerifier() throws Exception {
    fixture = Files.createTempDirectory("verify-js-property");
    Path bundle = fixture.resolve("bundle");
    AuditLogOptions options = AuditLogOptions.defaults(fixture.resolve("db"))
        .withCheckpointInterval(Duration.ofHours(1));
    try (AuditLog log = AuditLog.open(options)) {
      pinned = log.keyFingerprint();
      for (int i = 0; i < 40; i++) {
        log.append(new AuditEvent("access_decision", Map.of("id", "agent-" + i, "roles", List.of("operator")),
            "view_live", Map.of("camera", "cam-" + (i % 7), "zone", "centre-ville"), Map.of("allow", i % 3 != 0),
            "policy-v1", "dec-" + i, Map.of("purpose", "securite-voie-publique")));
        if (i % 10 == 9) {
          log.checkpointNow();
        }
        if (i == 24) {
          log.rotateKey();  // the rotation rule is where the page once trusted too early
        }
      }
      log.export(0, log.size(), bundle);
    }
    original = new HashMap<>();
    for (String f : FILES) {
      original.put(f, Files.readAllBytes(bundle.resolve(f)));
    }
    // The page is verify.js alone, from a file: URL (a secure context, so WebCrypto is there), as the console loads it.
    Files.copy(TestPaths.root().resolve("gateway/src/main/resources/webroot/verify.js"), fixture.resolve("verify.js"));
    Files.writeString(fixture.resolve("verify.html"),
        "<!doctype html><meta charset=utf-8><script src=\"verify.js\"></script>");
    browser = Browser.start();
    browser.driver.get(fixture.resolve("verify.html").toUri().toString());
  }

  @AfterContainer
  static void close() throws IOException {
    if (browser != null) {
      browser.close();
    }
    try (Stream<Path> walk = Files.walk(fixture)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The page's verdict on the bundle with {@code replaced} files, pinned to the log's first key. */
  static Map<?, ?> pageVerdict(Map<String, byte[]> replaced) throws IOException {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(zip)) {
      for (String f : FILES) {
        out.putNextEntry(new ZipEntry(f));
        out.write(replaced.getOrDefault(f, original.get(f)));
        out.closeEntry();
      }
    }
    Object answer = browser.driver.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));"
            + "AuditVerify.verifyBundle(bytes.buffer, {expectedFingerprint: arguments[1]})"
            + "  .then(v => done(JSON.stringify({ok: v.ok, problem: v.problem})),"
            + "        e => done(JSON.stringify({ok: 'threw', problem: String(e)})));",
        Base64.getEncoder().encodeToString(zip.toByteArray()), pinned);
    return JSON.readValue((String) answer, Map.class);
  }

  /** The CLI's verdict on the same bundle, with the same pin. */
  static Verdict cliVerdict(Map<String, byte[]> replaced) throws IOException {
    Path dir = Files.createTempDirectory(fixture, "try");
    try {
      for (String f : FILES) {
        Files.write(dir.resolve(f), replaced.getOrDefault(f, original.get(f)));
      }
      return BundleVerifier.verify(dir, pinned);
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  static void assertBothRefuse(String file, byte[] edited, String what) throws IOException {
    Assume.that(!Arrays.equals(edited, original.get(file)));
    Map<?, ?> page = pageVerdict(Map.of(file, edited));
    Verdict cli = cliVerdict(Map.of(file, edited));
    assertFalse(cli.valid(), what + ": the CLI verified it: " + cli.summary());
    assertEquals(false, page.get("ok"), what + ": the page said " + page);
  }

  @Example
  void theGenuineBundleVerifiesInBoth() throws IOException {
    Map<?, ?> page = pageVerdict(Map.of());
    assertEquals(true, page.get("ok"), "the page refused the genuine bundle: " + page);
    assertTrue(cliVerdict(Map.of()).valid());
  }

  enum ByteEdit { FLIP_BIT, DELETE, INSERT }

  @Property(tries = 150)
  void anyByteEditOfEntriesIsRefusedByBoth(@ForAll ByteEdit edit, @ForAll @IntRange(min = 0) int where,
                                           @ForAll byte value) throws IOException {
    byte[] bytes = original.get("entries.jsonl");
    int at = where % bytes.length;
    byte[] edited;
    if (edit == ByteEdit.FLIP_BIT) {
      edited = bytes.clone();
      edited[at] ^= (byte) (1 << (value & 7));
    } else if (edit == ByteEdit.DELETE) {
      edited = concat(Arrays.copyOfRange(bytes, 0, at), Arrays.copyOfRange(bytes, at + 1, bytes.length));
    } else {
      edited = concat(Arrays.copyOfRange(bytes, 0, at), new byte[] {value},
          Arrays.copyOfRange(bytes, at, bytes.length));
    }
    assertBothRefuse("entries.jsonl", edited, edit + " at byte " + at + " (" + value + ")");
  }

  enum LineEdit { DELETE, DUPLICATE, SWAP_WITH_NEXT, MOVE_TO_END }

  /** A repeated checkpoint line is left out: the same signed statement twice says nothing new, in both verifiers. */
  @Property(tries = 100)
  void anyLineEditIsRefusedByBoth(@ForAll boolean entries, @ForAll LineEdit edit,
                                  @ForAll @IntRange(min = 0) int where) throws IOException {
    Assume.that(entries || edit != LineEdit.DUPLICATE);
    String file = entries ? "entries.jsonl" : "checkpoints.jsonl";
    List<String> lines = lines(file);
    int at = where % lines.size();
    Assume.that(edit != LineEdit.SWAP_WITH_NEXT || at + 1 < lines.size());
    Assume.that(edit != LineEdit.MOVE_TO_END || at + 1 < lines.size());
    if (edit == LineEdit.DELETE) {
      lines.remove(at);
    } else if (edit == LineEdit.DUPLICATE) {
      lines.add(at, lines.get(at));
    } else if (edit == LineEdit.SWAP_WITH_NEXT) {
      lines.add(at + 1, lines.remove(at));
    } else {
      lines.add(lines.remove(at));
    }
    assertBothRefuse(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
        edit + " of " + file + " line " + at);
  }

  /** Checkpoint record fields that the verifiers read. */
  enum Field { NOTE, SIZE, ROOT, TIME, KEY_ID }

  @Property(tries = 100)
  void anyValueChangeInACheckpointRecordIsRefusedByBoth(@ForAll Field field, @ForAll @IntRange(min = 0) int line,
                                                       @ForAll @IntRange(min = 0) int where,
                                                       @ForAll @IntRange(min = 33, max = 126) int ascii)
      throws IOException {
    List<String> lines = lines("checkpoints.jsonl");
    int at = line % lines.size();
    ObjectNode record = (ObjectNode) JSON.readTree(lines.get(at));
    if (field == Field.SIZE) {
      record.put("size", record.get("size").asLong() + 1 + where % 3);
    } else {
      String name = field.name().toLowerCase();
      String value = record.get(name).textValue();
      int i = where % value.length();
      Assume.that(value.charAt(i) != (char) ascii);
      record.set(name, new TextNode(value.substring(0, i) + (char) ascii + value.substring(i + 1)));
    }
    lines.set(at, JSON.writeValueAsString(record));
    assertBothRefuse("checkpoints.jsonl", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
        field + " of checkpoint " + at + " changed");
  }

  static List<String> lines(String file) {
    return new ArrayList<>(Arrays.asList(new String(original.get(file), StandardCharsets.UTF_8).split("\n")));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
