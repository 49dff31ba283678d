package camgate.audit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The log's side of C2SP tlog-witness: submits a checkpoint with a consistency proof from the size the witness last
 * cosigned, and returns its cosignature lines. Learns that size from the witness itself (409 says it), so a
 * restarted keeper needs no state. BLOCKING (HTTP); thread-safe.
 */
public final class WitnessClient {
  private final URI addCheckpoint;
  private final HttpClient http;
  private final Duration timeout;

  /** What a witness answered when it did not cosign. */
  public static final class Refused extends IOException {
    private final int status;
    private final long knownSize;

    Refused(int status, long knownSize, String message) {
      super(message);
      this.status = status;
      this.knownSize = knownSize;
    }

    /** The HTTP status: 403, 404, 409, 422 or 400 (C2SP tlog-witness). */
    public int status() {
      return status;
    }

    /** With 409: the size of the latest checkpoint the witness cosigned; else -1. */
    public long knownSize() {
      return knownSize;
    }
  }

  /** A proof source: the consistency proof from {@code fromSize} to the checkpoint's size. */
  public interface Proofs {
    List<Hash> consistency(long fromSize);
  }

  /** @param base the witness's submission prefix, e.g. {@code http://witness.example:7380} */
  public WitnessClient(URI base, Duration timeout) {
    String b = base.toString();
    this.addCheckpoint = URI.create((b.endsWith("/") ? b : b + "/") + "add-checkpoint");
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.timeout = timeout;
  }

  /** The witness's {@code add-checkpoint} URL. */
  public URI uri() {
    return addCheckpoint;
  }

  /**
   * One {@code add-checkpoint} request.
   *
   * @return the cosignature lines (each ends with a newline)
   * @throws Refused if the witness answered anything but 200
   * @throws IOException if it could not be reached
   */
  public List<String> addCheckpoint(long oldSize, List<Hash> proof, String note) throws IOException {
    StringBuilder body = new StringBuilder("old ").append(oldSize).append('\n');
    proof.forEach(h -> body.append(h.base64()).append('\n'));
    body.append('\n').append(note);
    HttpRequest request = HttpRequest.newBuilder(addCheckpoint).timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking the witness at " + addCheckpoint, e);
    }
    String text = response.body();
    if (response.statusCode() == 409) {
      long known = -1;
      try {
        known = Long.parseLong(text.strip());
      } catch (NumberFormatException e) {
        // reported below with the body as found
      }
      throw new Refused(409, known, "witness " + addCheckpoint + " knows size " + text.strip() + ", not " + oldSize);
    }
    if (response.statusCode() != 200) {
      throw new Refused(response.statusCode(), -1, "witness " + addCheckpoint + " refused the checkpoint ("
          + response.statusCode() + "): " + text.strip());
    }
    List<String> lines = new ArrayList<>();
    for (String line : text.split("(?<=\n)")) {
      if (!line.startsWith("\u2014 ") || !line.endsWith("\n")) {
        throw new IOException("witness " + addCheckpoint + " answered 200 with a line that is not a note signature: '"
            + line.strip() + "'");
      }
      lines.add(line);
    }
    return lines;
  }

  /**
   * Submits {@code note} (a checkpoint of {@code size} entries) starting from {@code guessedOldSize}; when the witness
   * answers 409 with a size not above {@code size}, submits once more from that size.
   *
   * @return the checkpoint note with the witness's cosignature lines appended
   * @throws Refused if the witness still refuses (a 409 with a larger size means it cosigned a longer tree of this
   *     log: the log was rolled back or forked)
   */
  public String cosign(String note, long size, long guessedOldSize, Proofs proofs) throws IOException {
    long old = Math.min(guessedOldSize, size);
    try {
      return note + String.join("", addCheckpoint(old, old == 0 ? List.of() : proofs.consistency(old), note));
    } catch (Refused r) {
      if (r.status() != 409 || r.knownSize() < 0 || r.knownSize() > size || r.knownSize() == old) {
        throw r;
      }
      long known = r.knownSize();
      return note + String.join("", addCheckpoint(known, known == 0 ? List.of() : proofs.consistency(known), note));
    }
  }
}
