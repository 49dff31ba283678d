package camgate.gateway.rtsp;

import io.vertx.core.Future;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The gateway's side as the tests play it, by camera id: {@code cam-x} is allowed, {@code cam-denied} denied (403),
 * {@code cam-auth} needs Digest credentials (user {@code user}, secret {@code secret}), anything else is unknown (404).
 */
final class TestAccessPort implements RtspAccessPort {

  /** One end as the server reported it. */
  record End(String reason, long packets, long bytes) {
  }

  /** A grant that records what the server calls on it. */
  static final class TestGrant implements RtspGrant {
    final RtspAccessRequest request;
    final H264Stream stream;
    final List<End> ends = new CopyOnWriteArrayList<>();
    final CompletableFuture<End> firstEnd = new CompletableFuture<>();
    private volatile Consumer<String> cut;

    TestGrant(RtspAccessRequest request, H264Stream stream) {
      this.request = request;
      this.stream = stream;
    }

    @Override
    public H264Stream stream() {
      return stream;
    }

    @Override
    public void onCut(Consumer<String> cut) {
      this.cut = cut;
    }

    @Override
    public void ended(String reason, long packets, long bytes) {
      End e = new End(reason, packets, bytes);
      ends.add(e);
      firstEnd.complete(e);
    }

    /** What the gateway does when a re-check denies. */
    void cut(String reason) {
      cut.accept(reason);
    }
  }

  final List<TestGrant> grants = new CopyOnWriteArrayList<>();
  final List<RtspAccessRequest> requests = new CopyOnWriteArrayList<>();
  final DigestAuthenticator digest = DigestAuthenticator.create("camgate", Clock.systemUTC());
  private final H264Stream stream;

  TestAccessPort(H264Stream stream) {
    this.stream = stream;
  }

  @Override
  public Future<RtspGrant> admit(RtspAccessRequest request) {
    requests.add(request);
    switch (request.cameraId()) {
      case "cam-x" -> {
        return granted(request);
      }
      case "cam-denied" -> {
        return Future.failedFuture(RtspRefusal.forbidden("purpose '" + request.purpose().orElse("")
            + "' is not allowed on cam-denied"));
      }
      case "cam-auth" -> {
        DigestAuthenticator.Outcome outcome = digest.authenticate(request.method(), request.uri(),
            request.authorization(), user -> user.equals("user") ? Optional.of("secret") : Optional.empty());
        if (outcome instanceof DigestAuthenticator.Challenged c) {
          return Future.failedFuture(RtspRefusal.unauthorized(c.wwwAuthenticate(), "credentials required"));
        }
        return granted(request);
      }
      default -> {
        return Future.failedFuture(new RtspRefusal(404, Map.of(), "no camera " + request.cameraId()));
      }
    }
  }

  private Future<RtspGrant> granted(RtspAccessRequest request) {
    TestGrant g = new TestGrant(request, stream);
    grants.add(g);
    return Future.succeededFuture(g);
  }

  /** The most recent grant, or null. */
  TestGrant lastGrant() {
    return grants.isEmpty() ? null : grants.get(grants.size() - 1);
  }
}
