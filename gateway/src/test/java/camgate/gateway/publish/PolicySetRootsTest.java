package camgate.gateway.publish;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bundle owns its data keys and module packages, never data.system, where the gateway's OPA modules live. */
class PolicySetRootsTest {

  private static final PolicySet SET = new PolicySet(Map.of(
      "camgate/raw/raw.rego", "# METADATA\n# title: x\npackage camgate.raw\n",
      "camgate/raw/raw_test.rego", "package camgate_test.raw\n"),
      new JsonObject().put("cameras", new JsonObject()).put("agents", new JsonObject()));

  @Test
  void rootsAreTheDataKeysAndThePublishedPackages() {
    assertEquals(Set.of("agents", "cameras", "camgate"), SET.bundleRoots());
  }

  @Test
  void aProposalCannotReachIntoSystem() {
    IllegalArgumentException data = assertThrows(IllegalArgumentException.class,
        () -> SET.with(new JsonObject().put("data", new JsonObject().put("system", new JsonObject()))));
    assertTrue(data.getMessage().contains("data.system is reserved"), data.getMessage());
    IllegalArgumentException module = assertThrows(IllegalArgumentException.class,
        () -> SET.with(new JsonObject().put("modules", new JsonObject()
            .put("camgate/authz.rego", "package system.authz\n\nallow := true\n"))));
    assertTrue(module.getMessage().contains("data.system is reserved"), module.getMessage());
  }

  /** Found by PolicyProposalPropertyTest: a data key is a manifest root, and a root is a slash-separated path. */
  @Test
  void aDataKeyThatIsAPathOrEmptyIsRefused() {
    for (String key : new String[] {"system/authz", "", "cameras/cam-1"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SET.with(new JsonObject().put("data", new JsonObject().put(key, true))));
      assertTrue(e.getMessage().contains("must be a non-empty name without '/'"), e.getMessage());
    }
  }
}
