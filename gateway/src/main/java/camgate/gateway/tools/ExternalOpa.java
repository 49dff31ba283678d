package camgate.gateway.tools;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An OPA server run apart from any gateway (not supervised by one, no token), so that a test can kill it and
 * several gateway nodes of a local cluster can share it.
 */
public final class ExternalOpa implements AutoCloseable {

  private final Process process;
  private final URI url;

  private ExternalOpa(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  /** Runs {@code opa} as a server on a free loopback port over the project's policy folders under {@code root}. */
  public static ExternalOpa start(Path opa, Path root) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p = new ProcessBuilder(opa.toString(), "run", "--server", "--addr", "127.0.0.1:" + port,
        "--log-level", "error", root.resolve("policies/camgate").toString(),
        root.resolve("policies/data").toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    URI url = URI.create("http://127.0.0.1:" + port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        HttpURLConnection c = (HttpURLConnection) url.resolve("/health").toURL().openConnection();
        if (c.getResponseCode() == 200) {
          return new ExternalOpa(p, url);
        }
      } catch (IOException notYet) {
        // starting
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("OPA exited with " + p.exitValue() + " (policies broken?)");
      }
      Thread.sleep(100);
    }
    p.destroyForcibly();
    throw new IllegalStateException("OPA did not become healthy within 30 s");
  }

  public URI url() {
    return url;
  }

  /** Kills OPA at once (SIGKILL), as a crash would. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
