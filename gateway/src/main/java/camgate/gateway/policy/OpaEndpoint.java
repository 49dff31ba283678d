package camgate.gateway.policy;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;

/**
 * Where an OPA server listens and the bearer token it admits: the gateway's own OPA refuses any
 * request without it; an external OPA ({@code opa.url}) is asked without one (empty token).
 *
 * @param url   OPA's base URL
 * @param token the token sent as {@code Authorization: Bearer}, empty for none; never logged
 */
public record OpaEndpoint(URI url, String token) {

  /** An OPA asked without a token. */
  public static OpaEndpoint unauthenticated(URI url) {
    return new OpaEndpoint(url, "");
  }

  public HttpRequest<Buffer> get(WebClient client, String pathAndQuery) {
    return authorized(client.getAbs(url.resolve(pathAndQuery).toString()));
  }

  public HttpRequest<Buffer> post(WebClient client, String pathAndQuery) {
    return authorized(client.postAbs(url.resolve(pathAndQuery).toString()));
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
