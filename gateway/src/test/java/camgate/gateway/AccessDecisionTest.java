package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Refusals through the real gateway and the real OPA: each request is answered with the right status
 * and leaves exactly one decision entry in the audit log, refusals included.
 */
class AccessDecisionTest {

  static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.builder()
        .camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville")
        .camera("cam-nomask", TestPaths.VTEST.toString(), "centre-ville")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private JsonObject refused(String path, String key, int status) throws Exception {
    int before = gw.decisions().size();
    HttpResponse<byte[]> r = gw.get(path, key);
    assertEquals(status, r.statusCode(), new String(r.body()));
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    List<AuditEntry> decisions = gw.decisions();
    assertEquals(before + 1, decisions.size(), "exactly one decision row for " + path);
    AuditEntry last = decisions.get(decisions.size() - 1);
    assertEquals(Boolean.FALSE, last.event().decision().get("allow"));
    JsonObject body = new JsonObject(new String(r.body()));
    assertEquals(last.seq(), body.getLong("audit_seq"), "the refusal names its audit entry");
    assertFalse(body.getJsonArray("reasons").isEmpty(), "a refusal says why");
    return body;
  }

  /** The first anonymous refusal from a source has its own entry; AnonymousRefusalsTest covers the rest. */
  @Test
  void noKeyIs401() throws Exception {
    refused("/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique", null, 401);
  }

  @Test
  void operatorOfAnotherZoneIs403() throws Exception {
    JsonObject body = refused("/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique", TestGateway.GARE_KEY,
        403);
    assertTrue(body.encode().contains("zone"), "the reason names the zone rule: " + body.encode());
  }

  @Test
  void accessWithoutPurposeIs403() throws Exception {
    refused("/cameras/cam-demo/stream.mjpg", TestGateway.OPERATOR_KEY, 403);
  }

  @Test
  void purposeNotAuthorisedForTheCameraIs403() throws Exception {
    refused("/cameras/cam-demo/stream.mjpg?purpose=marketing", TestGateway.OPERATOR_KEY, 403);
  }

  @Test
  void cameraWithoutPrivacyMasksCannotBeViewed() throws Exception {
    refused("/cameras/cam-nomask/stream.mjpg?purpose=securite-voie-publique", TestGateway.OPERATOR_KEY, 403);
  }

  @Test
  void rawViewWithoutRequisitionIs403() throws Exception {
    refused("/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique&raw=1", TestGateway.OPERATOR_KEY, 403);
  }

  @Test
  void faceRecognitionConsumerIs403() throws Exception {
    refused("/cameras/cam-demo/stream.mjpg?purpose=securite-voie-publique", TestGateway.FACEID_KEY, 403);
  }

  @Test
  void unknownCameraIsDecidedLoggedAndRefused() throws Exception {
    refused("/cameras/cam-unknown/stream.mjpg?purpose=securite-voie-publique", TestGateway.OPERATOR_KEY, 403);
  }

  @Test
  void malformedProofRequestIs400() throws Exception {
    HttpResponse<byte[]> r = gw.get("/audit/entries/not-a-number/proof", TestGateway.AUDITOR_KEY);
    assertEquals(400, r.statusCode());
    assertTrue(new String(r.body()).contains("non-negative integer"));
  }

  @Test
  void unknownEndpointIs404WithAHint() throws Exception {
    HttpResponse<byte[]> r = gw.get("/nope", TestGateway.OPERATOR_KEY);
    assertEquals(404, r.statusCode());
    assertTrue(new String(r.body()).contains("no such endpoint"));
  }
}
