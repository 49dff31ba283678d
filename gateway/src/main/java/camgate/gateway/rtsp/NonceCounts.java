package camgate.gateway.rtsp;

import java.util.HashMap;
import java.util.Map;

/**
 * The nonce counts a Digest authenticator has accepted, per nonce still alive: a count is accepted only above the
 * highest one seen with its nonce (RFC 7616 §3.4: the server may refuse a repeated nc, the signature of a replay). A
 * client that sends no qop has no count: its nonce is good for one admission.
 *
 * <p>Bounded: at most {@code capacity} nonces are remembered, expired ones are dropped, and when full the one that
 * expires first is forgotten. Since a forgotten nonce's counts are unknown, every nonce expiring no later than
 * the last forgotten one is then refused (its client gets {@code stale=true} and retries with a fresh nonce):
 * memory stays bounded and a replay never passes for lack of it. Thread-safe.
 */
final class NonceCounts {

  private record Seen(long expiry, long highest) {
  }

  private final int capacity;
  private final Map<String, Seen> seen = new HashMap<>();
  private long forgottenUntil = Long.MIN_VALUE;

  /** @param capacity how many live nonces to remember, at least 1 */
  NonceCounts(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Records a use of a nonce; true if it is the first use of this count (above every count seen with the nonce).
   *
   * @param expiry when the nonce expires (epoch milliseconds), as it says itself
   * @param count  the request's nc, or 1 for a client without qop
   * @param now    the current time (epoch milliseconds)
   */
  synchronized boolean accept(String nonce, long expiry, long count, long now) {
    seen.values().removeIf(s -> s.expiry() < now);
    Seen s = seen.get(nonce);
    if (s != null) {
      if (count <= s.highest()) {
        return false;
      }
      seen.put(nonce, new Seen(s.expiry(), count));
      return true;
    }
    if (expiry <= forgottenUntil) {
      return false;
    }
    if (seen.size() >= capacity) {
      Map.Entry<String, Seen> first = seen.entrySet().stream()
          .min((a, b) -> Long.compare(a.getValue().expiry(), b.getValue().expiry())).orElseThrow();
      seen.remove(first.getKey());
      forgottenUntil = Math.max(forgottenUntil, first.getValue().expiry());
      if (expiry <= forgottenUntil) {
        return false;
      }
    }
    seen.put(nonce, new Seen(expiry, count));
    return true;
  }

  /** How many nonces are remembered now. */
  synchronized int size() {
    return seen.size();
  }
}
