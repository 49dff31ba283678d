package camgate.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The export bundle of a log ({@code entries.jsonl}, {@code checkpoints.jsonl}, {@code public-key.pem},
 * {@code bundle.json}; see {@code audit/README.md}), written file by file to a {@link Sink}. Entries are read
 * from the store a page at a time and the store is released before the page is written, so a slow sink never
 * holds up checkpoints, and memory stays at about one page whatever the size of the log.
 */
final class BundleExport {
  /** Entries read from the store at a time (what this costs in memory: audit/README.md, Export memory). */
  static final int PAGE = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AuditLogOptions options;
  private final MerkleTree tree;
  private final LiveStore store;
  private final CheckpointSchedule checkpoints;

  /** Where the bundle's files go. */
  interface Sink {
    /** Writes one file of the bundle; {@code body} writes its bytes and must not close the stream. */
    void file(String name, Body body) throws IOException;

    /** Called once every file is written. */
    void finish() throws IOException;
  }

  /** The bytes of one file. */
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  BundleExport(AuditLogOptions options, MerkleTree tree, LiveStore store, CheckpointSchedule checkpoints) {
    this.options = options;
    this.tree = tree;
    this.store = store;
    this.checkpoints = checkpoints;
  }

  /** See {@link AuditLog#export}. */
  void toDirectory(long fromSeq, long toSeqExclusive, Path dir) throws IOException {
    checkRange(fromSeq, toSeqExclusive);
    Files.createDirectories(dir);
    write(fromSeq, toSeqExclusive, new DirectorySink(dir));
  }

  /** See {@link AuditLog#exportZip}. */
  void toZip(long fromSeq, long toSeqExclusive, OutputStream out) throws IOException {
    checkRange(fromSeq, toSeqExclusive);
    write(fromSeq, toSeqExclusive, new ZipSink(out, options.clock().millis()));
  }

  private void checkRange(long fromSeq, long toSeqExclusive) {
    long size = tree.size();
    if (fromSeq < 0 || fromSeq > toSeqExclusive || toSeqExclusive > size) {
      throw new IllegalArgumentException("export needs 0 <= fromSeq <= toSeqExclusive <= size " + size
          + ", found [" + fromSeq + ", " + toSeqExclusive + ")");
    }
  }

  private void write(long fromSeq, long toSeqExclusive, Sink sink) throws IOException {
    List<SignedCheckpoint> signed = checkpointsUpTo(toSeqExclusive);
    // The key that signed the first exported checkpoint: the bundle's root of trust (later keys are announced in
    // entries).
    String firstKeyPem = store.current().publicKeyPem(signed.get(0).keyId());
    sink.file("entries.jsonl", out -> writeEntries(toSeqExclusive, out));
    sink.file("checkpoints.jsonl", out -> writeCheckpoints(signed, out));
    sink.file("public-key.pem", out -> out.write(firstKeyPem.getBytes(StandardCharsets.UTF_8)));
    Map<String, Object> bundle = new LinkedHashMap<>();
    bundle.put("origin", options.origin());
    bundle.put("report_from", fromSeq);
    bundle.put("report_to", toSeqExclusive);
    bundle.put("exported_at", CheckpointNote.formatTime(options.clock().instant()));
    byte[] bundleJson = (JSON.writeValueAsString(bundle) + "\n").getBytes(StandardCharsets.UTF_8);
    sink.file("bundle.json", out -> out.write(bundleJson));
    sink.finish();
  }

  /** Every stored checkpoint up to {@code size}, ending with one of exactly that size (signed now if none is). */
  private List<SignedCheckpoint> checkpointsUpTo(long size) {
    List<SignedCheckpoint> out = new ArrayList<>(store.current().checkpointsUpTo(size));
    if (out.isEmpty() || out.get(out.size() - 1).size() != size) {
      synchronized (checkpoints.lock()) {
        out.add(checkpoints.signAndStore(size));
      }
    }
    return out;
  }

