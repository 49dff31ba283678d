package camgate.gateway.camera;

/**
 * Where a camera is redacted: on this node, on another node of the cluster (and at which URL), or nowhere now.
 * A single gateway redacts every camera it has itself ({@link #local()}); a cluster answers from its leases.
 */
public interface CameraPlacement {

  /** Where the camera is redacted now. */
  Where where(String cameraId);

  /** Every camera on this node: the single-node gateway. */
  static CameraPlacement local() {
    return LocalPlacement.INSTANCE;
  }

  /**
   * One camera's place.
   *
   * @param node  the node holding the camera's lease (empty when unowned)
   * @param url   that node's HTTP base URL, for a redirect (empty unless remote)
   * @param rtsp  that node's RTSP base URL, for an RTSP redirect (empty unless remote and it serves RTSP)
   * @param token the lease's fencing token (0 when unowned or single-node)
   * @param why   for an unowned camera, why no node holds it
   */
  record Where(Kind kind, String node, String url, String rtsp, long token, String why) {
    public enum Kind { LOCAL, REMOTE, UNOWNED }

    public static Where local(String node, long token) {
      return new Where(Kind.LOCAL, node, "", "", token, "");
    }

    public static Where remote(String node, String url, String rtsp, long token) {
      return new Where(Kind.REMOTE, node, url, rtsp, token, "");
    }

    public static Where unowned(String why) {
      return new Where(Kind.UNOWNED, "", "", "", 0, why);
    }
  }

  /** The single-node gateway's answer. */
  enum LocalPlacement implements CameraPlacement {
    INSTANCE;

    private static final Where HERE = Where.local("", 0);

    @Override
    public Where where(String cameraId) {
      return HERE;
    }
  }
}
