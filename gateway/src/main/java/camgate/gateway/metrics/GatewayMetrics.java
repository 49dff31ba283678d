package camgate.gateway.metrics;

import camgate.gateway.camera.CameraFeed;
import camgate.redaction.IsolatedDetectors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Collection;
import java.util.function.ToIntFunction;

/**
 * The gateway's operational metrics, in Prometheus's text format (served at {@code GET /metrics} to the
 * policy's {@code metrics} role): per camera, frames and fail-safe frames published, frame rate, liveness,
 * detector errors and late frames, consumers by protocol; bytes out by protocol; access decisions by
 * action and result; audit append latency and entries waiting for the log. Never a picture, a subject or a
 * URL: labels are camera ids, protocols, actions and outcomes only.
 */
public final class GatewayMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer auditAppend;

  public GatewayMetrics() {
    auditAppend = Timer.builder("camgate_audit_append").description("time until an audit entry is durable")
        .publishPercentiles(0.5, 0.99).register(registry);
  }

  /**
   * Registers each camera's meters; {@code rtspSubscribers} counts a camera's RTSP subscribers, {@code hlsSessions}
   * its HLS viewing sessions, {@code h264Subscribers} every subscriber of its H.264 encodings (RTSP sessions and
   * HLS segmenters); its MJPEG consumers are the rest of its hubs' listeners.
   */
  public void cameras(Collection<CameraFeed> feeds, ToIntFunction<CameraFeed> rtspSubscribers,
                      ToIntFunction<CameraFeed> hlsSessions, ToIntFunction<CameraFeed> h264Subscribers) {
    for (CameraFeed feed : feeds) {
      String id = feed.camera().id();
      FunctionCounter.builder("camgate_camera_frames", feed, f -> f.status().frames())
          .description("frames redacted and published").tag("camera", id).register(registry);
      FunctionCounter.builder("camgate_camera_fail_safe_frames", feed, f -> f.status().failSafeFrames())
          .description("frames masked whole (detection not ready, failed or late)").tag("camera", id)
          .register(registry);
      FunctionCounter.builder("camgate_camera_detector_errors", feed, f -> f.redactionStats().detectorErrors())
          .tag("camera", id).register(registry);
      FunctionCounter.builder("camgate_camera_late_frames", feed, f -> f.redactionStats().lateFrames())
          .description("frames that waited for a late detection pass").tag("camera", id).register(registry);
      Gauge.builder("camgate_camera_fps", feed, f -> f.status().framesPerSecond())
          .description("frames published per second").tag("camera", id).register(registry);
      Gauge.builder("camgate_camera_live", feed, f -> f.status().live() ? 1 : 0).tag("camera", id).register(registry);
      Gauge.builder("camgate_camera_masked_share", feed, f -> f.maskedShare().masked())
          .description("share of the picture masked, over about the last 10 s").tag("camera", id).register(registry);
      Gauge.builder("camgate_camera_motion_guard_share", feed, f -> f.maskedShare().motionGuard())
          .description("share of the picture masked by the motion guard").tag("camera", id).register(registry);
      Gauge.builder("camgate_camera_consumers", feed, f -> rtspSubscribers.applyAsInt(f))
          .tag("camera", id).tag("protocol", "rtsp").register(registry);
      Gauge.builder("camgate_camera_consumers", feed, f -> hlsSessions.applyAsInt(f))
          .tag("camera", id).tag("protocol", "hls").register(registry);
      Gauge.builder("camgate_camera_consumers", feed, f -> Math.max(0,
              f.redactedHub().consumers() + f.masksOnlyHub().consumers() - encoders(f, h264Subscribers)))
          .tag("camera", id).tag("protocol", "mjpeg").register(registry);
    }
  }

  /**
   * The detector host's meters, when the detectors run in one: how many times it died (a native crash, SIGKILL, out
   * of memory) or hung and was restarted, and 1 while it runs (0 while it restarts: every camera's frames are masked
   * whole meanwhile). The gateway holds {@code host} for its whole life, so the meters' weak references keep it.
   */
  public void detectorHost(IsolatedDetectors host) {
    FunctionCounter.builder("camgate_detector_host_restarts", host, IsolatedDetectors::restarts)
        .description("detector host restarts after a crash, a kill or a hang").register(registry);
    Gauge.builder("camgate_detector_host_up", host, h -> h.up() ? 1 : 0)
        .description("1 while the detector host runs; 0 while it restarts (frames masked whole)").register(registry);
  }

  /** An H.264 encoder subscribes to a hub once while it has subscribers: not an MJPEG consumer. */
  private static int encoders(CameraFeed f, ToIntFunction<CameraFeed> h264Subscribers) {
    return h264Subscribers.applyAsInt(f) > 0 ? 1 : 0;
  }

  /**
   * A cluster node's ownership meters: per camera, 1 while this node redacts it; and how many cameras no live
   * node redacts (never served unredacted: refused until one does). Held strongly: the functions are lambdas
   * nothing else references, which a weak gauge would lose to the first GC.
   */
  public void ownership(java.util.Set<String> cameras, java.util.function.Predicate<String> owned,
                        java.util.function.IntSupplier unowned) {
    for (String id : cameras) {
      Gauge.builder("camgate_camera_owned", owned, o -> o.test(id) ? 1 : 0)
          .description("1 while this node holds the camera's lease and redacts it").tag("camera", id)
          .strongReference(true).register(registry);
    }
    Gauge.builder("camgate_cameras_unowned", unowned, u -> u.getAsInt())
        .description("cameras no live node of the cluster redacts now").strongReference(true).register(registry);
  }

  /** The city's register meters: 1 while this node keeps it; how many entries this node's copy holds. */
  public void register(java.util.function.BooleanSupplier keeps, java.util.function.LongSupplier entries) {
    Gauge.builder("camgate_register_keeper", keeps, k -> k.getAsBoolean() ? 1 : 0)
        .description("1 while this node holds the keeper lease of the city's register").strongReference(true)
        .register(registry);
    Gauge.builder("camgate_register_entries", entries, e -> e.getAsLong())
        .description("entries in this node's copy of the city's register (keeper's log or replica)")
        .strongReference(true).register(registry);
  }

  /**
   * The city's register witness meters, per witness (tag {@code witness}: its URL): the latest register size this
   * node holds its valid cosignature of, and how many times it did not cosign when asked.
   */
  public void registerWitnesses(java.util.List<camgate.gateway.cluster.RegisterKeeper.WitnessMeter> witnesses) {
    for (camgate.gateway.cluster.RegisterKeeper.WitnessMeter w : witnesses) {
      Gauge.builder("camgate_register_witnessed_size", w.cosignedSize(), Number::doubleValue)
          .description("latest size of the city's register cosigned by this witness that this node holds")
          .tag("witness", w.witness()).register(registry);
      FunctionCounter.builder("camgate_register_witness_failures", w.failures(), Number::doubleValue)
          .description("times this witness did not cosign the register when the keeper asked (down or refused)")
          .tag("witness", w.witness()).register(registry);
    }
  }

  /** Counts one access decision. */
  public void decided(String action, String outcome) {
    Counter.builder("camgate_decisions").description("access decisions recorded").tag("action", action)
        .tag("outcome", outcome).register(registry).increment();
  }

  /** Counts bytes delivered by a protocol when an access ends. */
  public void delivered(String protocol, long bytes) {
    Counter.builder("camgate_bytes_out").description("bytes delivered to consumers").baseUnit("bytes")
        .tag("protocol", protocol).register(registry).increment(bytes);
  }

  /** Records how long an audit append took to become durable. */
  public void auditAppended(Duration took) {
    auditAppend.record(took);
  }

  /** A gauge of entries waiting for the audit log to come back. */
  public void auditPending(java.util.function.IntSupplier pending) {
    Gauge.builder("camgate_audit_pending_entries", pending, p -> p.getAsInt()).register(registry);
  }

  /** The text exposition, Prometheus format 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }
}
