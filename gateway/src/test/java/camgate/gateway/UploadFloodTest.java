package camgate.gateway;

import camgate.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads cannot fill the disk: a request's credential is checked before its body is read, only JSON
 * bodies are read (into memory, within a limit), and nothing a client sends is ever written to a file.
 */
class UploadFloodTest {

  private static final String BOUNDARY = "camgate-test-boundary";

  @Test
  void multipartUploadsAreRefusedBeforeTheirBodyIsStored() throws Exception {
    Path uploads = Path.of("file-uploads");  // where Vert.x's BodyHandler stores uploads by default
    delete(uploads);
    try (TestGateway gw = TestGateway.builder().start()) {
      long diskBefore = du(gw.directory());
      byte[] file = new byte[1024 * 1024];
      Arrays.fill(file, (byte) 'x');
      for (int i = 0; i < 20; i++) {
        assertEquals(401, multipart(gw, "/admin/policy/proposals", null, file).statusCode());
        assertEquals(401, multipart(gw, "/cameras/cam-demo/exports", null, file).statusCode());
      }
      HttpResponse<String> signedIn = multipart(gw, "/admin/policy/proposals", TestGateway.AUDITOR_KEY, file);
      assertEquals(415, signedIn.statusCode(), signedIn.body());
      assertTrue(signedIn.body().contains("application/json"), signedIn.body());

      HttpResponse<String> huge = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gw.uri("/admin/policy/proposals"))
          .header("Authorization", "Bearer " + TestGateway.AUDITOR_KEY).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[9 * 1024 * 1024])).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(413, huge.statusCode(), huge.body());

      assertFalse(Files.exists(uploads) && du(uploads) > 0, "uploads were written to " + uploads.toAbsolutePath());
      long grown = du(gw.directory()) - diskBefore;
      assertTrue(grown < 2 * 1024 * 1024, "the gateway's directory grew by " + grown + " bytes for 40 MB refused");
    } finally {
      delete(uploads);
    }
  }

  private static HttpResponse<String> multipart(TestGateway gw, String path, String key, byte[] file)
      throws IOException, InterruptedException {
    byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[head.length + file.length + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(file, 0, body, head.length, file.length);
    System.arraycopy(tail, 0, body, head.length + file.length, tail.length);
    HttpRequest.Builder request = HttpRequest.newBuilder(gw.uri(path))
        .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long du(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
