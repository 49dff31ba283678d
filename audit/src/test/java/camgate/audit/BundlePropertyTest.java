package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random corruption of a real, valid bundle (a rotated key, checkpoints every 10 entries) never verifies: any byte
 * of {@code entries.jsonl} edited, any line of either file deleted, moved or repeated, any value of a checkpoint
 * record changed. What may change without changing the bundle's meaning is left out and said so.
 */
class BundlePropertyTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> FILES = List.of("entries.jsonl", "checkpoints.jsonl", "public-key.pem", "bundle.json");
  static Path fixture;
  static Map<String, byte[]> original;

  @BeforeContainer
  static void exportRealBundle() throws Exception {
    fixture = Files.createTempDirectory("bundle-property");
    Path bundle = fixture.resolve("bundle");
    try (AuditLog log = AuditLog.open(AuditLogTest.options(fixture.resolve("db")))) {
      for (int i = 0; i < 40; i++) {
        log.append(AuditLogTest.event(i));
        if (i % 10 == 9) {
          log.checkpointNow();
        }
        if (i == 24) {
          log.rotateKey();
        }
      }
      log.export(0, log.size(), bundle);
    }
    original = new java.util.HashMap<>();
    for (String f : FILES) {
      original.put(f, Files.readAllBytes(bundle.resolve(f)));
    }
    assertTrue(verify(Map.of()).valid(), "the fixture itself must verify");
  }

  @AfterContainer
  static void removeFixture() throws IOException {
    deleteTree(fixture);
  }

  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Verifies a copy of the fixture with {@code replaced} files. */
  static Verdict verify(Map<String, byte[]> replaced) throws IOException {
    Path dir = Files.createTempDirectory(fixture, "try");
    try {
      for (String f : FILES) {
        Files.write(dir.resolve(f), replaced.getOrDefault(f, original.get(f)));
      }
      return BundleVerifier.verify(dir);
    } finally {
      deleteTree(dir);
    }
  }

  static void assertInvalid(String file, byte[] edited, String what) throws IOException {
    Assume.that(!Arrays.equals(edited, original.get(file)));
    Verdict v = verify(Map.of(file, edited));
    assertFalse(v.valid(), what + " verified: " + v.summary());
  }

  enum ByteEdit { FLIP_BIT, DELETE, INSERT, REPLACE }

  @Property(tries = 500)
  void anyByteEditOfEntriesNeverVerifies(@ForAll ByteEdit edit, @ForAll @IntRange(min = 0) int where,
                                        @ForAll byte value) throws IOException {
    byte[] bytes = original.get("entries.jsonl");
    int at = where % bytes.length;
    byte[] edited = switch (edit) {
      case FLIP_BIT -> {
        byte[] b = bytes.clone();
        b[at] ^= (byte) (1 << (value & 7));
        yield b;
      }
      case DELETE -> concat(Arrays.copyOfRange(bytes, 0, at), Arrays.copyOfRange(bytes, at + 1, bytes.length));
      case INSERT -> concat(Arrays.copyOfRange(bytes, 0, at), new byte[] {value}, Arrays.copyOfRange(bytes, at,
          bytes.length));
      case REPLACE -> {
        byte[] b = bytes.clone();
        b[at] = value;
        yield b;
      }
    };
    assertInvalid("entries.jsonl", edited, edit + " at byte " + at + " (" + value + ")");
  }

  enum LineEdit { DELETE, DUPLICATE, SWAP_WITH_NEXT, MOVE_TO_END }

  /**
   * A repeated checkpoint line is left out: the same signed statement twice says nothing new (the verifier
   * checks the second against the first: same size, same root).
   */
  @Property(tries = 300)
  void anyLineEditNeverVerifies(@ForAll boolean entries, @ForAll LineEdit edit, @ForAll @IntRange(min = 0) int where)
      throws IOException {
    Assume.that(entries || edit != LineEdit.DUPLICATE);
    String file = entries ? "entries.jsonl" : "checkpoints.jsonl";
    List<String> lines = lines(file);
    int at = where % lines.size();
    switch (edit) {
      case DELETE -> lines.remove(at);
      case DUPLICATE -> lines.add(at, lines.get(at));
      case SWAP_WITH_NEXT -> lines.add(Math.min(at + 1, lines.size() - 1), lines.remove(at));
      case MOVE_TO_END -> lines.add(lines.remove(at));
    }
    assertInvalid(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8), edit + " of line " + at);
  }

  /** Checkpoint record fields, each a path into the record. */
  enum Field { NOTE, SIZE, ROOT, TIME, KEY_ID, FROM_SIZE, PATH_HASH }

  @Property(tries = 500)
  void anyValueChangeInACheckpointRecordNeverVerifies(@ForAll Field field, @ForAll @IntRange(min = 0) int line,
                                                      @ForAll @IntRange(min = 0) int where,
                                                      @ForAll @IntRange(min = 33, max = 126) int ascii)
      throws IOException {
    List<String> lines = lines("checkpoints.jsonl");
    int at = line % lines.size();
    ObjectNode record = (ObjectNode) JSON.readTree(lines.get(at));
    JsonNode consistency = record.get("consistency");
    switch (field) {
      case NOTE, ROOT, TIME, KEY_ID -> {
        String name = field.name().toLowerCase();
        record.set(name, new TextNode(replaceChar(record.get(name).textValue(), where, (char) ascii)));
      }
      case SIZE -> record.put("size", record.get("size").asLong() + 1 + where % 3);
      case FROM_SIZE -> {
        Assume.that(consistency != null);
        ((ObjectNode) consistency).put("from_size", consistency.get("from_size").asLong() - 1 - where % 3);
      }
      case PATH_HASH -> {
        Assume.that(consistency != null && !consistency.get("path").isEmpty());
        ArrayNode path = (ArrayNode) consistency.get("path");
        int k = where % path.size();
        path.set(k, new TextNode(replaceChar(path.get(k).textValue(), where / path.size(), (char) ascii)));
      }
    }
    lines.set(at, JSON.writeValueAsString(record));
    assertInvalid("checkpoints.jsonl", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
        field + " of checkpoint " + at + " changed: " + lines.get(at));
  }

  static final String BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  /** Aimed at the base64 of the signatures, where a random change rarely lands on the last characters. */
  @Property(tries = 300)
  void anyBase64CharacterOfASignatureChangedNeverVerifies(@ForAll @IntRange(min = 0) int line,
                                                          @ForAll @IntRange(min = 0, max = 7) int fromEnd,
                                                          @ForAll @IntRange(min = 0, max = 63) int digit)
      throws IOException {
    List<String> lines = lines("checkpoints.jsonl");
    int at = line % lines.size();
    ObjectNode record = (ObjectNode) JSON.readTree(lines.get(at));
    String note = record.get("note").textValue();
    int sigEnd = note.length() - 1; // the note ends with the newline after the signature line
    int pos = sigEnd - 1 - fromEnd;
    while (note.charAt(pos) == '=') {
      pos--;
    }
    record.put("note", note.substring(0, pos) + BASE64.charAt(digit) + note.substring(pos + 1));
    lines.set(at, JSON.writeValueAsString(record));
    assertInvalid("checkpoints.jsonl", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
        "signature character " + pos + " of checkpoint " + at + " set to " + BASE64.charAt(digit));
  }

  /** Aimed at hex spelling: the same bytes in uppercase are an edit too. */
  @Property(tries = 100)
  void anyHexDigitUppercasedNeverVerifies(@ForAll boolean root, @ForAll @IntRange(min = 0) int line,
                                          @ForAll @IntRange(min = 0) int where) throws IOException {
    List<String> lines = lines("checkpoints.jsonl");
    int at = line % lines.size();
    ObjectNode record = (ObjectNode) JSON.readTree(lines.get(at));
    JsonNode consistency = record.get("consistency");
    Assume.that(root || (consistency != null && !consistency.get("path").isEmpty()));
    String hex = root ? record.get("root").textValue() : consistency.get("path").get(0).textValue();
    int pos = where % hex.length();
    Assume.that(Character.isLetter(hex.charAt(pos)));
    String upper = hex.substring(0, pos) + Character.toUpperCase(hex.charAt(pos)) + hex.substring(pos + 1);
    if (root) {
      record.put("root", upper);
    } else {
      ((ArrayNode) consistency.get("path")).set(0, new TextNode(upper));
    }
    lines.set(at, JSON.writeValueAsString(record));
    assertInvalid("checkpoints.jsonl", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
        "hex digit " + pos + " uppercased in checkpoint " + at);
  }

  static String replaceChar(String s, int where, char c) {
    int at = where % s.length();
    return s.substring(0, at) + c + s.substring(at + 1);
  }

  static List<String> lines(String file) {
    String text = new String(original.get(file), StandardCharsets.UTF_8);
    return new ArrayList<>(Arrays.asList(text.substring(0, text.length() - 1).split("\n", -1)));
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
