package camgate.gateway;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where a camera's login ({@code user:password}) comes from, kept out of everything that is shown or
 * sent anywhere: statuses, errors, logs, the policy engine and the audit log see the camera's id and
 * address only. Only the ingest worker asks for the secret, when it opens the stream.
 *
 * <p>Configured per camera as {@code "credentials": {"env": "CAM17_LOGIN"}} (an environment variable)
 * or {@code {"file": "/etc/camgate/cam17.login"}} (a file readable by the gateway's user only). A login
 * written into the URL ({@code rtsp://user:pass@host/...}) is still accepted, moved here, and warned about.
 */
public sealed interface CameraCredentials {

  /**
   * The login as {@code user:password}, URL-encoded as the URL's userinfo needs, or null for none.
   *
   * @throws IOException if the variable is unset or the file is missing, unreadable or readable by others
   */
  String userinfo(Function<String, String> environment) throws IOException;

  /** No login. */
  record None() implements CameraCredentials {
    @Override
    public String userinfo(Function<String, String> environment) {
      return null;
    }
  }

  /** From an environment variable of the gateway's process. */
  record Env(String variable) implements CameraCredentials {
    public Env {
      Objects.requireNonNull(variable, "variable");
    }

    @Override
    public String userinfo(Function<String, String> environment) throws IOException {
      String v = environment.apply(variable);
      if (v == null || v.isBlank()) {
        throw new IOException("environment variable " + variable + " (the camera's login) is not set; set it to "
            + "user:password in the gateway's environment");
      }
      return v.strip();
    }
  }

  /** From a file only the gateway's user may read (mode 0600 or 0400). */
  record File(Path path) implements CameraCredentials {
    public File {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public String userinfo(Function<String, String> environment) throws IOException {
      return OwnerOnlyFile.read(path, "camera login file");
    }
  }

  /** Written in the configured URL (discouraged: the configuration file then holds a secret). */
  record InUrl(String userinfo) implements CameraCredentials {
    @Override
    public String userinfo(Function<String, String> environment) {
      return userinfo;
    }

    @Override
    public String toString() {
      return "InUrl[redacted]";
    }
  }

  /** The credentials section of a camera entry (null: none). */
  static CameraCredentials fromJson(Map<String, Object> json, Path base) {
    if (json == null) {
      return new None();
    }
    if (json.get("env") instanceof String env && json.size() == 1) {
      return new Env(env);
    }
    if (json.get("file") instanceof String file && json.size() == 1) {
      Path p = Path.of(file);
      return new File(p.isAbsolute() ? p : base.resolve(p).normalize());
    }
    throw new IllegalArgumentException("camera credentials must be {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}, "
        + "found keys " + json.keySet());
  }
}
