package camgate.gateway.onvif;

import camgate.gateway.support.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WS-Security UsernameToken PasswordDigest: the digest, the time window and nonce replay. */
class UsernameTokenLoginsTest {

  private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
  private final MutableClock clock = new MutableClock(NOW);
  private final UsernameTokenLogins logins = new UsernameTokenLogins(
      u -> u.equals("vms-1") ? Optional.of("s3cret") : Optional.empty(), clock);

  /** A token as agsh/onvif makes it: Base64(SHA-1(nonce + created + password)). */
  static UsernameToken token(String user, String password, byte[] nonce, Instant created) throws Exception {
    String at = created.toString();
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    sha1.update(nonce);
    sha1.update(at.getBytes(StandardCharsets.US_ASCII));
    sha1.update(password.getBytes(StandardCharsets.US_ASCII));
    return new UsernameToken(user, Base64.getEncoder().encodeToString(sha1.digest()), UsernameToken.PASSWORD_DIGEST,
        Base64.getEncoder().encodeToString(nonce), at);
  }

  private static byte[] nonce(int seed) {
    byte[] n = new byte[16];
    n[0] = (byte) seed;
    n[15] = (byte) (seed >> 8);
    return n;
  }

  @Test
  void aDigestOfTheRightSecretWithinTheWindowLogsIn() throws Exception {
    assertEquals("vms-1", logins.verify(token("vms-1", "s3cret", nonce(1), NOW.minusSeconds(30))));
    assertEquals("vms-1", logins.verify(token("vms-1", "s3cret", nonce(2), NOW.plusSeconds(240))));
  }

  @Test
  void aWrongPasswordOrAnUnknownUserIsNotAuthorizedAlike() throws Exception {
    SoapFault wrong = assertThrows(SoapFault.class, () -> logins.verify(token("vms-1", "guess", nonce(1), NOW)));
    SoapFault unknown = assertThrows(SoapFault.class, () -> logins.verify(token("nobody", "s3cret", nonce(1), NOW)));
    assertEquals("ter:NotAuthorized", wrong.subcode());
    assertEquals(400, wrong.httpStatus());
    assertEquals(wrong.getMessage(), unknown.getMessage(), "the reply does not tell which users exist");
  }

  @Test
  void aTokenCreatedOutsideTheWindowIsRefusedSayingHowToFixIt() throws Exception {
    SoapFault old = assertThrows(SoapFault.class,
        () -> logins.verify(token("vms-1", "s3cret", nonce(1), NOW.minus(Duration.ofMinutes(6)))));
    assertTrue(old.getMessage().contains("GetSystemDateAndTime"), old.getMessage());
    assertThrows(SoapFault.class,
        () -> logins.verify(token("vms-1", "s3cret", nonce(2), NOW.plus(Duration.ofMinutes(6)))));
  }

  @Test
  void aReplayedNonceIsRefusedUntilItsTokenHasExpiredAnyway() throws Exception {
    UsernameToken t = token("vms-1", "s3cret", nonce(7), NOW);
    logins.verify(t);
    SoapFault replay = assertThrows(SoapFault.class, () -> logins.verify(t));
    assertTrue(replay.getMessage().contains("already used"), replay.getMessage());
    // Past the window the nonce is forgotten, and the token is refused by its age instead.
    clock.advance(Duration.ofMinutes(6));
    logins.verify(token("vms-1", "s3cret", nonce(8), clock.instant()));
    assertEquals(1, logins.remembered());
    SoapFault late = assertThrows(SoapFault.class, () -> logins.verify(t));
    assertTrue(late.getMessage().contains("min from the device's time"), late.getMessage());
  }

  @Test
  void passwordTextIsRefused() {
    UsernameToken text = new UsernameToken("vms-1", "s3cret", "http://docs.oasis-open.org/wss/2004/01/"
        + "oasis-200401-wss-username-token-profile-1.0#PasswordText", Base64.getEncoder().encodeToString(nonce(1)),
        NOW.toString());
    SoapFault f = assertThrows(SoapFault.class, () -> logins.verify(text));
    assertTrue(f.getMessage().contains("PasswordDigest"), f.getMessage());
  }
}
