package camgate.gateway.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project and the Debian-shipped sample media are. */
public final class TestPaths {

  public static final Path OPENCV_DATA = Path.of("/usr/share/doc/opencv-doc/examples/data");
  public static final Path VTEST = OPENCV_DATA.resolve("vtest.avi");
  public static final Path MESSI = OPENCV_DATA.resolve("messi5.jpg");
  public static final Path ASTRONAUT = Path.of("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");

  private TestPaths() {
  }

  /** The project root (Surefire passes it as camgate.root). */
  public static Path root() {
    String root = System.getProperty("camgate.root");
    Path p = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("policies"))) {
      throw new IllegalStateException("cannot find the project root (policies/ missing under " + p + ")");
    }
    return p;
  }

  public static Path opa() {
    return Path.of(System.getenv().getOrDefault("CAMGATE_OPA", root().resolve(".camgate/bin/opa").toString()));
  }

  public static Path models() {
    return Path.of(System.getenv().getOrDefault("CAMGATE_MODELS", root().resolve(".camgate/models").toString()));
  }
}
