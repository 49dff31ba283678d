package camgate.gateway.cluster;

import java.io.Serializable;

/**
 * One camera's lease as the cluster map holds it: who holds it, its fencing token, and until when (the
 * partition owner's clock). A released or expired lease keeps its token so the next one is strictly greater.
 *
 * @param token the fencing token: grows by one each time the camera changes hands, never reused
 */
public record Lease(String camera, String node, long token, long expiresAtMillis) implements Serializable {

  public boolean heldAt(long nowMillis) {
    return expiresAtMillis > nowMillis;
  }

  public boolean heldBy(String other, long nowMillis) {
    return heldAt(nowMillis) && node.equals(other);
  }
}
