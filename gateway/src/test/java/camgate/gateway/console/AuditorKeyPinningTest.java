package camgate.gateway.console;

import camgate.audit.BundleVerifier;
import camgate.audit.CanonicalJson;
import camgate.audit.NoteKey;
import camgate.audit.Verdict;
import camgate.gateway.support.TestGateway;
import camgate.gateway.support.TestPaths;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The auditor page verifies a bundle against a pinned key fingerprint and the Java verifier's rotation rule, in a
 * real headless Chromium against a real gateway. Forged bundles are built here with a key of the test's own:
 * one re-signed throughout, one with a self-made key_rotation. The last test rotates the gateway's key, so the
 * tests run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditorKeyPinningTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();
  static TestGateway gw;
  static Browser browser;
  static String origin;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.builder()
        // No video: a camera without a source stays down, and the auditor page needs none.
        .camera("cam-gare", TestPaths.root().resolve("test-fixtures/no-such-camera.avi").toString(), "gare")
        .extra("people", new JsonArray().add(ConsoleBrowserTest.person("auditeur", "aud-pass", "auditor-1", "auditor",
            "ville")))
        .start();
    origin = gw.gateway().auditLog().publicKey().name();
    browser = Browser.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (gw != null) {
      gw.close();
    }
  }

  static WebElement byId(String id) {
    return browser.byId(id);
  }

  static Object js(String script, Object... args) {
    return browser.js(script, args);
  }

  /** The fingerprint the page pinned in this browser's localStorage. */
  static Object pinned() {
    return js("return JSON.parse(localStorage.getItem('camgate.audit.pin')).fingerprint");
  }

  /** Signs in as the auditor and waits until the page has checked the gateway's latest checkpoint. */
  static void openAuditorPage() {
    openAuditorPageAnyLatest();
    assertEquals("true", byId("latest-status").getDomAttribute("data-verified"), byId("latest-status").getText());
  }

  /** Signs in as the auditor and waits until the page has checked the latest checkpoint, whatever the outcome. */
  static void openAuditorPageAnyLatest() {
    browser.driver.get(gw.uri("/console/index.html").toString());
    browser.driver.manage().deleteAllCookies();
    browser.driver.get(gw.uri("/console/index.html").toString());
    browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("auditeur");
    byId("password").sendKeys("aud-pass");
    byId("signin").click();
    browser.waiting(WAIT).until(ExpectedConditions.urlContains("auditor.html"));
    browser.waiting(WAIT).until(d -> byId("latest-status").getDomAttribute("data-verified") != null);
  }

  /** Verifies {@code zip} in the page (file input) and returns the verdict element once it has an answer. */
  static WebElement verifyInPage(Path zip) {
    WebElement verdict = byId("verdict");
    js("delete arguments[0].dataset.verified", verdict);
    byId("bundle-file").sendKeys(zip.toString());
    browser.waiting(WAIT).until(d -> verdict.getDomAttribute("data-verified") != null);
    return verdict;
  }

  static WebElement exportInPage() {
    WebElement verdict = byId("verdict");
    js("delete arguments[0].dataset.verified", verdict);
    byId("export").click();
    browser.waiting(WAIT).until(d -> verdict.getDomAttribute("data-verified") != null);
    return verdict;
  }

  @Test
  @Order(1)
  void aGenuineBundleVerifiesAndShowsTheFingerprintItWasVerifiedAgainst() throws Exception {
    openAuditorPage();
    String fingerprint = gw.gateway().auditLog().keyFingerprint();
    WebElement verdict = exportInPage();
    assertEquals("true", verdict.getDomAttribute("data-verified"), verdict.getText());
    WebElement key = byId("verified-key");
    assertEquals(fingerprint, key.getDomAttribute("data-fingerprint"));
    assertTrue(key.getText().contains(fingerprint), key.getText());
    // Nothing was pinned in this fresh profile: the gateway's published key was, on first use, and the page says so.
    assertEquals("gateway", byId("expected-source").getDomAttribute("data-source"));
    assertEquals(fingerprint, pinned());
    browser.screenshot("pin-01-genuine-bundle-verified-with-fingerprint");
  }

  @Test
  @Order(2)
  void aBundleResignedWithAnotherKeyIsRefusedWithBothFingerprints() throws Exception {
    Map<String, byte[]> files = genuineBundle();
    ForgerKey forger = ForgerKey.generate(origin);
    List<String> records = new ArrayList<>();
    for (String line : lines(files.get("checkpoints.jsonl"))) {
      ObjectNode record = (ObjectNode) JSON.readTree(line);
      String note = record.get("note").textValue();
      record.put("note", forger.sign(note.substring(0, note.indexOf("\n\n") + 1)));
      record.put("key_id", forger.keyId());
      records.add(JSON.writeValueAsString(record));
    }
    files.put("checkpoints.jsonl", joined(records));
    files.put("public-key.pem", forger.pem().getBytes(StandardCharsets.US_ASCII));
    Path dir = write(files, "resigned");
    String expected = gw.gateway().auditLog().keyFingerprint();
    assertTrue(BundleVerifier.verify(dir).valid(), "re-signed consistently: only a pinned key tells it apart");
    assertFalse(BundleVerifier.verify(dir, expected).valid(), "the CLI refuses it with --key-fingerprint");

    openAuditorPage();
    WebElement verdict = verifyInPage(zip(dir));
    assertEquals("false", verdict.getDomAttribute("data-verified"), verdict.getText());
    assertEquals("fingerprint", verdict.getDomAttribute("data-problem"), verdict.getText());
    assertTrue(verdict.getText().contains(forger.fingerprint()) && verdict.getText().contains(expected),
        verdict.getText());
    assertTrue(verdict.getText().indexOf(forger.fingerprint()) < verdict.getText().indexOf(expected),
        "found first, expected second: " + verdict.getText());
    List<WebElement> rows = byId("checkpoints").findElements(By.tagName("tr"));
    assertFalse(rows.isEmpty());
    rows.forEach(row -> assertEquals("false", row.getDomAttribute("data-ok"), "a signature by an unpinned key: " + row.getText()));
    browser.screenshot("pin-02-resigned-bundle-refused");
  }

  @Test
  @Order(3)
  void aSelfMadeRotationWithAForgedEntryAndACheckpointOfTheNewKeyOnlyIsRefused() throws Exception {
    Map<String, byte[]> files = genuineBundle();
    ForgerKey forger = ForgerKey.generate(origin);
    NoteKey logKey = gw.gateway().auditLog().publicKey();
    List<String> entries = lines(files.get("entries.jsonl"));
    int n = entries.size();
    JsonNode last = JSON.readTree(entries.get(n - 1));
    String time = last.get("time").textValue();
    entries.add(entry(n, time, BundleVerifier.KEY_ROTATION, "rotate_key", Map.of("details", Map.of(
        "new_key_pem", forger.pem(), "new_key_id", forger.keyId(), "new_key_fingerprint", forger.fingerprint(),
        "previous_key_id", logKey.keyId()))));
    entries.add(entry(n + 1, time, "access_decision", "view_raw", Map.of(
        "subject", Map.of("id", "auditor-1", "roles", List.of("auditor"), "org", "ville"),
        "resource", Map.of("camera", "cam-gare", "zone", "gare"),
        "decision", Map.of("allow", true, "redact", false),
        "details", Map.of("purpose", "forged", "requisition", "none"))));
    files.put("entries.jsonl", joined(entries));
    List<String> records = lines(files.get("checkpoints.jsonl"));
    String lastNote = JSON.readTree(records.get(records.size() - 1)).get("note").textValue();
    String timeLine = lastNote.lines().filter(l -> l.startsWith("time ")).findFirst().orElseThrow();
    byte[] root = merkleRoot(entries);
    String body = origin + "\n" + entries.size() + "\n" + Base64.getEncoder().encodeToString(root) + "\n" + timeLine
        + "\n";
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("size", entries.size());
    record.put("root", HexFormat.of().formatHex(root));
    record.put("key_id", forger.keyId());
    record.put("note", forger.sign(body));
    records.add(JSON.writeValueAsString(record));
    files.put("checkpoints.jsonl", joined(records));
    Path dir = write(files, "self-rotated");
    Verdict java = BundleVerifier.verify(dir);
    assertFalse(java.valid());
    assertEquals(Verdict.Kind.CHECKPOINT, java.problem().kind(), java.summary());
    assertEquals(records.size() - 1, java.problem().index(), java.summary());

    openAuditorPage();
    WebElement verdict = verifyInPage(zip(dir));
    assertEquals("false", verdict.getDomAttribute("data-verified"), verdict.getText());
    assertTrue(verdict.getText().contains("checkpoint " + (records.size() - 1) + " "), verdict.getText());
    assertTrue(verdict.getText().contains("not by the trusted key " + origin + " " + logKey.keyId()), verdict.getText());
    browser.screenshot("pin-03-self-made-rotation-refused");
  }

  @Test
  @Order(4)
  void aLegitimateRotationVerifiesAndMovesThePinAlongIt() throws Exception {
    NoteKey before = gw.gateway().auditLog().publicKey();
    gw.gateway().auditLog().rotateKey();
    NoteKey after = gw.gateway().auditLog().publicKey();
    assertNotEquals(before.fingerprint(), after.fingerprint());

    // The page pinned the first key (test 1); the gateway now publishes another one: it says so. Its latest
    // checkpoint may still be the old key's, the one covering the announcement.
    openAuditorPageAnyLatest();
    WebElement warning = byId("pin-warning");
    assertTrue(warning.isDisplayed(), "the gateway's key changed since it was pinned");
    assertTrue(warning.getText().contains(before.fingerprint()) && warning.getText().contains(after.fingerprint()),
        warning.getText());
    WebElement verdict = exportInPage();
    assertEquals("true", verdict.getDomAttribute("data-verified"), verdict.getText());
    assertEquals(before.fingerprint(), byId("verified-key").getDomAttribute("data-fingerprint"));
    assertTrue(byId("key-chain").getText().contains(after.fingerprint()), byId("key-chain").getText());
    // A checkpoint of the pinned key covers the rotation and the new key signed the last one: the pin follows.
    browser.waiting(WAIT).until(d -> after.fingerprint().equals(
        pinned()));
    assertFalse(warning.isDisplayed(), "the new key is now the pinned one");
    browser.screenshot("pin-04-rotated-bundle-verified");

    // A browser that first meets the gateway after the rotation pins the new key, and the old bundle's root of
    // trust leads to it.
    js("localStorage.removeItem('camgate.audit.pin')");
    openAuditorPage();
    assertEquals(after.fingerprint(), byId("expected-fingerprint").getDomProperty("value"));
    verdict = exportInPage();
    assertEquals("true", verdict.getDomAttribute("data-verified"), verdict.getText());
    assertEquals(after.fingerprint(), byId("verified-key").getDomAttribute("data-fingerprint"));
  }

  /** An Ed25519 key of the forger's, named like the log (the origin) so that its notes look the part. */
  record ForgerKey(KeyPair pair, NoteKey note) {
    static ForgerKey generate(String name) throws GeneralSecurityException {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded())
          + "\n-----END PUBLIC KEY-----\n";
      return new ForgerKey(pair, NoteKey.fromPem(name, pem));
    }

    String pem() {
      return note.pem();
    }

    String keyId() {
      return note.keyId();
    }

    String fingerprint() {
      return note.fingerprint();
    }

    /** A C2SP signed note of {@code body} with this key only. */
    String sign(String body) throws GeneralSecurityException {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(pair.getPrivate());
      s.update(body.getBytes(StandardCharsets.UTF_8));
      byte[] sig = s.sign();
      byte[] blob = ByteBuffer.allocate(4 + sig.length).put(HexFormat.of().parseHex(keyId())).put(sig).array();
      return body + "\n\u2014 " + note.name() + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    }
  }

  /** An entry line as the log writes it (RFC 8785), with {@code fields} besides seq, time, type and action. */
  static String entry(long seq, String time, String type, String action, Map<String, Object> fields) {
    Map<String, Object> e = new LinkedHashMap<>(fields);
    e.put("seq", seq);
    e.put("time", time);
    e.put("type", type);
    e.put("action", action);
    return CanonicalJson.canonicalize(e);
  }

  /** RFC 9162 MTH over entry lines: leaf SHA-256(0x00 || entry), node SHA-256(0x01 || left || right). */
  static byte[] merkleRoot(List<String> entries) throws GeneralSecurityException {
    List<byte[]> leaves = new ArrayList<>();
    for (String e : entries) {
      leaves.add(sha256(new byte[] {0}, e.getBytes(StandardCharsets.UTF_8)));
    }
    return subtree(leaves, 0, leaves.size());
  }

  private static byte[] subtree(List<byte[]> leaves, int from, int to) throws GeneralSecurityException {
    if (to - from == 1) {
      return leaves.get(from);
    }
    int k = Integer.highestOneBit(to - from - 1);
    return sha256(new byte[] {1}, subtree(leaves, from, from + k), subtree(leaves, from + k, to));
  }

  private static byte[] sha256(byte[]... parts) throws GeneralSecurityException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  /** The gateway's export, file name to bytes. */
  static Map<String, byte[]> genuineBundle() throws IOException, InterruptedException {
    HttpResponse<byte[]> r = gw.get("/audit/export", TestGateway.AUDITOR_KEY);
    assertEquals(200, r.statusCode());
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        files.put(e.getName(), zip.readAllBytes());
      }
    }
    return files;
  }

  static List<String> lines(byte[] file) {
    List<String> out = new ArrayList<>();
    for (String l : new String(file, StandardCharsets.UTF_8).split("\n")) {
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return out;
  }

  static byte[] joined(List<String> lines) {
    return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static Path write(Map<String, byte[]> files, String name) throws IOException {
    Path dir = Files.createDirectories(gw.directory().resolve(name));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.write(dir.resolve(f.getKey()), f.getValue());
    }
    return dir;
  }

  static Path zip(Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (String f : List.of("entries.jsonl", "checkpoints.jsonl", "public-key.pem", "bundle.json")) {
        if (Files.exists(dir.resolve(f))) {
          zip.putNextEntry(new ZipEntry(f));
          zip.write(Files.readAllBytes(dir.resolve(f)));
          zip.closeEntry();
        }
      }
    }
    Path file = dir.resolveSibling(dir.getFileName() + ".zip");
    Files.write(file, out.toByteArray());
    return file;
  }
}
