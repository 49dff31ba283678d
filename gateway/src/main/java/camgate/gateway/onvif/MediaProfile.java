package camgate.gateway.onvif;

import camgate.gateway.camera.CameraFeed;
import camgate.gateway.camera.EncodedFrame;
import camgate.gateway.rtsp.H264Settings;

import static camgate.gateway.onvif.SoapReply.escape;

/**
 * One camera as an ONVIF media profile of the gateway's device: the way a multi-channel encoder or an NVR shows
 * its channels to a VMS. The profile token is the camera id; its video source is {@code source-<id>}; the encoder
 * is the camera's one redacted H.264 view as RTSP serves it.
 *
 * @param width  the redacted picture's width as last published (0 before the first picture)
 * @param fps    the camera's measured frame rate, at least 1
 */
record MediaProfile(String cameraId, int width, int height, int fps) {

  /** The profile of a camera as it is now. */
  static MediaProfile of(CameraFeed feed) {
    int[] size = feed.redactedHub().latest().map(EncodedFrame::jpeg).map(MediaProfile::jpegSize)
        .orElse(new int[] {0, 0});
    int fps = (int) Math.max(1, Math.round(feed.status().framesPerSecond()));
    return new MediaProfile(feed.camera().id(), size[0], size[1], fps);
  }

  String sourceToken() {
    return "source-" + cameraId;
  }

  /** The {@code tt:Profile} content under {@code element} (e.g. {@code trt:Profiles}). */
  String profileXml(String element) {
    String id = escape(cameraId);
    int bitrate = width == 0 ? 0 : H264Settings.forRate(fps).bitsPerSecondFor(width, height) / 1000;
    long gov = H264Settings.MAX_KEYFRAME_INTERVAL.toSeconds() * fps;
    return "<" + element + " token=\"" + id + "\" fixed=\"true\"><tt:Name>" + id + "</tt:Name>"
        + "<tt:VideoSourceConfiguration token=\"vsc-" + id + "\"><tt:Name>" + id + "</tt:Name><tt:UseCount>1</tt:UseCount>"
        + "<tt:SourceToken>" + escape(sourceToken()) + "</tt:SourceToken>"
        + "<tt:Bounds x=\"0\" y=\"0\" width=\"" + width + "\" height=\"" + height + "\"/></tt:VideoSourceConfiguration>"
        + "<tt:VideoEncoderConfiguration token=\"vec-" + id + "\"><tt:Name>" + id + " redacted H.264</tt:Name>"
        + "<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>" + resolution()
        + "<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>" + fps + "</tt:FrameRateLimit>"
        + "<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>" + bitrate + "</tt:BitrateLimit></tt:RateControl>"
        + "<tt:H264><tt:GovLength>" + gov + "</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264>"
        + "<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>"
        + "<tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"
        + "<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></" + element + ">";
  }

  /** The {@code tt:VideoSource} content under {@code element} (e.g. {@code trt:VideoSources}). */
  String videoSourceXml(String element) {
    return "<" + element + " token=\"" + escape(sourceToken()) + "\"><tt:Framerate>" + fps + "</tt:Framerate>"
        + resolution() + "</" + element + ">";
  }

  private String resolution() {
    return "<tt:Resolution><tt:Width>" + width + "</tt:Width><tt:Height>" + height + "</tt:Height></tt:Resolution>";
  }

  /** Width and height from a JPEG's start-of-frame segment; {0, 0} if it has none. */
  static int[] jpegSize(byte[] jpeg) {
    int i = 2;
    while (i + 9 < jpeg.length) {
      if ((jpeg[i] & 0xFF) != 0xFF) {
        return new int[] {0, 0};
      }
      int marker = jpeg[i + 1] & 0xFF;
      int length = ((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame's height then width.
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        int height = ((jpeg[i + 5] & 0xFF) << 8) | (jpeg[i + 6] & 0xFF);
        int width = ((jpeg[i + 7] & 0xFF) << 8) | (jpeg[i + 8] & 0xFF);
        return new int[] {width, height};
      }
      i += 2 + length;
    }
    return new int[] {0, 0};
  }
}
