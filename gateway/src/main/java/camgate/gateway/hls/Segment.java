package camgate.gateway.hls;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.time.Instant;
import java.util.Locale;

/**
 * One HLS media segment: an MPEG-TS file of whole pictures that starts with a keyframe, shared read-only by every
 * viewer of its camera view (Vert.x writes the same buffer to any number of connections).
 *
 * @param sequence      its media sequence number, from 0 in its segmenter's run
 * @param start         the wall-clock time of its first picture (EXT-X-PROGRAM-DATE-TIME)
 * @param durationTicks from its first picture to the next segment's first picture, in 90 kHz ticks
 * @param pictures      how many pictures it holds
 * @param firstFrame    the frame sequence number of its first picture (the SEI and MJPEG's X-Frame-Sequence)
 * @param discontinuity the encoding restarted (new parameter sets) or pictures were lost before it
 * @param discontinuitiesBefore how many earlier segments of its run had {@code discontinuity}: its playlist's
 *                      EXT-X-DISCONTINUITY-SEQUENCE when it is listed first
 * @param data          the transport stream (read-only)
 */
record Segment(long sequence, Instant start, long durationTicks, int pictures, long firstFrame,
               boolean discontinuity, long discontinuitiesBefore, Buffer data) {

  static Segment of(long sequence, Instant start, long durationTicks, int pictures, long firstFrame,
                    boolean discontinuity, long discontinuitiesBefore, byte[] ts) {
    return new Segment(sequence, start, durationTicks, pictures, firstFrame, discontinuity, discontinuitiesBefore,
        BufferInternal.buffer(Unpooled.wrappedBuffer(ts).asReadOnly()));
  }

  double seconds() {
    return durationTicks / 90_000.0;
  }

  /** The EXTINF value, three decimals. */
  String extinf() {
    return String.format(Locale.ROOT, "%.3f", seconds());
  }

  /** The segment's file name in its session's playlist. */
  String name() {
    return "seg-" + sequence + ".ts";
  }

  int size() {
    return data.length();
  }
}
