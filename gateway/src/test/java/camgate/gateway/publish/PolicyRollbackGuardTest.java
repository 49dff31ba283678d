package camgate.gateway.publish;

import camgate.gateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rollback is checked like a proposal: here the running configuration has a camera that only the
 * newer policy knows, so making version 1 active again would leave the gateway serving a camera its
 * policy does not register. The configuration guard refuses it and version 2 stays active.
 */
class PolicyRollbackGuardTest {

  @Test
  void aRollbackToAVersionTheRunningConfigurationViolatesIsRefused() throws Exception {
    Path dir = Files.createTempDirectory("camgate-rollback");
    // 1. Version 2 registers camera cam-port (zone "port", which no agent of the demo data covers).
    try (TestGateway first = TestGateway.builder().directory(dir).start()) {
      PolicyPublisher publisher = first.gateway().policyPublisher().orElseThrow();
      JsonObject cameras = publisher.activeWithContent().await(30, TimeUnit.SECONDS).getJsonObject("data")
          .getJsonObject("cameras").copy()
          .put("cam-port", new JsonObject().put("zone", "port").put("purposes", List.of("securite-voie-publique"))
              .put("privacy_masks", List.of()));
      PublishedVersion v2 = publisher.publish(new JsonObject().put("data", new JsonObject().put("cameras", cameras)),
          "dpo-1", "the harbour camera is registered", v -> Future.succeededFuture()).await(120, TimeUnit.SECONDS);
      assertEquals(2, v2.number());
    }
    // 2. The city adds cam-port to the gateway's configuration and restarts it (version 2 is active).
    try (TestGateway second = TestGateway.builder().directory(dir)
        .camera("cam-port", "rtsp://127.0.0.1:9/not-installed-yet", "port").start()) {
      PolicyPublisher publisher = second.gateway().policyPublisher().orElseThrow();
      assertEquals(2, publisher.active().await(30, TimeUnit.SECONDS).number());
      // 3. Rolling back to version 1 would unregister cam-port under the running gateway.
      Exception e = assertThrows(Exception.class, () -> publisher.rollback(1, "dpo-1", "undo the harbour camera",
          v -> Future.succeededFuture()).await(120, TimeUnit.SECONDS));
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      PolicyRejected rejected = assertInstanceOf(PolicyRejected.class, cause);
      assertEquals(422, rejected.status());
      assertTrue(rejected.body().encode().contains("cam-port"), rejected.body().encode());
      assertTrue(rejected.getMessage().contains("nothing was rolled back"), rejected.getMessage());
      assertEquals(2, publisher.active().await(30, TimeUnit.SECONDS).number(), "version 2 stays active");
      assertEquals(2, publisher.versions().await(30, TimeUnit.SECONDS).size(), "no version was added");
    }
  }
}
