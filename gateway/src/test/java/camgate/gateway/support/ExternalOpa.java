package camgate.gateway.support;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/** An OPA server the test owns (not supervised by the gateway), so that the test can kill it. */
public final class ExternalOpa implements AutoCloseable {

  private final Process process;
  private final URI url;

  private ExternalOpa(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  public static ExternalOpa start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p = new ProcessBuilder(TestPaths.opa().toString(), "run", "--server", "--addr", "127.0.0.1:" + port,
        "--log-level", "error", TestPaths.root().resolve("policies/camgate").toString(),
        TestPaths.root().resolve("policies/data").toString())
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
