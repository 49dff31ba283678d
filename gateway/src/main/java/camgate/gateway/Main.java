package camgate.gateway;

import camgate.gateway.cluster.ClusterNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Command line entry: {@code --config FILE} runs the gateway on a configuration file,
 * {@code --demo} on the embedded demo configuration (file cameras, demo API keys).
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  /** Demo-only keys, printed at start so a person can open the stream; never use them elsewhere. */
  static final String DEMO_OPERATOR_KEY = "demo-operator-centre-ville";
  static final String DEMO_GARE_KEY = "demo-operator-gare";
  static final String DEMO_AUDITOR_KEY = "demo-auditor";

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    Path root = Gateway.defaultRoot();
    GatewayConfig config;
    boolean demo = false;
    Integer port = null;
    Path configFile = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--demo" -> demo = true;
        case "--config" -> configFile = Path.of(args[++i]);
        case "--port" -> port = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("unknown argument '" + args[i] + "'; usage: Main (--demo | --config FILE) [--port N]");
          System.exit(2);
        }
      }
    }
    try {
      if (demo) {
        JsonObject json = demoConfig();
        if (port != null) {
          json.getJsonObject("http").put("port", port);
        }
        config = GatewayConfig.fromJson(json, root);
      } else if (configFile != null) {
        config = GatewayConfig.load(configFile, configFile.toAbsolutePath().getParent());
      } else {
        System.err.println("usage: Main (--demo | --config FILE) [--port N]");
        System.exit(2);
        return;
      }
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("camgate: " + e.getMessage());
      System.exit(2);
      return;
    }

    Vertx vertx;
    Optional<ClusterNode> node = Optional.empty();
    if (config.cluster().isPresent()) {
      try {
        node = Optional.of(ClusterNode.start(config.cluster().get()).await(60, TimeUnit.SECONDS));
      } catch (Exception e) {
        System.err.println("camgate: the node did not join the cluster: " + e.getMessage());
        System.exit(1);
        return;
      }
      vertx = node.get().vertx();
    } else {
      vertx = Vertx.vertx();
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(vertx, config, Clock.systemDefaultZone(), node.map(ClusterNode::hazelcast))
          .await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("camgate: the gateway did not start: " + e.getMessage());
      vertx.close().await(10, TimeUnit.SECONDS);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Optional<ClusterNode> clusterNode = node;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: final checkpoint, cameras, OPA");
      try {
        gateway.stop().await(20, TimeUnit.SECONDS);
        if (clusterNode.isPresent()) {
          clusterNode.get().close().await(10, TimeUnit.SECONDS);
        } else {
          vertx.close().await(10, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        LOG.error("unclean stop: {}", e.toString());
      }
      stopped.countDown();
    }, "camgate-shutdown"));

    String base = gateway.url().toString();
    System.out.println();
    System.out.println("camgate is running at " + base);
    System.out.println("  policy engine (OPA): " + gateway.opaUrl() + "   policy version " + gateway.policyVersion());
    System.out.println("  audit signing key fingerprint: " + gateway.auditLog().keyFingerprint());
    System.out.println("  health:  " + base + "/health");
    clusterNode.ifPresent(n -> System.out.println("  cluster node " + n.settings().nodeId() + " of "
        + n.settings().members() + " (Hazelcast port " + n.settings().port() + ")"));
    if (demo) {
      System.out.println();
      System.out.println("Web console: " + base + "/console/  (français; English switch in the header)");
      System.out.println("  operator agent-042 (centre-ville): agent042 / operateur-demo");
      System.out.println("  operator agent-107 (gare):         agent107 / gare-demo");
      System.out.println("  DPO dpo-1:                         dpo / dpo-demo");
      System.out.println("  auditor auditor-1:                 auditeur / auditeur-demo");
      String q = "?key=" + DEMO_OPERATOR_KEY + "&purpose=securite-voie-publique";
      System.out.println();
      System.out.println("Streams for a browser or a VMS (API key of demo operator agent-042, zone centre-ville):");
      for (CameraConfig c : config.cameras()) {
        System.out.println("  " + c.id() + " live, redacted:  " + base + "/cameras/" + c.id() + "/stream.mjpg" + q);
      }
      System.out.println();
      System.out.println("HLS/H.264 for a browser or a player (one decision per viewing session; the console plays it):");
      for (CameraConfig c : config.cameras()) {
        System.out.println("  " + c.id() + " live, redacted:  " + base + "/cameras/" + c.id() + "/hls/index.m3u8"
            + q);
      }
      System.out.println("  e.g. ffplay '<url>', or Safari");
      System.out.println();
      System.out.println("  snapshot:              " + base + "/cameras/cam-demo/snapshot.jpg" + q);
      System.out.println("  cameras you may see:   " + base + "/cameras?key=" + DEMO_OPERATOR_KEY);
      System.out.println("  denied (other zone):   " + base + "/cameras/cam-demo/stream.mjpg?key=" + DEMO_GARE_KEY
          + "&purpose=securite-voie-publique");
      System.out.println("  audit checkpoint:      " + base + "/audit/checkpoints/latest?key=" + DEMO_AUDITOR_KEY);
      gateway.rtspUrl().ifPresent(rtsp -> {
        System.out.println();
        System.out.println("RTSP/H.264 for a VMS or a player (Digest login of the demo video wall vms-csu):");
        for (CameraConfig c : config.cameras()) {
          System.out.println("  " + rtsp.toString().replace("rtsp://", "rtsp://demo-vms:demo-vms-secret@") + "/cameras/"
              + c.id() + "?purpose=securite-voie-publique");
        }
        System.out.println("  e.g. ffplay -rtsp_transport tcp '<url>'  or  gst-launch-1.0 playbin uri='<url>'");
      });
      System.out.println("Demo passwords and keys are for this demo only. Ctrl-C stops the gateway and its OPA.");
    }
    stopped.await();
  }

  static JsonObject demoConfig() throws IOException {
    try (InputStream in = Main.class.getResourceAsStream("/demo-config.json")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("DEMO_OPERATOR_HASH", ApiKeys.hash(DEMO_OPERATOR_KEY))
          .replace("DEMO_GARE_HASH", ApiKeys.hash(DEMO_GARE_KEY))
          .replace("DEMO_AUDITOR_HASH", ApiKeys.hash(DEMO_AUDITOR_KEY));
      return new JsonObject(text);
    }
  }
}
