package camgate.gateway.rtsp;

/**
 * The SDP (RFC 8866) a DESCRIBE answers with: one H.264 video track (RFC 6184), packetisation mode 1, its
 * parameter sets and profile, aggregate control {@code *} and an absolute track URL.
 */
final class SessionDescription {

  static final int PAYLOAD_TYPE = 96;

  private SessionDescription() {
  }

  /**
   * @param sessionId  a number identifying this description (o= line)
   * @param serverIp   the server address the client reached
   * @param title      session name, e.g. the camera id
   * @param trackUrl   absolute control URL of the video track
   */
  static String of(long sessionId, String serverIp, String title, String trackUrl, ParameterSets sets,
                   int framesPerSecond) {
    String ipVersion = serverIp.contains(":") ? "IP6" : "IP4";
    return "v=0\r\n"
        + "o=- " + sessionId + " 1 IN " + ipVersion + " " + serverIp + "\r\n"
        + "s=" + title + "\r\n"
        + "c=IN " + ipVersion + " " + (ipVersion.equals("IP6") ? "::" : "0.0.0.0") + "\r\n"
        + "t=0 0\r\n"
        + "a=tool:camgate\r\n"
        + "a=range:npt=now-\r\n"
        + "a=control:*\r\n"
        + "m=video 0 RTP/AVP " + PAYLOAD_TYPE + "\r\n"
        + "a=rtpmap:" + PAYLOAD_TYPE + " H264/90000\r\n"
        + "a=fmtp:" + PAYLOAD_TYPE + " packetization-mode=1;profile-level-id=" + sets.profileLevelId()
        + ";sprop-parameter-sets=" + sets.spropParameterSets() + "\r\n"
        + "a=framerate:" + framesPerSecond + "\r\n"
        + "a=control:" + trackUrl + "\r\n";
  }
}
