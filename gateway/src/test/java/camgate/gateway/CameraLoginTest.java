package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.camera.CameraStatus;
import camgate.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A camera's login never leaves the gateway: a camera that cannot be opened is reported by its public
 * source and a named cause, and its URL's login appears in no reply, audit entry, log or file.
 */
class CameraLoginTest {

  private static final String SECRET = "s3cret-leak-probe";

  @Test
  void aCameraThatCannotBeOpenedShowsNoLoginAnywhere() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    PrintStream stderr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(stderr, log), true, StandardCharsets.UTF_8));
    try (TestGateway gw = TestGateway.builder()
        .camera("cam-gare", "rtsp://admin:" + SECRET + "@127.0.0.1:" + closedPort + "/stream1", "gare").start()) {
      await("cam-gare reported down").atMost(Duration.ofSeconds(30))
          .until(() -> gw.gateway().feeds().get("cam-gare").status().state() == CameraStatus.State.DOWN);
      String detail = gw.gateway().feeds().get("cam-gare").status().detail();
      assertTrue(detail.contains("cannot open rtsp://127.0.0.1:" + closedPort + ": connection refused"), detail);

      HttpResponse<byte[]> list = gw.get("/cameras", TestGateway.GARE_KEY);
      assertEquals(200, list.statusCode());
      HttpResponse<byte[]> stream = gw.get("/cameras/cam-gare/stream.mjpg?purpose=securite-voie-publique",
          TestGateway.GARE_KEY);
      assertEquals(502, stream.statusCode());
      String body = new String(stream.body(), StandardCharsets.UTF_8);
      assertEquals("down", new JsonObject(body).getJsonObject("status").getString("state"));

      List<String> places = List.of(new String(list.body(), StandardCharsets.UTF_8), body, detail,
          String.join("\n", gw.entries().stream().map(AuditEntry::canonicalJson).toList()));
      for (String place : places) {
        assertFalse(place.contains(SECRET) || place.contains("admin:"), "a camera login leaked: " + place);
      }
      try (Stream<Path> files = Files.walk(gw.directory())) {
        for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".mv.db")).toList()) {
          assertFalse(Files.readString(f, StandardCharsets.ISO_8859_1).contains(SECRET), "login in " + f);
        }
      }
    } finally {
      System.setErr(stderr);
    }
    String logged = log.toString(StandardCharsets.UTF_8);
    assertTrue(logged.contains("cam-gare down"), "the failure was logged: " + logged.length() + " chars");
    assertFalse(logged.contains(SECRET), "the gateway log shows the camera login");
  }

  /** Writes to the real stream and keeps a copy. */
  private static final class TeeStream extends java.io.OutputStream {
    private final PrintStream out;
    private final ByteArrayOutputStream copy;

    TeeStream(PrintStream out, ByteArrayOutputStream copy) {
      this.out = out;
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      out.write(b);
      synchronized (copy) {
        copy.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      synchronized (copy) {
        copy.write(b, off, len);
      }
    }
  }
}
