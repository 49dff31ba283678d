package camgate.gateway.console;

import camgate.gateway.GatewayConfig;
import camgate.gateway.Subject;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The people who may sign in, read from the "people" section of the gateway configuration:
 * {@code [{"username": "…", "password_argon2": "$argon2id$…", "subject": {"id", "roles", "org"}}]}.
 */
final class People {

  private final Map<String, Person> byUsername;

  private People(Map<String, Person> byUsername) {
    this.byUsername = Map.copyOf(byUsername);
  }

  /**
   * Reads the "people" section of a configuration (none: nobody can sign in, API keys still work).
   *
   * @throws IllegalArgumentException naming the entry, if an entry lacks a field, repeats a username or has a
   *     malformed hash
   */
  static People fromConfig(GatewayConfig config) {
    return fromJson(config.people());
  }

  static People fromJson(JsonArray people) {
    Map<String, Person> map = new LinkedHashMap<>();
    for (int i = 0; i < people.size(); i++) {
      if (!(people.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException("people[" + i + "] must be an object with username, password_argon2 and"
            + " subject");
      }
      String username = entry.getString("username");
      if (username == null || !username.matches("[A-Za-z0-9._@-]{1,64}")) {
        throw new IllegalArgumentException("people[" + i + "].username must be 1-64 letters, digits or ._@-, found '"
            + username + "'");
      }
      if (map.containsKey(username)) {
        throw new IllegalArgumentException("people[" + i + "]: username '" + username + "' appears twice");
      }
      PasswordHash hash;
      try {
        hash = PasswordHash.parse(entry.getString("password_argon2"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("people[" + i + "] (" + username + ").password_argon2: " + e.getMessage());
      }
      JsonObject s = entry.getJsonObject("subject");
      if (s == null || s.getString("id") == null) {
        throw new IllegalArgumentException("people[" + i + "] (" + username + ") needs a subject with an \"id\","
            + " \"roles\" and \"org\" as policies know them (policies/data/agents.json)");
      }
      map.put(username, new Person(username, hash, new Subject(s.getString("id"), strings(s.getJsonArray("roles")),
          s.getString("org", ""), strings(s.getJsonArray("capabilities")))));
    }
    return new People(map);
  }

  Optional<Person> find(String username) {
    return Optional.ofNullable(username == null ? null : byUsername.get(username));
  }

  int size() {
    return byUsername.size();
  }

  private static List<String> strings(JsonArray array) {
    return array == null ? List.of() : array.stream().map(String::valueOf).toList();
  }
}
