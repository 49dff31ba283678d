package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 8785 examples: number serialisation (Appendix B), string escaping and key ordering (§3.2.2, §3.2.3). */
class CanonicalJsonTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "0000000000000000|0",
      "8000000000000000|0",
      "0000000000000001|5e-324",
      "8000000000000001|-5e-324",
      "7fefffffffffffff|1.7976931348623157e+308",
      "ffefffffffffffff|-1.7976931348623157e+308",
      "4340000000000000|9007199254740992",
      "c340000000000000|-9007199254740992",
      "4430000000000000|295147905179352830000",
      "44b52d02c7e14af5|9.999999999999997e+22",
      "44b52d02c7e14af6|1e+23",
      "44b52d02c7e14af7|1.0000000000000001e+23",
      "444b1ae4d6e2ef4e|999999999999999700000",
      "444b1ae4d6e2ef4f|999999999999999900000",
      "444b1ae4d6e2ef50|1e+21",
      "3eb0c6f7a0b5ed8c|9.999999999999997e-7",
      "3eb0c6f7a0b5ed8d|0.000001",
      "41b3de4355555553|333333333.3333332",
      "41b3de4355555554|333333333.33333325",
      "41b3de4355555555|333333333.3333333",
      "41b3de4355555556|333333333.3333334",
      "41b3de4355555557|333333333.33333343",
      "becbf647612f3696|-0.0000033333333333333333",
      "43143ff3c1cb0959|1424953923781206.2"})
  void numbersFollowRfc8785AppendixB(String ieeeHex, String expected) {
    double d = Double.longBitsToDouble(Long.parseUnsignedLong(ieeeHex, 16));
    assertEquals(expected, CanonicalJson.formatNumber(d, "$"));
    assertEquals(expected, CanonicalJson.canonicalize(d));
  }

  @Test
  void nonFiniteNumbersAreRefused() {
    for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanonicalJson.canonicalize(d));
      assertTrue(e.getMessage().contains("JSON cannot carry"), e.getMessage());
    }
  }

  @Test
  void rfc8785Section322Example() {
    String input = "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
        + "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
        + "  \"literals\": [null, true, false]\n}";
    assertEquals("{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        + "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}", CanonicalJson.canonicalizeText(input));
  }

  @Test
  void keysSortByUtf16CodeUnitsRfc8785Section323() {
    String input = "{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\","
        + " \"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\","
        + " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}";
    assertEquals("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
        + "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
        + "\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
        CanonicalJson.canonicalizeText(input));
  }

  @Test
  void javaValuesCanonicalizeLikeTheirJsonText() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("b", List.of(1, 2.5, "x\u2028y", true));
    m.put("a", null);
    m.put("\u00e9", Map.of("z", 1L, "y", -0.0));
    assertEquals("{\"a\":null,\"b\":[1,2.5,\"x\u2028y\",true],\"\u00e9\":{\"y\":0,\"z\":1}}", CanonicalJson.canonicalize(m));
    assertEquals(CanonicalJson.canonicalize(m), CanonicalJson.canonicalizeText(CanonicalJson.canonicalize(m)));
  }

  @Test
  void badInputIsRefusedWithItsPath() {
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
        () -> CanonicalJson.canonicalize(Map.of("n", List.of(1L << 60))));
    assertTrue(big.getMessage().contains("$.n[0]") && big.getMessage().contains("send it as a string"), big.getMessage());
    IllegalArgumentException surrogate = assertThrows(IllegalArgumentException.class,
        () -> CanonicalJson.canonicalize(Map.of("s", "a\ud800b")));
    assertTrue(surrogate.getMessage().contains("lone high surrogate"), surrogate.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CanonicalJson.canonicalize(new Object()));
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> CanonicalJson.canonicalizeText("{\"a\":1,\"a\":2}"));
    assertTrue(dup.getMessage().contains("Duplicate"), dup.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CanonicalJson.canonicalizeText("{\"a\":1} x"));
  }
}
