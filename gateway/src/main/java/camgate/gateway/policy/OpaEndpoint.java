package camgate.gateway.policy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where an OPA server listens and the bearer token it admits: the gateway's own OPA refuses any
 * request without it; an external OPA ({@code opa.url}) is asked without one (empty token).
 *
 * @param url   OPA's base URL: {@code http://host:port}, or {@code unix:/path/opa.sock} for a Unix socket (the
 *              gateway's own OPA by default; Vert.x reaches it through the JDK's Unix sockets, no native transport)
 * @param token the token sent as {@code Authorization: Bearer}, empty for none; never logged
 */
public record OpaEndpoint(URI url, String token) {

  /** An OPA asked without a token. */
  public static OpaEndpoint unauthenticated(URI url) {
    return new OpaEndpoint(url, "");
  }

  public HttpRequest<Buffer> get(WebClient client, String pathAndQuery) {
    return request(client, HttpMethod.GET, pathAndQuery);
  }

  public HttpRequest<Buffer> post(WebClient client, String pathAndQuery) {
    return request(client, HttpMethod.POST, pathAndQuery);
  }

  private HttpRequest<Buffer> request(WebClient client, HttpMethod method, String pathAndQuery) {
    return authorized(OpaExchange.socketOf(url)
        .map(socket -> client.request(method, SocketAddress.domainSocketAddress(socket.toString()), "localhost",
            pathAndQuery))
        .orElseGet(() -> client.requestAbs(method, url.resolve(pathAndQuery).toString())));
  }

  /** The Unix socket OPA listens on, empty when it listens on a TCP port. */
  public Optional<Path> socket() {
    return OpaExchange.socketOf(url);
  }

  /** The {@code Authorization} header value, empty without a token. */
  public String authorization() {
    return token.isEmpty() ? "" : "Bearer " + token;
  }

  private HttpRequest<Buffer> authorized(HttpRequest<Buffer> request) {
    return token.isEmpty() ? request : request.putHeader("Authorization", authorization());
  }

  /** The URL only: the token must not reach a log. */
  @Override
  public String toString() {
    return url + (token.isEmpty() ? "" : " (token auth)");
  }
}
