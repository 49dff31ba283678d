package camgate.gateway.cluster;

import camgate.audit.ClusterVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One witness of the city's register, an entry of {@code cluster.witnesses}: where it listens (C2SP tlog-witness,
 * {@code ./camgate witness}) and the key its cosignatures must verify with (its {@code witness.vkey}, inline as
 * {@code vkey} or as a file {@code key_file}; or its {@code witness-public-key.pem}). The keeper keeps only a
 * cosignature that verifies with that key: the same one the auditors pin with {@code audit verify --witness-key}.
 *
 * @param url     the witness's base URL ({@code add-checkpoint} is under it)
 * @param key     its cosignature key
 * @param timeout how long one request may take (connect and answer)
 */
public record RegisterWitness(URI url, ClusterVerifier.WitnessKey key, Duration timeout) {

  /**
   * Reads and checks {@code cluster.witnesses}; each {@code key_file} is resolved against {@code base} and written
   * back absolute into {@code cluster}. BLOCKING (reads the key files).
   *
   * @return the witnesses, in the order given; empty without the key
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  public static List<RegisterWitness> fromSection(JsonObject cluster, Path base) {
    Object value = cluster.getValue("witnesses");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new IllegalArgumentException("cluster.witnesses must be a list of {\"url\": ..., \"key_file\": ...}, found "
          + value);
    }
    if (!array.isEmpty() && cluster.getValue("register_key_file") == null) {
      throw new IllegalArgumentException("cluster.witnesses needs cluster.register_key_file: witnesses cosign the"
          + " city's register, which the nodes keep only with its key");
    }
    List<RegisterWitness> out = new ArrayList<>();
    Set<URI> seen = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String where = "cluster.witnesses[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException(where + " must be an object with url and key_file (or vkey), found "
            + array.getValue(i));
      }
      RegisterWitness w = fromEntry(entry, base, where);
      if (!seen.add(w.url())) {
        throw new IllegalArgumentException(where + ".url " + w.url() + " is listed twice");
      }
      out.add(w);
    }
    return out;
  }

  private static RegisterWitness fromEntry(JsonObject entry, Path base, String where) {
    URI url;
    try {
      url = URI.create(String.valueOf(entry.getValue("url")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ".url '" + entry.getValue("url") + "' is not a URL: "
          + e.getMessage());
    }
    if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
      throw new IllegalArgumentException(where + ".url '" + entry.getValue("url") + "' must be an http(s) URL with"
          + " a host, e.g. http://witness.example:7380 (the address the witness listens on)");
    }
    Object vkey = entry.getValue("vkey");
    Object file = entry.getValue("key_file");
    if ((vkey == null) == (file == null)) {
      throw new IllegalArgumentException(where + " needs exactly one of key_file (the witness.vkey or"
          + " witness-public-key.pem the witness wrote in its state folder) and vkey (that file's line)");
    }
    String text;
    String source;
    if (file != null) {
      Path p = Path.of(String.valueOf(file));
      p = p.isAbsolute() ? p : base.resolve(p).normalize();
      try {
        text = Files.readString(p, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException(where + ".key_file " + p + " is not a readable file (" + e + "); copy the"
            + " witness.vkey the witness wrote in its state folder", e);
      }
      entry.put("key_file", p.toString());
      source = where + ".key_file " + p;
    } else {
      text = String.valueOf(vkey);
      source = where + ".vkey";
    }
    ClusterVerifier.WitnessKey key;
    try {
      key = ClusterVerifier.readWitnessKey(text.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + " is not a witness key (" + e.getMessage() + "); give the"
          + " witness.vkey the witness wrote in its state folder", e);
    }
    Object timeout = entry.getValue("timeout_ms", 5000);
    if (!(timeout instanceof Number n) || n.longValue() < 1 || n.doubleValue() != n.longValue()) {
      throw new IllegalArgumentException(where + ".timeout_ms must be a positive whole number of milliseconds,"
          + " found " + timeout);
    }
    return new RegisterWitness(url, key, Duration.ofMillis(n.longValue()));
  }

  /** How the meters and the log name this witness. */
  public String label() {
    return url.toString();
  }
}
