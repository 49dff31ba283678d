package camgate.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The API keys machines present, stored only as SHA-256 hashes, each mapped to its subject.
 *
 * <p>API keys are long random secrets, so a plain SHA-256 (not a slow password hash) is enough to
 * keep them from being read back out of the configuration.
 */
public final class ApiKeys {

  private final Map<String, Subject> subjectsByHash;

  ApiKeys(Map<String, Subject> subjectsByHash) {
    this.subjectsByHash = Map.copyOf(subjectsByHash);
  }

  /** The subject whose key hashes to the same value, compared in constant time. */
  public Optional<Subject> authenticate(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return Optional.empty();
    }
    byte[] presented = HexFormat.of().parseHex(hash(presentedKey));
    Subject found = null;
    for (Map.Entry<String, Subject> e : subjectsByHash.entrySet()) {
      // Visit every entry so that timing does not reveal which key prefix matched.
      if (MessageDigest.isEqual(presented, HexFormat.of().parseHex(e.getKey()))) {
        found = e.getValue();
      }
    }
    return Optional.ofNullable(found);
  }

  /** Hex SHA-256 of a key, the form the configuration stores. */
  public static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }

  int size() {
    return subjectsByHash.size();
  }
}
