package camgate.gateway.console;

import camgate.audit.AuditEntry;
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
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web console end to end in a real browser: Debian's headless Chromium against a real gateway (real OPA,
 * H2 audit log, a file camera redacted live). The steps build on each other (the DPO's publication changes what
 * the operator sees), so they run in order; each saves screenshots under gateway/target/screenshots/.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final String XSS = "<img src=x onerror=\"window.__camgateXss=1\">";
  static TestGateway gw;
  static Browser browser;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    JsonArray people = new JsonArray()
        .add(person("agent042", "op-pass-042", "agent-042", "operator", "police-municipale"))
        .add(person("dpo", "dpo-pass", "dpo-1", "dpo", "ville"))
        .add(person("auditeur", "aud-pass", "auditor-1", "auditor", "ville"));
    gw = TestGateway.builder()
        .camera("cam-demo", TestPaths.VTEST.toString(), "centre-ville")
        // Configured but without a source: it stays down; the policy still decides on its zone (gare).
        .camera("cam-gare", TestPaths.root().resolve("test-fixtures/no-such-camera.avi").toString(), "gare")
        .extra("people", people)
        .start();
    gw.awaitLive("cam-demo", Duration.ofSeconds(90));
    browser = Browser.start();
    base = gw.gateway().url().toString();
  }

  static JsonObject person(String username, String password, String id, String role, String org) {
    return new JsonObject().put("username", username)
        .put("password_argon2", PasswordHash.of(password.toCharArray()).encoded())
        .put("subject", new JsonObject().put("id", id).put("roles", new JsonArray().add(role)).put("org", org)
            .put("capabilities", new JsonArray().add("display")));
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
    return browser.driver.findElement(By.id(id));
  }

  static WebElement visible(String id) {
    return browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
  }

  static Object js(String script, Object... args) {
    return ((JavascriptExecutor) browser.driver).executeScript(script, args);
  }

  static void signIn(String username, String password) {
    browser.driver.get(gw.uri("/console/index.html").toString());
    browser.driver.manage().deleteAllCookies();
    browser.driver.get(gw.uri("/console/index.html").toString());
    visible("username").sendKeys(username);
    byId("password").sendKeys(password);
    byId("signin").click();
  }

  static void signOut() {
    byId("signout").click();
    browser.waiting(WAIT).until(ExpectedConditions.urlContains("signedout"));
  }

  @Test
  @Order(1)
  void aWrongPasswordIsRefusedOnThePageInFrenchByDefault() throws Exception {
    signIn("agent042", "not-the-password");
    WebElement error = browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
    browser.waiting(WAIT).until(d -> !error.getText().isEmpty());
    assertEquals("Identifiant ou mot de passe incorrect.", error.getText());
    assertEquals("fr", js("return document.documentElement.lang"));
    browser.screenshot("01-sign-in-wrong-password");
    AuditEntry last = signIns().get(signIns().size() - 1);
    assertEquals("wrong_password", last.event().details().get("outcome"));
  }

  @Test
  @Order(2)
  void theOperatorPicksAPurposeAndSeesTheRedactedStreamChange() throws Exception {
    signIn("agent042", "op-pass-042");
    browser.waiting(WAIT).until(ExpectedConditions.urlContains("operator.html"));
    WebElement camera = visible("camera-cam-demo");
    assertTrue(browser.driver.findElements(By.id("camera-cam-gare")).isEmpty(), "cam-gare is in zone gare: not listed");
    browser.screenshot("02-operator-cameras");
    camera.click();
    byId("view").click();
    assertEquals("Choisissez une finalité avant de visionner.", visible("hint").getText(), "no purpose, no viewing");
    new Select(byId("purpose")).selectByValue("securite-voie-publique");
    int decisionsBefore = gw.decisions().size();
    int entriesBefore = gw.entries().size();
    byId("view").click();
    // Chromium plays the redacted view over HLS (hls.js, vendored): the video's clock advances.
    WebElement video = visible("video");
    assertEquals("hls.js", byId("viewer").getDomAttribute("data-player"));
    browser.waiting(Duration.ofSeconds(60)).until(d -> videoTime(video) > 1);
    byte[] first = video.getScreenshotAs(OutputType.BYTES);
    double then = videoTime(video);
    browser.waiting(Duration.ofSeconds(60)).until(d -> videoTime(video) > then + 2);
    assertTrue(((Number) js("return arguments[0].videoWidth", video)).intValue() == 768, "vtest.avi's width");
    byte[] later = video.getScreenshotAs(OutputType.BYTES);
    browser.screenshot("03-operator-live-hls");
    assertFalse(Arrays.equals(first, later), "the picture changes as the video plays");
    browser.waiting(WAIT).until(d -> byId("remaining").getText().startsWith("Temps autorisé restant"));
    browser.screenshot("03b-operator-live-stream-remaining-time");
    List<AuditEntry> hlsDecisions = gw.decisions().stream().skip(decisionsBefore)
        .filter(e -> "view_live".equals(e.event().action())).toList();
    assertEquals(1, hlsDecisions.size(), "one decision for the HLS session, whatever the player fetched");
    AuditEntry decision = hlsDecisions.get(0);
    assertEquals("agent-042", decision.event().subject().get("id"), "the session's subject went through the gate");
    assertEquals("securite-voie-publique", decision.event().details().get("purpose"), "the purpose was logged");
    assertEquals(true, decision.event().decision().get("allow"));
    assertEquals("/cameras/cam-demo/hls/index.m3u8",
        ((Map<?, ?>) decision.event().details().get("request")).get("path"));
    byId("stop").click();
    AuditEntry ended = gw.awaitEntry("access_ended", entriesBefore);
    assertEquals("client ended the session", ended.event().details().get("reason"), "Stop ends the HLS access");
    assertEquals("hls", ended.event().details().get("protocol"));
  }

  @Test
  @Order(3)
  void aBrowserWithoutHlsFallsBackToTheMjpegStream() throws Exception {
    // As a browser without Media Source Extensions nor a native HLS player.
    js("Hls.isSupported = () => false; HTMLMediaElement.prototype.canPlayType = () => '';");
    int decisionsBefore = gw.decisions().size();
    byId("view").click();
    WebElement img = visible("stream");
    assertEquals("mjpeg", byId("viewer").getDomAttribute("data-player"));
    browser.waiting(WAIT).until(d -> frames(img) >= 3);
    assertTrue(((Number) js("return arguments[0].naturalWidth", img)).intValue() > 0, "the image decoded");
    // Compare two redacted frames taken ten frames apart (not whole-frame fail-safe masks, which all look alike).
    browser.waiting(Duration.ofSeconds(60)).until(d -> "0".equals(img.getDomAttribute("data-fail-safe")));
    byte[] first = img.getScreenshotAs(OutputType.BYTES);
    int framesThen = frames(img);
    browser.waiting(Duration.ofSeconds(60)).until(d -> frames(img) >= framesThen + 10
        && "0".equals(img.getDomAttribute("data-fail-safe")));
    byte[] later = img.getScreenshotAs(OutputType.BYTES);
    browser.screenshot("03c-operator-mjpeg-fallback");
    assertFalse(Arrays.equals(first, later), "the picture changes as frames arrive");
    AuditEntry decision = gw.decisions().stream().skip(decisionsBefore)
        .filter(e -> "view_live".equals(e.event().action())).findFirst().orElseThrow();
    assertEquals("/cameras/cam-demo/stream.mjpg", ((Map<?, ?>) decision.event().details().get("request")).get("path"));
    byId("stop").click();
  }

  static double videoTime(WebElement video) {
    String t = video.getDomAttribute("data-time");
    return t == null ? 0 : Double.parseDouble(t);
  }

  static int frames(WebElement img) {
    String f = img.getDomAttribute("data-frames");
    return f == null ? 0 : Integer.parseInt(f);
  }

  @Test
  @Order(4)
  void theOperatorIsDeniedACameraOutsideTheirZoneAndSeesWhy() throws Exception {
    WebElement other = byId("other-camera");
    other.clear();
    other.sendKeys("cam-gare");
    byId("view").click();
    WebElement denied = visible("denied");
    assertEquals("403", denied.getDomAttribute("data-status"));
    String reasons = byId("denied-reasons").getText();
    assertTrue(reasons.contains("agent-042 is designated for zones [\"centre-ville\"], not for zone gare of camera"
        + " cam-gare"), reasons);
    assertTrue(byId("denied-title").getText().contains("Accès refusé"));
    browser.screenshot("04-operator-denied-outside-zone");

    // HTML typed where a camera id goes comes back inside the policy's reason: shown as text, never run.
    other.clear();
    other.sendKeys(XSS);
    byId("view").click();
    browser.waiting(WAIT).until(d -> byId("denied-reasons").getText().contains("<img src=x"));
    assertTrue(byId("denied-reasons").findElements(By.tagName("img")).isEmpty(), "no element was created");
    assertNull(js("return window.__camgateXss"), "the markup was not executed");
    browser.screenshot("05-operator-html-in-camera-id-escaped");
  }

  @Test
  @Order(5)
  void theEnglishSwitchTranslatesThePage() throws Exception {
    byId("lang").click();
    browser.waiting(WAIT).until(d -> byId("view").getText().equals("View stream"));
    assertEquals("en", js("return document.documentElement.lang"));
    browser.screenshot("06-operator-english");
    byId("lang").click();
    browser.waiting(WAIT).until(d -> byId("view").getText().equals("Voir le flux"));
    byId("nav-status").click();
    browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.id("status-cam-demo")));
    browser.waiting(WAIT).until(d -> "up".equals(byId("policy-state").getDomAttribute("data-state")));
    assertEquals("live", byId("status-cam-demo").getDomAttribute("data-state"));
    // The status page lists only the cameras the person may see: cam-gare is in another zone.
    assertEquals(Boolean.TRUE, js("return document.getElementById('status-cam-gare') === null"),
        "an operator of centre-ville must not see the status of cam-gare");
    assertEquals("up", byId("audit-state").getDomAttribute("data-state"));
    browser.screenshot("07-status");
    signOut();
  }

  @Test
  @Order(6)
  void theAuditorExportsAndThePageVerifiesTheLogThenRejectsATamperedBundle() throws Exception {
    signIn("auditeur", "aud-pass");
    browser.waiting(WAIT).until(ExpectedConditions.urlContains("auditor.html"));
    browser.waiting(WAIT).until(d -> "true".equals(byId("latest-status").getDomAttribute("data-verified")));
    byId("export").click();
    WebElement verdict = visible("verdict");
    browser.waiting(WAIT).until(d -> verdict.getDomAttribute("data-verified") != null);
    assertEquals("true", verdict.getDomAttribute("data-verified"), verdict.getText());
    assertTrue(verdict.getText().startsWith("Journal vérifié"), verdict.getText());
    List<WebElement> checkpoints = byId("checkpoints").findElements(By.tagName("tr"));
    assertFalse(checkpoints.isEmpty());
    checkpoints.forEach(row -> assertEquals("true", row.getDomAttribute("data-ok")));
    browser.screenshot("08-auditor-export-verified");

    // Register filtered to the operator's denied accesses; the inclusion proof of one is checked in the page.
    byId("f-person").sendKeys("agent-042");
    new Select(byId("f-decision")).selectByValue("deny");
    List<WebElement> rows = byId("register").findElements(By.tagName("tr"));
    assertFalse(rows.isEmpty(), "the denial of cam-gare is in the register");
    rows.forEach(r -> assertTrue(r.getText().contains("agent-042") && r.getText().contains("refusé"), r.getText()));
    rows.get(0).findElement(By.className("proof")).click();
    browser.waiting(WAIT).until(d -> byId("proof-result").getDomAttribute("data-verified") != null);
    assertEquals("true", byId("proof-result").getDomAttribute("data-verified"), byId("proof-result").getText());
    browser.screenshot("09-auditor-register-and-inclusion-proof");
    // Corruption probes on the page's verifier with a real proof: a flipped bit, another index, another size.
    String seq = rows.get(0).getDomAttribute("data-seq");
    Object probes = ((JavascriptExecutor) browser.driver).executeAsyncScript(String.join("\n",
        "const done = arguments[arguments.length - 1];",
        "(async () => {",
        "  const V = AuditVerify;",
        "  const cp = await (await fetch('/audit/checkpoints/latest')).json();",
        "  const p = await (await fetch('/audit/entries/' + arguments[0] + '/proof?size=' + cp.size)).json();",
        "  const entry = new TextEncoder().encode(p.entry);",
        "  const path = p.path.map(V.fromHex);",
        "  const root = V.fromHex(cp.root);",
        "  const outcome = async f => { try { await f(); return 'ok'; } catch (e) { return 'rejected'; } };",
        "  const flipped = path.map(h => h.slice()); flipped[0][0] ^= 1;",
        "  done([await outcome(() => V.verifyInclusion(p.index, p.tree_size, entry, path, root)),",
        "        await outcome(() => V.verifyInclusion(p.index, p.tree_size, entry, flipped, root)),",
        "        await outcome(() => V.verifyInclusion(p.index + 1, p.tree_size, entry, path, root)),",
        "        await outcome(() => V.verifyInclusion(p.index, p.tree_size * 2, entry, path, root)),",
        "        await outcome(() => V.verifyInclusion(p.index, p.tree_size, new TextEncoder().encode(p.entry + ' '), path, root))]);",
        "})().catch(e => done(String(e)));"), seq);
    assertEquals(List.of("ok", "rejected", "rejected", "rejected", "rejected"), probes,
        "a real proof verifies; a flipped bit, index+1, size x2 and trailing garbage do not");

    Path tampered = tamperedBundle();
    byId("bundle-file").sendKeys(tampered.toString());
    browser.waiting(WAIT).until(d -> "false".equals(verdict.getDomAttribute("data-verified")));
    assertTrue(verdict.getText().startsWith("Journal NON vérifié"), verdict.getText());
    assertTrue(verdict.getText().contains("do not match checkpoint"), verdict.getText());
    js("arguments[0].scrollIntoView()", verdict);
    browser.screenshot("10-auditor-tampered-bundle-not-verified");
    signOut();
  }

  /** The export bundle with one character of one entry changed (agent-042 → agent-043), still canonical JSON. */
  static Path tamperedBundle() throws IOException, InterruptedException {
    HttpResponse<byte[]> r = gw.get("/audit/export", TestGateway.AUDITOR_KEY);
    assertEquals(200, r.statusCode());
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(r.body()))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        files.put(e.getName(), zip.readAllBytes());
      }
    }
    String entries = new String(files.get("entries.jsonl"), StandardCharsets.UTF_8);
    assertTrue(entries.contains("\"agent-042\""));
    files.put("entries.jsonl", entries.replaceFirst("\"agent-042\"", "\"agent-043\"").getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(f.getKey()));
        zip.write(f.getValue());
        zip.closeEntry();
      }
    }
    Path file = gw.directory().resolve("tampered-bundle.zip");
    Files.write(file, out.toByteArray());
    return file;
  }

  @Test
  @Order(7)
  void theDpoBreaksARuleAndPublishIsRefusedWithOpasError() throws Exception {
    signIn("dpo", "dpo-pass");
    browser.waiting(WAIT).until(ExpectedConditions.urlContains("dpo.html"));
    browser.waiting(WAIT).until(d -> byId("active-version").getDomAttribute("data-revision") != null
        || !byId("api-error").getText().isEmpty());
    assertEquals("", byId("api-error").getText(), "the policy workflow API answered");
    String revision = byId("active-version").getDomAttribute("data-revision");
    new Select(byId("module")).selectByValue("camgate/decision.rego");
    js("const t = document.getElementById('source'); t.value = t.value + '\\nbroken_rule if {\\n';"
        + "t.dispatchEvent(new Event('input'));");
    assertFalse(byId("highlight").findElements(By.className("rg-kw")).isEmpty(), "Rego is highlighted");
    byId("reason").sendKeys("test d'une règle cassée");
    byId("publish").click();
    browser.waiting(Duration.ofSeconds(60)).until(d -> done(byId("result")));
    assertEquals("refused", byId("result").getDomAttribute("data-outcome"));
    String errors = visible("opa-errors").getText();
    assertTrue(errors.contains("rego_parse_error"), errors);
    browser.screenshot("11-dpo-broken-rule-refused");
    assertEquals(revision, gw.gateway().policyVersion(), "nothing was published");
    // Undo the broken edit.
    js("const t = document.getElementById('source'); t.value = t.value.replace('\\nbroken_rule if {\\n', '');"
        + "t.dispatchEvent(new Event('input'));");
    assertEquals("", byId("diff").getText());
  }

  @Test
  @Order(8)
  void theDpoDryRunShowsTheChangedDecisionsAndPublishingChangesWhatTheOperatorSees() throws Exception {
    new Select(byId("data-key")).selectByValue("agents");
    js("const t = document.getElementById('data'); const agents = JSON.parse(t.value);"
        + "agents['agent-042'].zones.push('gare'); t.value = JSON.stringify(agents, null, 2);"
        + "t.dispatchEvent(new Event('input'));");
    assertTrue(byId("diff").getText().contains("\"gare\""), byId("diff").getText());
    // The policy's own tests pin what agent-042 sees: the DPO updates that test with the change (else: refused).
    new Select(byId("module")).selectByValue("camgate/visibility/visibility_test.rego");
    js("const t = document.getElementById('source'); t.value = t.value.replace("
        + "'visibility.cameras == {\"cam-demo\", \"cam-face\"} with input as listing(\"agent-042\"',"
        + "'visibility.cameras == {\"cam-demo\", \"cam-face\", \"cam-gare\"} with input as listing(\"agent-042\"');"
        + "t.dispatchEvent(new Event('input'));");
    assertTrue(byId("diff").getText().contains("\"cam-gare\"} with input as listing(\"agent-042\""),
        byId("diff").getText());
    byId("test").click();
    browser.waiting(Duration.ofSeconds(60)).until(d -> done(byId("result")));
    assertEquals("ok", byId("result").getDomAttribute("data-outcome"), byId("result").getText());
    byId("dry-run").click();
    browser.waiting(Duration.ofSeconds(60)).until(d -> done(byId("result")));
    assertEquals("ok", byId("result").getDomAttribute("data-outcome"), byId("result").getText());
    WebElement changes = visible("dry-run-changes");
    List<WebElement> flipped = changes.findElements(By.cssSelector("tr[data-change='deny_to_allow']"));
    assertTrue(flipped.stream().anyMatch(r -> r.getText().contains("agent-042") && r.getText().contains("cam-gare")),
        changes.getText());
    browser.screenshot("12-dpo-dry-run");

    byId("reason").clear();
    byId("reason").sendKeys(XSS + " renfort gare");
    byId("publish").click();
    browser.waiting(Duration.ofSeconds(90)).until(d -> done(byId("result")));
    assertEquals("ok", byId("result").getDomAttribute("data-outcome"), byId("result").getText());
    visible("published");
    browser.waiting(WAIT).until(d -> byId("versions").getText().contains("renfort gare"));
    assertTrue(byId("versions").getText().contains(XSS), "the reason is shown as typed");
    assertTrue(byId("versions").findElements(By.tagName("img")).isEmpty());
    assertNull(js("return window.__camgateXss"), "HTML in the reason was not executed");
    browser.screenshot("13-dpo-published");
    // The history shows what version 2 changed, read back from the server, not from the editor's memory.
    byId("version-2").findElement(By.className("changes")).click();
    browser.waiting(WAIT).until(d -> byId("version-diff").getText().contains("@@ data.agents"));
    String changed = byId("version-diff").getText();
    assertTrue(changed.matches("(?s).*\\+\\s+\"gare\".*"), "agent-042's new zone is an added line: " + changed);
    assertTrue(changed.contains("@@ camgate/visibility/visibility_test.rego"), changed);
    assertFalse(changed.contains("@@ data.cameras"), "only what version 2 changed: " + changed);
    browser.screenshot("13b-dpo-version-2-changes");
    signOut();

    signIn("agent042", "op-pass-042");
    browser.waiting(WAIT).until(ExpectedConditions.urlContains("operator.html"));
    visible("camera-cam-gare");
    browser.screenshot("14-operator-sees-cam-gare-after-publication");
  }

  @Test
  @Order(9)
  void theDpoDrawsAPrivacyMaskThenRollsBackAndTheOperatorLosesTheCamera() throws Exception {
    signOut();
    signIn("dpo", "dpo-pass");
    browser.waiting(WAIT).until(d -> byId("active-version").getDomAttribute("data-revision") != null);
    new Select(byId("mask-camera")).selectByValue("cam-demo");
    // The DPO draws over the camera's redacted picture, decided as admin_policy operation mask_snapshot.
    browser.waiting(WAIT).until(d -> ((Number) js("return document.getElementById('mask-image').naturalWidth")).intValue() > 0);
    assertEquals(768L, ((Number) js("return document.getElementById('mask-image').naturalWidth")).longValue(),
        "vtest.avi's width");
    assertTrue(gw.decisions().stream().anyMatch(e -> "admin_policy".equals(e.event().action())
        && "cam-demo".equals(e.event().resource().get("camera"))
        && Boolean.TRUE.equals(e.event().decision().get("allow"))), "the DPO's snapshot was decided and logged");
    WebElement canvas = byId("mask-canvas");
    new org.openqa.selenium.interactions.Actions(browser.driver)
        .moveToElement(canvas, -200, -100).click().moveToElement(canvas, -100, -100).click()
        .moveToElement(canvas, -150, 0).click().perform();
    byId("mask-close").click();
    byId("mask-propose").click();
    String diff = byId("diff").getText();
    assertTrue(diff.contains("@@ data.cameras") && diff.contains("mask 2"), diff);
    js("document.getElementById('mask-canvas').scrollIntoView()");
    browser.screenshot("15-dpo-privacy-mask-drawn");

    byId("reason").sendKeys("retour à la version 1");
    byId("version-1").findElement(By.className("rollback")).click();
    browser.waiting(Duration.ofSeconds(90)).until(d -> done(byId("result")));
    assertEquals("ok", byId("result").getDomAttribute("data-outcome"), byId("result").getText());
    browser.waiting(WAIT).until(d -> byId("versions").getText().contains("↺ retour à la version 1"));
    browser.screenshot("16-dpo-rolled-back");
    signOut();

    signIn("agent042", "op-pass-042");
    visible("camera-cam-demo");
    assertTrue(browser.driver.findElements(By.id("camera-cam-gare")).isEmpty(), "the rollback took cam-gare away");
    browser.screenshot("17-operator-after-rollback");
  }

  @Test
  @Order(10)
  void aSessionCookieWithAForgedCsrfTokenChangesNothing() throws Exception {
    Object status = ((JavascriptExecutor) browser.driver).executeAsyncScript(
        "const done = arguments[0]; fetch('/console/api/sign-out', {method: 'POST', headers: {'Content-Type':"
            + " 'application/json', 'X-CSRF-Token': 'forged'}, body: '{}'}).then(r => done(r.status));");
    assertEquals(403L, status);
    browser.driver.navigate().refresh();
    visible("camera-cam-demo");
    browser.screenshot("18-still-signed-in-after-forged-request");
  }

  @Test
  @Order(11)
  void aStaleSessionSendsThePersonBackToSignInWithAMessage() throws Exception {
    browser.driver.manage().deleteAllCookies();
    browser.driver.manage().addCookie(new org.openqa.selenium.Cookie.Builder(ConsoleRoutes.COOKIE,
        "ended-or-expired-session").path("/").isHttpOnly(true).build());
    browser.driver.get(gw.uri("/console/operator.html").toString());
    browser.waiting(WAIT).until(ExpectedConditions.urlContains("index.html?expired"));
    assertEquals("Votre session a expiré. Reconnectez-vous.", visible("notice").getText());
    browser.screenshot("19-session-expired");
  }

  /** An operation's result panel has its answer (not the "pending" placeholder). */
  static boolean done(WebElement result) {
    String outcome = result.getDomAttribute("data-outcome");
    return "ok".equals(outcome) || "refused".equals(outcome);
  }

  static List<AuditEntry> signIns() {
    return gw.entries().stream().filter(e -> e.event().type().equals("sign_in")).toList();
  }
}
