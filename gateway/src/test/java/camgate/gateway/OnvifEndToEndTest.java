package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.rtsp.ExternalClient;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway as an ONVIF Profile S device, used by a client nobody here wrote: the npm package {@code onvif}
 * (agsh/onvif 0.8.3, installed by ./camgate into .camgate/node) discovers it with WS-Discovery over loopback
 * multicast, logs in with a WS-Security UsernameToken, lists the profiles the policy lets it see and asks their
 * stream URIs; FFmpeg plays the URI it got. Every listing and URI is an audit entry, refusals included.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnvifEndToEndTest {

  private static final String SECRET = "vms-onvif-secret";
  private static final String GARE_SECRET = "vms-gare-secret";
  private static final String PURPOSE = "securite-voie-publique";
  private static RtspCamera camera;
  private static TestGateway gw;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    ExternalClient.require("node", "nodejs");
    ExternalClient.require("ffmpeg", "ffmpeg");
    if (!Files.isDirectory(nodeModules().resolve("onvif"))) {
      throw new AssertionError("the npm package onvif is not installed in " + nodeModules() + "; run ./camgate setup");
    }
    work = Files.createTempDirectory("onvif-test");
    camera = RtspCamera.serveAt(TestPaths.ASTRONAUT, 5);
    JsonArray users = new JsonArray()
        .add(TestGateway.rtspUser("vms-1", SECRET, "agent-042"))
        .add(TestGateway.rtspUser("vms-gare", GARE_SECRET, "agent-107"));
    gw = TestGateway.builder().camera("cam-face", camera.url(), "centre-ville")
        // Listed for the gare operator only; never live (nothing listens there): listing needs no picture.
        .camera("cam-gare", "rtsp://127.0.0.1:9/nothing-here", "gare")
        .extra("rtsp", new JsonObject().put("port", 0))
        .extra("rtsp_users", users)
        .extra("onvif", new JsonObject().put("name", "camgate test").put("location", "Valenciennes")
            .put("purposes", new JsonObject().put("vms-1", PURPOSE).put("vms-gare", PURPOSE))
            // The library probes 239.255.255.250:3702, WS-Discovery's fixed port.
            .put("discovery", new JsonObject().put("interface", "lo").put("port", 3702)))
        .start();
    gw.awaitLive("cam-face", Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (camera != null) {
      camera.close();
    }
  }

  private static Path nodeModules() {
    return TestPaths.root().resolve(".camgate/node/node_modules");
  }

  /** Runs resources/onvif/client.js with these arguments; its one line of JSON, plus its exit code. */
  private static JsonObject client(JsonObject args) throws Exception {
    Path script = TestPaths.root().resolve("gateway/src/test/resources/onvif/client.js");
    ExternalClient.Run run = ExternalClient.run(work, Duration.ofSeconds(60),
        List.of("node", script.toString(), args.encode()), Map.of("NODE_PATH", nodeModules().toString()));
    assertFalse(run.timedOut(), run.toString());
    String line = run.stdout().strip();
    assertTrue(line.startsWith("{"), run.toString());
    System.out.println("onvif client (exit " + run.exitCode() + ", " + run.took().toMillis() + " ms): " + line);
    return new JsonObject(line).put("exit", run.exitCode());
  }

  private static JsonObject login(String username, String password) {
    return new JsonObject().put("hostname", "127.0.0.1").put("port", gw.gateway().url().getPort())
        .put("username", username).put("password", password);
  }

  private static List<AuditEntry> decisionsSince(int before) {
    return gw.entries().stream().skip(before).filter(e -> e.event().type().equals("access_decision")).toList();
  }

  private static Object request(AuditEntry e, String key) {
    return ((Map<?, ?>) e.event().details().get("request")).get(key);
  }

  @Test
  @Order(1)
  void aWrongPasswordIsNotAuthorizedAndTheRefusalIsRecorded() throws Exception {
    int before = gw.entries().size();
    JsonObject out = client(login("vms-1", "not-the-secret"));
    assertEquals(2, out.getInteger("exit"), out.encode());
    assertTrue(out.getString("faultXml", "").contains("ter:NotAuthorized"), out.encode());
    assertFalse(out.containsKey("profiles"), out.encode());
    // The first anonymous refusal from a source is an entry of its own (later ones that minute are summarised).
    AuditEntry refusal = decisionsSince(before).get(0);
    assertEquals("anonymous", refusal.event().subject().get("id"));
    assertEquals(Boolean.FALSE, refusal.event().decision().get("allow"));
    assertEquals("onvif", request(refusal, "protocol"));
    assertTrue(refusal.event().details().toString().contains("vms-1"), refusal.event().details().toString());
  }

  @Test
  @Order(2)
  void discoveredByProbeTheDeviceListsItsVisibleProfileAndTheStreamUriPlays() throws Exception {
    int before = gw.entries().size();
    JsonObject out = client(login("vms-1", SECRET).put("discover", "lo"));
    assertEquals(0, out.getInteger("exit"), out.encode());
    JsonObject found = out.getJsonArray("discovered").getJsonObject(0);
    assertEquals(gw.gateway().url().getPort(), found.getInteger("port"), out.encode());
    assertEquals("/onvif/device_service", found.getString("path"));
    assertTrue(found.getString("urn").startsWith("urn:uuid:"), out.encode());
    // agent-042 may list cam-face, not cam-gare (another zone): one profile.
    JsonArray profiles = out.getJsonArray("profiles");
    assertEquals(1, profiles.size(), out.encode());
    assertEquals("cam-face", profiles.getJsonObject(0).getString("token"));
    assertEquals("H264", profiles.getJsonObject(0).getString("encoding"));
    JsonObject uris = out.getJsonObject("uris").getJsonObject("cam-face");
    String rtsp = gw.gateway().rtspUrl().orElseThrow() + "/cameras/cam-face?purpose=" + PURPOSE;
    assertEquals(rtsp, uris.getString("stream"), out.encode());
    String snapshot = gw.gateway().url() + "/onvif/snapshot/cam-face?purpose=" + PURPOSE;
    assertEquals(snapshot, uris.getString("snapshot"), out.encode());

    List<AuditEntry> onvif = decisionsSince(before).stream().filter(e -> "onvif".equals(request(e, "protocol")))
        .toList();
    assertTrue(onvif.stream().anyMatch(e -> e.event().action().equals("list_cameras")
        && Boolean.TRUE.equals(e.event().decision().get("allow"))), onvif.toString());
    AuditEntry streamUri = onvif.stream().filter(e -> e.event().action().equals("view_live")).findFirst().orElseThrow();
    assertEquals(Boolean.TRUE, streamUri.event().decision().get("allow"));
    assertEquals("agent-042", streamUri.event().subject().get("id"));
    assertEquals("GetStreamUri", request(streamUri, "method"));
    assertTrue(onvif.stream().anyMatch(e -> e.event().action().equals("snapshot")
        && Boolean.TRUE.equals(e.event().decision().get("allow"))), onvif.toString());

    // The VMS plays the URI it was given with the same login, over RTSP Digest: decided again there.
    int beforePlay = gw.entries().size();
    String login = rtsp.replace("rtsp://", "rtsp://vms-1:" + SECRET + "@");
    ExternalClient.Run play = ExternalClient.run(work, Duration.ofSeconds(60), List.of("ffmpeg", "-v", "error",
        "-rtsp_transport", "tcp", "-i", login, "-t", "3", "-progress", "pipe:1", "-f", "null", "-"));
    assertEquals(0, play.exitCode(), play.toString());
    int frames = ExternalClient.lastFrameCount(play.stdout());
    assertTrue(frames >= 5, "ffmpeg decoded " + frames + " frames in 3 s at 5 fps\n" + play);
    System.out.println("ffmpeg played the ONVIF stream URI: " + frames + " frames decoded in " + play.took().toMillis()
        + " ms");
    AuditEntry session = decisionsSince(beforePlay).stream().filter(e -> "rtsp".equals(request(e, "protocol"))
        && "agent-042".equals(e.event().subject().get("id"))).findFirst().orElseThrow();
    assertEquals(Boolean.TRUE, session.event().decision().get("allow"));

    // The snapshot URI takes HTTP Digest with the same secret (curl: another client nobody here wrote).
    ExternalClient.require("curl", "curl");
    Path jpeg = work.resolve("snapshot.jpg");
    ExternalClient.Run curl = ExternalClient.run(work, Duration.ofSeconds(30), List.of("curl", "-s", "--digest",
        "-u", "vms-1:" + SECRET, "-o", jpeg.toString(), "-w", "%{http_code} %{content_type}", snapshot));
    assertEquals("200 image/jpeg", curl.stdout().strip(), curl.toString());
    byte[] bytes = Files.readAllBytes(jpeg);
    assertTrue(bytes.length > 1000 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8, "a JPEG");
  }

  @Test
  @Order(3)
  void aSubjectOfAnotherZoneGetsNeitherTheProfileNorTheStreamUri() throws Exception {
    int before = gw.entries().size();
    JsonObject out = client(login("vms-gare", GARE_SECRET).put("tokens", new JsonArray().add("cam-face")));
    assertEquals(0, out.getInteger("exit"), out.encode());
    JsonArray profiles = out.getJsonArray("profiles");
    assertEquals(1, profiles.size(), out.encode());
    assertEquals("cam-gare", profiles.getJsonObject(0).getString("token"), "only the gare camera is listed");
    JsonObject asked = out.getJsonObject("uris").getJsonObject("cam-face");
    assertFalse(asked.containsKey("stream"), out.encode());
    assertTrue(asked.getString("streamFault", "").contains("ter:NotAuthorized"), out.encode());
    AuditEntry refused = decisionsSince(before).stream().filter(e -> e.event().action().equals("view_live"))
        .findFirst().orElseThrow();
    assertEquals(Boolean.FALSE, refused.event().decision().get("allow"));
    assertEquals("agent-107", refused.event().subject().get("id"));
    assertEquals("onvif", request(refused, "protocol"));
  }

  @Test
  @Order(5)
  void aClientThatLogsInWithHttpDigestInsteadOfWsSecurityGetsTheSameProfileAndUri() throws Exception {
    int before = gw.entries().size();
    JsonObject out = client(login("vms-1", SECRET).put("wsSecurity", false));
    assertEquals(0, out.getInteger("exit"), out.encode());
    assertEquals("cam-face", out.getJsonArray("profiles").getJsonObject(0).getString("token"), out.encode());
    assertEquals(1, out.getJsonArray("profiles").size(), out.encode());
    assertEquals(gw.gateway().rtspUrl().orElseThrow() + "/cameras/cam-face?purpose=" + PURPOSE,
        out.getJsonObject("uris").getJsonObject("cam-face").getString("stream"), out.encode());
    assertTrue(decisionsSince(before).stream().anyMatch(e -> e.event().action().equals("view_live")
        && "agent-042".equals(e.event().subject().get("id")) && "onvif".equals(request(e, "protocol"))));
    JsonObject wrong = client(login("vms-1", "not-the-secret").put("wsSecurity", false));
    assertEquals(2, wrong.getInteger("exit"), wrong.encode());
    assertTrue(wrong.getString("error").contains("401"), wrong.encode());
  }

  @Test
  @Order(4)
  void anXxeAMalformedAndAnOversizedBodyGetAFaultAndChangeNothing() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI device = gw.uri("/onvif/device_service");
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        + "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>"
        + "<GetDeviceInformation xmlns=\"http://www.onvif.org/ver10/device/wsdl\">&x;</GetDeviceInformation>"
        + "</s:Body></s:Envelope>";
    String oversized = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><a>"
        + "x".repeat(300_000) + "</a></s:Body></s:Envelope>";
    int before = gw.entries().size();
    Map<String, Integer> expected = Map.of(xxe, 400, "<s:Envelope><s:Body>", 400, "not xml at all", 400,
        oversized, 413);
    for (var e : expected.entrySet()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(device).header("Content-Type", "application/soap+xml")
          .POST(HttpRequest.BodyPublishers.ofString(e.getKey())).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals((int) e.getValue(), r.statusCode(), r.body());
      assertTrue(r.body().contains("<s:Fault>") && r.body().contains("ter:WellFormed"), r.body());
      assertFalse(r.body().contains("root:"), "nothing of /etc/passwd comes back: " + r.body());
    }
    assertEquals(before, gw.entries().size(), "bad input is not an access: nothing is decided nor recorded");
    // Unauthenticated, well-formed: NotAuthorized, 401 with an HTTP Digest challenge; the time alone is open.
    String profiles = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>"
        + "<GetProfiles xmlns=\"http://www.onvif.org/ver10/media/wsdl\"/></s:Body></s:Envelope>";
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(gw.uri("/onvif/media_service"))
        .POST(HttpRequest.BodyPublishers.ofString(profiles)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, anonymous.statusCode());
    assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Digest "));
    assertTrue(anonymous.body().contains("ter:NotAuthorized"), anonymous.body());
    assertFalse(anonymous.body().contains("cam-face"));
    // The anonymous GetProfiles is a refusal, recorded anonymously (summarised with the others of this minute).
    assertEquals(0, decisionsSince(before).stream().filter(e -> !"anonymous".equals(e.event().subject().get("id")))
        .count());
  }
}
