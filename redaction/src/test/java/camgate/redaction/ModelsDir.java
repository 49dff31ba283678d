package camgate.redaction;

import java.nio.file.Path;

/** Where tests find the real models: $CAMGATE_MODELS, else .camgate/models under the project root. */
final class ModelsDir {
  private ModelsDir() {}

  static Path get() {
    String env = System.getenv("CAMGATE_MODELS");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("camgate.root", ".."), ".camgate", "models");
  }
}
