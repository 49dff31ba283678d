package camgate.gateway;

import static org.awaitility.Awaitility.await;
import camgate.gateway.camera.CameraStatus;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken cameras are reported with a reason and retried, while the gateway keeps serving the others. */
class BadCameraTest {

  @Test
  void brokenCamerasAreReportedAndTheOthersKeepServing() throws Exception {
    Path corrupt = Files.createTempFile("corrupt", ".avi");
    byte[] noise = new byte[200_000];
    new Random(42).nextBytes(noise);
    Files.write(corrupt, noise);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    // A camera that accepts the connection and then never says anything.
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
         RtspCamera good = RtspCamera.serve(TestPaths.VTEST);
         TestGateway gw = TestGateway.builder()
             .camera("cam-demo", good.url(), "centre-ville")
             .camera("cam-face", corrupt.toString(), "centre-ville")
             .camera("cam-gare", "rtsp://127.0.0.1:" + closedPort + "/nothing", "gare")
             .camera("cam-nomask", "rtsp://127.0.0.1:" + silent.getLocalPort() + "/silent", "centre-ville")
             .start()) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            Socket held = silent.accept();  // keep it open, answer nothing
            held.setSoTimeout(0);
          }
        } catch (Exception closed) {
          // test over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();

      gw.awaitLive("cam-demo", Duration.ofSeconds(60));
      awaitDown(gw, "cam-face");
      awaitDown(gw, "cam-gare");
      awaitDown(gw, "cam-nomask");
      assertTrue(gw.gateway().feeds().get("cam-face").status().detail().contains("cannot open a local file"),
          gw.gateway().feeds().get("cam-face").status().detail());

      // The good camera still streams.
      HttpResponse<byte[]> snap = gw.get("/cameras/cam-demo/snapshot.jpg?purpose=securite-voie-publique",
          TestGateway.OPERATOR_KEY);
      assertEquals(200, snap.statusCode());

      // A consumer of a broken camera gets its status, at once, not a hang.
      HttpResponse<byte[]> broken = gw.get("/cameras/cam-face/stream.mjpg?purpose=securite-voie-publique",
          TestGateway.OPERATOR_KEY);
      assertEquals(502, broken.statusCode());
      JsonObject body = new JsonObject(new String(broken.body()));
      assertEquals("down", body.getJsonObject("status").getString("state"));

      HttpResponse<byte[]> list = gw.get("/cameras", TestGateway.OPERATOR_KEY);
      JsonArray cameras = new JsonObject(new String(list.body())).getJsonArray("cameras");
      boolean faceListedDown = cameras.stream().map(JsonObject.class::cast)
          .anyMatch(c -> c.getString("id").equals("cam-face")
              && c.getJsonObject("status").getString("state").equals("down"));
      assertTrue(faceListedDown, cameras.encode());
    } finally {
      Files.deleteIfExists(corrupt);
    }
  }

  private static void awaitDown(TestGateway gw, String id) {
    await(id + " reported down").atMost(Duration.ofSeconds(30))
        .until(() -> gw.gateway().feeds().get(id).status().state() == CameraStatus.State.DOWN);
  }
}
