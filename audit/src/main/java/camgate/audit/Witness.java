package camgate.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An independent witness of transparency logs (C2SP tlog-witness): it cosigns a log's checkpoint only if the log's
 * key signed it and it is consistent with the latest checkpoint it cosigned for that log, which it keeps durably.
 * A log that forks, or rolls back, is refused from then on, also after a restart. {@link WitnessServer} serves it
 * over HTTP; {@link WitnessClient} is the log's side.
 */
public final class Witness {
  /** At most this many proof lines (C2SP tlog-witness). */
  static final int MAX_PROOF_LINES = 63;

  private final SigningKey key;
  private final Map<String, NoteKey> logs;
  private final WitnessState state;
  private final Clock clock;

  /** A reply to {@code add-checkpoint}: status, content type and body. */
  public record Reply(int status, String contentType, String body) {
    static Reply text(int status, String body) {
      return new Reply(status, "text/plain; charset=utf-8", body);
    }
  }

  private Witness(SigningKey key, Map<String, NoteKey> logs, WitnessState state, Clock clock) {
    this.key = key;
    this.logs = Map.copyOf(logs);
    this.state = state;
    this.clock = clock;
  }

  /**
   * Opens a witness. BLOCKING (reads or creates the key, reads the state).
   *
   * @param keyFile the witness's Ed25519 private key (PKCS#8 PEM, mode 600), generated when missing
   * @param name the witness name (cosignature key name), e.g. {@code witness.example-city.fr/w1}
   * @param logs each log's origin and public key (a PEM or vkey of the log: see {@link #readLogKey})
   * @param stateDir where the latest cosigned checkpoint of each log is kept
   * @throws IOException if the key or the state cannot be read or written
   */
  public static Witness open(Path keyFile, String name, Map<String, NoteKey> logs, Path stateDir, Clock clock)
      throws IOException {
    return new Witness(SigningKey.loadOrCreate(keyFile, name), logs, WitnessState.load(stateDir), clock);
  }

  /**
   * A log's public key for {@code origin}, from the text of a {@code PUBLIC KEY} PEM (the bundle's
   * {@code public-key.pem}) or a vkey of type 0x01.
   *
   * @throws IllegalArgumentException if it is neither, or a vkey of another name
   */
  public static NoteKey readLogKey(String origin, String text) {
    if (text.contains("-----BEGIN")) {
      return NoteKey.fromPem(origin, text);
    }
    NoteKey key = NoteKey.fromVkey(text);
    if (!key.name().equals(origin) || key.type() != NoteKey.ED25519_TYPE) {
      throw new IllegalArgumentException("vkey " + key.verifierKey() + " is not a log key of origin '" + origin + "'");
    }
    return key;
  }

  /** The witness's public key as a cosignature vkey ({@code name+hash+base64(0x04||key)}): what verifiers pin. */
  public NoteKey publicKey() {
    return key.publicKey().as(key.publicKey().name(), NoteKey.COSIGNATURE_TYPE);
  }

  /**
   * Handles one {@code POST /add-checkpoint} body: 200 with the cosignature line, 400 malformed, 403 no trusted
   * signature, 404 unknown log, 409 (body: the size it knows, {@code text/x.tlog.size}) when {@code old} is not that
   * size or the same size has another root, 422 when the consistency proof does not verify. Atomic: the check and
   * the durable update happen under one lock, so two requests cannot roll the state back. BLOCKING (fsync).
   */
  public synchronized Reply addCheckpoint(String body) {
    int split = body.indexOf("\n\n");
    if (split < 0) {
      return Reply.text(400, "expected 'old N', proof lines, a blank line, then the checkpoint\n");
    }
    String[] head = body.substring(0, split).split("\n", -1);
    if (!head[0].matches("old (0|[1-9][0-9]{0,18})")) {
      return Reply.text(400, "first line must be 'old <size>', found '" + head[0] + "'\n");
    }
    long old = Long.parseLong(head[0].substring(4));
    if (head.length - 1 > MAX_PROOF_LINES) {
      return Reply.text(400, "at most " + MAX_PROOF_LINES + " proof lines, found " + (head.length - 1) + "\n");
    }
    List<Hash> proof = new ArrayList<>();
    for (int i = 1; i < head.length; i++) {
      try {
        proof.add(Hash.fromBase64(head[i]));
      } catch (IllegalArgumentException e) {
        return Reply.text(400, "proof line " + i + ": " + e.getMessage() + "\n");
      }
    }
    CheckpointNote.Parsed note;
    try {
      note = CheckpointNote.parse(body.substring(split + 2));
    } catch (IllegalArgumentException e) {
      return Reply.text(400, "checkpoint: " + e.getMessage() + "\n");
    }
    NoteKey logKey = logs.get(note.origin());
    if (logKey == null) {
      return Reply.text(404, "unknown log '" + note.origin() + "'\n");
    }
    if (!CheckpointNote.isSignedBy(note, logKey)) {
      return Reply.text(403, "no signature of the log's key " + logKey.keyId() + " verifies on this checkpoint\n");
    }
    if (old > note.size()) {
      return Reply.text(400, "old size " + old + " is larger than the checkpoint's size " + note.size() + "\n");
    }
    Optional<WitnessState.Head> known = state.head(note.origin());
    long knownSize = known.map(WitnessState.Head::size).orElse(0L);
    if (old != knownSize) {
      return new Reply(409, "text/x.tlog.size", knownSize + "\n");
    }
    if (known.isPresent() && knownSize == note.size()) {
      if (!known.get().root().equals(note.root())) {
        return new Reply(409, "text/x.tlog.size", knownSize + "\n");
      }
    } else if (old == 0) {
      if (!proof.isEmpty()) {
        return Reply.text(422, "the proof must be empty when old is 0\n");
      }
    } else {
      try {
        ProofVerifier.verifyConsistency(old, note.size(), known.get().root(), note.root(), proof);
      } catch (ProofException e) {
        return Reply.text(422, "consistency proof from size " + old + " does not verify: " + e.getMessage() + "\n");
      }
    }
    try {
      state.put(note.origin(), new WitnessState.Head(note.size(), note.root()));
    } catch (IOException e) {
      return Reply.text(500, "cannot store the witness state: " + e.getMessage() + "\n");
    }
    return Reply.text(200, Cosignature.sign(key, note.body(), clock.instant().getEpochSecond()));
  }
}
