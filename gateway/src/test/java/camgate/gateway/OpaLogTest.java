package camgate.gateway;

import camgate.gateway.publish.PolicyPublisher;
import camgate.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OPA's log stays quiet: no status line per bundle poll, no decision log with the request in it; and
 * the files the gateway writes for OPA and its policy are readable by their owner only.
 */
class OpaLogTest {

  @Test
  void opaLogsNeitherBundlePollsNorDecisions() throws Exception {
    try (TestGateway gw = TestGateway.builder().start()) {
      PolicyPublisher publisher = gw.gateway().policyPublisher().orElseThrow();
      for (int i = 0; i < 5; i++) {
        assertEquals(200, gw.get("/cameras", TestGateway.OPERATOR_KEY).statusCode());
      }
      // Three bundle polls after the decisions (OPA polls every 1-2 s).
      Set<String> polls = new HashSet<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
        polls.add(publisher.bundleStatus().await().getString("last_request", ""));
        return polls.size() > 3;
      });
      Path log = gw.directory().resolve("opa.log");
      String content = Files.readString(log);
      assertFalse(content.contains("agent-042"), "no request in OPA's log: " + content);
      assertFalse(content.contains("decision_id"), "no decision log: " + content);
      assertFalse(content.contains("active_revision"), "no status line per poll: " + content);
      assertTrue(content.length() < 1000, "OPA wrote " + content.length() + " bytes: " + content);
    }
  }

  @Test
  void filesForOpaAndThePolicyAreTheOwnersOnly() throws Exception {
    try (TestGateway gw = TestGateway.builder().start()) {
      Path dir = gw.directory();
      for (String file : new String[]{"opa.log", "opa-config.json", "opa-system/log.rego",
          "audit/policy-signing-key.pem", "audit/policy-signing-key.pub.pem"}) {
        assertEquals("rw-------", mode(dir.resolve(file)), file);
      }
      assertEquals("rwx------", mode(dir.resolve("opa-system")));
      Path store = dir.resolve("audit/policy-store");
      assertEquals("rwx------", mode(store));
      try (var files = Files.list(store)) {
        for (Path f : files.toList()) {
          assertEquals("rw-------", mode(f), f.toString());
        }
      }
    }
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
