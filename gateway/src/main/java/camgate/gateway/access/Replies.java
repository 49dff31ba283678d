package camgate.gateway.access;

/**
 * Where an access's refusals go: the protocol adapter's side of the exchange. The gate and the access
 * decide what to refuse and record it; the adapter only writes it in its protocol.
 */
public interface Replies {

  /** Sends the refusal and ends the exchange; nothing else is sent for this access. */
  void refuse(Refusal refusal);
}
