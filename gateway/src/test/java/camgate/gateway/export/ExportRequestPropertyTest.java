package camgate.gateway.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.gateway.support.JsonArbitraries;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link ExportRequest#parse} on any body: it throws nothing but its documented {@link IllegalArgumentException},
 * what it accepts is well formed, and a request's policy context parses back to the same request.
 */
class ExportRequestPropertyTest {
  private static final int MAX_SECONDS = 60;
  private static final List<String> FIELDS =
      List.of("seconds", "destination", "purpose", "retention_days", "legal_hold", "requisition");

  @Property(tries = 2000)
  void arbitraryBytesAreRefusedWithTheParseError(@ForAll byte[] body) {
    assertThrows(IllegalArgumentException.class, () -> ExportRequest.parse(Buffer.buffer(body), MAX_SECONDS));
  }

  @Property(tries = 1000)
  void anyObjectIsRefusedWithTheParseErrorOrAcceptedWellFormed(@ForAll("exportLike") JsonObject json) {
    ExportRequest request;
    try {
      request = ExportRequest.parse(json.toBuffer(), MAX_SECONDS);
    } catch (IllegalArgumentException refused) {
      assertNotNull(refused.getMessage());
      Statistics.collect("refused");
      return;
    }
    Statistics.collect("accepted");
    assertTrue(FIELDS.containsAll(json.fieldNames()), "only known fields: " + json);
    long seconds = request.duration().getSeconds();
    assertTrue(seconds >= 1 && seconds <= MAX_SECONDS, "seconds in range: " + json);
    assertEquals(json.getValue("seconds"), (int) seconds);
    URI url = URI.create(request.destinationUrl());
    assertTrue(Set.of("http", "https").contains(url.getScheme()) && url.getHost() != null, "an http(s) URL: " + json);
    assertEquals(json.getJsonObject("destination").getString("url"), request.destinationUrl());
    for (String text : List.of("purpose", "legal_hold", "requisition")) {
      Object v = json.getValue(text);
      assertTrue(v == null || v instanceof String, text + " is text or absent: " + json);
    }
    assertEquals(json.getValue("retention_days") instanceof Integer d ? java.util.Optional.of(d)
        : java.util.Optional.empty(), request.retentionDays());
    assertTrue(FIELDS.containsAll(request.context().fieldNames()), "the policy sees the request's fields only");
  }

  /** The policy context holds the request as given, so it is itself a body that parses to the same request. */
  @Property(tries = 1000)
  void aRequestsContextParsesBackToTheSameRequest(@ForAll("valid") JsonObject json) {
    ExportRequest request = ExportRequest.parse(json.toBuffer(), MAX_SECONDS);
    assertEquals(request, ExportRequest.parse(request.context().toBuffer(), MAX_SECONDS));
  }

  /** Any one required field taken out of a valid request gets it refused. */
  @Property(tries = 500)
  void aRequestWithoutSecondsOrDestinationIsRefused(@ForAll("valid") JsonObject json,
                                                    @ForAll("required") String missing) {
    json.remove(missing);
    assertThrows(IllegalArgumentException.class, () -> ExportRequest.parse(json.toBuffer(), MAX_SECONDS));
  }

  @Provide
  Arbitrary<String> required() {
    return Arbitraries.of("seconds", "destination");
  }

  private static Arbitrary<String> urls() {
    return Arbitraries.oneOf(
        Arbitraries.of("https://evidence.example/upload", "http://10.0.0.5:8080/in", "ftp://x/y", "https://",
            "https:///path", "//host/p", "relative/path", "http://[::1]:80/", "http://exa mple/", "http://h/%zz",
            "javascript:alert(1)", "file:///etc/passwd", "HTTPS://UPPER.example/"),
        Arbitraries.strings().ofMaxLength(30).map(s -> "https://" + s),
        JsonArbitraries.text());
  }

  private static Arbitrary<Object> destination() {
    Arbitrary<JsonObject> shaped = Arbitraries.maps(Arbitraries.of("name", "url", "other"),
        Arbitraries.oneOf(urls().map(u -> (Object) u), JsonArbitraries.scalar())).ofMaxSize(3)
        .map(m -> {
          JsonObject o = new JsonObject();
          m.forEach(o::put);
          return o;
        });
    return Arbitraries.oneOf(shaped.map(o -> (Object) o), JsonArbitraries.value(1));
  }

  @Provide
  Arbitrary<JsonObject> exportLike() {
    Arbitrary<Object> seconds = Arbitraries.oneOf(Arbitraries.integers().between(-2, MAX_SECONDS + 2)
        .map(i -> (Object) i), JsonArbitraries.scalar());
    Arbitrary<Object> values = Arbitraries.oneOf(JsonArbitraries.value(2), seconds, destination());
    return Arbitraries.oneOf(
        JsonArbitraries.objectWithKeys(FIELDS, values, 7),
        valid().flatMap(v -> JsonArbitraries.objectWithKeys(FIELDS, values, 2).map(extra -> v.copy().mergeIn(extra))));
  }

  @Provide
  Arbitrary<JsonObject> valid() {
    Arbitrary<Integer> seconds = Arbitraries.integers().between(1, MAX_SECONDS);
    Arbitrary<String> url = Arbitraries.of("https://evidence.example/upload", "http://10.0.0.5:8080/in",
        "https://police.example/requisitions?case=42");
    Arbitrary<Map<String, Object>> optional = Arbitraries.maps(
        Arbitraries.of("purpose", "retention_days", "legal_hold", "requisition"),
        Arbitraries.oneOf(JsonArbitraries.text().map(s -> (Object) s),
            Arbitraries.integers().between(1, 30).map(i -> (Object) i))).ofMaxSize(4)
        .filter(m -> m.entrySet().stream().allMatch(e -> e.getKey().equals("retention_days")
            || e.getValue() instanceof String));
    return net.jqwik.api.Combinators.combine(seconds, url, optional).as((s, u, o) -> {
      JsonObject json = new JsonObject().put("seconds", s)
          .put("destination", new JsonObject().put("name", "evidence").put("url", u));
      o.forEach(json::put);
      return json;
    });
  }
}
