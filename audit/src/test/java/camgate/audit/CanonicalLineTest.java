package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verifier's byte-level fast path may only accept what the full canonical check accepts (with the same seq and
 * type): otherwise it would let a non-canonical entry through. Rejecting too much only costs speed.
 */
class CanonicalLineTest {

  /** Canonical lines of varied content, as the log writes them. */
  static List<String> canonicalLines() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      lines.add(CanonicalJson.canonicalize(EntryCodec.asMap(i * 7919L, Instant.parse("2026-11-28T21:14:00.250Z"),
          AuditLogTest.event(i))));
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("note", "caf\u00e9 \u20ac \ud83d\ude00 tab\there \"quoted\" back\\slash \u0001 \u001f \u007f \u2028");
    details.put("frames", 12345);
    details.put("ratio", 0.25);
    details.put("big", 9007199254740992L);
    details.put("neg", -42);
    details.put("list", List.of(1, "two", List.of(), Map.of(), true, false));
    details.put("zero", 0);
    details.put("duration_s", 12.345);
    details.put("tiny", 1e-7);
    details.put("huge", -1e21);
    lines.add(CanonicalJson.canonicalize(EntryCodec.asMap(3, Instant.parse("2026-11-28T21:14:00Z"),
        new AuditEvent(BundleVerifier.KEY_ROTATION, Map.of("id", "admin"), "rotate", null, null, null, null, details))));
    lines.add("{}");
    lines.add("{\"seq\":\"7\"}");
    lines.add("{\"seq\":[7]}");
    lines.add("{\"a\":{\"seq\":5},\"seq\":-3}");
    lines.add("{\"\":null,\"seq\":123456789012345,\"type\":{\"type\":\"key_rotation\"}}");
    lines.add("{\"\u00e9\":1,\"seq\":1}");
    return lines;
  }

  @Test
  void logEntriesTakeTheFastPathWithTheFullChecksSeqAndType() {
    for (int i = 0; i < 20; i++) {
      String line = canonicalLines().get(i);
      assertAgrees(line.getBytes(StandardCharsets.UTF_8));
      assertTrue(read(line.getBytes(StandardCharsets.UTF_8)), line);
    }
  }

  @Test
  void numbersAsRfc8785SpellsThemTakeTheFastPath() {
    for (String n : List.of("0", "-7", "123456789012345", "0.5", "12.345", "-0.000001", "1e-7", "1e+21", "-1.5e+300",
        "333333333.3333333", "5e-324")) {
      byte[] line = ("{\"n\":" + n + ",\"seq\":1}").getBytes(StandardCharsets.UTF_8);
      assertTrue(assertAgrees(line), n);
    }
    for (String n : List.of("-0", "1.0", "1E+21", "1e21", "0.50", "1e-07", "01", "1.", ".5", "1e", "1e999",
        "0.1000000000000000055511151231257827")) {
      assertFalse(read(("{\"n\":" + n + ",\"seq\":1}").getBytes(StandardCharsets.UTF_8)), n);
    }
  }

  @Test
  void aSeqThatIsNotAnIntegerIsNotTakenForOne() {
    for (String text : List.of("{\"seq\":1e+21}", "{\"seq\":0.5}", "{\"seq\":\"3\"}", "{\"seq\":[3]}")) {
      byte[] line = text.getBytes(StandardCharsets.UTF_8);
      assertTrue(assertAgrees(line), text);
      CanonicalLine reader = new CanonicalLine();
      byte[] buf = (text + "\n").getBytes(StandardCharsets.UTF_8);
      assertTrue(reader.read(buf, 0, buf.length));
      assertEquals(-1, reader.seq(), text);
    }
  }

  @Test
  void everyCanonicalSampleAgreesWithTheFullCheck() {
    for (String line : canonicalLines()) {
      assertAgrees(line.getBytes(StandardCharsets.UTF_8));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"a\": 1,\"seq\":1}", "{\"seq\":1} ", " {\"seq\":1}", "{\"seq\":1}x", "{\"seq\":01}", "{\"seq\":-0}",
      "{\"seq\":1.0}", "{\"seq\":1e3}", "{\"seq\":1e+21,\"x\":01}", "{\"b\":1,\"a\":1,\"seq\":1}", "{\"a\":1,\"a\":1,\"seq\":1}",
      "{\"a\":\"\\/\",\"seq\":1}", "{\"a\":\"\\u0041\",\"seq\":1}", "{\"a\":\"\\u001F\",\"seq\":1}",
      "{\"a\":\"\\u000a\",\"seq\":1}", "{\"a\":\"\\u00e9\",\"seq\":1}", "{\"a\":TRUE,\"seq\":1}", "{\"seq\":1,}",
      "{\"a\":[1,],\"seq\":1}", "{\"seq\":1", "[1]", "", "{\"seq\":1234567890123456}"})
  void nonCanonicalOrUnusualTextIsLeftToTheFullCheck(String text) {
    assertFalse(read(text.getBytes(StandardCharsets.UTF_8)), text);
  }

  @Test
  void malformedUtf8IsLeftToTheFullCheck() {
    byte[][] bad = {
        {(byte) 0xc0, (byte) 0xaf}, // overlong '/'
        {(byte) 0xe0, (byte) 0x80, (byte) 0xaf}, // overlong
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a surrogate
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
        {(byte) 0x80}, // lone continuation byte
        {(byte) 0xc3}, // truncated sequence
        {0x0a}, // raw newline
        {0x09}, // raw tab
    };
    for (byte[] b : bad) {
      byte[] line = withString(b);
      assertFalse(read(line), java.util.HexFormat.of().formatHex(b));
      assertAgrees(line);
    }
  }

  @Test
  void aSpecialByteIsSeenWhereverItStandsInAString() {
    byte[][] refused = {{0x01}, {0x0a}, {0x1f}, {(byte) 0x80}, {(byte) 0xff}, {'\\', 'x'}, {'\\', '/'}};
    byte[][] accepted = {{(byte) 0xc3, (byte) 0xa9}, {'\\', 'n'}, {'\\', '"'}, {0x7f}, {'~'}};
    for (int at = 0; at < 20; at++) {
      byte[] before = "a".repeat(at).getBytes(StandardCharsets.US_ASCII);
      for (byte[] b : refused) {
        byte[] line = withString(concat(before, b));
        assertFalse(read(line), at + ": " + new String(line, StandardCharsets.ISO_8859_1));
      }
      for (byte[] b : accepted) {
        byte[] line = withString(concat(before, b));
        assertTrue(assertAgrees(line), at + ": " + new String(line, StandardCharsets.ISO_8859_1));
      }
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void randomEditsOfCanonicalLinesNeverPassTheFastPathAlone() {
    Random random = new Random(9162);
    byte[] interesting = "{}[]\":,\\ 0123456789-+.eEtrufalsn/\u00e9".getBytes(StandardCharsets.UTF_8);
    List<String> samples = canonicalLines();
    int accepted = 0;
    for (int n = 0; n < 40_000; n++) {
      byte[] line = samples.get(random.nextInt(samples.size())).getBytes(StandardCharsets.UTF_8);
      int edits = 1 + random.nextInt(2);
      for (int e = 0; e < edits && line.length > 0; e++) {
        int at = random.nextInt(line.length);
        byte b = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : interesting[random.nextInt(interesting.length)];
        line = switch (random.nextInt(3)) {
          case 0 -> replace(line, at, b);
          case 1 -> insert(line, at, b);
          default -> delete(line, at);
        };
      }
      if (assertAgrees(line)) {
        accepted++;
      }
    }
    assertTrue(accepted > 1000, "the probe should also produce edits that stay canonical, found " + accepted);
  }

  /** Asserts fast-path acceptance implies full-check acceptance with the same seq and type; returns the former. */
  static boolean assertAgrees(byte[] text) {
    byte[] buf = java.util.Arrays.copyOf(text, text.length + 1);
    buf[text.length] = '\n';
    CanonicalLine line = new CanonicalLine();
    if (!line.read(buf, 0, buf.length)) {
      return false;
    }
    assertEquals(text.length, line.end(), "the line ends at its newline");
    String shown = new String(text, StandardCharsets.UTF_8);
    CanonicalJson.CanonicalObject full;
    try {
      full = CanonicalJson.checkCanonical(text);
    } catch (IllegalArgumentException e) {
      throw new AssertionError("fast path accepted what the full check refuses (" + e.getMessage() + "): " + shown);
    }
    assertEquals(full.seq(), line.seq(), shown);
    assertEquals(BundleVerifier.KEY_ROTATION.equals(full.type()), line.keyRotation(), shown);
    return true;
  }

  static boolean read(byte[] text) {
    byte[] buf = java.util.Arrays.copyOf(text, text.length + 1);
    buf[text.length] = '\n';
    return new CanonicalLine().read(buf, 0, buf.length);
  }

  static byte[] withString(byte[] inside) {
    byte[] head = "{\"a\":\"x".getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "y\",\"seq\":1}".getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[head.length + inside.length + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(inside, 0, out, head.length, inside.length);
    System.arraycopy(tail, 0, out, head.length + inside.length, tail.length);
    return out;
  }

  static byte[] replace(byte[] a, int at, byte b) {
    byte[] out = a.clone();
    out[at] = b;
    return out;
  }

  static byte[] insert(byte[] a, int at, byte b) {
    byte[] out = new byte[a.length + 1];
    System.arraycopy(a, 0, out, 0, at);
    out[at] = b;
    System.arraycopy(a, at, out, at + 1, a.length - at);
    return out;
  }

  static byte[] delete(byte[] a, int at) {
    byte[] out = new byte[a.length - 1];
    System.arraycopy(a, 0, out, 0, at);
    System.arraycopy(a, at + 1, out, at, a.length - at - 1);
    return out;
  }
}
