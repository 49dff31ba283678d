package camgate.gateway.rtsp;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_I;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_NONE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * Encodes BGR pictures of one size to constrained-baseline H.264 with FFmpeg's libopenh264 (the bundled FFmpeg
 * build has no x264: it is LGPL). Not thread-safe: one per encoding thread; close it to free the native encoder.
 */
final class H264Encoder implements AutoCloseable {

  /** The encoder the bundled FFmpeg build ships (checked: libopenh264 and hardware-only nvenc/vaapi/qsv). */
  static final String CODEC = "libopenh264";

  static {
    // libopenh264 warns at every open (profile 578 mapped to its own baseline; rate control without frame
    // skipping): only errors, as CameraFeed sets for the whole process.
    av_log_set_level(AV_LOG_ERROR);
  }

  /** One encoded picture: its NAL units (SPS and PPS first when it is a keyframe) and whether it is an IDR. */
  record Encoded(List<NalUnit> nalUnits, boolean keyframe) {
  }

  private final int width;
  private final int height;
  private final AVCodecContext context;
  private final AVFrame picture;
  private final AVPacket packet;
  private final SwsContext converter;
  private final ParameterSets parameterSets;
  private final PointerPointer<BytePointer> source = new PointerPointer<>(1);
  private final IntPointer sourceStride = new IntPointer(1);

  /**
   * Opens an encoder for pictures of this size.
   *
   * @throws IllegalArgumentException if the size is odd or not positive (4:2:0 needs even sides)
   * @throws IllegalStateException    if FFmpeg has no libopenh264 or refuses the settings
   */
  H264Encoder(int width, int height, H264Settings settings) {
    if (width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0) {
      throw new IllegalArgumentException("H.264 4:2:0 needs even sides of at least 16 pixels; got " + width + "x"
          + height);
    }
    this.width = width;
    this.height = height;
    AVCodec codec = avcodec_find_encoder_by_name(CODEC);
    if (codec == null) {
      throw new IllegalStateException("FFmpeg has no " + CODEC + " encoder; use the org.bytedeco ffmpeg build "
          + "(not ffmpeg-gpl stripped of it) or check the classifier of org.bytedeco:ffmpeg in the pom");
    }
    context = avcodec_alloc_context3(codec);
    context.width(width);
    context.height(height);
    context.pix_fmt(AV_PIX_FMT_YUV420P);
    context.time_base(av_make_q(1, 90_000));
    context.framerate(av_make_q(settings.framesPerSecond(), 1));
    context.gop_size(settings.gopFrames());
    context.max_b_frames(0);
    context.bit_rate(settings.bitsPerSecondFor(width, height));
    context.thread_count(1);
    context.flags(context.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
    AVDictionary options = new AVDictionary(null);
    // Rate control by bit rate, and never skip a frame: each source frame must give one picture.
    av_dict_set(options, "rc_mode", "bitrate", 0);
    av_dict_set(options, "allow_skip_frames", "0", 0);
    int opened = avcodec_open2(context, codec, options);
    av_dict_free(options);
    if (opened < 0) {
      avcodec_free_context(context);
      throw new IllegalStateException("could not open " + CODEC + " for " + width + "x" + height + ": "
          + error(opened));
    }
    byte[] extradata = new byte[context.extradata_size()];
    context.extradata().get(extradata);
    parameterSets = parameterSetsOf(NalUnit.splitAnnexB(extradata));
    picture = av_frame_alloc();
    picture.format(AV_PIX_FMT_YUV420P);
    picture.width(width);
    picture.height(height);
    av_frame_get_buffer(picture, 32);
    packet = av_packet_alloc();
    converter = sws_getContext(width, height, AV_PIX_FMT_BGR24, width, height, AV_PIX_FMT_YUV420P, SWS_BILINEAR,
        null, null, (DoublePointer) null);
  }

  private static ParameterSets parameterSetsOf(List<NalUnit> units) {
    NalUnit sps = null;
    NalUnit pps = null;
    for (NalUnit u : units) {
      if (u.type() == NalUnit.SPS && sps == null) {
        sps = u;
      } else if (u.type() == NalUnit.PPS && pps == null) {
        pps = u;
      }
    }
    if (sps == null || pps == null) {
      throw new IllegalStateException(CODEC + " gave no SPS/PPS in its global header (" + units + ")");
    }
    return new ParameterSets(sps, pps);
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  ParameterSets parameterSets() {
    return parameterSets;
  }

  /**
   * Encodes one picture.
   *
   * @param bgr      a CV_8UC3 picture of this encoder's size
   * @param pts90k   its presentation time in 90 kHz ticks, increasing
   * @param keyframe force an IDR picture
   * @return the picture's NAL units, SPS and PPS prepended to an IDR; empty if the encoder gave none
   */
  Encoded encode(Mat bgr, long pts90k, boolean keyframe) {
    if (bgr.cols() != width || bgr.rows() != height || bgr.type() != CV_8UC3) {
      throw new IllegalArgumentException("expected a " + width + "x" + height + " BGR picture, got " + bgr.cols() + "x"
          + bgr.rows() + " of type " + bgr.type() + "; open a new encoder when the size changes");
    }
    av_frame_make_writable(picture);
    source.put(0, bgr.data());
    sourceStride.put(0, (int) bgr.step());
    sws_scale(converter, source, sourceStride, 0, height, picture.data(), picture.linesize());
    picture.pts(pts90k);
    picture.pict_type(keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE);
    int sent = avcodec_send_frame(context, picture);
    if (sent < 0) {
      throw new IllegalStateException(CODEC + " refused a picture: " + error(sent));
    }
    List<NalUnit> units = new ArrayList<>();
    boolean key = false;
    int received;
    while ((received = avcodec_receive_packet(context, packet)) == 0) {
      byte[] data = new byte[packet.size()];
      packet.data().get(data);
      key |= (packet.flags() & AV_PKT_FLAG_KEY) != 0;
      units.addAll(NalUnit.splitAnnexB(data));
      av_packet_unref(packet);
    }
    if (received != AVERROR_EAGAIN()) {
      throw new IllegalStateException(CODEC + " failed to give a packet: " + error(received));
    }
    if (key && units.stream().noneMatch(u -> u.type() == NalUnit.SPS)) {
      // With a global header, libopenh264 leaves SPS/PPS out of the stream: put them before each IDR so that
      // a client joining or skipping to this keyframe can decode it whatever its SDP said.
      units.add(0, parameterSets.pps());
      units.add(0, parameterSets.sps());
    }
    return new Encoded(units, key);
  }

  private static String error(int code) {
    byte[] buf = new byte[256];
    av_strerror(code, buf, buf.length);
    int n = 0;
    while (n < buf.length && buf[n] != 0) {
      n++;
    }
    return new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII) + " (" + code + ")";
  }

  @Override
  public void close() {
    sws_freeContext(converter);
    av_packet_free(packet);
    av_frame_free(picture);
    avcodec_free_context(context);
    source.close();
    sourceStride.close();
  }
}
