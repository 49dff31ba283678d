package camgate.gateway.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The RTSP connection's reader on any bytes, cut anywhere: well-formed requests and interleaved frames come out as
 * they were written, in order, whatever the cuts; arbitrary bytes never make it throw, never make it report after
 * it called the stream malformed, and never make it buffer a head beyond {@link RtspMessageReader#MAX_HEAD}.
 */
class RtspMessageReaderPropertyTest {

  /** What the reader reported, in order. */
  private static final class Recorder implements RtspMessageReader.Handler {
    final List<Object> events = new ArrayList<>();
    int malformedStatus;

    @Override
    public void request(RtspRequest request) {
      assertEquals(0, malformedStatus, "nothing is reported after the stream was called malformed");
      events.add(request);
    }

    @Override
    public void interleaved(int channel, Buffer data) {
      assertEquals(0, malformedStatus, "nothing is reported after the stream was called malformed");
      events.add(new Frame(channel, data.getBytes()));
    }

    @Override
    public void malformed(int status, String why) {
      assertEquals(0, malformedStatus, "malformed is reported once");
      assertTrue(status == 400 || status == 413, "status " + status);
      assertTrue(why != null && !why.isBlank());
      malformedStatus = status;
    }
  }

  /** An interleaved frame: {@code $}, channel, length, data. */
  record Frame(int channel, byte[] data) {
    byte[] bytes() {
      byte[] out = new byte[4 + data.length];
      out[0] = '$';
      out[1] = (byte) channel;
      out[2] = (byte) (data.length >> 8);
      out[3] = (byte) data.length;
      System.arraycopy(data, 0, out, 4, data.length);
      return out;
    }
  }

  /** A request as a client writes it; headers in order, names unique ignoring case. */
  record Written(String method, String uri, Map<String, String> headers, byte[] body, boolean strayCrlf,
                 boolean bareLf) {
    byte[] bytes() {
      String eol = bareLf ? "\n" : "\r\n";
      StringBuilder head = new StringBuilder(strayCrlf ? "\r\n" : "");
      head.append(method).append(' ').append(uri).append(" RTSP/1.0").append(eol);
      headers.forEach((name, value) -> head.append(name).append(": ").append(value).append(eol));
      if (body.length > 0) {
        head.append("Content-Length: ").append(body.length).append(eol);
      }
      head.append(eol);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.writeBytes(body);
      return out.toByteArray();
    }
  }

  @Property(tries = 1000)
  void writtenMessagesAreReadBackInOrderWhateverTheCuts(@ForAll("messages") List<Object> messages,
                                                        @ForAll @Size(max = 12) List<@IntRange(min = 1, max = 4096)
                                                            Integer> cuts) {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    for (Object m : messages) {
      stream.writeBytes(m instanceof Frame f ? f.bytes() : ((Written) m).bytes());
    }
    Recorder recorder = new Recorder();
    feedInPieces(new RtspMessageReader(recorder), stream.toByteArray(), cuts);
    assertEquals(0, recorder.malformedStatus, "well-formed messages are never malformed");
    assertEquals(messages.size(), recorder.events.size(), "one event per message");
    for (int i = 0; i < messages.size(); i++) {
      Object written = messages.get(i);
      Object read = recorder.events.get(i);
      if (written instanceof Frame f) {
        Frame r = (Frame) read;
        assertEquals(f.channel(), r.channel());
        assertArrayEquals(f.data(), r.data());
      } else {
        Written w = (Written) written;
        RtspRequest r = (RtspRequest) read;
        assertEquals(w.method(), r.method());
        assertEquals(w.uri(), r.uri());
        assertEquals("RTSP/1.0", r.version());
        Map<String, String> expected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        expected.putAll(w.headers());
        if (w.body().length > 0) {
          expected.put("Content-Length", Integer.toString(w.body().length));
        }
        assertEquals(expected, r.headers());
        assertArrayEquals(w.body(), r.body());
      }
    }
  }

  @Property(tries = 2000)
  void arbitraryBytesNeverMakeTheReaderThrowOrReportAfterMalformed(@ForAll("noise") byte[] bytes,
                                                                   @ForAll @Size(max = 8) List<@IntRange(min = 1,
                                                                       max = 512) Integer> cuts) {
    Recorder recorder = new Recorder();
    feedInPieces(new RtspMessageReader(recorder), bytes, cuts);
    for (Object event : recorder.events) {
      if (event instanceof RtspRequest r) {
        assertTrue(!r.method().isEmpty() && !r.method().contains(" ") && !r.uri().contains(" ")
            && !r.version().contains(" "), "a request line of three words: " + r);
        assertTrue(r.body().length <= RtspMessageReader.MAX_BODY);
      }
    }
  }

  /** A client that never ends its head is cut off once it passes the limit, not buffered without end. */
  @Property(tries = 300)
  void aHeadThatNeverEndsIsMalformedOnceOverTheLimit(@ForAll @Size(min = RtspMessageReader.MAX_HEAD + 1,
      max = 3 * RtspMessageReader.MAX_HEAD) byte[] bytes, @ForAll @Size(max = 8) List<@IntRange(min = 1,
      max = 4096) Integer> cuts) {
    bytes[0] = 'G';
    for (int i = 1; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        bytes[i] = 'x'; // no line end at all, so no blank line
      }
    }
    Recorder recorder = new Recorder();
    feedInPieces(new RtspMessageReader(recorder), bytes, cuts);
    assertEquals(List.of(), recorder.events);
    assertEquals(400, recorder.malformedStatus);
  }

  private static void feedInPieces(RtspMessageReader reader, byte[] bytes, List<Integer> cuts) {
    int pos = 0;
    for (int cut : cuts) {
      if (pos >= bytes.length) {
        break;
      }
      int end = Math.min(bytes.length, pos + cut);
      reader.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, pos, end)));
      pos = end;
    }
    if (pos < bytes.length) {
      reader.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, pos, bytes.length)));
    }
  }

  @Provide
  Arbitrary<byte[]> noise() {
    Arbitrary<byte[]> rtspish = Arbitraries.strings().withChars("DESCRIBE rtsp://h/ RTSP/1.0\r\n:$Content-Length 9")
        .ofMaxLength(300).map(s -> s.getBytes(StandardCharsets.ISO_8859_1));
    return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(600), rtspish,
        messages().map(ms -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          ms.forEach(m -> out.writeBytes(m instanceof Frame f ? f.bytes() : ((Written) m).bytes()));
          return out.toByteArray();
        }).flatMap(valid -> Arbitraries.integers().between(0, Math.max(0, valid.length - 1))
            .flatMap(at -> Arbitraries.bytes().map(b -> {
              byte[] corrupted = valid.clone();
              if (corrupted.length > 0) {
                corrupted[at] = b;
              }
              return corrupted;
            }))));
  }

  @Provide
  Arbitrary<List<Object>> messages() {
    Arbitrary<Object> frame = Combinators.combine(Arbitraries.integers().between(0, 255),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300)).as(Frame::new).map(f -> (Object) f);
    Arbitrary<String> token = Arbitraries.strings().withCharRange('A', 'Z').withChars("_-").ofMinLength(1)
        .ofMaxLength(12);
    Arbitrary<String> headerName = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
        .withChars("-").ofMinLength(1).ofMaxLength(16).filter(n -> !n.equalsIgnoreCase("Content-Length"));
    Arbitrary<String> headerValue = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40).map(String::strip);
    Arbitrary<Map<String, String>> headers = Arbitraries.maps(headerName, headerValue).ofMaxSize(6).map(m -> {
      Map<String, String> unique = new LinkedHashMap<>();
      m.forEach((k, v) -> {
        if (unique.keySet().stream().noneMatch(k2 -> k2.toLowerCase(Locale.ROOT).equals(k.toLowerCase(Locale.ROOT)))) {
          unique.put(k, v);
        }
      });
      return unique;
    });
    Arbitrary<String> uri = Arbitraries.strings().withCharRange('!', '~').ofMaxLength(40).map(p -> "rtsp://h/" + p);
    Arbitrary<Object> request = Combinators.combine(token, uri, headers,
        Arbitraries.bytes().array(byte[].class).ofMaxSize(200), Arbitraries.of(true, false),
        Arbitraries.of(true, false)).as(Written::new).map(w -> (Object) w);
    return Arbitraries.oneOf(frame, request).list().ofMaxSize(6);
  }
}
