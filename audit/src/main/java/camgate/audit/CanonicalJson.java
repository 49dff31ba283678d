package camgate.audit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): members sorted by UTF-16 code units, no whitespace,
 * minimal string escaping, numbers as ECMAScript {@code Number.prototype.toString} of an IEEE double.
 */
public final class CanonicalJson {
  /** 2^53: above it a double no longer holds every integer. */
  private static final double MAX_EXACT_INTEGER = 9007199254740992.0;

  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private CanonicalJson() {
  }

  /**
   * The canonical form of a Java value made of Map (String keys), List, String, Number, Boolean and null.
   *
   * @throws IllegalArgumentException for other types, non-finite numbers, integers beyond 2^53 (send those
   *     as strings), lone surrogates, or non-String map keys; the message names the offending path
   */
  public static String canonicalize(Object value) {
    StringBuilder out = new StringBuilder(256);
    writeValue(value, out, "$");
    return out.toString();
  }

  /**
   * Parses JSON text (duplicate member names and trailing data refused) and returns its canonical form.
   *
   * @throws IllegalArgumentException if the text is not one valid I-JSON value
   */
  public static String canonicalizeText(String json) {
    return canonicalize(parse(json));
  }

  /**
   * Parses one JSON value strictly (duplicate member names and trailing data refused).
   *
   * @throws IllegalArgumentException if the text is not valid JSON
   */
  public static JsonNode parse(String json) {
    try {
      JsonNode node = STRICT.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("expected a JSON value, found empty text");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr()), e);
    }
  }

  /** The canonical form of a parsed JSON tree. @throws IllegalArgumentException for non-finite numbers or lone surrogates */
  public static String canonicalize(JsonNode node) {
    StringBuilder out = new StringBuilder(512);
    writeNode(node, out);
    return out.toString();
  }

  /**
   * Parses UTF-8 JSON bytes strictly (the verifier's hot path: no intermediate String).
   *
   * @throws IllegalArgumentException if the bytes are not one valid JSON value
   */
  static JsonNode parse(byte[] utf8) {
    try {
      JsonNode node = STRICT.readTree(utf8);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("expected a JSON value, found empty text");
      }
      return node;
    } catch (IOException e) {
      String msg = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new IllegalArgumentException("invalid JSON: " + msg, e);
    }
  }

  /** What {@link #checkCanonical} learned about a top-level object: its {@code seq} (-1 if absent) and {@code type}. */
  record CanonicalObject(long seq, String type) {
  }

  private static final com.fasterxml.jackson.core.JsonFactory FACTORY = new com.fasterxml.jackson.core.JsonFactory();

  /**
   * Checks that {@code utf8} is exactly the RFC 8785 form of one JSON object, in one streaming pass: members
   * must already be in order (a canonical text never needs sorting), so no tree is built. The verifier's hot path.
   *
   * @throws IllegalArgumentException saying why the bytes are not canonical JSON
   */
  static CanonicalObject checkCanonical(byte[] utf8) {
    StringBuilder out = new StringBuilder(utf8.length + 16);
    long seq = -1;
    String type = null;
    try (com.fasterxml.jackson.core.JsonParser p = FACTORY.createParser(utf8)) {
      // Per open container: whether it is an object, whether its next item is its first, and the last member name.
      boolean[] isObject = new boolean[16];
      boolean[] first = new boolean[16];
      String[] lastKey = new String[16];
      int depth = 0;
      String pendingTop = null; // top-level member whose value we want (seq, type)
      com.fasterxml.jackson.core.JsonToken t = p.nextToken();
      if (t != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("expected a JSON object, found " + (t == null ? "nothing" : t.asString()));
      }
      do {
        switch (t) {
          case START_OBJECT, START_ARRAY -> {
            valuePrefix(out, isObject, first, depth);
            if (depth + 1 == isObject.length) {
              isObject = java.util.Arrays.copyOf(isObject, depth * 2);
              first = java.util.Arrays.copyOf(first, depth * 2);
              lastKey = java.util.Arrays.copyOf(lastKey, depth * 2);
            }
            depth++;
            isObject[depth] = t == com.fasterxml.jackson.core.JsonToken.START_OBJECT;
            first[depth] = true;
            lastKey[depth] = null;
            out.append(isObject[depth] ? '{' : '[');
          }
          case END_OBJECT, END_ARRAY -> {
            out.append(isObject[depth] ? '}' : ']');
            depth--;
          }
          case FIELD_NAME -> {
            String key = p.currentName();
            if (lastKey[depth] != null && key.compareTo(lastKey[depth]) <= 0) {
              throw new IllegalArgumentException(key.equals(lastKey[depth]) ? "duplicate member '" + key + "'"
                  : "member '" + key + "' comes after '" + lastKey[depth] + "': not in RFC 8785 order");
            }
            lastKey[depth] = key;
            if (!first[depth]) {
              out.append(',');
            }
            first[depth] = false;
            writeString(key, out, "a member name");
            out.append(':');
            pendingTop = depth == 1 ? key : null;
          }
          case VALUE_STRING -> {
            valuePrefix(out, isObject, first, depth);
            String v = p.getText();
            writeString(v, out, "a string");
            if (depth == 1 && "type".equals(pendingTop)) {
              type = v;
            }
          }
          case VALUE_NUMBER_INT -> {
            valuePrefix(out, isObject, first, depth);
            if (p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.BIG_INTEGER) {
              out.append(formatNumber(p.getBigIntegerValue().doubleValue(), "a number"));
            } else {
              long v = p.getLongValue();
              if (Math.abs((double) v) <= MAX_EXACT_INTEGER) {
                out.append(v);
              } else {
                out.append(formatNumber((double) v, "a number"));
              }
              if (depth == 1 && "seq".equals(pendingTop)) {
                seq = v;
              }
            }
          }
          case VALUE_NUMBER_FLOAT -> {
            valuePrefix(out, isObject, first, depth);
            out.append(formatNumber(p.getDoubleValue(), "a number"));
          }
          case VALUE_TRUE -> {
            valuePrefix(out, isObject, first, depth);
            out.append("true");
          }
          case VALUE_FALSE -> {
            valuePrefix(out, isObject, first, depth);
            out.append("false");
          }
          case VALUE_NULL -> {
            valuePrefix(out, isObject, first, depth);
            out.append("null");
          }
          default -> throw new IllegalArgumentException("unexpected JSON token " + t);
        }
        if (depth == 0) {
          break;
        }
        t = p.nextToken();
        if (t == null) {
          throw new IllegalArgumentException("the JSON text ends inside an object or array");
        }
      } while (true);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("trailing data after the JSON object");
      }
    } catch (IOException e) {
      String msg = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new IllegalArgumentException("invalid JSON: " + msg, e);
    }
    // Comparing bytes also catches invalid UTF-8 (it decodes to U+FFFD, which re-encodes differently).
    if (!java.util.Arrays.equals(out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), utf8)) {
      throw new IllegalArgumentException("not in RFC 8785 canonical UTF-8 form (whitespace, escaping or number"
          + " spelling differs): it was edited by hand or by another tool");
    }
    return new CanonicalObject(seq, type);
  }

  /** In an array, a comma before every item but the first (in an object the member name already placed it). */
  private static void valuePrefix(StringBuilder out, boolean[] isObject, boolean[] first, int depth) {
    if (depth > 0 && !isObject[depth]) {
      if (!first[depth]) {
        out.append(',');
      }
      first[depth] = false;
    }
  }

  /** A Jackson tree converted to plain Java values (Map, List, String, Long/Double, Boolean, null). */
  static Object toJava(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isObject()) {
      Map<String, Object> map = new java.util.LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toJava(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(toJava(n)));
      return list;
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    return node.doubleValue();
  }

  private static void writeValue(Object value, StringBuilder out, String path) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      writeString(s, out, path);
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      long v = ((Number) value).longValue();
      if (Math.abs((double) v) > MAX_EXACT_INTEGER) {
        throw new IllegalArgumentException("integer " + v + " at " + path + " is beyond 2^53 and would lose"
            + " precision in RFC 8785 JSON; send it as a string");
      }
      out.append(v);
    } else if (value instanceof BigInteger v) {
      if (v.abs().compareTo(BigInteger.TWO.pow(53)) > 0) {
        throw new IllegalArgumentException("integer " + v + " at " + path + " is beyond 2^53 and would lose"
            + " precision in RFC 8785 JSON; send it as a string");
      }
      out.append(v);
    } else if (value instanceof Number n) {
      out.append(formatNumber(n.doubleValue(), path));
    } else if (value instanceof Map<?, ?> map) {
      TreeMap<String, Object> sorted = new TreeMap<>(); // String.compareTo orders by UTF-16 code units, as RFC 8785 requires
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("JSON object keys must be strings, found " + e.getKey() + " at " + path);
        }
        sorted.put(key, e.getValue());
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        writeString(e.getKey(), out, path);
        out.append(':');
        writeValue(e.getValue(), out, path + "." + e.getKey());
      }
      out.append('}');
    } else if (value instanceof List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        writeValue(list.get(i), out, path + "[" + i + "]");
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("value at " + path + " is a " + value.getClass().getName()
          + "; expected String, Number, Boolean, null, List or Map (convert it before logging)");
    }
  }

  // No path argument: building "$.a.b" strings for every node costs more than the rest of canonicalization, and
  // the only failures here (non-finite numbers, lone surrogates) are reported per entry by the caller.
  private static void writeNode(JsonNode node, StringBuilder out) {
    if (node.isNull()) {
      out.append("null");
    } else if (node.isTextual()) {
      writeString(node.textValue(), out, "a string");
    } else if (node.isBoolean()) {
      out.append(node.booleanValue() ? "true" : "false");
    } else if (node.isNumber()) {
      if (node.isIntegralNumber() && node.canConvertToLong() && Math.abs((double) node.longValue()) <= MAX_EXACT_INTEGER) {
        out.append(node.longValue());
      } else {
        out.append(formatNumber(node.doubleValue(), "a number"));
      }
    } else if (node.isObject()) {
      int n = node.size();
      String[] keys = new String[n];
      Iterator<String> names = node.fieldNames();
      for (int i = 0; i < n; i++) {
        keys[i] = names.next();
      }
      java.util.Arrays.sort(keys); // String order = UTF-16 code unit order, as RFC 8785 requires
      out.append('{');
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          out.append(',');
        }
        writeString(keys[i], out, "a member name");
        out.append(':');
        writeNode(node.get(keys[i]), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        writeNode(node.get(i), out);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("unsupported JSON node " + node.getNodeType());
    }
  }

  private static void writeString(String s, StringBuilder out, String path) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
              throw new IllegalArgumentException("lone high surrogate U+" + Integer.toHexString(c).toUpperCase()
                  + " at " + path + ": not valid Unicode, cannot be canonical JSON");
            }
            out.append(c).append(s.charAt(++i));
          } else if (Character.isLowSurrogate(c)) {
            throw new IllegalArgumentException("lone low surrogate U+" + Integer.toHexString(c).toUpperCase()
                + " at " + path + ": not valid Unicode, cannot be canonical JSON");
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /**
   * ECMAScript Number.prototype.toString of {@code d} (RFC 8785 §3.2.2.3): the shortest decimal that reads
   * back as {@code d}, closest to it when several have that length.
   *
   * @throws IllegalArgumentException for NaN and infinities, which JSON cannot carry
   */
  static String formatNumber(double d, String path) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new IllegalArgumentException("number at " + path + " is " + d + ", which JSON cannot carry");
    }
    if (d == 0) {
      return "0"; // also -0
    }
    if (d == Math.rint(d) && Math.abs(d) < MAX_EXACT_INTEGER) {
      return Long.toString((long) d);
    }
    boolean negative = d < 0;
    double a = Math.abs(d);
    BigDecimal exact = new BigDecimal(a);
    BigDecimal shortest = null;
    for (int precision = 1; precision <= 17 && shortest == null; precision++) {
      BigDecimal nearest = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
      if (nearest.doubleValue() == a) {
        shortest = nearest;
        break;
      }
      // Near a power of two the rounding interval is lopsided: the nearest candidate may miss while the other side hits.
      BigDecimal down = exact.round(new MathContext(precision, RoundingMode.FLOOR));
      BigDecimal up = exact.round(new MathContext(precision, RoundingMode.CEILING));
      boolean downOk = down.doubleValue() == a;
      boolean upOk = up.doubleValue() == a;
      if (downOk && upOk) {
        shortest = exact.subtract(down).compareTo(up.subtract(exact)) <= 0 ? down : up;
      } else if (downOk) {
        shortest = down;
      } else if (upOk) {
        shortest = up;
      }
    }
    if (shortest == null) {
      throw new IllegalStateException("no 17-digit decimal reads back as " + d + "; this cannot happen for a double");
    }
    shortest = shortest.stripTrailingZeros();
    String digits = shortest.unscaledValue().toString();
    int k = digits.length();
    int n = k - shortest.scale(); // value = 0.digits × 10^n
    StringBuilder out = new StringBuilder(32);
    if (negative) {
      out.append('-');
    }
    if (k <= n && n <= 21) {
      out.append(digits);
      for (int i = 0; i < n - k; i++) {
        out.append('0');
      }
    } else if (0 < n && n <= 21) {
      out.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.");
      for (int i = 0; i < -n; i++) {
        out.append('0');
      }
      out.append(digits);
    } else {
      int e = n - 1;
      out.append(digits.charAt(0));
      if (k > 1) {
        out.append('.').append(digits, 1, k);
      }
      out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
    }
    return out.toString();
  }
}
