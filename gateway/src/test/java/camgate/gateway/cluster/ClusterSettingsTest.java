package camgate.gateway.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import camgate.gateway.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

class ClusterSettingsTest {

  static JsonObject section() {
    return new JsonObject().put("node_id", "node-1").put("port", 5701)
        .put("members", new JsonArray().add("10.0.0.1:5701").add("10.0.0.2:5701").add("10.0.0.3:5701"));
  }

  @Test
  void defaultsAndAMajorityOfTheListedMembers() {
    ClusterSettings s = ClusterSettings.fromJson(section());
    assertEquals(2, s.quorum());
    assertEquals(4, s.cameraCapacity());
    assertEquals(Duration.ofMillis(4000), s.lease());
    assertTrue(s.failureDetection().compareTo(s.lease()) < 0);
  }

  @Test
  void aConfigurationWithoutAClusterSectionIsASingleGateway() {
    assertTrue(GatewayConfig.fromJson(new JsonObject(), Path.of(".")).cluster().isEmpty());
  }

  @Test
  void aBadSectionStopsTheConfigurationWithWhatToFix() {
    IllegalArgumentException noId = assertThrows(IllegalArgumentException.class, () ->
        GatewayConfig.fromJson(new JsonObject().put("cluster", section().copy().putNull("node_id")), Path.of(".")));
    assertTrue(noId.getMessage().contains("cluster.node_id"), noId.getMessage());
    IllegalArgumentException slowDetection = assertThrows(IllegalArgumentException.class, () ->
        ClusterSettings.fromJson(section().put("failure_detection_ms", 5000).put("lease_ms", 4000)));
    assertTrue(slowDetection.getMessage().contains("cluster.failure_detection_ms"), slowDetection.getMessage());
    IllegalArgumentException badMember = assertThrows(IllegalArgumentException.class, () ->
        ClusterSettings.fromJson(section().put("members", new JsonArray().add("10.0.0.1"))));
    assertTrue(badMember.getMessage().contains("host:port"), badMember.getMessage());
  }
}
