package camgate.gateway.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The anti-forgery token of one session: the page reads it from {@code GET /console/api/me} and sends
 * it back in the {@code X-CSRF-Token} header of every state-changing request; a cross-site page cannot
 * read it, so it cannot forge such a request even though the browser would send the cookie.
 */
record CsrfToken(String value) {

  static final String HEADER = "X-CSRF-Token";
  private static final SecureRandom RANDOM = new SecureRandom();

  static CsrfToken random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return new CsrfToken(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
  }

  /** True when the presented token is this one; constant time. */
  boolean matches(String presented) {
    return presented != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
        presented.getBytes(StandardCharsets.US_ASCII));
  }
}
