package camgate.gateway.rtsp;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigestAuthenticatorTest {

  private static final Function<String, Optional<String>> USERS =
      u -> u.equals("operator") ? Optional.of("s3cret pass") : Optional.empty();
  private static final String URI = "rtsp://gw:8554/cameras/cam-1?purpose=p";

  /** RFC 2617 §3.5: Mufasa / "Circle Of Life", qop=auth. */
  @Test
  void rfc2617KnownAnswer() {
    String ha1 = DigestAuthenticator.ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
    assertEquals("6629fae49393a05397450978507c4ef1", DigestAuthenticator.response(ha1,
        "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth", "GET", "/dir/index.html"));
  }

  /** RFC 7616 §3.9.1, the MD5 response. */
  @Test
  void rfc7616Md5KnownAnswer() {
    String ha1 = DigestAuthenticator.ha1("Mufasa", "http-auth@example.org", "Circle of Life");
    assertEquals("8ca523f5e9506fed4657c9700eebdbec", DigestAuthenticator.response(ha1,
        "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
        "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET", "/dir/index.html"));
  }

  private static final class StepClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static String answer(String challenge, String user, String secret, String method, String uri, boolean qop) {
    return answer(challenge, user, secret, method, uri, qop, "00000001");
  }

  private static String answer(String challenge, String user, String secret, String method, String uri, boolean qop,
                               String nc) {
    Map<String, String> c = DigestAuthenticator.parameters(challenge.substring(7));
    String ha1 = DigestAuthenticator.ha1(user, c.get("realm"), secret);
    String nonce = c.get("nonce");
    if (!qop) {
      return "Digest username=\"" + user + "\", realm=\"" + c.get("realm") + "\", nonce=\"" + nonce + "\", uri=\""
          + uri + "\", response=\"" + DigestAuthenticator.response(ha1, nonce, null, null, null, method, uri) + "\"";
    }
    return "Digest username=\"" + user + "\", realm=\"" + c.get("realm") + "\", nonce=\"" + nonce + "\", uri=\""
        + uri + "\", algorithm=MD5, qop=auth, nc=" + nc + ", cnonce=\"abc123\", response=\""
        + DigestAuthenticator.response(ha1, nonce, nc, "abc123", "auth", method, uri) + "\"";
  }

  @Test
  void roundTripWithAndWithoutQop() {
    StepClock clock = new StepClock();
    DigestAuthenticator d = new DigestAuthenticator("camgate", new byte[32], Duration.ofMinutes(5), clock, true);
    DigestAuthenticator.Outcome none = d.authenticate("DESCRIBE", URI, Optional.empty(), USERS);
    DigestAuthenticator.Challenged c = assertInstanceOf(DigestAuthenticator.Challenged.class, none);
    assertTrue(c.wwwAuthenticate().contains("qop=\"auth\"") && !c.wwwAuthenticate().contains("stale"),
        c.wwwAuthenticate());
    for (boolean qop : new boolean[] {true, false}) {
      String auth = answer(d.challenge(false), "operator", "s3cret pass", "DESCRIBE", URI, qop);
      assertEquals(new DigestAuthenticator.Authenticated("operator"),
          d.authenticate("DESCRIBE", URI, Optional.of(auth), USERS), "qop=" + qop);
    }
  }

  @Test
  void wrongSecretUnknownUserOtherUriAndForgedNonceAreChallenged() {
    StepClock clock = new StepClock();
    DigestAuthenticator d = new DigestAuthenticator("camgate", new byte[32], Duration.ofMinutes(5), clock, false);
    String challenge = d.challenge(false);
    assertTrue(!challenge.contains("qop"), challenge);
    assertChallenged(d, answer(challenge, "operator", "wrong", "DESCRIBE", URI, false), URI, "wrong secret");
    assertChallenged(d, answer(challenge, "nobody", "s3cret pass", "DESCRIBE", URI, false), URI, "unknown user");
    assertChallenged(d, answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI, false),
        "rtsp://gw:8554/cameras/cam-2?purpose=p", "does not name");
    String forged = answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI, false)
        .replaceAll("nonce=\"[^\"]*\"", "nonce=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"");
    assertChallenged(d, forged, URI, "wrong secret");
    // A right answer to another server's nonce (a client redirected by another node) gets a fresh nonce, stale=true:
    // it never admits, and the client answers the fresh one.
    DigestAuthenticator other = new DigestAuthenticator("camgate", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
        12, 13, 14, 15, 16}, Duration.ofMinutes(5), clock, false);
    assertChallenged(other, answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI, false), URI, "not issued");
    DigestAuthenticator.Challenged elsewhere = assertInstanceOf(DigestAuthenticator.Challenged.class,
        other.authenticate("DESCRIBE", URI, Optional.of(answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI,
            false)), USERS));
    assertTrue(elsewhere.wwwAuthenticate().contains("stale=true"), elsewhere.wwwAuthenticate());
    assertChallenged(other, answer(challenge, "operator", "wrong", "DESCRIBE", URI, false), URI, "wrong secret");
    assertChallenged(d, "Basic b3BlcmF0b3I6czNjcmV0", URI, "not Digest");
  }

  @Test
  void anExpiredNonceWithTheRightAnswerIsStale() {
    StepClock clock = new StepClock();
    DigestAuthenticator d = new DigestAuthenticator("camgate", new byte[32], Duration.ofMinutes(5), clock, true);
    String auth = answer(d.challenge(false), "operator", "s3cret pass", "SETUP", URI, true);
    clock.now = clock.now.plus(Duration.ofMinutes(6));
    DigestAuthenticator.Challenged c = assertInstanceOf(DigestAuthenticator.Challenged.class,
        d.authenticate("SETUP", URI, Optional.of(auth), USERS));
    assertTrue(c.wwwAuthenticate().endsWith("stale=true"), c.wwwAuthenticate());
    assertEquals("nonce expired", c.reason());
    String wrongAndOld = answer(d.challenge(false), "operator", "nope", "SETUP", URI, true);
    clock.now = clock.now.plus(Duration.ofMinutes(6));
    assertTrue(!((DigestAuthenticator.Challenged) d.authenticate("SETUP", URI, Optional.of(wrongAndOld), USERS))
        .wwwAuthenticate().contains("stale"), "stale only when the credentials were right");
  }

  private static void assertChallenged(DigestAuthenticator d, String auth, String uri, String why) {
    DigestAuthenticator.Outcome o = d.authenticate("DESCRIBE", uri, Optional.of(auth), USERS);
    DigestAuthenticator.Challenged c = assertInstanceOf(DigestAuthenticator.Challenged.class, o, why);
    assertTrue(c.reason().contains(why), c.reason() + " should say " + why);
  }

  @Test
  void aReplayedNonceCountIsRefusedAsStaleAndAHigherCountIsAccepted() {
    StepClock clock = new StepClock();
    DigestAuthenticator d = new DigestAuthenticator("camgate", new byte[32], Duration.ofMinutes(5), clock, true);
    String challenge = d.challenge(false);
    String first = answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI, true, "00000001");
    assertEquals(new DigestAuthenticator.Authenticated("operator"),
        d.authenticate("DESCRIBE", URI, Optional.of(first), USERS));
    DigestAuthenticator.Challenged replay = assertInstanceOf(DigestAuthenticator.Challenged.class,
        d.authenticate("DESCRIBE", URI, Optional.of(first), USERS), "the same (nonce, nc) a second time");
    assertTrue(replay.reason().contains("replay"), replay.reason());
    assertTrue(replay.wwwAuthenticate().endsWith("stale=true"), replay.wwwAuthenticate());
    assertEquals(new DigestAuthenticator.Authenticated("operator"), d.authenticate("DESCRIBE", URI,
        Optional.of(answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI, true, "00000003")), USERS),
        "the client's next count on the same nonce");
    assertInstanceOf(DigestAuthenticator.Challenged.class, d.authenticate("DESCRIBE", URI,
        Optional.of(answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI, true, "00000002")), USERS),
        "a count below the highest seen");
    assertChallenged(d, answer(challenge, "operator", "s3cret pass", "DESCRIBE", URI, true, "zz"), URI,
        "8 hexadecimal digits");
  }

  @Test
  void aNonceWithoutQopAdmitsOnceThenIsStale() {
    StepClock clock = new StepClock();
    DigestAuthenticator d = new DigestAuthenticator("camgate", new byte[32], Duration.ofMinutes(5), clock, false);
    String auth = answer(d.challenge(false), "operator", "s3cret pass", "DESCRIBE", URI, false);
    assertEquals(new DigestAuthenticator.Authenticated("operator"),
        d.authenticate("DESCRIBE", URI, Optional.of(auth), USERS));
    DigestAuthenticator.Challenged again = assertInstanceOf(DigestAuthenticator.Challenged.class,
        d.authenticate("DESCRIBE", URI, Optional.of(auth), USERS));
    assertTrue(again.wwwAuthenticate().endsWith("stale=true"), again.wwwAuthenticate());
    assertTrue(again.reason().contains("already used"), again.reason());
  }

  @Test
  void nonceCountsStayBoundedAndRefuseWhatTheyForgot() {
    NonceCounts counts = new NonceCounts(2);
    assertTrue(counts.accept("a", 1_000, 1, 0));
    assertTrue(counts.accept("b", 2_000, 1, 0));
    assertTrue(counts.accept("c", 3_000, 1, 0), "a third nonce: the one expiring first is forgotten");
    assertEquals(2, counts.size());
    assertTrue(!counts.accept("a", 1_000, 1, 0), "a forgotten nonce is refused, never taken as new");
    assertTrue(!counts.accept("d", 900, 1, 0), "so is an unseen nonce expiring before the forgotten one");
    assertTrue(!counts.accept("b", 2_000, 1, 0), "b is still remembered: its count 1 is a replay");
    assertTrue(counts.accept("b", 2_000, 2, 0));
    assertTrue(counts.accept("e", 9_000, 1, 2_500), "expired nonces are dropped first");
    assertEquals(2, counts.size());
  }
}
