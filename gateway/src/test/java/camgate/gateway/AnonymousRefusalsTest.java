package camgate.gateway;

import camgate.audit.AuditEntry;
import camgate.gateway.support.MutableClock;
import camgate.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anonymous requests cannot fill the audit log: the first refusal from a source in a minute is a full
 * decision entry, written before the 401; the rest of that minute's refusals from the source are counted
 * and written as one summary when the minute is over.
 */
class AnonymousRefusalsTest {

  @Test
  void anonymousRefusalsCostOneEntryPerSourceAndMinute() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
    try (TestGateway gw = TestGateway.builder().clock(clock).start()) {
      int entriesBefore = gw.entries().size();
      HttpResponse<byte[]> first = gw.get("/cameras", null);
      assertEquals(401, first.statusCode());
      List<AuditEntry> added = gw.entries().subList(entriesBefore, gw.entries().size());
      assertEquals(1, added.size(), "the first anonymous refusal is recorded before its reply");
      AuditEntry firstEntry = added.get(0);
      assertEquals("access_decision", firstEntry.event().type());
      assertEquals("anonymous", firstEntry.event().subject().get("id"));
      assertEquals(firstEntry.seq(), new JsonObject(new String(first.body())).getLong("audit_seq"));

      // A flood from the same source: wrong keys, other paths, all refused, none adds an entry now.
      String[] paths = {"/cameras", "/cameras/cam-demo/stream.mjpg?purpose=x", "/audit/export", "/admin/policy"};
      int flood = 200;
      for (int i = 0; i < flood; i++) {
        HttpResponse<byte[]> r = gw.get(paths[i % paths.length], i % 2 == 0 ? null : "not-a-key-" + i);
        assertEquals(401, r.statusCode(), new String(r.body()));
        assertEquals(firstEntry.seq(), new JsonObject(new String(r.body())).getLong("audit_seq"),
            "a summarised refusal names the entry that stands for it");
      }
      assertEquals(entriesBefore + 1, gw.entries().size(), "no entry per anonymous request within the minute");

      clock.advance(Duration.ofSeconds(61));
      HttpResponse<byte[]> next = gw.get("/cameras", null);
      assertEquals(401, next.statusCode());
      AuditEntry summary = gw.awaitEntry("access_refused_summary", entriesBefore);
      assertEquals(flood, ((Number) summary.event().details().get("refusals")).intValue());
      assertEquals(firstEntry.seq(), ((Number) summary.event().details().get("first_seq")).longValue());
      assertEquals("127.0.0.1", summary.event().details().get("client_ip"));
      long decisions = gw.entries().stream().skip(entriesBefore)
          .filter(e -> e.event().type().equals("access_decision")).count();
      assertEquals(2, decisions, "the new minute's first refusal has its own entry again");
      assertTrue(gw.entries().size() <= entriesBefore + 3, "one entry per source and minute, plus the summary");
    }
  }
}
