package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AuditLog#exportZip}: the same bundle as {@link AuditLog#export}, streamed with flat memory. */
class ExportZipTest {
  /**
   * Entries of the large-log test (at least 200,000, so that the entries are several times the bound);
   * {@code -Dcamgate.audit.exportEntries=1000000} for the full-size check.
   */
  static final int LARGE = Integer.getInteger("camgate.audit.exportEntries", 200_000);
  /** Most the heap may grow while exporting (after GC), whatever the size of the log. */
  static final long HEAP_BOUND = 16L << 20;

  @TempDir
  Path tmp;

  static List<String> unzip(byte[] zip, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
        Files.copy(in, dir.resolve(e.getName()));
      }
    }
    return names;
  }

  @Test
  void zipHoldsTheSameFilesAsTheDirectoryExportAndVerifies() throws Exception {
    try (AuditLog log = AuditLog.open(AuditLogTest.options(tmp.resolve("db")))) {
      for (int i = 0; i < 25; i++) {
        log.append(AuditLogTest.event(i));
        if (i % 10 == 9) {
          log.checkpointNow();
        }
      }
      Path dir = tmp.resolve("dir");
      log.export(3, 20, dir);
      ByteArrayOutputStream zip = new ByteArrayOutputStream();
      log.exportZip(3, 20, zip);
      Path unzipped = tmp.resolve("unzipped");
      List<String> names = unzip(zip.toByteArray(), unzipped);
      assertEquals(List.of("entries.jsonl", "checkpoints.jsonl", "public-key.pem", "bundle.json"), names);
      for (String name : names) {
        assertArrayEquals(Files.readAllBytes(dir.resolve(name)), Files.readAllBytes(unzipped.resolve(name)), name);
      }
      Verdict verdict = BundleVerifier.verify(unzipped);
      assertTrue(verdict.valid(), verdict.summary());
      assertEquals(20, verdict.entries(), "entries [0, to): a verifier recomputes the whole tree");
    }
  }

  @Test
  void rangeOutsideTheLogIsRefused() throws Exception {
    try (AuditLog log = AuditLog.open(AuditLogTest.options(tmp.resolve("db")))) {
      log.append(AuditLogTest.event(0));
      var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> log.exportZip(0, 2, OutputStream.nullOutputStream()));
      assertTrue(e.getMessage().contains("toSeqExclusive <= size 1"), e.getMessage());
    }
  }

  /** Discards what it is given, counting it; every {@code sampleEvery} bytes, measures the heap after a full GC. */
  static final class HeapSamplingStream extends OutputStream {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final long sampleEvery;
    long bytes;
    long maxUsedAfterGc;
    int samples;

    HeapSamplingStream(long sampleEvery) {
      this.sampleEvery = sampleEvery;
    }

    long usedAfterGc() {
      System.gc();
      return memory.getHeapMemoryUsage().getUsed();
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      long before = bytes / sampleEvery;
      bytes += len;
      if (bytes / sampleEvery != before) {
        samples++;
        maxUsedAfterGc = Math.max(maxUsedAfterGc, usedAfterGc());
      }
    }
  }

  @Test
  void largeLogExportsWithFlatMemoryAndVerifies() throws Exception {
    try (AuditLog log = AuditLog.open(AuditLogTest.options(tmp.resolve("db")))) {
      long t0 = System.nanoTime();
      appendAsync(log, LARGE);
      long appended = System.nanoTime();
      long entryBytes = log.entries(0, 1).get(0).canonicalJson().length() + 1L;
      assertTrue(LARGE * entryBytes > 3 * HEAP_BOUND,
          "the log must be far larger than the bound for the bound to mean anything");

      HeapSamplingStream counting = new HeapSamplingStream(256 << 10);
      long baseline = counting.usedAfterGc();
      log.exportZip(0, LARGE, counting);
      long exported = System.nanoTime();
      long growth = counting.maxUsedAfterGc - baseline;
      System.out.printf("exportZip of %d entries (%d MB of entries.jsonl): %d KB of zip, heap growth after GC at"
              + " most %d KB over %d samples (bound %d KB); append %.1f s, export %.1f s%n", LARGE,
          LARGE * entryBytes >> 20, counting.bytes >> 10, growth >> 10, counting.samples, HEAP_BOUND >> 10,
          (appended - t0) / 1e9, (exported - appended) / 1e9);
      assertTrue(counting.samples >= 4, "too few samples to judge: " + counting.samples);
      assertTrue(growth < HEAP_BOUND, "exporting grew the heap by " + (growth >> 10) + " KB (bound "
          + (HEAP_BOUND >> 10) + " KB): entries are being buffered");

      // The same stream, kept this time, is a bundle the verifier accepts.
      Path zip = tmp.resolve("bundle.zip");
      try (OutputStream out = Files.newOutputStream(zip)) {
        log.exportZip(0, LARGE, out);
      }
      Path dir = tmp.resolve("bundle");
      Files.createDirectories(dir);
      try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
        for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
          Files.copy(z, dir.resolve(e.getName()));
        }
      }
      Verdict verdict = BundleVerifier.verify(dir);
      assertTrue(verdict.valid(), verdict.summary());
      assertEquals(LARGE, verdict.entries());
    }
  }

  /** Appends {@code n} entries as the gateway does: from one thread, without waiting, a bounded number in flight. */
  static void appendAsync(AuditLog log, int n) throws Exception {
    Semaphore window = new Semaphore(4096);
    CompletableFuture<?>[] failure = {null};
    for (int i = 0; i < n; i++) {
      window.acquire();
      log.appendAsync(AuditLogTest.event(i)).whenComplete((e, x) -> {
        if (x != null) {
          failure[0] = CompletableFuture.failedFuture(x);
        }
        window.release();
      });
    }
    assertTrue(window.tryAcquire(4096, 60, TimeUnit.SECONDS), "appends did not complete");
    assertEquals(null, failure[0], "an append failed");
    assertEquals(n, log.size());
  }
}
