package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.export.RetentionSweeper;
import camgate.gateway.export.StoredMedia;
import camgate.gateway.publish.PolicyPublisher;
import camgate.gateway.support.Closing;
import camgate.gateway.support.Images;
import camgate.gateway.tools.MjpegReader;
import camgate.gateway.support.MutableClock;
import camgate.gateway.support.RtspCamera;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exports end to end: the real gateway and OPA, a real HTTP destination on loopback that the DPO
 * allow-lists by publishing a policy data change, and the retention sweeper on the gateway's clock.
 * Covers the destination rules (government database, allow-list), the retention rules (CSI L252-5:
 * too long refused; stored clips deleted when their time is up; a legal hold keeps them until lifted).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportEndToEndTest {

  record Received(String path, MultiMap headers, byte[] body) {
  }

  static RtspCamera camera;
  static TestGateway gw;
  static Vertx vertx;
  static HttpServer receiver;
  static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
  static final MutableClock CLOCK = new MutableClock(Instant.now());
  static String base;
  static final String HOLD = "HOLD-TEST-0001";

  static JsonObject legalHolds() throws Exception {
    return new JsonObject(Files.readString(TestPaths.root().resolve("policies/data/legal_holds.json")))
        .getJsonObject("legal_holds");
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.post("/receive/ok/*").handler(rc -> {
      RECEIVED.add(new Received(rc.request().path(), rc.request().headers(), rc.body().buffer().getBytes()));
      rc.response().setStatusCode(201).end();
    });
    router.post("/receive/fail/*").handler(rc -> {
      RECEIVED.add(new Received(rc.request().path(), rc.request().headers(), rc.body().buffer().getBytes()));
      rc.response().setStatusCode(500).end("archive full");
    });
    // The policy admits only https:// destinations: the archive has a certificate the gateway is told to trust.
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    receiver = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()))
        .requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    base = "https://localhost:" + receiver.actualPort() + "/receive/";

    camera = RtspCamera.serve(TestPaths.ASTRONAUT);
    gw = TestGateway.builder().camera("cam-demo", camera.url(), "centre-ville").clock(CLOCK)
        .extra("exports", new JsonObject().put("ca_pem", certificate.certificatePath())).start();
    // The DPO allow-lists the test archive as an export destination: a data change, published.
    JsonObject destinations = new JsonObject(Files.readString(TestPaths.root().resolve("policies/data/destinations.json")))
        .getJsonObject("destinations")
        .put("test-archive", new JsonObject().put("url_prefix", base).put("kinds", List.of("export"))
            .put("purpose", "loopback archive of ExportEndToEndTest"));
    // And records a legal hold of its own (the demo data's holds are what the Rego tests rely on).
    JsonObject holds = legalHolds().put(HOLD, new JsonObject().put("procedure", "ExportEndToEndTest")
        .put("authority", "juge d'instruction (test)").put("cameras", List.of("cam-demo"))
        .put("placed", "2026-11-01T10:00:00+01:00").putNull("lifted"));
    publish(new JsonObject().put("destinations", destinations).put("legal_holds", holds),
        "allow-list the test archive; record hold " + HOLD);
    gw.awaitLive("cam-demo", Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    Closing.all(gw, vertx == null ? null : () -> vertx.close().await(10, TimeUnit.SECONDS), camera);
  }

  static void publish(JsonObject data, String reason) throws Exception {
    PolicyPublisher publisher = gw.gateway().policyPublisher().orElseThrow();
    publisher.publish(new JsonObject().put("data", data), "dpo-test", reason, v -> Future.succeededFuture())
        .await(120, TimeUnit.SECONDS);
  }

  static JsonObject export(int seconds, String destinationName, String url) {
    return new JsonObject().put("seconds", seconds).put("purpose", "securite-voie-publique")
        .put("destination", new JsonObject().put("name", destinationName).put("url", url));
  }

  static HttpResponse<byte[]> post(JsonObject body) throws Exception {
    return gw.post("/cameras/cam-demo/exports", TestGateway.OPERATOR_KEY, body);
  }

  static List<StoredMedia> stored() throws Exception {
    return gw.gateway().mediaStore().all();
  }

  @Test
  @Order(1)
  void refusedAndMalformedExportsSendNothingAndKeepNothing() throws Exception {
    int received = RECEIVED.size();
    int kept = stored().size();

    // A government database, even under an allow-listed prefix: the vehicle register (SIV).
    refused(export(1, "relais SIV", base + "ok/siv/").put("retention_days", 7), "camgate.destinations.government_database");
    // Not on the DPO's allow-list.
    refused(export(1, "elsewhere", "https://localhost:" + receiver.actualPort() + "/elsewhere/").put("retention_days", 7),
        "camgate.destinations.not_allow_listed");
    // The allow-listed host over plain http is another prefix, hence not allow-listed either.
    refused(export(1, "test-archive", base.replace("https:", "http:") + "ok/plain/").put("retention_days", 7),
        "camgate.destinations.not_allow_listed");
    // Longer than a month without a legal hold (CSI L252-5), and no retention at all.
    refused(export(1, "test-archive", base + "ok/long/").put("retention_days", 45), "camgate.retention.too_long");
    refused(export(1, "test-archive", base + "ok/none/"), "camgate.retention.missing");
    // A lifted hold does not allow keeping it.
    refused(export(1, "test-archive", base + "ok/lifted/").put("legal_hold", "HOLD-2025-0001"),
        "camgate.retention.hold_invalid");

    long entries = gw.entries().size();
    for (JsonObject bad : List.of(new JsonObject().put("seconds", 0), export(1, "x", "ftp://127.0.0.1/").put("retention_days", 1),
        export(1, "x", base + "ok/").put("retention_days", 1).put("format", "avi"))) {
      HttpResponse<byte[]> r = post(bad);
      assertEquals(400, r.statusCode(), bad.encode());
      assertTrue(new JsonObject(new String(r.body())).getString("error").startsWith("malformed export request"),
          new String(r.body()));
    }
    assertEquals(entries, gw.entries().size(), "a malformed request is answered before any decision: nothing logged");
    assertEquals(received, RECEIVED.size(), "nothing was sent");
    assertEquals(kept, stored().size(), "nothing was kept");
  }

  private static void refused(JsonObject body, String rule) throws Exception {
    HttpResponse<byte[]> r = post(body);
    assertEquals(403, r.statusCode(), new String(r.body()));
    JsonObject answer = new JsonObject(new String(r.body()));
    assertTrue(answer.getJsonArray("rules").contains(rule), "expected " + rule + ": " + answer.encode());
    AuditEntry decision = gw.decisions().get(gw.decisions().size() - 1);
    assertEquals(answer.getLong("audit_seq"), decision.seq());
    assertEquals("export_clip", decision.event().action());
  }

  @Test
  @Order(2)
  void aDestinationThatRefusesTheClipIsReportedAndTheClipFollowsItsRetention() throws Exception {
    HttpResponse<byte[]> r = post(export(1, "test-archive", base + "fail/pv-9/").put("retention_days", 2));
    assertEquals(502, r.statusCode(), new String(r.body()));
    JsonObject answer = new JsonObject(new String(r.body()));
    assertFalse(answer.getJsonObject("delivery").getBoolean("delivered"));
    assertEquals(500, answer.getJsonObject("delivery").getInteger("status"));
    String id = answer.getJsonObject("export").getString("id");
    assertTrue(stored().stream().anyMatch(m -> m.id().equals(id) && m.retentionDays() == 2), "kept for 2 days");
    AuditEntry outcome = gw.entries().get(gw.entries().size() - 1);
    assertEquals("export_delivery", outcome.event().type());
    assertEquals(Boolean.FALSE, outcome.event().details().get("delivered"));
  }

  @Test
  @Order(3)
  void aDeliveredClipIsRedactedLoggedAndDeletedWhenItsRetentionEndsUnlessAHoldKeepsIt() throws Exception {
    // 1. An export kept 7 days.
    HttpResponse<byte[]> r = post(export(2, "test-archive", base + "ok/pv-1234/").put("retention_days", 7));
    assertEquals(201, r.statusCode(), new String(r.body()));
    JsonObject answer = new JsonObject(new String(r.body()));
    JsonObject exported = answer.getJsonObject("export");
    String weekly = exported.getString("id");
    Received got = RECEIVED.get(RECEIVED.size() - 1);
    assertEquals("/receive/ok/pv-1234/", got.path());
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got.body()));
    assertEquals(exported.getString("sha256"), sha, "the destination got exactly the stored clip");
    assertEquals(sha, got.headers().get("X-Camgate-Sha256"));
    assertEquals(weekly, got.headers().get("X-Camgate-Export-Id"));

    // What it received is the redacted view: the astronaut's face is pixelated in every frame that is not
    // fully masked, and there are as many frames as the gateway says.
    Mat original = imread(TestPaths.ASTRONAUT.toString());
    Rect face = FaceRedactionTest.innerFace(original);
    double before = Images.detail(original, face);
    long frames = 0;
    try (MjpegReader reader = new MjpegReader(new ByteArrayInputStream(got.body()))) {
      for (MjpegReader.Part part = reader.next(); part != null; part = reader.next()) {
        frames++;
        double after = Images.detail(Images.decode(part.jpeg()), face);
        assertTrue(after <= 0.10 * before, "frame " + frames + " shows the face: detail " + after + " of " + before);
      }
    }
    assertTrue(frames > 0);
    assertEquals(exported.getLong("frames"), frames);

    // Decide, log, then serve: the decision, then the stored clip, then its delivery.
    List<AuditEntry> all = gw.entries();
    AuditEntry delivery = all.get(all.size() - 1);
    AuditEntry storedEntry = all.stream().filter(e -> e.event().type().equals("export_stored")
        && weekly.equals(e.event().details().get("id"))).findFirst().orElseThrow();
    AuditEntry decision = all.stream().filter(e -> e.seq() == answer.getLong("audit_seq")).findFirst().orElseThrow();
    assertEquals(Boolean.TRUE, decision.event().decision().get("allow"));
    assertTrue(decision.seq() < storedEntry.seq() && storedEntry.seq() < delivery.seq());
    assertEquals(sha, storedEntry.event().details().get("sha256"));
    assertEquals("export_delivery", delivery.event().type());
    assertEquals(Boolean.TRUE, delivery.event().details().get("delivered"));

    // 2. An export under a legal hold in force, kept past the month while the hold lasts.
    HttpResponse<byte[]> h = post(export(1, "test-archive", base + "ok/hold/").put("legal_hold", HOLD));
    assertEquals(201, h.statusCode(), new String(h.body()));
    String held = new JsonObject(new String(h.body())).getJsonObject("export").getString("id");

    // 3. A file a crash left behind without its register row.
    Path orphan = gw.gateway().mediaStore().reserve("exp-orphan", "mjpg");
    gw.gateway().mediaStore().release("exp-orphan");
    Files.write(orphan, new byte[] {1, 2, 3});

    RetentionSweeper.Sweep now = sweep();
    assertEquals(List.of("exp-orphan.mjpg"), now.purged(), now.toJson().encode());
    assertFalse(Files.exists(orphan));
    assertTrue(now.held().contains(held), now.toJson().encode());
    assertTrue(now.kept().contains(weekly), now.toJson().encode());

    // 4. Eight days later the weekly clip goes, with a trace; the held one stays.
    CLOCK.advance(Duration.ofDays(8));
    Path weeklyFile = stored().stream().filter(m -> m.id().equals(weekly)).findFirst().orElseThrow().file();
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(weeklyFile)), "an exported clip is readable by the gateway's user alone");
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(weeklyFile.getParent())));
    RetentionSweeper.Sweep week = sweep();
    assertTrue(week.purged().contains(weekly), week.toJson().encode());
    assertFalse(Files.exists(weeklyFile), "the clip's file is deleted");
    assertTrue(stored().stream().noneMatch(m -> m.id().equals(weekly)), "and its register row");
    AuditEntry purge = gw.entries().stream().filter(e -> e.event().type().equals("retention_purge")
        && weekly.equals(e.event().resource().get("stored"))).findFirst().orElseThrow();
    assertTrue(String.valueOf(purge.event().details().get("reason")).contains("retention of 7 days ended"),
        purge.event().details().toString());
    assertTrue(week.held().contains(held));

    // 5. Forty days after that the hold still keeps it.
    CLOCK.advance(Duration.ofDays(40));
    assertTrue(sweep().held().contains(held));

    // 6. The DPO records that the hold was lifted: the clip, past its month, goes at the next sweep.
    JsonObject holds = gw.gateway().policyPublisher().orElseThrow().activeWithContent().await(30, TimeUnit.SECONDS)
        .getJsonObject("data").getJsonObject("legal_holds");
    holds.getJsonObject(HOLD).put("lifted", "2027-01-10T10:00:00+01:00");
    publish(new JsonObject().put("legal_holds", holds), "the investigating judge lifted " + HOLD);
    RetentionSweeper.Sweep lifted = sweep();
    assertTrue(lifted.purged().contains(held), lifted.toJson().encode());
    assertTrue(stored().stream().noneMatch(m -> m.id().equals(held)));
  }

  private static RetentionSweeper.Sweep sweep() throws Exception {
    RetentionSweeper.Sweep s = gw.gateway().retention().sweep().await(60, TimeUnit.SECONDS);
    assertTrue(s.problems().isEmpty(), s.toJson().encode());
    return s;
  }
}
