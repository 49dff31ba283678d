package camgate.gateway.export;

import camgate.gateway.camera.EncodedFrame;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends a stored clip to the destination the policy allowed, by HTTPS POST of the file (the policy
 * admits only https:// destinations), verifying the server's certificate and host name. Redirects are
 * not followed: the policy decided on this URL, and a redirect could lead anywhere, a government
 * database included.
 */
public final class ClipDelivery implements AutoCloseable {

  /** What the destination answered. */
  public record Outcome(boolean delivered, int status, String detail) {
  }

  private final Vertx vertx;
  private final WebClient client;
  private final Duration timeout;

  /**
   * @param trustedCertificates PEM CA certificates of the destinations' TLS servers (a city's internal CA);
   *                            empty: the JVM's default trust store
   */
  public ClipDelivery(Vertx vertx, Duration timeout, Optional<Path> trustedCertificates) {
    this.vertx = vertx;
    this.timeout = timeout;
    WebClientOptions options = new WebClientOptions().setFollowRedirects(false).setVerifyHost(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    trustedCertificates.ifPresent(pem -> options.setTrustOptions(new PemTrustOptions().addCertPath(pem.toString())));
    this.client = WebClient.create(vertx, options);
  }

  /** Never fails: a refused or unreachable destination is an outcome the caller records. */
  public Future<Outcome> deliver(StoredMedia clip, String url) {
    return vertx.fileSystem().open(clip.file().toString(), new OpenOptions().setRead(true))
        .compose(file -> client.postAbs(url)
            .timeout(timeout.toMillis())
            .putHeader("Content-Type", "multipart/x-mixed-replace; boundary=" + EncodedFrame.BOUNDARY)
            .putHeader("Content-Length", Long.toString(clip.bytes()))
            .putHeader("X-Camgate-Export-Id", clip.id())
            .putHeader("X-Camgate-Camera", clip.camera())
            .putHeader("X-Camgate-Sha256", clip.sha256())
            .putHeader("X-Camgate-Retention-Ends", clip.retentionEnds().toString())
            .putHeader("X-Camgate-Legal-Hold", clip.legalHold().orElse(""))
            .putHeader("X-Camgate-Audit-Seq", Long.toString(clip.auditSeq()))
            .sendStream(file)
            .eventually(() -> file.close()))
        .map(r -> r.statusCode() / 100 == 2
            ? new Outcome(true, r.statusCode(), "delivered")
            : new Outcome(false, r.statusCode(), "the destination answered HTTP " + r.statusCode()
                + (r.statusCode() / 100 == 3 ? " (redirects are not followed)" : "")))
        .otherwise(e -> new Outcome(false, 0, "delivery failed: " + e.getMessage()));
  }

  @Override
  public void close() {
    client.close();
  }
}
