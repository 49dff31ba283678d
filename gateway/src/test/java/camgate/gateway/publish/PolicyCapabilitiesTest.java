package camgate.gateway.publish;

import camgate.gateway.policy.OpaCapabilities;
import camgate.gateway.policy.OpaProcess;
import camgate.gateway.support.TestPaths;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rego from the DPO runs with the restricted built-ins only: a call to http.send (or any other
 * forbidden built-in) is refused at proposal, at signing, in policy folders OPA would load, and in a
 * stored active version, each time with an error naming the built-in.
 */
class PolicyCapabilitiesTest {

  static Vertx vertx;
  static Path dir;
  static PolicyPublisher publisher;

  @BeforeAll
  static void open() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory("camgate-capabilities");
    publisher = openPublisher(dir);
  }

  @AfterAll
  static void close() throws Exception {
    if (publisher != null) {
      publisher.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    OpaCommand.deleteTree(dir);
  }

  private static PolicyPublisher openPublisher(Path directory) throws Exception {
    return PolicyPublisher.open(vertx, directory.resolve("policy-store"), directory.resolve("key.pem"),
        directory.resolve("key.pub.pem"), TestPaths.opa(), folders(), new JsonObject(), () -> null,
        Duration.ofSeconds(5), Clock.systemUTC()).await(60, TimeUnit.SECONDS);
  }

  private static List<Path> folders() {
    return List.of(TestPaths.root().resolve("policies/camgate"), TestPaths.root().resolve("policies/data"));
  }

  /** A new module whose rule calls {@code call}. */
  private static JsonObject calling(String call) {
    return new JsonObject().put("modules", new JsonObject().put("camgate/leak/leak.rego",
        "package camgate.leak\n\nvalue := " + call + "\n"));
  }

  private static final String HTTP_SEND = "http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:9/\"})";

  @Test
  void aProposalCallingHttpSendIsRejectedNamingTheBuiltIn() throws Exception {
    PolicyCheck check = publisher.propose(calling(HTTP_SEND)).await(60, TimeUnit.SECONDS);
    assertFalse(check.valid());
    assertFalse(check.compiled(), check.toJson().encode());
    assertTrue(check.summary().contains("built-in http.send is not allowed in camgate policies"), check.summary());
    assertTrue(check.checkOutput().startsWith("built-in http.send is not allowed"), check.checkOutput());
    assertTrue(check.checkOutput().contains("camgate/leak/leak.rego"), "OPA's error names the module: "
        + check.checkOutput());

    Exception e = assertThrows(Exception.class, () -> publisher.publish(calling(HTTP_SEND), "dpo-1", "try",
        v -> io.vertx.core.Future.succeededFuture()).await(60, TimeUnit.SECONDS));
    PolicyRejected rejected = (PolicyRejected) e;
    assertEquals(422, rejected.status());
    assertTrue(rejected.getMessage().contains("built-in http.send is not allowed"), rejected.getMessage());
    assertEquals(1, publisher.versions().await().size(), "nothing was published");
  }

  @ParameterizedTest
  @ValueSource(strings = {"net.lookup_ip_addr(\"example.org\")", "opa.runtime()", "time.now_ns()", "rand.intn(\"x\", 9)",
      "uuid.rfc4122(\"x\")"})
  void everyForbiddenBuiltInIsRejectedAtProposal(String call) throws Exception {
    PolicyCheck check = publisher.propose(calling(call)).await(60, TimeUnit.SECONDS);
    String builtin = call.substring(0, call.indexOf('('));
    assertFalse(check.compiled(), call + " compiled: " + check.toJson().encode());
    assertTrue(check.summary().contains("built-in " + builtin + " is not allowed"), check.summary());
  }

  @Test
  void aTestModuleCannotCallAForbiddenBuiltInEither() throws Exception {
    JsonObject proposal = new JsonObject().put("modules", new JsonObject().put("camgate/leak/leak_test.rego",
        "package camgate.leak_test\n\ntest_leak if {\n\tprint(input)\n}\n"));
    PolicyCheck check = publisher.propose(proposal).await(60, TimeUnit.SECONDS);
    assertFalse(check.compiled(), check.toJson().encode());
    assertTrue(check.summary().contains("built-in print is not allowed"), check.summary());
  }

  @Test
  void theSignerRefusesToSignAForbiddenBuiltIn() throws Exception {
    BundleSigner signer = BundleSigner.open(TestPaths.opa(), dir.resolve("key.pem"), dir.resolve("key.pub.pem"));
    PolicySet set = PolicySet.fromFolders(folders()).with(calling(HTTP_SEND));
    IOException e = assertThrows(IOException.class, () -> signer.sign(set, "v9-leak"));
    assertTrue(e.getMessage().contains("built-in http.send is not allowed"), e.getMessage());
  }

  @Test
  void anActiveVersionCallingAForbiddenBuiltInIsNotServed() throws Exception {
    Path other = Files.createTempDirectory("camgate-capabilities-old");
    try {
      // A version stored before the restriction: the store holds it as active (its archive is not looked at).
      try (PolicyStore store = PolicyStore.open(other.resolve("policy-store"))) {
        PolicySet old = PolicySet.fromFolders(folders()).with(calling(HTTP_SEND));
        store.add(new PublishedVersion(1, PublishedVersion.revisionOf(1, old.contentHash()), old.contentHash(),
            "camgate-gateway", "before the restriction", Instant.now(), "initial", Optional.empty()), old,
            new SignedBundle(new byte[]{1}));
        store.activate(1);
      }
      Exception e = assertThrows(Exception.class, () -> openPublisher(other));
      assertTrue(e.getMessage().contains("the active policy version 1"), e.getMessage());
      assertTrue(e.getMessage().contains("built-in http.send is not allowed"), e.getMessage());
    } finally {
      OpaCommand.deleteTree(other);
    }
  }

  @Test
  void policyFoldersCallingAForbiddenBuiltInAreNotServed() throws Exception {
    Path copy = Files.createTempDirectory("camgate-capabilities-folders");
    try {
      Path rego = copy.resolve("camgate");
      PolicySet.fromFolders(folders()).with(calling(HTTP_SEND)).writeTo(copy, false);
      Files.delete(copy.resolve("data.json"));
      try (OpaProcess opa = new OpaProcess(TestPaths.opa(), List.of(rego, TestPaths.root().resolve("policies/data")),
          copy.resolve("opa.log"))) {
        CompletionException e = assertThrows(CompletionException.class, () -> opa.start().join());
        assertTrue(e.getCause().getMessage().contains("built-in http.send is not allowed"), e.getCause().getMessage());
        assertTrue(opa.process() == null, "OPA was not started");
      }
    } finally {
      OpaCommand.deleteTree(copy);
    }
  }

  @Test
  void theCapabilitiesFileHasNoForbiddenBuiltInAndNoNetwork() throws Exception {
    JsonObject capabilities = new JsonObject(Files.readString(OpaCapabilities.file()));
    List<String> names = capabilities.getJsonArray("builtins").stream()
        .map(b -> ((JsonObject) b).getString("name")).toList();
    assertTrue(names.contains("time.parse_rfc3339_ns") && names.contains("sprintf"), "the policies' own built-ins stay");
    for (String forbidden : OpaCapabilities.FORBIDDEN.keySet()) {
      assertFalse(names.contains(forbidden), forbidden + " is in the capabilities file");
    }
    assertEquals(new JsonArray(), capabilities.getJsonArray("allow_net"));
  }
}
