package camgate.gateway.rtsp;

import java.util.function.Consumer;

/**
 * The gateway's permission for one RTSP session, given only once the decision is durably recorded: what to
 * stream, and the two ends of the session's record.
 *
 * <p>The server calls {@link #onCut} once right after it receives the grant, and {@link #ended} exactly once,
 * whatever ends the session. Both are called on the server's event loop and must not block.
 */
public interface RtspGrant {

  /** The encoded view to serve: the gateway's one {@link H264Stream} for this camera and profile. */
  H264Stream stream();

  /**
   * Registers the server's action that ends this session; the gateway calls it (from any thread) when a policy
   * re-check or the maximum duration ends the access, with the reason. The server then sends an RTCP BYE and closes
   * the connection, and calls {@link #ended} with {@code "cut: " + reason}.
   */
  void onCut(Consumer<String> cut);

  /**
   * Records the end of the session, exactly once.
   *
   * @param reason  {@code teardown}, {@code disconnected}, {@code session timeout}, {@code cut: ...},
   *                {@code superseded} (a second DESCRIBE of the same URL on the connection), {@code server stopped},
   *                {@code admission timed out}, {@code stream failed: ...} (no picture at DESCRIBE), or the
   *                stream's own end: {@code camera down: ...}, {@code camera stopped: ...},
   *                {@code encoder failed: ...}, {@code stream closed}
   * @param packets RTP packets sent
   * @param bytes   RTP bytes sent (headers included, interleaving framing excluded)
   */
  void ended(String reason, long packets, long bytes);
}
