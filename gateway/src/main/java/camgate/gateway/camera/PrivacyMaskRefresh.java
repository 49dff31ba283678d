package camgate.gateway.camera;

import camgate.gateway.policy.PolicyDecisionClient;
import camgate.redaction.NormalizedPoint;
import camgate.redaction.PrivacyMask;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Keeps each camera's privacy masks (dwellings, CSI L251-3) in step with the policy data
 * ({@code data.cameras[id].privacy_masks}), so the DPO's publication changes them on every camera.
 * A camera whose masks were never loaded stays dark; malformed masks keep the previous ones.
 */
public final class PrivacyMaskRefresh {

  private static final Logger LOG = LoggerFactory.getLogger(PrivacyMaskRefresh.class);

  private final PolicyDecisionClient policy;
  private final List<CameraFeed> feeds;

  public PrivacyMaskRefresh(PolicyDecisionClient policy, Collection<CameraFeed> feeds) {
    this.policy = policy;
    this.feeds = List.copyOf(feeds);
  }

  /** Reads every camera's masks from the policy engine now (asynchronously) and applies those that parse. */
  public void refresh() {
    for (CameraFeed feed : feeds) {
      policy.data("cameras/" + feed.camera().id() + "/privacy_masks").onSuccess(result -> {
        if (result.isEmpty()) {
          if (!feed.masksKnown()) {
            LOG.warn("camera {} has no privacy_masks in policy data: it stays dark (and policy denies viewing it)",
                feed.camera().id());
          }
          return;
        }
        try {
          feed.updateMasks(parse(result.get()));
        } catch (RuntimeException e) {
          LOG.error("privacy masks of camera {} are malformed, keeping the previous ones: {}", feed.camera().id(),
              e.getMessage());
        }
      });
    }
  }

  /**
   * Parses a {@code privacy_masks} list: polygons of at least 3 points in fractions 0..1 of the frame.
   *
   * @throws IllegalArgumentException naming the mask, if the list or a polygon is malformed
   */
  public static List<PrivacyMask> parse(Object json) {
    if (!(json instanceof JsonArray array)) {
      throw new IllegalArgumentException("privacy_masks must be a list, found " + json);
    }
    List<PrivacyMask> masks = new ArrayList<>();
    for (Object o : array) {
      JsonObject m = (JsonObject) o;
      List<NormalizedPoint> points = new ArrayList<>();
      for (Object p : m.getJsonArray("polygon")) {
        JsonArray xy = (JsonArray) p;
        double x = xy.getDouble(0);
        double y = xy.getDouble(1);
        if (x < 0 || x > 1 || y < 0 || y > 1) {
          throw new IllegalArgumentException("mask '" + m.getString("label") + "' has point (" + x + ", " + y
              + ") outside the frame: coordinates are fractions 0..1 of width and height");
        }
        points.add(new NormalizedPoint(x, y));
      }
      if (points.size() < 3) {
        throw new IllegalArgumentException("mask '" + m.getString("label") + "' needs at least 3 points");
      }
      masks.add(new PrivacyMask(m.getString("label", "mask"), points));
    }
    return masks;
  }
}
