package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key rotation: the new key is announced by an entry that a checkpoint of the old key covers. */
class KeyRotationTest {
  @TempDir
  Path dir;

  static List<String> lines(Path file) throws Exception {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  Path rotatedBundle(AuditLogOptions options) throws Exception {
    Path bundle = dir.resolve("bundle");
    try (AuditLog log = AuditLog.open(options)) {
      for (int i = 0; i < 5; i++) {
        log.append(AuditLogTest.event(i));
      }
      log.checkpointNow();
      String oldKey = log.publicKey().keyId();
      AuditEntry announcement = log.rotateKey();
      assertEquals(BundleVerifier.KEY_ROTATION, announcement.event().type());
      assertNotEquals(oldKey, log.publicKey().keyId(), "the log signs with the new key after rotation");
      assertEquals(log.publicKey().keyId(), announcement.event().details().get("new_key_id"));
      for (int i = 5; i < 10; i++) {
        log.append(AuditLogTest.event(i));
      }
      log.export(0, log.size(), bundle);
    }
    return bundle;
  }

  @Test
  void rotatedLogVerifiesWithTheFirstKeyAsRootOfTrust() throws Exception {
    AuditLogOptions options = AuditLogTest.options(dir.resolve("db"));
    Path bundle = rotatedBundle(options);
    Verdict v = BundleVerifier.verify(bundle);
    assertTrue(v.valid(), v.summary());
    assertEquals(11, v.entries());
    ObjectMapper json = new ObjectMapper();
    Set<String> keyIds = lines(bundle.resolve("checkpoints.jsonl")).stream()
        .map(l -> {
          try {
            return json.readTree(l).get("key_id").asText();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).collect(Collectors.toSet());
    assertEquals(2, keyIds.size(), "checkpoints by the old and the new key: " + keyIds);
    assertTrue(Files.exists(dir.resolve("db").resolve("audit-signing-key.pem.retired-"
        + NoteKey.fromPem(options.origin(), Files.readString(bundle.resolve("public-key.pem"))).keyId())));
    try (AuditLog reopened = AuditLog.open(options)) {
      assertNotEquals(NoteKey.fromPem(options.origin(), Files.readString(bundle.resolve("public-key.pem"))).keyId(),
          reopened.publicKey().keyId(), "the key file holds the new key after rotation");
    }
  }

  @Test
  void oldKeyIsNoLongerTrustedAfterTheRotationIsCovered() throws Exception {
    AuditLogOptions options = AuditLogTest.options(dir.resolve("db"));
    Path bundle = rotatedBundle(options);
    SigningKey old = SigningKey.fromPem(options.origin(), Files.readString(Files.list(dir.resolve("db"))
        .filter(p -> p.getFileName().toString().contains(".retired-")).findFirst().orElseThrow()), "retired");
    List<String> cps = lines(bundle.resolve("checkpoints.jsonl"));
    int last = cps.size() - 1;
    ObjectMapper json = new ObjectMapper();
    ObjectNode record = (ObjectNode) json.readTree(cps.get(last));
    CheckpointNote.Parsed parsed = CheckpointNote.parse(record.get("note").textValue());
    record.put("note", CheckpointNote.sign(old, options.origin(), parsed.size(), parsed.root(), parsed.time()).note());
    record.put("key_id", old.publicKey().keyId()); // the record's key id must name a signer of its note
    cps.set(last, json.writeValueAsString(record));
    Files.writeString(bundle.resolve("checkpoints.jsonl"), String.join("\n", cps) + "\n");
    Verdict v = BundleVerifier.verify(bundle);
    assertFalse(v.valid());
    assertEquals(Verdict.Kind.CHECKPOINT, v.problem().kind());
    assertEquals(last, v.problem().index());
    assertTrue(v.problem().message().contains("not by the trusted key"), v.problem().message());
  }

  @Test
  void interruptedRotationIsCompletedAtTheNextOpen() throws Exception {
    AuditLogOptions options = AuditLogTest.options(dir.resolve("db"));
    SigningKey next = SigningKey.generate(options.origin());
    String oldKeyId;
    try (AuditLog log = AuditLog.open(options)) {
      log.append(AuditLogTest.event(0));
      oldKeyId = log.publicKey().keyId();
      // Steps 1 and 2 of rotateKey(), then a "crash" (close signs with the old key, as a restart would).
      next.writeTo(Path.of(options.signingKeyFile() + ".next"));
      log.append(KeyRotation.rotationEvent(log.publicKey(), next.publicKey()));
    }
    Path bundle = dir.resolve("bundle");
    try (AuditLog log = AuditLog.open(options)) {
      assertEquals(next.publicKey().keyId(), log.publicKey().keyId(), "open completed the rotation");
      assertFalse(Files.exists(Path.of(options.signingKeyFile() + ".next")));
      log.append(AuditLogTest.event(1));
      log.export(0, log.size(), bundle);
    }
    Verdict v = BundleVerifier.verify(bundle);
    assertTrue(v.valid(), v.summary());
    assertNotEquals(oldKeyId, next.publicKey().keyId());
  }

  @Test
  void unannouncedNextKeyIsDiscardedAtOpen() throws Exception {
    AuditLogOptions options = AuditLogTest.options(dir.resolve("db"));
    String keyId;
    try (AuditLog log = AuditLog.open(options)) {
      log.append(AuditLogTest.event(0));
      keyId = log.publicKey().keyId();
    }
    SigningKey.generate(options.origin()).writeTo(Path.of(options.signingKeyFile() + ".next"));
    try (AuditLog log = AuditLog.open(options)) {
      assertEquals(keyId, log.publicKey().keyId());
      assertFalse(Files.exists(Path.of(options.signingKeyFile() + ".next")));
    }
  }
}
