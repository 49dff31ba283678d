package camgate.gateway.console;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A person's password as an Argon2id hash in the PHC string form
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (unpadded base64), the form the "people"
 * section of the configuration stores.
 *
 * <p>Value-based: two hashes are equal when their PHC strings are. Hashing and checking are
 * BLOCKING (tens of milliseconds and {@code m} KiB of memory by design): call them from a worker.
 */
public final class PasswordHash {

  /** OWASP's 2023 minimum for Argon2id: 19 MiB, 2 passes, 1 lane. */
  static final int MEMORY_KIB = 19_456;
  static final int ITERATIONS = 2;
  static final int PARALLELISM = 1;
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private final int memoryKib;
  private final int iterations;
  private final int parallelism;
  private final byte[] salt;
  private final byte[] hash;

  private PasswordHash(int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) {
    this.memoryKib = memoryKib;
    this.iterations = iterations;
    this.parallelism = parallelism;
    this.salt = salt.clone();
    this.hash = hash.clone();
  }

  /** Hashes a new password with a fresh random salt. BLOCKING. */
  public static PasswordHash of(char[] password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    return new PasswordHash(MEMORY_KIB, ITERATIONS, PARALLELISM, salt,
        derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES));
  }

  /**
   * Parses a PHC string.
   *
   * @throws IllegalArgumentException if it is not an Argon2id PHC string of version 19 with sane parameters
   */
  public static PasswordHash parse(String phc) {
    String hint = "; expected $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt b64>$<hash b64>, as printed by"
        + " 'java -cp <gateway classpath> camgate.gateway.console.PasswordHash'";
    if (phc == null) {
      throw new IllegalArgumentException("password hash missing" + hint);
    }
    String[] parts = phc.split("\\$");
    if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
      throw new IllegalArgumentException("password hash '" + abbreviate(phc) + "' is not an Argon2id v19 PHC string"
          + hint);
    }
    int m = -1;
    int t = -1;
    int p = -1;
    for (String kv : parts[3].split(",")) {
      String[] pair = kv.split("=", 2);
      int value;
      try {
        value = pair.length == 2 ? Integer.parseInt(pair[1]) : -1;
      } catch (NumberFormatException e) {
        value = -1;
      }
      switch (pair[0]) {
        case "m" -> m = value;
        case "t" -> t = value;
        case "p" -> p = value;
        default -> throw new IllegalArgumentException("password hash has unknown parameter '" + pair[0] + "'" + hint);
      }
    }
    if (m < 8 * Math.max(p, 1) || t < 1 || p < 1 || m > 4_194_304) {
      throw new IllegalArgumentException("password hash parameters m=" + m + ",t=" + t + ",p=" + p
          + " are out of range (m >= 8p KiB and <= 4 GiB, t >= 1, p >= 1)" + hint);
    }
    byte[] salt;
    byte[] hash;
    try {
      salt = B64D.decode(parts[4]);
      hash = B64D.decode(parts[5]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("password hash salt or hash is not base64: " + e.getMessage() + hint);
    }
    if (salt.length < 8 || hash.length < 16) {
      throw new IllegalArgumentException("password hash has a " + salt.length + "-byte salt and a " + hash.length
          + "-byte hash; at least 8 and 16 are needed" + hint);
    }
    return new PasswordHash(m, t, p, salt, hash);
  }

  /** True when the password hashes to this value; compares in constant time. BLOCKING. */
  public boolean matches(char[] password) {
    return MessageDigest.isEqual(hash, derive(password, salt, memoryKib, iterations, parallelism, hash.length));
  }

  /** The PHC string. */
  public String encoded() {
    return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$" + B64.encodeToString(salt)
        + "$" + B64.encodeToString(hash);
  }

  private static byte[] derive(char[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(memoryKib).withIterations(iterations)
        .withParallelism(parallelism).withSalt(salt).build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(params);
    byte[] out = new byte[length];
    byte[] utf8 = new String(password).getBytes(StandardCharsets.UTF_8);
    try {
      generator.generateBytes(utf8, out);
    } finally {
      Arrays.fill(utf8, (byte) 0);
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 24 ? s : s.substring(0, 24) + "…";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PasswordHash other && other.encoded().equals(encoded());
  }

  @Override
  public int hashCode() {
    return encoded().hashCode();
  }

  @Override
  public String toString() {
    return "PasswordHash[argon2id m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "]";
  }

  /** Reads a password from the first line of standard input and prints its hash for the "people" configuration. */
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line = in.readLine();
    if (line == null || line.isEmpty()) {
      System.err.println("give the password on standard input, e.g.: printf %s 'secret' | java ... PasswordHash");
      System.exit(2);
    }
    System.out.println(of(line.toCharArray()).encoded());
  }
}
