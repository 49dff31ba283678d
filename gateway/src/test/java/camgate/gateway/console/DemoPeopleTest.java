package camgate.gateway.console;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo configuration's people sign in with the passwords the demo prints, as the subjects policies know. */
class DemoPeopleTest {

  /** Username → demo password; Main's demo output prints these lines. */
  static final Map<String, String> DEMO = Map.of("agent042", "operateur-demo", "agent107", "gare-demo",
      "dpo", "dpo-demo", "auditeur", "auditeur-demo");

  @Test
  void demoPeopleMatchTheirPrintedPasswordsAndPolicySubjects() throws Exception {
    JsonObject config;
    try (InputStream in = DemoPeopleTest.class.getResourceAsStream("/demo-config.json")) {
      config = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    People people = People.fromJson(config.getJsonArray("people"));
    assertEquals(DEMO.size(), people.size());
    DEMO.forEach((username, password) -> {
      Person p = people.find(username).orElseThrow();
      assertTrue(p.password().matches(password.toCharArray()), username);
      assertFalse(p.password().matches((password + "x").toCharArray()), username);
    });
    assertEquals("agent-042", people.find("agent042").orElseThrow().subject().id());
    assertEquals("dpo-1", people.find("dpo").orElseThrow().subject().id());
    assertEquals("auditor-1", people.find("auditeur").orElseThrow().subject().id());
  }

  @Test
  void malformedPeopleEntriesNameTheEntry() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> People.fromJson(new io.vertx.core.json.JsonArray().add(new JsonObject().put("username", "x")
            .put("password_argon2", "plain-text"))));
    assertTrue(e.getMessage().startsWith("people[0] (x).password_argon2"), e.getMessage());
    IllegalArgumentException dup = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> People.fromJson(new io.vertx.core.json.JsonArray().add(entry("a")).add(entry("a"))));
    assertTrue(dup.getMessage().contains("appears twice"), dup.getMessage());
  }

  private static JsonObject entry(String username) {
    return new JsonObject().put("username", username)
        .put("password_argon2", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
        .put("subject", new JsonObject().put("id", "someone"));
  }
}
