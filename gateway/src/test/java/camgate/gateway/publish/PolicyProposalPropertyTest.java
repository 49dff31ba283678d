package camgate.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.gateway.support.JsonArbitraries;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * A DPO's proposal applied to the active policy ({@link PolicySet#with}) on any JSON: refused with the documented
 * {@link IllegalArgumentException}, or applied exactly (what it names changed, the rest kept, the active set itself
 * untouched) into a set whose bundle claims nothing of {@code data.system}; and every set reads back from the form
 * the policy store writes.
 */
class PolicyProposalPropertyTest {
  private static final PolicySet ACTIVE = new PolicySet(Map.of(
      "camgate/raw/raw.rego", "package camgate.raw\n\ndefault allow := false\n",
      "camgate/raw/raw_test.rego", "package camgate_test.raw\n",
      "camgate/zones/zones.rego", "package camgate.zones\n"),
      new JsonObject().put("cameras", new JsonObject().put("cam-1", new JsonObject().put("zone", "gare")))
          .put("agents", new JsonObject()));
  private static final String ACTIVE_HASH = ACTIVE.contentHash();

  @Property(tries = 1500)
  void aProposalIsRefusedWithTheParseErrorOrAppliedExactly(@ForAll("proposals") JsonObject proposal) {
    PolicySet changed = applied(proposal);
    if (changed == null) {
      return;
    }
    assertEquals(ACTIVE_HASH, ACTIVE.contentHash(), "the active set is not changed by a proposal");
    JsonObject modules = member(proposal, "modules");
    for (String path : ACTIVE.modules().keySet()) {
      if (!modules.containsKey(path)) {
        assertEquals(ACTIVE.modules().get(path), changed.modules().get(path), "a module not named is kept: " + path);
      }
    }
    for (String path : modules.fieldNames()) {
      assertEquals(modules.getValue(path), changed.modules().get(path), "a named module is replaced or removed");
    }
    JsonObject data = member(proposal, "data");
    for (String key : ACTIVE.data().fieldNames()) {
      if (!data.containsKey(key)) {
        assertEquals(ACTIVE.data().getValue(key), changed.data().getValue(key), "a data key not named is kept");
      }
    }
    for (String key : data.fieldNames()) {
      assertEquals(data.getValue(key), changed.data().getValue(key), "a named data key is replaced or removed");
    }
    for (String root : changed.bundleRoots()) {
      assertFalse(root.isEmpty() || root.equals(PolicySet.RESERVED_ROOT)
          || root.startsWith(PolicySet.RESERVED_ROOT + "/"), "bundle root '" + root + "' claims data.system: "
          + proposal);
    }
  }

  /** The active set with the proposal applied, or null when it is refused with the documented error. */
  private static PolicySet applied(JsonObject proposal) {
    try {
      PolicySet changed = ACTIVE.with(proposal);
      Statistics.collect("applied");
      return changed;
    } catch (IllegalArgumentException refused) {
      assertNotNull(refused.getMessage());
      Statistics.collect("refused");
      return null;
    }
  }

  /** An accepted proposal's member: its changes, none when absent or null. */
  private static JsonObject member(JsonObject proposal, String name) {
    return proposal.getValue(name) instanceof JsonObject o ? o : new JsonObject();
  }

  /** The store keeps a set as {@link PolicySet#toJson()}; it must read back the same set, hash included. */
  @Property(tries = 500)
  void aSetReadsBackFromItsStoredForm(@ForAll("proposals") JsonObject proposal) {
    PolicySet changed = applied(proposal);
    if (changed == null) {
      return;
    }
    PolicySet read = PolicySet.fromJson(new JsonObject(changed.toJson().encode()));
    assertEquals(changed.contentHash(), read.contentHash());
    assertEquals(changed.modules(), read.modules());
    assertTrue(changed.data().equals(read.data()), "data reads back: " + changed.data());
  }

  private static Arbitrary<String> modulePaths() {
    return Arbitraries.oneOf(
        Arbitraries.of(List.copyOf(ACTIVE.modules().keySet())),
        Arbitraries.of("camgate/new/new.rego", "camgate/new/new_test.rego", "x.rego", "../escape.rego",
            "/etc/x.rego", "camgate/../x.rego", "camgate//x.rego", "camgate/x.rego.txt", "camgate/x", ".rego",
            "camgate/./x.rego", "camgate/x y.rego"),
        Arbitraries.strings().withChars("abc/._-").ofMaxLength(12).map(s -> s + ".rego"),
        JsonArbitraries.text());
  }

  private static Arbitrary<Object> sources() {
    return Arbitraries.oneOf(
        Arbitraries.of("package camgate.new\n", "package system.authz\n\nallow := true\n",
            "package  system\n", "package camgate_test.x\n", "# no package\n", "").map(s -> (Object) s),
        JsonArbitraries.scalar());
  }

  private static Arbitrary<String> dataKeys() {
    return Arbitraries.oneOf(Arbitraries.of("cameras", "agents", "requisitions", "system", "system/authz", "",
        "camgate", "a/b"), JsonArbitraries.text());
  }

  @Provide
  Arbitrary<JsonObject> proposals() {
    Arbitrary<Object> modules = Arbitraries.oneOf(
        JsonArbitraries.object(modulePaths(), sources(), 4).map(o -> (Object) o),
        JsonArbitraries.value(1));
    Arbitrary<Object> data = Arbitraries.oneOf(
        JsonArbitraries.object(dataKeys(), JsonArbitraries.value(2), 4).map(o -> (Object) o),
        JsonArbitraries.value(1));
    Arbitrary<Object> either = Arbitraries.oneOf(modules, data);
    return JsonArbitraries.objectWithKeys(List.of("modules", "data"), either, 3);
  }
}
