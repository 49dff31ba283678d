package camgate.gateway.http;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP response as a blocking {@link OutputStream}, for a worker thread that produces a large body (the
 * audit export): each write is handed to the response's event loop and, when the connection's write queue
 * is full, waits until it drains. What is in flight is bounded by the write queue, so the body streams out
 * with memory flat, however large it is and however slow the client.
 *
 * <p>Never use it on an event loop: its writes block.
 */
final class ResponseOutputStream extends OutputStream {

  private static final long STALL_LIMIT_S = 60;

  private final Context context;
  private final HttpServerResponse response;

  ResponseOutputStream(Context context, HttpServerResponse response) {
    this.context = context;
    this.response = response;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    Buffer chunk = Buffer.buffer(len).appendBytes(b, off, len);
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    context.runOnContext(v -> {
      if (response.closed()) {
        accepted.completeExceptionally(new IOException("the client closed the connection"));
        return;
      }
      response.write(chunk);
      if (response.writeQueueFull()) {
        response.drainHandler(d -> accepted.complete(null));
        response.closeHandler(c -> accepted.completeExceptionally(new IOException("the client closed the connection")));
      } else {
        accepted.complete(null);
      }
    });
    try {
      accepted.get(STALL_LIMIT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the client was reading");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("the client read nothing for " + STALL_LIMIT_S + " s", e);
    }
  }
}
