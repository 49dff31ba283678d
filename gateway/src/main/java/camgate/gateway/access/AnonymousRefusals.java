package camgate.gateway.access;

import camgate.audit.AuditEvent;
import io.vertx.core.Future;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Refusals of requests that presented no valid credential, recorded without letting anyone fill the log:
 * the first one from a source in a window (a minute) is a full {@code access_decision} entry, written
 * before the 401 is sent; the others from that source in the window are counted and written as one
 * {@code access_refused_summary} entry when the window closes. Thousands of anonymous requests a second
 * then cost one entry per source and minute, and the auditor still sees each source and how many.
 *
 * <p>At most {@code maxSources} sources are tracked at once; past that, further sources share one
 * window under the source {@code "*"}, so memory and log growth stay bounded whatever the attacker does.
 * Called on event loops; synchronized.
 */
final class AnonymousRefusals {

  static final String OTHER_SOURCES = "*";

  private final AuditTrail trail;
  private final Clock clock;
  private final Duration window;
  private final int maxSources;
  private final Map<String, Window> windows = new HashMap<>();

  private static final class Window {
    final Instant start;
    final Future<Long> firstEntry;
    long summarised;

    Window(Instant start, Future<Long> firstEntry) {
      this.start = start;
      this.firstEntry = firstEntry;
    }
  }

  AnonymousRefusals(AuditTrail trail, Clock clock, Duration window, int maxSources) {
    this.trail = trail;
    this.clock = clock;
    this.window = window;
    this.maxSources = maxSources;
  }

  /**
   * Records one anonymous refusal from {@code source}; the future gives the sequence number of the entry
   * that stands for it (the window's first), and fails when that entry could not be written.
   */
  synchronized Future<Long> record(String source, Supplier<AuditEvent> firstEntry) {
    flushExpired();
    String key = source == null ? OTHER_SOURCES : source;
    if (!windows.containsKey(key) && windows.size() >= maxSources) {
      key = OTHER_SOURCES;
    }
    Window w = windows.get(key);
    if (w != null && !w.firstEntry.failed()) {
      w.summarised++;
      return w.firstEntry;
    }
    Future<Long> first = trail.append(firstEntry.get()).map(entry -> entry.seq());
    windows.put(key, new Window(clock.instant(), first));
    return first;
  }

  /** Writes the summaries of windows that have closed. */
  synchronized void flushExpired() {
    Instant now = clock.instant();
    List<Map.Entry<String, Window>> closed = new ArrayList<>();
    windows.entrySet().removeIf(e -> {
      boolean over = !e.getValue().start.plus(window).isAfter(now);
      if (over) {
        closed.add(e);
      }
      return over;
    });
    closed.forEach(e -> summarise(e.getKey(), e.getValue(), now));
  }

  /** Writes every open window's summary now (at shutdown); completes when they are durable or given up. */
  synchronized Future<Void> flushAll() {
    Instant now = clock.instant();
    List<Future<?>> written = new ArrayList<>();
    windows.forEach((source, w) -> written.add(summarise(source, w, now)));
    windows.clear();
    return Future.join(written).mapEmpty();
  }

  private Future<?> summarise(String source, Window w, Instant end) {
    if (w.summarised == 0) {
      return Future.succeededFuture();
    }
    return trail.appendEventually(AccessEvents.refusedSummary(source, w.summarised, w.start, end,
        w.firstEntry.succeeded() ? w.firstEntry.result() : null));
  }
}