  /** Entries {@code [0, to)}, always from 0: a verifier must recompute the whole tree. */
  private void writeEntries(long to, OutputStream out) throws IOException {
    for (long from = 0; from < to; from += PAGE) {
      for (Slice slice : page(from, Math.min(to, from + PAGE))) {
        out.write(slice.joined(), slice.start(), slice.end() - slice.start());
        out.write('\n');
      }
    }
  }

  /** Entries of a stored group, {@code joined[start, end)}: whole lines, joined by '\n', no final newline. */
  private record Slice(byte[] joined, int start, int end) {
  }

  /** The stored groups holding entries {@code [from, to)}, cut to them: read now, written once the store is free. */
  private List<Slice> page(long from, long to) throws IOException {
    List<Slice> out = new ArrayList<>();
    try {
      store.current().readBatches(from, to, (first, count, joined) -> {
        // Skip the group's lines before `from`, stop after the line before `to`.
        int start = 0;
        int end = joined.length;
        long seq = first;
        for (int i = 0; i < joined.length && seq < to; i++) {
          if (joined[i] == '\n') {
            seq++;
            if (seq == from) {
              start = i + 1;
            } else if (seq == to) {
              end = i;
            }
          }
        }
        out.add(new Slice(joined, start, end));
      });
    } catch (SQLException e) {
      throw new AuditUnavailableException("cannot read audit entries for the export: " + e.getMessage(), e);
    }
    return out;
  }

  private void writeCheckpoints(List<SignedCheckpoint> signed, OutputStream out) throws IOException {
    SignedCheckpoint previous = null;
    for (SignedCheckpoint cp : signed) {
      ObjectNode o = JSON.createObjectNode();
      o.put("size", cp.size());
      o.put("root", cp.root().hex());
      o.put("time", CheckpointNote.formatTime(cp.time()));
      o.put("key_id", cp.keyId());
      o.put("note", cp.note());
      if (previous != null && previous.size() > 0) {
        ObjectNode consistency = o.putObject("consistency");
        consistency.put("from_size", previous.size());
        ArrayNode path = consistency.putArray("path");
        tree.consistencyProof(previous.size(), cp.size()).path().forEach(h -> path.add(h.hex()));
      }
      out.write((JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
      previous = cp;
    }
  }

  /** {@code out} behind a stream whose close only flushes: a zip written into a caller's stream leaves it open. */
  static OutputStream keepOpen(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush(); // the caller's stream stays open
      }
    };
  }

  /**
   * Files as the entries of a zip written to a caller's stream, which is flushed but not closed. Buffered so the
   * stream sees 64 KB writes, not the deflater's 512-byte ones.
   */
  private static final class ZipSink implements Sink {
    private final ZipOutputStream zip;
    private final long timeMillis;

    ZipSink(OutputStream out, long timeMillis) {
      this.zip = new ZipOutputStream(new BufferedOutputStream(keepOpen(out), 1 << 16));
      this.timeMillis = timeMillis;
    }

    @Override
    public void file(String name, Body body) throws IOException {
      ZipEntry entry = new ZipEntry(name);
      entry.setTime(timeMillis); // the export time, not the time each file happened to be written
      zip.putNextEntry(entry);
      body.writeTo(zip);
      zip.closeEntry();
    }

    @Override
    public void finish() throws IOException {
      zip.close();
    }
  }

  /** Files in a directory, each written beside its place and moved there only once the whole bundle is written. */
  private static final class DirectorySink implements Sink {
    private final Path dir;
    private final List<String> written = new ArrayList<>();

    DirectorySink(Path dir) {
      this.dir = dir;
    }

    @Override
    public void file(String name, Body body) throws IOException {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dir.resolve(name + ".tmp")),
          1 << 16)) {
        body.writeTo(out);
      }
      written.add(name);
    }

    @Override
    public void finish() throws IOException {
      for (String name : written) {
        Files.move(dir.resolve(name + ".tmp"), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }
}
