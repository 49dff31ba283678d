package camgate.gateway.rtsp;

import camgate.gateway.OwnerOnlyFile;
import camgate.gateway.Subject;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The consumers that may log in over RTSP with Digest (a VMS cannot send an API key): each a username, a
 * secret and the subject the policy sees, the same subject as the consumer's API key. Digest needs the
 * secret itself, so it is read from an environment variable or a 0600 file when a client authenticates,
 * never kept in the configuration ({@code "secret"} inline is accepted for the demo only).
 */
public final class RtspUsers {

  private static final Logger LOG = LoggerFactory.getLogger(RtspUsers.class);

  /** One RTSP consumer; {@code secret} reads its secret (from the environment, a file, or inline). */
  public record User(String username, Subject subject, SecretSource secret) {
    public User {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(secret, "secret");
    }
  }

  /** Where a user's secret is read from. */
  public interface SecretSource {
    String read(Function<String, String> environment) throws IOException;

    /** From an environment variable of the gateway's process. */
    static SecretSource env(String variable) {
      return environment -> {
        String v = environment.apply(variable);
        if (v == null || v.isEmpty()) {
          throw new IOException("environment variable " + variable + " (an RTSP user's secret) is not set");
        }
        return v;
      };
    }

    /** From a file only the gateway's user may read. */
    static SecretSource file(Path path) {
      return environment -> OwnerOnlyFile.read(path, "RTSP secret file");
    }

    /** Written in the configuration (demo only). */
    static SecretSource inline(String secret) {
      return environment -> secret;
    }
  }

  private final Map<String, User> byName;
  private final Function<String, String> environment;

  public RtspUsers(Iterable<User> users, Function<String, String> environment) {
    Map<String, User> map = new LinkedHashMap<>();
    for (User u : users) {
      if (map.put(u.username(), u) != null) {
        throw new IllegalArgumentException("RTSP user '" + u.username() + "' appears twice");
      }
    }
    this.byName = Map.copyOf(map);
    this.environment = environment;
  }

  /** The secret of a username, empty if there is no such user or its secret cannot be read. */
  public Optional<String> secretOf(String username) {
    User u = byName.get(username);
    if (u == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(u.secret().read(environment));
    } catch (IOException e) {
      LOG.error("RTSP user {} cannot log in: {}", username,
          e.getMessage());
      return Optional.empty();
    }
  }

  /** The subject a username logs in as, empty if there is no such user. */
  public Optional<Subject> subjectOf(String username) {
    return Optional.ofNullable(byName.get(username)).map(User::subject);
  }

  public int size() {
    return byName.size();
  }
}
