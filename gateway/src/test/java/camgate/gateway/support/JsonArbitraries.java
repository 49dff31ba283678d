package camgate.gateway.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * Random JSON for the parsers' property tests: any value Vert.x decodes a body into (null, booleans, whole numbers
 * of every size, decimals, text, arrays, objects), and objects whose keys are mostly the ones a parser knows, so
 * that tries reach past its first check.
 */
public final class JsonArbitraries {
  private JsonArbitraries() {}

  /** Text as a client may send it: empty, short ASCII, any Unicode, JSON-looking. */
  public static Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMaxLength(12),
        Arbitraries.strings().all().ofMaxLength(20),
        Arbitraries.of("", " ", "null", "{}", "https://", "camgate", "\u0000", "..", "system"));
  }

  /** A JSON scalar: null, boolean, int, long beyond int, decimal, text. */
  public static Arbitrary<Object> scalar() {
    return Arbitraries.oneOf(
        Arbitraries.just(null),
        Arbitraries.of(true, false),
        Arbitraries.integers().between(-3, 100).map(i -> (Object) i),
        Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.longs().greaterOrEqual(Integer.MAX_VALUE + 1L).map(l -> (Object) l),
        Arbitraries.doubles().between(-1e6, 1e6).map(d -> (Object) d),
        text().map(s -> (Object) s));
  }

  /** Any JSON value up to {@code depth} levels of nesting. */
  public static Arbitrary<Object> value(int depth) {
    if (depth <= 0) {
      return scalar();
    }
    Arbitrary<Object> inner = Arbitraries.lazy(() -> value(depth - 1));
    return Arbitraries.frequencyOf(
        Tuple.of(4, scalar()),
        Tuple.of(1, inner.list().ofMaxSize(3).map(l -> (Object) new JsonArray(l))),
        Tuple.of(1, object(text(), inner, 3).map(o -> (Object) o)));
  }

  /** Objects of up to {@code maxSize} members with keys from {@code keys} and values from {@code values}. */
  public static Arbitrary<JsonObject> object(Arbitrary<String> keys, Arbitrary<Object> values, int maxSize) {
    return Arbitraries.maps(keys, values).ofMaxSize(maxSize).map(JsonArbitraries::toObject);
  }

  /** Objects whose keys are mostly {@code known}, values any JSON. */
  public static Arbitrary<JsonObject> objectWithKeys(List<String> known, Arbitrary<Object> values, int maxSize) {
    Arbitrary<String> keys = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of(known)), Tuple.of(1, text()));
    return object(keys, values, maxSize);
  }

  private static JsonObject toObject(Map<String, Object> members) {
    JsonObject o = new JsonObject();
    members.forEach(o::put);
    return o;
  }
}
