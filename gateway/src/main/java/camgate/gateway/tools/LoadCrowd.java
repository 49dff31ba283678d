package camgate.gateway.tools;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of {@code ./camgate bench load}, in a process of its own that {@link LoadBench} starts (at a lower CPU
 * priority by default: a city's consumers and attackers run on machines of their own, and on this one the load's
 * own CPU would otherwise be taken from the gateway it measures). It opens the consumers (half of them reading at
 * a bounded rate), says {@code ready}, sends the anonymous and the malformed requests, holds the consumers until
 * the load has lasted its time, and prints one {@code crowd ...} line of what it sent and received.
 *
 * <p>Consumers only read and count bytes: the frame count of the measured consumer is {@link LoadBench}'s, and a
 * crowd scanning 100 MB/s for frame boundaries spent the CPU the measurement is about.
 */
final class LoadCrowd {

  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private LoadCrowd(URI base) {
    this.base = base;
  }

  /** {@code BASE CONSUMERS ANONYMOUS BAD SLOW_RATE SECONDS}, as {@link LoadBench} passes them. */
  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    int consumers = Integer.parseInt(args[1]);
    int anonymous = Integer.parseInt(args[2]);
    int bad = Integer.parseInt(args[3]);
    int slowRate = Integer.parseInt(args[4]);
    int seconds = Integer.parseInt(args[5]);
    new LoadCrowd(base).run(consumers, anonymous, bad, slowRate, seconds);
    System.exit(0);
  }

  private void run(int consumers, int anonymous, int bad, int slowRate, int seconds) throws Exception {
    List<Reader> fast = new ArrayList<>();
    List<Reader> slow = new ArrayList<>();
    for (int i = 0; i < consumers; i++) {
      Reader r = new Reader(LoadBench.open(base, LoadBench.OPERATOR_KEY, LoadBench.STREAM), i % 2 == 0 ? slowRate : 0);
      r.start();
      (i % 2 == 0 ? slow : fast).add(r);
    }
    long cpuBefore = LoadBench.processCpu("self");
    System.out.println("ready");
    System.out.flush();
    long t0 = System.nanoTime();
    long[] fastBefore = bytes(fast);
    int[] statuses = burst(anonymous, i -> i % 2 == 0 ? HttpRequest.newBuilder(base.resolve("/cameras")).build()
        : HttpRequest.newBuilder(base.resolve("/admin/policy/proposals")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    double anonymousSeconds = (System.nanoTime() - t0) / 1e9;
    Random random = new Random(42);
    int[] badStatuses = burst(bad, i -> fuzzed(random, i));
    Thread.sleep(Math.max(0, TimeUnit.SECONDS.toMillis(seconds) - (System.nanoTime() - t0) / 1_000_000));
    double loadSeconds = (System.nanoTime() - t0) / 1e9;
    long[] fastAfter = bytes(fast);
    long cpu = LoadBench.processCpu("self") - cpuBefore;
    long received = 0;
    long fastReceived = 0;
    for (int i = 0; i < fast.size(); i++) {
      fastReceived += fastAfter[i] - fastBefore[i];
    }
    for (Reader r : fast) {
      received += r.bytes.get();
    }
    for (Reader r : slow) {
      received += r.bytes.get();
    }
    fast.forEach(Reader::close);
    slow.forEach(Reader::close);
    System.out.printf("crowd anonymous_seconds=%.2f anonymous=%s bad=%s load_seconds=%.2f received_bytes=%d"
            + " fast_consumers=%d fast_bytes_per_s_each=%.0f cpu_ticks=%d%n", anonymousSeconds, histogram(statuses),
        histogram(badStatuses), loadSeconds, received, fast.size(),
        fast.isEmpty() ? 0 : fastReceived / loadSeconds / fast.size(), cpu);
  }

  private static long[] bytes(List<Reader> readers) {
    long[] b = new long[readers.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = readers.get(i).bytes.get();
    }
    return b;
  }

  /** A malformed request: a fuzzed path, a bad header, or a broken body. */
  private HttpRequest fuzzed(Random random, int i) {
    String junk = Long.toHexString(random.nextLong());
    HttpRequest.Builder b = switch (i % 5) {
      case 0 -> HttpRequest.newBuilder(base.resolve("/cameras/" + junk + "%2e%2e%2f" + junk + "/stream.mjpg?purpose="
          + junk));
      case 1 -> HttpRequest.newBuilder(base.resolve("/audit/entries/" + junk + "/proof?size=-" + i));
      case 2 -> HttpRequest.newBuilder(base.resolve("/admin/policy/proposals"))
          .header("Authorization", "Bearer " + LoadBench.AUDITOR_KEY).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"modules\": [" + junk));
      case 3 -> HttpRequest.newBuilder(base.resolve("/cameras/cam-demo/exports"))
          .header("Authorization", "Bearer " + LoadBench.OPERATOR_KEY).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(random, 70_000)));
      default -> HttpRequest.newBuilder(base.resolve("/console/api/sign-in"))
          .header("Content-Type", "multipart/form-data; boundary=" + junk)
          .POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(random, 4096)));
    };
    return b.header("X-Camgate-Purpose", junk).timeout(Duration.ofSeconds(10)).build();
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private interface RequestMaker {
    HttpRequest make(int i);
  }

  /** Sends {@code n} requests, 50 at a time; returns each status (0 for a connection error). */
  private int[] burst(int n, RequestMaker maker) throws Exception {
    int[] statuses = new int[n];
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        all.add(CompletableFuture.runAsync(() -> {
          try {
            statuses[k] = http.send(maker.make(k), HttpResponse.BodyHandlers.discarding()).statusCode();
          } catch (Exception e) {
            statuses[k] = 0;
          }
        }, pool));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(10, TimeUnit.MINUTES);
    } finally {
      pool.shutdownNow();
    }
    return statuses;
  }

  private static String histogram(int[] statuses) {
    TreeMap<Integer, Integer> h = new TreeMap<>();
    for (int s : statuses) {
      h.merge(s, 1, Integer::sum);
    }
    return h.toString().replace(" ", "");
  }

  /**
   * Reads a stream (at most {@code rate} bytes per second when rate > 0), counting bytes; {@link #received} sees
   * each chunk (the bench's normal consumer counts frames there).
   */
  static class Reader extends Thread {
    private final InputStream in;
    private final int rate;
    final AtomicLong bytes = new AtomicLong();
    private volatile boolean closed;

    Reader(InputStream in, int rate) {
      super("consumer");
      setDaemon(true);
      this.in = in;
      this.rate = rate;
    }

    /** Called with each chunk read, on this thread. */
    void received(byte[] chunk, int n) {
      // bytes only
    }

    @Override
    public void run() {
      byte[] chunk = new byte[rate > 0 ? Math.max(1, rate / 10) : 65536];
      try (in) {
        while (!closed) {
          int n = in.read(chunk);
          if (n < 0) {
            return;
          }
          bytes.addAndGet(n);
          received(chunk, n);
          if (rate > 0) {
            Thread.sleep(100);
          }
        }
      } catch (IOException | InterruptedException e) {
        // closed
      }
    }

    void close() {
      closed = true;
      try {
        in.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
