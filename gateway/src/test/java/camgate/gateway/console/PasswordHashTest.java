package camgate.gateway.console;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswordHashTest {

  @Test
  void aHashMatchesItsPasswordOnly() {
    PasswordHash h = PasswordHash.of("correct horse".toCharArray());
    assertTrue(h.matches("correct horse".toCharArray()));
    assertFalse(h.matches("correct hors".toCharArray()));
    assertFalse(h.matches("".toCharArray()));
  }

  @Test
  void thePhcStringRoundTripsAndNamesArgon2id() {
    PasswordHash h = PasswordHash.of("s3cret".toCharArray());
    String phc = h.encoded();
    assertTrue(phc.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), phc);
    PasswordHash parsed = PasswordHash.parse(phc);
    assertEquals(h, parsed);
    assertTrue(parsed.matches("s3cret".toCharArray()));
  }

  @Test
  void twoHashesOfOnePasswordDifferBySalt() {
    assertNotEquals(PasswordHash.of("same".toCharArray()), PasswordHash.of("same".toCharArray()));
  }

  /** Known answer from the reference implementation (phc-winner-argon2: argon2 somesalt -id -t 2 -m 16 -p 1). */
  @Test
  void matchesTheReferenceImplementation() {
    PasswordHash reference = PasswordHash.parse(
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc");
    assertTrue(reference.matches("password".toCharArray()));
    assertFalse(reference.matches("Password".toCharArray()));
  }

  @Test
  void malformedHashesAreRefusedWithTheExpectedForm() {
    for (String bad : new String[] {null, "", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PasswordHash.parse(bad), bad);
      assertTrue(e.getMessage().contains("expected $argon2id$v=19$"), e.getMessage());
    }
  }
}
