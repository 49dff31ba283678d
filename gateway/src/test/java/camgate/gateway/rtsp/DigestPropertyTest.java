package camgate.gateway.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * RTSP Digest on any {@code Authorization} header: the parameter parser never throws and reads back what a client
 * writes; no header that is not the answer to this server's challenge for this user, secret, method and resource
 * authenticates, even when every user has a secret.
 */
class DigestPropertyTest {
  private static final String SECRET = "s3cret pass";
  /** Every user name has the same secret: only the answer itself can fail. */
  private static final Function<String, Optional<String>> ANYONE = u -> Optional.of(SECRET);
  private static final String URI = "rtsp://gw:8554/cameras/cam-1?purpose=p";
  private static final DigestAuthenticator DIGEST = new DigestAuthenticator("camgate", new byte[32],
      Duration.ofMinutes(5), Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), true);

  @Property(tries = 2000)
  void theParameterParserNeverThrowsAndNamesAreLowerCase(@ForAll String text) {
    DigestAuthenticator.parameters(text).keySet()
        .forEach(name -> assertEquals(name.toLowerCase(java.util.Locale.ROOT), name));
  }

  @Property(tries = 1000)
  void parametersAsAClientWritesThemReadBack(@ForAll("parameterMaps") Map<String, String> params) {
    String written = params.entrySet().stream()
        .map(e -> e.getKey() + "=" + (e.getValue().matches("[A-Za-z0-9._-]+") && e.getKey().length() % 2 == 0
            ? e.getValue() : "\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\""))
        .collect(Collectors.joining(", "));
    assertEquals(params, DigestAuthenticator.parameters(written), written);
  }

  @Property(tries = 3000)
  void noForgedHeaderAuthenticates(@ForAll("forgeries") String header) {
    DigestAuthenticator.Outcome outcome = DIGEST.authenticate("DESCRIBE", URI, Optional.of(header), ANYONE);
    assertInstanceOf(DigestAuthenticator.Challenged.class, outcome, header);
  }

  /**
   * The right answer for one request, presented for another method or resource, is refused. Each answer carries a
   * fresh nonce count, so that only the request it answers, not the replay protection, decides the outcome.
   */
  @Property(tries = 500)
  void anAnswerOnlyAuthenticatesTheRequestItAnswers(@ForAll("methods") String method, @ForAll("paths") String path) {
    String nonce = DigestAuthenticator.parameters(DIGEST.challenge(false).substring(7)).get("nonce");
    String answer = answer("operator", SECRET, nonce, "00000001", "DESCRIBE", URI);
    assertEquals(new DigestAuthenticator.Authenticated("operator"),
        DIGEST.authenticate("DESCRIBE", URI, Optional.of(answer), ANYONE), "the answer itself is right");
    String other = "rtsp://gw:8554" + path;
    boolean same = method.equals("DESCRIBE") && other.equals(URI);
    String next = answer("operator", SECRET, nonce, "00000002", "DESCRIBE", URI);
    DigestAuthenticator.Outcome outcome = DIGEST.authenticate(method, other, Optional.of(next), ANYONE);
    assertEquals(same, outcome instanceof DigestAuthenticator.Authenticated, method + " " + other);
  }

  private static String answer(String user, String secret, String method, String uri) {
    String nonce = DigestAuthenticator.parameters(DIGEST.challenge(false).substring(7)).get("nonce");
    return answer(user, secret, nonce, "00000001", method, uri);
  }

  private static String answer(String user, String secret, String nonce, String nc, String method, String uri) {
    String realm = DigestAuthenticator.parameters(DIGEST.challenge(false).substring(7)).get("realm");
    String ha1 = DigestAuthenticator.ha1(user, realm, secret);
    return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\""
        + uri + "\", qop=auth, nc=" + nc + ", cnonce=\"c0ffee\", response=\""
        + DigestAuthenticator.response(ha1, nonce, nc, "c0ffee", "auth", method, uri) + "\"";
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of("DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "describe");
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.oneOf(Arbitraries.of("/cameras/cam-1?purpose=p", "/cameras/cam-1?purpose=p&raw=1",
            "/cameras/cam-1/raw?purpose=p", "/cameras/cam-2?purpose=p", "/cameras/cam-1?purpose=q",
            "/cameras/cam-1", "/cameras/cam-1/?purpose=p"),
        Arbitraries.strings().withCharRange('a', 'z').withChars("/?=&-").ofMaxLength(20).map(s -> "/" + s));
  }

  @Provide
  Arbitrary<Map<String, String>> parameterMaps() {
    Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').withChars("-_").ofMinLength(1)
        .ofMaxLength(10);
    Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30),
        Arbitraries.strings().alpha().numeric().withChars("._-").ofMinLength(1).ofMaxLength(20))
        .map(String::strip);
    return Arbitraries.maps(names, values).ofMaxSize(8).map(LinkedHashMap::new);
  }

  /**
   * Headers an attacker could send: noise, Digest with random parameters, and this server's own challenge answered
   * with every field right but one (the response, the user behind it, the realm, the nonce, the uri, qop details).
   */
  @Provide
  Arbitrary<String> forgeries() {
    String right = answer("operator", SECRET, "DESCRIBE", URI);
    Map<String, String> fields = DigestAuthenticator.parameters(right.substring(7));
    Arbitrary<String> noise = Arbitraries.strings().ofMaxLength(200);
    Arbitrary<String> randomDigest = Arbitraries.maps(
        Arbitraries.of("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce", "algorithm", "opaque"),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40)).ofMaxSize(10)
        .map(m -> "Digest " + m.entrySet().stream().map(e -> e.getKey() + "=\"" + e.getValue().replace("\"", "")
            + "\"").collect(Collectors.joining(", ")));
    Arbitrary<String> oneFieldWrong = Arbitraries.of("username", "realm", "nonce", "uri", "response", "qop", "nc",
        "cnonce", "algorithm").flatMap(field -> Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40)
        .filter(v -> !v.equals(fields.get(field)) && !v.strip().equals(fields.get(field)))
        .map(v -> {
          Map<String, String> changed = new LinkedHashMap<>(fields);
          changed.put(field, v.replace("\"", "").replace("\\", ""));
          return "Digest " + changed.entrySet().stream().map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
              .collect(Collectors.joining(", "));
        }));
    return Arbitraries.oneOf(noise, randomDigest, oneFieldWrong);
  }

  @Property(tries = 200)
  void theChallengeParsesAsItsOwnParameters(@ForAll boolean stale) {
    Map<String, String> c = DigestAuthenticator.parameters(DIGEST.challenge(stale).substring(7));
    assertEquals("camgate", c.get("realm"));
    assertEquals("MD5", c.get("algorithm"));
    assertEquals("auth", c.get("qop"));
    assertEquals(stale, c.containsKey("stale"));
    assertFalse(c.get("nonce").isEmpty());
  }
}
