package camgate.gateway;

import camgate.audit.BundleVerifier;
import camgate.audit.ConsistencyProof;
import camgate.audit.Hash;
import camgate.audit.InclusionProof;
import camgate.audit.ProofException;
import camgate.audit.Verdict;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The auditor's HTTP side of the log, checked with nothing but the audit module's verifier and an
 * independent leaf hash: what the gateway serves proves what it claims.
 */
class AuditRoutesTest {

  static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.builder().camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville").start();
    for (int i = 0; i < 5; i++) {
      gw.get("/cameras", TestGateway.OPERATOR_KEY);
      gw.get("/cameras/cam-demo/stream.mjpg?purpose=x", TestGateway.GARE_KEY);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
  }

  private static JsonObject json(String path) throws Exception {
    HttpResponse<byte[]> r = gw.get(path, TestGateway.AUDITOR_KEY);
    assertEquals(200, r.statusCode(), path + ": " + new String(r.body()));
    return new JsonObject(new String(r.body(), StandardCharsets.UTF_8));
  }

  private static JsonObject checkpointNow() throws Exception {
    gw.gateway().auditLog().checkpointNow();
    return json("/audit/checkpoints/latest");
  }

  /** RFC 9162 leaf hash, computed here rather than by the module under test. */
  private static Hash leaf(String entry) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update((byte) 0);
    return Hash.of(sha.digest(entry.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Hash> path(JsonObject proof) {
    return proof.getJsonArray("path").stream().map(h -> Hash.fromHex((String) h)).toList();
  }

  @Test
  void checkpointIsASignedNoteOfTheTree() throws Exception {
    JsonObject cp = checkpointNow();
    long size = cp.getLong("size");
    assertTrue(size >= 11, "the decisions above are in the log: size " + size);
    String[] lines = cp.getString("note").split("\n");
    assertEquals("camgate.test/log", lines[0], "C2SP checkpoint: origin line");
    assertEquals(Long.toString(size), lines[1], "decimal tree size");
    assertEquals(Hash.fromHex(cp.getString("root")).base64(), lines[2], "base64 root");
    assertTrue(cp.getString("note").contains("\n\n\u2014 "), "a signature line follows the body");
  }

  @Test
  void inclusionProofServedByTheGatewayVerifies() throws Exception {
    JsonObject cp = checkpointNow();
    long size = cp.getLong("size");
    Hash root = Hash.fromHex(cp.getString("root"));
    for (long seq : new long[] {0, 3, size - 1}) {
      JsonObject proof = json("/audit/entries/" + seq + "/proof?size=" + size);
      InclusionProof p = new InclusionProof(seq, size, path(proof));
      p.verify(leaf(proof.getString("entry")), root);
      String forged = proof.getString("entry").replaceFirst("\"type\":\"", "\"type\":\"forged_");
      assertTrue(!forged.equals(proof.getString("entry")));
      assertThrows(ProofException.class, () -> p.verify(leaf(forged), root), "an altered entry must not verify");
    }
  }

  @Test
  void consistencyProofServedByTheGatewayVerifies() throws Exception {
    JsonObject first = checkpointNow();
    gw.get("/cameras", TestGateway.OPERATOR_KEY);
    JsonObject second = checkpointNow();
    long m = first.getLong("size");
    long n = second.getLong("size");
    assertTrue(n > m);
    JsonObject proof = json("/audit/consistency?from=" + m + "&to=" + n);
    new ConsistencyProof(m, n, path(proof)).verify(Hash.fromHex(first.getString("root")),
        Hash.fromHex(second.getString("root")));
  }

  @Test
  void exportedBundleVerifiesOffline() throws Exception {
    HttpResponse<byte[]> r = gw.get("/audit/export", TestGateway.AUDITOR_KEY);
    assertEquals(200, r.statusCode());
    assertEquals("application/zip", r.headers().firstValue("Content-Type").orElse(""));
    Path dir = Files.createTempDirectory("camgate-bundle");
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        Files.write(dir.resolve(e.getName()), zip.readAllBytes());
      }
    }
    assertTrue(Files.exists(dir.resolve("entries.jsonl")));
    assertTrue(Files.exists(dir.resolve("checkpoints.jsonl")));
    assertTrue(Files.exists(dir.resolve("public-key.pem")));
    Verdict verdict = BundleVerifier.verify(dir, gw.gateway().auditLog().keyFingerprint());
    assertTrue(verdict.valid(), verdict.summary());
    assertTrue(verdict.entries() >= 11);

    // One changed byte in an entry, and the same bundle no longer verifies.
    Path entries = dir.resolve("entries.jsonl");
    Files.writeString(entries, Files.readString(entries).replaceFirst("agent-042", "agent-043"));
    assertTrue(!BundleVerifier.verify(dir).valid(), "a tampered bundle must not verify");
  }

  @Test
  void operatorsMayNotReadTheLog() throws Exception {
    HttpResponse<byte[]> r = gw.get("/audit/checkpoints/latest", TestGateway.OPERATOR_KEY);
    assertEquals(403, r.statusCode());
    assertTrue(new String(r.body()).contains("camgate.audit_log.not_a_reader"));
  }

  @Test
  void impossibleProofRequestsAre400() throws Exception {
    HttpResponse<byte[]> r = gw.get("/audit/consistency?from=5&to=2", TestGateway.AUDITOR_KEY);
    assertEquals(400, r.statusCode(), new String(r.body()));
    HttpResponse<byte[]> beyond = gw.get("/audit/entries/999999/proof?size=5", TestGateway.AUDITOR_KEY);
    assertEquals(400, beyond.statusCode(), new String(beyond.body()));
  }
}
