package camgate.gateway.rtsp;

import java.util.ArrayDeque;

/**
 * One subscriber's bounded mailbox on an {@link H264Stream}: it starts at a keyframe, and when the subscriber falls
 * behind (too many pictures or bytes waiting) its backlog is dropped and it skips to the next keyframe, so a slow
 * subscriber never holds memory nor the encoder back.
 *
 * <p>Thread-safe: the encoding thread offers, the subscriber polls from its own thread.
 */
public final class H264Subscription implements AutoCloseable {

  /** Told when pictures are waiting or the stream ended; called on the encoding thread, must not block. */
  public interface Listener {
    /** The mailbox went from empty to non-empty: poll until it gives null. */
    void ready();

    /** The stream ended for this subscriber (camera down, stream closed); called at most once. */
    void ended(String reason);
  }

  private final H264Stream stream;
  private final Listener listener;
  private final int maxUnits;
  private final int maxBytes;
  private final ArrayDeque<AccessUnit> queue = new ArrayDeque<>();
  private int queuedBytes;
  private boolean awaitingKeyframe = true;
  private boolean closed;
  private long delivered;
  private long skipped;

  H264Subscription(H264Stream stream, Listener listener, int maxUnits, int maxBytes) {
    this.stream = stream;
    this.listener = listener;
    this.maxUnits = maxUnits;
    this.maxBytes = maxBytes;
  }

  /** The next picture in order, or null if none is waiting. The first one is always a keyframe. */
  public synchronized AccessUnit poll() {
    AccessUnit au = queue.poll();
    if (au != null) {
      queuedBytes -= au.size();
      delivered++;
    }
    return au;
  }

  /** Pictures dropped for this subscriber: waiting for its first keyframe or skipped after falling behind. */
  public synchronized long skipped() {
    return skipped;
  }

  /** Pictures this subscriber has polled. */
  public synchronized long delivered() {
    return delivered;
  }

  /** Leaves the stream and frees the backlog; the stream stops encoding after its last subscriber leaves. */
  @Override
  public void close() {
    if (shut()) {
      stream.unsubscribe(this);
    }
  }

  /** Closes the mailbox and frees its backlog; true if it was open. */
  private synchronized boolean shut() {
    if (closed) {
      return false;
    }
    closed = true;
    queue.clear();
    queuedBytes = 0;
    return true;
  }

  /** Offers a picture; returns true if the subscriber must be told it is ready. */
  boolean offer(AccessUnit au) {
    synchronized (this) {
      if (closed) {
        return false;
      }
      if (queue.size() >= maxUnits || queuedBytes + au.size() > maxBytes) {
        skipped += queue.size();
        queue.clear();
        queuedBytes = 0;
        awaitingKeyframe = true;
      }
      if (awaitingKeyframe) {
        if (!au.keyframe()) {
          skipped++;
          return false;
        }
        awaitingKeyframe = false;
      }
      boolean wasEmpty = queue.isEmpty();
      queue.add(au);
      queuedBytes += au.size();
      return wasEmpty;
    }
  }

  /** True while this subscriber waits for a keyframe (new or skipping). */
  synchronized boolean awaitingKeyframe() {
    return awaitingKeyframe && !closed;
  }

  void deliver(AccessUnit au) {
    if (offer(au)) {
      listener.ready();
    }
  }

  void end(String reason) {
    if (shut()) {
      listener.ended(reason);
    }
  }
}
