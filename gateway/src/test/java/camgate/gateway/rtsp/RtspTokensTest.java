package camgate.gateway.rtsp;

import camgate.gateway.Subject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RtspTokensTest {

  private static final Subject AGENT = new Subject("agent-042", List.of("operator"), "police-municipale",
      List.of("display"));
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private static RtspTokens tokens(Instant now) {
    return new RtspTokens(new byte[32], Duration.ofMinutes(2), Clock.fixed(now, ZoneOffset.UTC));
  }

  private static RtspTokens.Verdict check(RtspTokens t, String token, String camera, String purpose) {
    return t.verify(token, camera, RtspProfile.REDACTED, Optional.ofNullable(purpose), Optional.empty());
  }

  private static String invalid(RtspTokens.Verdict v) {
    return assertInstanceOf(RtspTokens.Invalid.class, v).reason();
  }

  @Test
  void aTokenAuthenticatesItsSubjectForItsViewAndPurposeUntilItExpires() {
    RtspTokens.Issued issued = tokens(T0).issue(AGENT, "cam-1", RtspProfile.REDACTED, "securite", null);
    assertEquals(T0.plus(Duration.ofMinutes(2)), issued.expiresAt());
    assertTrue(issued.token().matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+"), "URL-safe: " + issued.token());
    RtspTokens later = tokens(T0.plus(Duration.ofSeconds(119)));
    assertEquals(new RtspTokens.Valid(AGENT), check(later, issued.token(), "cam-1", "securite"));
    assertTrue(invalid(check(tokens(T0.plus(Duration.ofSeconds(120))), issued.token(), "cam-1", "securite"))
        .contains("expired"));
  }

  @Test
  void aTokenForAnotherCameraPurposeOrProfileIsRefused() {
    RtspTokens t = tokens(T0);
    String token = t.issue(AGENT, "cam-1", RtspProfile.REDACTED, "securite", null).token();
    assertTrue(invalid(check(t, token, "cam-2", "securite")).contains("camera cam-1"));
    assertTrue(invalid(check(t, token, "cam-1", "marketing")).contains("purpose"));
    assertTrue(invalid(check(t, token, "cam-1", null)).contains("purpose"));
    assertTrue(invalid(t.verify(token, "cam-1", RtspProfile.RAW, Optional.of("securite"), Optional.of("R-1")))
        .contains("RAW"));
  }

  @Test
  void aTamperedOrForeignTokenIsRefused() {
    RtspTokens t = tokens(T0);
    String token = t.issue(AGENT, "cam-1", RtspProfile.REDACTED, "securite", null).token();
    String claims = token.substring(0, token.indexOf('.'));
    String signature = token.substring(token.indexOf('.') + 1);
    // Claims rewritten to another camera, signature kept.
    String otherClaims = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(java.util.Base64.getUrlDecoder().decode(claims), java.nio.charset.StandardCharsets.UTF_8)
            .replace("cam-1", "cam-2").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertTrue(invalid(check(t, otherClaims + "." + signature, "cam-2", "securite")).contains("signature"));
    char last = signature.charAt(signature.length() - 2);
    String flipped = claims + "." + signature.substring(0, signature.length() - 2) + (last == 'A' ? 'B' : 'A')
        + signature.charAt(signature.length() - 1);
    assertTrue(invalid(check(t, flipped, "cam-1", "securite")).contains("signature"));
    RtspTokens otherKey = new RtspTokens(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
        19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}, Duration.ofMinutes(2), Clock.fixed(T0, ZoneOffset.UTC));
    assertTrue(invalid(check(otherKey, token, "cam-1", "securite")).contains("signature"));
    assertTrue(invalid(check(t, "no-dot-here", "cam-1", "securite")).contains("claims.signature"));
    assertTrue(invalid(check(t, "%%%.%%%", "cam-1", "securite")).contains("Base64url"));
  }

  @Test
  void theKeyIsMadeOwnerOnlyOnceAndALeakedKeyFileIsRefused(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("rtsp-token-key");
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    String token = RtspTokens.open(file, Duration.ofMinutes(2), clock)
        .issue(AGENT, "cam-1", RtspProfile.REDACTED, "securite", null).token();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(new RtspTokens.Valid(AGENT), check(RtspTokens.open(file, Duration.ofMinutes(2), clock), token,
        "cam-1", "securite"), "the same key after a restart");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    IOException e = assertThrows(IOException.class, () -> RtspTokens.open(file, Duration.ofMinutes(2), clock));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void aLifetimeBeyondFiveMinutesOrAShortKeyIsRefused() {
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    assertThrows(IllegalArgumentException.class, () -> new RtspTokens(new byte[32], Duration.ofMinutes(6), clock));
    assertThrows(IllegalArgumentException.class, () -> new RtspTokens(new byte[16], Duration.ofMinutes(2), clock));
  }
}
