package camgate.gateway.policy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One blocking HTTP/1.1 request to OPA on its Unix socket ({@code unix:/path/opa.sock}) or its loopback port, for
 * the supervisor thread, which has no event loop: the JDK's HTTP clients cannot reach a Unix socket. Only the status
 * is read.
 */
final class OpaExchange {
  private OpaExchange() {}

  /** The socket file of a {@code unix:} OPA address, empty for an {@code http:} one. */
  static Optional<Path> socketOf(URI opa) {
    return "unix".equals(opa.getScheme()) ? Optional.of(Path.of(opa.getPath())) : Optional.empty();
  }

  /**
   * The HTTP status OPA answers to {@code method path}, with {@code authorization} (empty for none) and a JSON
   * {@code body} (empty for none).
   *
   * @throws IOException if OPA is not listening, closes without a status line, or does not answer within
   *     {@code timeout}
   */
  static int status(URI opa, String method, String path, String authorization, String body, Duration timeout)
      throws IOException {
    SocketAddress address = socketOf(opa).<SocketAddress>map(UnixDomainSocketAddress::of)
        .orElseGet(() -> new InetSocketAddress(opa.getHost(), opa.getPort()));
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    String head = method + " " + path + " HTTP/1.1\r\nHost: opa\r\nConnection: close\r\n"
        + (authorization.isEmpty() ? "" : "Authorization: " + authorization + "\r\n")
        + (content.length == 0 ? "" : "Content-Type: application/json\r\n")
        + "Content-Length: " + content.length + "\r\n\r\n";
    try (SocketChannel channel = SocketChannel.open(address); Selector selector = Selector.open()) {
      ByteBuffer request = ByteBuffer.allocate(head.length() + content.length)
          .put(head.getBytes(StandardCharsets.US_ASCII)).put(content).flip();
      while (request.hasRemaining()) {
        channel.write(request);
      }
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      long deadline = System.nanoTime() + timeout.toNanos();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(256);
      while (received.toString(StandardCharsets.US_ASCII).indexOf('\n') < 0) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 || selector.select(left) == 0) {
          throw new SocketTimeoutException("OPA at " + opa + " did not answer " + method + " " + path + " within "
              + timeout.toMillis() + " ms");
        }
        selector.selectedKeys().clear();
        int n = channel.read(buffer.clear());
        if (n < 0) {
          break;
        }
        received.write(buffer.array(), 0, n);
      }
      String[] statusLine = received.toString(StandardCharsets.US_ASCII).split("\r?\n", 2)[0].split(" ");
      if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/") || !statusLine[1].matches("\\d{3}")) {
        throw new IOException("OPA at " + opa + " answered " + method + " " + path + " without an HTTP status line");
      }
      return Integer.parseInt(statusLine[1]);
    }
  }
}
