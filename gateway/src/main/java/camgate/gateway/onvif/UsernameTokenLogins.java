package camgate.gateway.onvif;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks WS-Security UsernameTokens with PasswordDigest against the consumers' secrets (the same secrets RTSP
 * Digest uses): the digest must match, {@code Created} must lie within {@link #WINDOW} of the gateway's clock, and
 * each nonce of a user is accepted once while its token could still be accepted, so a captured request cannot be
 * replayed. PasswordText is refused: over plain HTTP it would carry the secret itself.
 */
final class UsernameTokenLogins {

  private static final Logger LOG = LoggerFactory.getLogger(UsernameTokenLogins.class);
  /** How far {@code Created} may be from the gateway's time (clients correct with GetSystemDateAndTime). */
  static final Duration WINDOW = Duration.ofMinutes(5);
  /** Accepted nonces kept at most; beyond it logins are refused until old ones expire, never forgotten early. */
  static final int MAX_NONCES = 100_000;

  private final Function<String, Optional<String>> secretOf;
  private final Clock clock;
  /** Accepted "user nonce" → when it may be forgotten (its Created plus the window), in acceptance order. */
  private final Map<String, Instant> seen = new LinkedHashMap<>();

  /** @param secretOf the secret of a username, empty if there is no such user or it cannot be read */
  UsernameTokenLogins(Function<String, Optional<String>> secretOf, Clock clock) {
    this.secretOf = secretOf;
    this.clock = clock;
  }

  /**
   * The username a token proves.
   *
   * @throws SoapFault {@code ter:NotAuthorized} saying what to fix, when the token is not accepted
   */
  synchronized String verify(UsernameToken token) {
    if (!UsernameToken.PASSWORD_DIGEST.equals(token.passwordType())) {
      throw SoapFault.notAuthorized("send the WS-Security UsernameToken with PasswordDigest (Type "
          + UsernameToken.PASSWORD_DIGEST + "); PasswordText is not accepted");
    }
    Instant now = clock.instant();
    Instant created;
    try {
      created = Instant.parse(token.created());
    } catch (DateTimeParseException e) {
      throw SoapFault.notAuthorized("UsernameToken Created '" + token.created() + "' is not an RFC 3339 UTC time");
    }
    if (Duration.between(created, now).abs().compareTo(WINDOW) > 0) {
      throw SoapFault.notAuthorized("UsernameToken Created " + created + " is more than " + WINDOW.toMinutes()
          + " min from the device's time " + now + "; call GetSystemDateAndTime and correct for the difference");
    }
    byte[] nonce;
    try {
      nonce = Base64.getDecoder().decode(token.nonce());
    } catch (IllegalArgumentException e) {
      throw SoapFault.notAuthorized("UsernameToken Nonce is not Base64");
    }
    if (nonce.length < 8 || nonce.length > 128) {
      throw SoapFault.notAuthorized("UsernameToken Nonce must be 8 to 128 bytes, was " + nonce.length);
    }
    Optional<String> secret = secretOf.apply(token.username());
    if (secret.isEmpty() || !digestMatches(token, nonce, secret.get())) {
      LOG.info("ONVIF login of '{}' refused: {}", token.username(), secret.isEmpty() ? "no such user" : "wrong digest");
      throw SoapFault.notAuthorized("the WS-Security UsernameToken was not accepted: check the username and password");
    }
    forgetExpired(now);
    String key = token.username() + " " + token.nonce();
    if (seen.containsKey(key)) {
      LOG.warn("ONVIF login of '{}' refused: nonce replayed", token.username());
      throw SoapFault.notAuthorized("this UsernameToken nonce was already used: send a fresh nonce with each request");
    }
    if (seen.size() >= MAX_NONCES) {
      throw SoapFault.notAuthorized("too many ONVIF logins in the last " + WINDOW.toMinutes() + " min; retry later");
    }
    seen.put(key, created.plus(WINDOW));
    return token.username();
  }

  /** How many accepted nonces are remembered now. */
  synchronized int remembered() {
    return seen.size();
  }

  private void forgetExpired(Instant now) {
    // A nonce is needed only while its Created is inside the window; after, the time check refuses the token.
    for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
      if (it.next().isBefore(now)) {
        it.remove();
      }
    }
  }

  private static boolean digestMatches(UsernameToken token, byte[] nonce, String secret) {
    byte[] sent;
    try {
      sent = Base64.getDecoder().decode(token.password());
    } catch (IllegalArgumentException e) {
      return false;
    }
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(nonce);
      sha1.update(token.created().getBytes(StandardCharsets.UTF_8));
      sha1.update(secret.getBytes(StandardCharsets.UTF_8));
      return MessageDigest.isEqual(sha1.digest(), sent);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }
}
