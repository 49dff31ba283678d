package camgate.gateway.publish;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One complete policy: every Rego module by path (tests included) and the whole data document.
 * Value-based: two sets with the same modules and the same data are equal and have the same hash.
 *
 * @param modules Rego source by path relative to the policy folder, e.g. "camgate/admin/admin.rego"
 * @param data    the data document OPA sees at {@code data} (cameras, agents, requisitions, ...)
 */
public record PolicySet(Map<String, String> modules, JsonObject data) {

  private static final Pattern MODULE_PATH = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*\\.rego");
  private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([A-Za-z_][A-Za-z0-9_]*)");
  /** The data tree the gateway's OPA keeps for its own modules (authorization, decision logs). */
  static final String RESERVED_ROOT = "system";

  public PolicySet {
    modules = Collections.unmodifiableSortedMap(new TreeMap<>(modules));
    data = data.copy();
    for (String path : modules.keySet()) {
      checkModulePath(path);
    }
  }

  @Override
  public JsonObject data() {
    return data.copy();
  }

  /**
   * Reads the folders the gateway used to load directly (e.g. policies/camgate and policies/data):
   * each .rego file becomes a module named by folder name and relative path, and each .json file's
   * top-level keys are merged into the data document (cameras.json holding {"cameras": ...}).
   *
   * @throws IllegalArgumentException when two data files define the same top-level key or a file is not JSON
   */
  public static PolicySet fromFolders(List<Path> roots) throws IOException {
    Map<String, String> modules = new TreeMap<>();
    JsonObject data = new JsonObject();
    for (Path root : roots) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(root)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        String relative = root.getFileName() + "/" + root.relativize(f).toString().replace('\\', '/');
        if (f.toString().endsWith(".rego")) {
          modules.put(relative, Files.readString(f));
        } else if (f.toString().endsWith(".json")) {
          JsonObject doc;
          try {
            doc = new JsonObject(Files.readString(f));
          } catch (DecodeException e) {
            throw new IllegalArgumentException("policy data file " + f + " is not a JSON object: " + e.getMessage());
          }
          for (String key : doc.fieldNames()) {
            if (data.containsKey(key)) {
              throw new IllegalArgumentException("policy data key '" + key + "' is defined twice (again in " + f
                  + "); each data file holds its own top-level key");
            }
            data.put(key, doc.getValue(key));
          }
        }
      }
    }
    return new PolicySet(modules, data);
  }

  /**
   * This set with a proposal applied: {@code modules} entries add or replace a module (null removes
   * it), {@code data} entries replace a top-level data key (null removes it). Keys absent from the
   * proposal are kept.
   *
   * @throws IllegalArgumentException when the proposal is not of that shape
   */
  public PolicySet with(JsonObject proposal) {
    for (String key : proposal.fieldNames()) {
      if (!key.equals("modules") && !key.equals("data")) {
        throw new IllegalArgumentException("a proposal has only \"modules\" and \"data\", found \"" + key + "\"");
      }
    }
    Map<String, String> newModules = new TreeMap<>(modules);
    Object m = proposal.getValue("modules");
    if (m != null && !(m instanceof JsonObject)) {
      throw new IllegalArgumentException("\"modules\" must be an object {path: rego source or null}, found " + m);
    }
    if (m instanceof JsonObject changes) {
      for (String path : changes.fieldNames()) {
        checkModulePath(path);
        Object source = changes.getValue(path);
        if (source == null) {
          if (newModules.remove(path) == null) {
            throw new IllegalArgumentException("cannot remove module '" + path + "': the active policy has no such module");
          }
        } else if (source instanceof String s) {
          newModules.put(path, s);
        } else {
          throw new IllegalArgumentException("module '" + path + "' must be Rego source as a string (or null to remove it)");
        }
      }
    }
    JsonObject newData = data.copy();
    Object d = proposal.getValue("data");
    if (d != null && !(d instanceof JsonObject)) {
      throw new IllegalArgumentException("\"data\" must be an object {top-level key: value or null}, found " + d);
    }
    if (d instanceof JsonObject changes) {
      for (String key : changes.fieldNames()) {
        Object value = changes.getValue(key);
        if (value == null) {
          newData.remove(key);
        } else {
          newData.put(key, value);
        }
      }
    }
    PolicySet changed = new PolicySet(newModules, newData);
    changed.bundleRoots();
    return changed;
  }

  /**
   * The top-level names the set's bundle owns: its data keys and the first segment of each published
   * (non-test) module's package. OPA erases what lies under a bundle's roots when it activates it, so
   * they must leave out {@code system}, where the gateway's own OPA modules live.
   *
   * @throws IllegalArgumentException when a data key or a module's package is under {@code system}, or a data key
   *     is empty or has a '/'
   */
  public SortedSet<String> bundleRoots() {
    for (String key : data.fieldNames()) {
      // A manifest root is a slash-separated path: "" would claim all of data, "system/authz" a part of system.
      if (key.isEmpty() || key.contains("/")) {
        throw new IllegalArgumentException("data key '" + key + "' must be a non-empty name without '/': each "
            + "top-level data key is a root of the published bundle; nest the value under a plain key instead");
      }
    }
    SortedSet<String> roots = new TreeSet<>(data.fieldNames());
    for (Map.Entry<String, String> e : modules.entrySet()) {
      Matcher m = PACKAGE.matcher(e.getValue());
      if (!e.getKey().endsWith("_test.rego") && m.find()) {
        roots.add(m.group(1));
      }
    }
    if (roots.contains(RESERVED_ROOT)) {
      throw new IllegalArgumentException("data." + RESERVED_ROOT + " is reserved for the gateway's own OPA modules: "
          + "no data key or published module package may start with '" + RESERVED_ROOT + "'; use camgate.<concern>");
    }
    return roots;
  }

  /** "sha256:" and the hex SHA-256 of the modules (sorted by path) and the data with sorted keys. */
  public String contentHash() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> e : modules.entrySet()) {
        digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(e.getValue().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      digest.update(canonical(data).getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }

  /**
   * Writes the set as a folder OPA loads: the modules at their paths and the data as /data.json
   * (the only data file name bundle mode reads). BLOCKING.
   *
   * @param withTests false leaves the *_test.rego modules out (a published bundle carries no tests)
   */
  public void writeTo(Path dir, boolean withTests) throws IOException {
    for (Map.Entry<String, String> e : modules.entrySet()) {
      if (!withTests && e.getKey().endsWith("_test.rego")) {
        continue;
      }
      Path file = dir.resolve(e.getKey()).normalize();
      if (!file.startsWith(dir)) {
        throw new IllegalArgumentException("module path '" + e.getKey() + "' leaves the policy folder");
      }
      Files.createDirectories(file.getParent());
      Files.writeString(file, e.getValue());
    }
    Files.writeString(dir.resolve("data.json"), data.encode());
  }

  public JsonObject toJson() {
    JsonObject m = new JsonObject();
    modules.forEach(m::put);
    return new JsonObject().put("modules", m).put("data", data.copy());
  }

  /** Reads the form {@link #toJson()} writes. */
  static PolicySet fromJson(JsonObject json) {
    Map<String, String> modules = new TreeMap<>();
    json.getJsonObject("modules").forEach(e -> modules.put(e.getKey(), (String) e.getValue()));
    return new PolicySet(modules, json.getJsonObject("data"));
  }

  private static void checkModulePath(String path) {
    if (!MODULE_PATH.matcher(path).matches() || path.contains("..")) {
      throw new IllegalArgumentException("module path '" + path + "' is not a relative path ending in .rego "
          + "(letters, digits, _ - . and /, no '..'), e.g. \"camgate/raw/raw.rego\"");
    }
  }

  /** JSON with object keys sorted at every level, so equal documents hash equally. */
  static String canonical(Object value) {
    if (value instanceof JsonObject o) {
      StringBuilder sb = new StringBuilder("{");
      List<String> keys = new ArrayList<>(o.fieldNames());
      keys.sort(null);
      for (int i = 0; i < keys.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(io.vertx.core.json.Json.encode(keys.get(i))).append(':').append(canonical(o.getValue(keys.get(i))));
      }
      return sb.append('}').toString();
    }
    if (value instanceof JsonArray a) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < a.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(canonical(a.getValue(i)));
      }
      return sb.append(']').toString();
    }
    return io.vertx.core.json.Json.encode(value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PolicySet p && p.contentHash().equals(contentHash());
  }

  @Override
  public int hashCode() {
    return contentHash().hashCode();
  }
}
