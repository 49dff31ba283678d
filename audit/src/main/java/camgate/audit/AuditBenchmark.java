package camgate.audit;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./camgate bench audit}: durable append throughput with group commit next to a one-transaction-per-append
 * H2 baseline measured in the same run, checkpoint latency, proof latency, and offline verification of a large
 * bundle. Public only so {@code camgate.audit.tools.AuditCli} can start it; not an API.
 */
public final class AuditBenchmark {
  private AuditBenchmark() {
  }

  record Settings(int[] threadCounts, Duration appendTime, Duration baselineTime, int verifyEntries, int proofs,
                  int growthEntries, Path workDir) {
  }

  /**
   * Runs the benchmark; options {@code --quick}, {@code --threads N}, {@code --seconds S}, {@code --verify-entries N},
   * {@code --growth-entries N}, {@code --dir DIR}. BLOCKING, about 1.5 minutes by default. Returns the exit code.
   */
  public static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
    int[] threads = {64, 256};
    double seconds = 6;
    double baselineSeconds = 5;
    int verifyEntries = 1_000_000;
    int proofs = 20_000;
    int growthEntries = 2000;
    Path dir = null;
    boolean cluster = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--quick" -> {
          seconds = 3;
          baselineSeconds = 2;
          verifyEntries = 100_000;
          proofs = 5_000;
          growthEntries = 1000;
        }
        case "--threads" -> threads = Arrays.stream(args.get(++i).split(",")).mapToInt(Integer::parseInt).toArray();
        case "--seconds" -> seconds = Double.parseDouble(args.get(++i));
        case "--verify-entries" -> verifyEntries = Integer.parseInt(args.get(++i));
        case "--growth-entries" -> growthEntries = Integer.parseInt(args.get(++i));
        case "--dir" -> dir = Path.of(args.get(++i));
        case "--cluster" -> cluster = true;
        default -> {
          err.println("error: unknown bench option '" + a + "'; use --quick, --threads N, --seconds S,"
              + " --verify-entries N, --growth-entries N, --dir DIR, --cluster");
          return 2;
        }
      }
    }
    Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("camgate-audit-bench");
    Settings s = new Settings(threads, Duration.ofMillis((long) (seconds * 1000)),
        Duration.ofMillis((long) (baselineSeconds * 1000)), verifyEntries, proofs, growthEntries, work);
    out.printf("camgate audit bench: appender threads %s, %d cores, load average %.1f, work dir %s%n",
        Arrays.toString(threads), Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), work);
    try {
      if (cluster) {
        verifyClusterBundle(s, out);
        out.println("done");
        return 0;
      }
      double baseline = baseline(s, threads[0], out);
      for (int i = 0; i < threads.length; i++) {
        // Each durable append waits for one sync: throughput is about threads / sync latency (Little's law).
        Appends appends = groupCommit(s, threads[i], i, i == threads.length - 1, out);
        out.printf("  group commit (%d threads) vs baseline (%d threads): %.1fx%n", threads[i], threads[0],
            appends.perSecond / baseline);
        out.printf("  published anchors (not measured here): Trillian log signer ~1,200 leaves/s (%.1fx),"
            + " Tessera local ~2,900 writes/s (%.1fx)%n", appends.perSecond / 1200, appends.perSecond / 2900);
      }
      // The gateway's path: appendAsync from one thread (its event loop), no thread held per pending entry.
      double async = asyncAppends(s, 4096, out);
      out.printf("  async group commit vs baseline (%d threads): %.1fx%n", threads[0], async / baseline);
      StoreGrowth.measure(s.workDir(), s.growthEntries(), out);
      verifyLargeBundle(s, out);
      out.println("done");
      return 0;
    } catch (SQLException | InterruptedException e) {
      err.println("error: benchmark failed: " + e);
      return 1;
    } finally {
      deleteTree(work, dir != null);
    }
  }

  static AuditEvent sampleEvent(long i) {
    return new AuditEvent("access_decision", Map.of("id", "agent-" + (i % 97), "roles", List.of("operator"),
        "org", "police-municipale"), "view_live", Map.of("camera", "cam-" + (i % 217), "zone", "centre-ville"),
        Map.of("allow", true, "redact", Map.of("faces", true, "plates", true), "obligations",
            Map.of("max_duration_s", 3600)), "policy-2026-11-28", "opa-" + i,
        Map.of("purpose", "securite-voie-publique", "client_ip", "10.0.0." + (i % 250)));
  }

  /** One transaction and one sync per append, same threads: what a naive durable log does. */
  static double baseline(Settings s, int threads, PrintStream out) throws SQLException, InterruptedException {
    Path db = s.workDir().resolve("baseline");
    try (Connection c = DriverManager.getConnection(AuditLog.jdbcUrl(db))) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS entry (seq BIGINT PRIMARY KEY, entry VARBINARY NOT NULL)");
      }
      c.setAutoCommit(false);
      AtomicLong seq = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread w = new Thread(() -> {
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO entry VALUES (?, ?)");
               Statement sync = c.createStatement()) {
            while (!stop.get()) {
              synchronized (c) {
                long n = seq.getAndIncrement();
                ps.setLong(1, n);
                ps.setBytes(2, EntryCodec.template(sampleEvent(n)).fill(n, "2026-11-28T21:14:00.000Z")
                    .getBytes(StandardCharsets.UTF_8));
                ps.executeUpdate();
                c.commit();
                sync.execute("CHECKPOINT SYNC");
              }
            }
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
        workers.add(w);
      }
      long t0 = System.nanoTime();
      workers.forEach(Thread::start);
      Thread.sleep(s.baselineTime().toMillis());
      stop.set(true);
      for (Thread w : workers) {
        w.join();
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      double rate = seq.get() / elapsed;
      out.printf("baseline (one H2 transaction + sync per append, %d threads): %d appends in %.1f s = %.0f appends/s%n",
          threads, seq.get(), elapsed, rate);
      return rate;
    }
  }

  record Appends(double perSecond) {
  }

  static Appends groupCommit(Settings s, int threads, int run, boolean measureProofs, PrintStream out)
      throws IOException, InterruptedException {
    AuditLogOptions options = AuditLogOptions.defaults(s.workDir().resolve("log-" + run));
    try (AuditLog log = AuditLog.open(options)) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong count = new AtomicLong();
      ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>(); // {seq, ackNanos}
      List<Long> checkpointLatencies = new ArrayList<>();
      List<Thread> workers = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        Thread w = new Thread(() -> {
          try {
            for (long i = 0; !stop.get(); i++) {
              AuditEntry e = log.append(sampleEvent(i));
              long n = count.incrementAndGet();
              if (n % 50 == 0) {
                samples.add(new long[] {e.seq(), System.nanoTime()});
              }
            }
          } finally {
            done.countDown();
          }
        }, "bench-appender");
        workers.add(w);
      }
      // Checkpoint latency: from an entry's acknowledgement to the first signed checkpoint that covers it.
      Thread watcher = new Thread(() -> {
        List<long[]> waiting = new ArrayList<>();
        while (!stop.get() || !samples.isEmpty() || !waiting.isEmpty()) {
          long[] x;
          while ((x = samples.poll()) != null) {
            waiting.add(x);
          }
          long covered = log.latestCheckpoint().map(SignedCheckpoint::size).orElse(0L);
          long now = System.nanoTime();
          waiting.removeIf(w -> {
            if (w[0] < covered) {
              synchronized (checkpointLatencies) {
                checkpointLatencies.add(now - w[1]);
              }
              return true;
            }
            return false;
          });
          if (stop.get() && samples.isEmpty()) {
            break; // entries acked at the very end are covered by the close() checkpoint, not measured
          }
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-checkpoint-watcher");
      long t0 = System.nanoTime();
      workers.forEach(Thread::start);
      watcher.start();
      Thread.sleep(s.appendTime().toMillis());
      long acked = count.get();
      double elapsed = (System.nanoTime() - t0) / 1e9;
      // Let the watcher see the next periodic checkpoint before stopping the appenders.
      Thread.sleep(options.checkpointInterval().toMillis() + 500);
      stop.set(true);
      done.await();
      watcher.join();
      double rate = acked / elapsed;
      GroupCommit.Stats ws = ((H2AuditLog) log).writerStats();
      out.printf("group commit, %d threads (durable: one transaction + sync per batch): %d appends in %.1f s = %.0f appends/s;"
          + " %d batches, mean %.0f entries/batch, mean sync %.1f ms, mean insert+commit %.1f ms%n", threads, acked, elapsed,
          rate, ws.batches(), ws.entries() / (double) Math.max(1, ws.batches()), ws.syncNanos() / 1e6 / Math.max(1, ws.batches()),
          ws.storeNanos() / 1e6 / Math.max(1, ws.batches()));
      long[] cl = checkpointLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
      out.printf("checkpoint latency (ack -> covered by a signed checkpoint, interval %d ms): %d samples, p50 %.0f ms,"
          + " p99 %.0f ms, max %.0f ms%n", options.checkpointInterval().toMillis(), cl.length, pct(cl, 50) / 1e6,
          pct(cl, 99) / 1e6, cl.length == 0 ? 0 : cl[cl.length - 1] / 1e6);
      if (!measureProofs) {
        return new Appends(rate);
      }
      long[] sign = new long[20];
      for (int i = 0; i < sign.length; i++) {
        long a = System.nanoTime();
        log.checkpointNow();
        sign[i] = System.nanoTime() - a;
      }
      Arrays.sort(sign);
      out.printf("checkpointNow (root + Ed25519 sign + durable store) at size %d: p50 %.1f ms, max %.1f ms%n",
          log.size(), pct(sign, 50) / 1e6, sign[sign.length - 1] / 1e6);
      proofs(log, s.proofs(), out);
      return new Appends(rate);
    }
  }

  /** Appends from one thread with at most {@code inFlight} entries waiting for their commit; returns appends/s. */
  static double asyncAppends(Settings s, int inFlight, PrintStream out) throws IOException, InterruptedException {
    try (AuditLog log = AuditLog.open(AuditLogOptions.defaults(s.workDir().resolve("log-async")))) {
      java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(inFlight);
      AtomicLong acked = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      long t0 = System.nanoTime();
      long end = t0 + s.appendTime().toNanos();
      for (long i = 0; System.nanoTime() < end; i++) {
        window.acquire();
        log.appendAsync(sampleEvent(i)).whenComplete((e, x) -> {
          (x == null ? acked : failed).incrementAndGet();
          window.release();
        });
      }
      long counted = acked.get();
      double elapsed = (System.nanoTime() - t0) / 1e9;
      window.acquire(inFlight);
      GroupCommit.Stats ws = ((H2AuditLog) log).writerStats();
      double rate = counted / elapsed;
      out.printf("group commit, async from one thread (%d in flight): %d appends in %.1f s = %.0f appends/s;"
          + " %d batches, mean %.0f entries/batch, %d failed%n", inFlight, counted, elapsed, rate, ws.batches(),
          ws.entries() / (double) Math.max(1, ws.batches()), failed.get());
      return rate;
    }
  }

  static void proofs(AuditLog log, int n, PrintStream out) {
    long size = log.size();
    Hash root = log.root(size);
    Random random = new Random(42);
    List<AuditEntry> sample = log.entries(0, (int) Math.min(size, 10_000));
    // Warm-up (JIT) before measuring: otherwise the first interpreted calls are the p99.
    for (int i = 0; i < 2000; i++) {
      AuditEntry e = sample.get(random.nextInt(sample.size()));
      log.inclusionProof(e.seq(), size);
      log.consistencyProof(1 + (long) (random.nextDouble() * (size - 1)), size);
    }
    long[] incl = new long[n];
    long[] cons = new long[n];
    for (int i = 0; i < n; i++) {
      AuditEntry e = sample.get(random.nextInt(sample.size()));
      long a = System.nanoTime();
      InclusionProof p = log.inclusionProof(e.seq(), size);
      try {
        p.verify(e.leafHash(), root);
      } catch (ProofException ex) {
        throw new IllegalStateException("benchmark produced a failing inclusion proof: " + ex.getMessage(), ex);
      }
      incl[i] = System.nanoTime() - a;
      long from = 1 + (long) (random.nextDouble() * (size - 1));
      a = System.nanoTime();
      log.consistencyProof(from, size);
      cons[i] = System.nanoTime() - a;
    }
    Arrays.sort(incl);
    Arrays.sort(cons);
    out.printf("inclusion proof build+verify at size %d: p50 %.3f ms, p99 %.3f ms (%d proofs)%n", size,
        pct(incl, 50) / 1e6, pct(incl, 99) / 1e6, n);
    out.printf("consistency proof build at size %d: p50 %.3f ms, p99 %.3f ms%n", size, pct(cons, 50) / 1e6,
        pct(cons, 99) / 1e6);
  }

  /**
   * Writes a bundle of {@code entries} entries with a checkpoint every 20,000 (2 s at 10k/s), then verifies it
   * next to the baseline of reading and hashing the same file.
   */
  static void verifyLargeBundle(Settings s, PrintStream out) throws IOException {
    // Written by a method of its own: its in-memory tree (64 MB at 1M entries) is garbage by the time verify runs,
    // as it is for the CLI, which verifies in a JVM of its own.
    Path bundle = writeBundle(s, out);
    Baseline floor = hashFile(bundle.resolve("entries.jsonl"));
    out.printf("baseline (read entries.jsonl + one SHA-256 over its bytes, one thread): %.1f s wall, %.1f s CPU%n",
        floor.wallSeconds(), floor.cpuSeconds());
    long cpu0 = processCpuNanos();
    long v0 = System.nanoTime();
    Verdict verdict = BundleVerifier.verify(bundle);
    double seconds = (System.nanoTime() - v0) / 1e9;
    double cpu = (processCpuNanos() - cpu0) / 1e9;
    out.printf("verify %d-entry bundle: %.1f s wall, %.1f s CPU (%.0f entries/s, load average %.1f on %d cores): %s%n",
        s.verifyEntries(), seconds, cpu, s.verifyEntries() / seconds,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors(), verdict.summary());
    out.printf("  verify vs baseline: %.2fx wall, %.2fx CPU%n", seconds / floor.wallSeconds(), cpu / floor.cpuSeconds());
  }

  /** Writes the bundle that {@link #verifyLargeBundle} verifies; returns its directory. */
  static Path writeBundle(Settings s, PrintStream out) throws IOException {
    Path bundle = s.workDir().resolve("bundle");
    writeBundle(bundle, SigningKey.generate(AuditLogOptions.DEFAULT_ORIGIN), s.verifyEntries(), out);
    return bundle;
  }

  /**
   * Writes a bundle of {@code entries} generated entries signed by {@code key} (its name is the origin) with a
   * checkpoint every 20,000; returns the checkpoints.
   */
  static List<SignedCheckpoint> writeBundle(Path bundle, SigningKey key, long entries, PrintStream out)
      throws IOException {
    Files.createDirectories(bundle);
    long t0 = System.nanoTime();
    String origin = key.publicKey().name();
    MerkleTree tree = new MerkleTree();
    List<SignedCheckpoint> checkpoints = new ArrayList<>();
    Instant time = Instant.parse("2026-11-28T21:14:00Z");
    int every = 20_000;
    // 997 distinct events cycled: canonicalizing a million maps would dominate the set-up time.
    EntryCodec.Template[] templates = new EntryCodec.Template[997];
    for (int i = 0; i < templates.length; i++) {
      templates[i] = EntryCodec.template(sampleEvent(i));
    }
    try (BufferedWriter w = Files.newBufferedWriter(bundle.resolve("entries.jsonl"), StandardCharsets.UTF_8)) {
      List<Hash> leaves = new ArrayList<>(every);
      String stamp = null;
      for (long i = 0; i < entries; i++) {
        if (i % 1000 == 0) {
          stamp = CheckpointNote.formatTime(time.plusMillis(i / 10));
        }
        String json = templates[(int) (i % templates.length)].fill(i, stamp);
        w.write(json);
        w.write('\n');
        leaves.add(TreeHasher.hashLeaf(json.getBytes(StandardCharsets.UTF_8)));
        if (leaves.size() == every || i == entries - 1) {
          tree.append(leaves);
          leaves.clear();
          checkpoints.add(CheckpointNote.sign(key, origin, tree.size(), tree.root(tree.size()),
              time.plusMillis(i / 10)));
        }
      }
    }
    try (BufferedWriter w = Files.newBufferedWriter(bundle.resolve("checkpoints.jsonl"), StandardCharsets.UTF_8)) {
      SignedCheckpoint previous = null;
      for (SignedCheckpoint cp : checkpoints) {
        StringBuilder line = new StringBuilder("{\"size\":").append(cp.size()).append(",\"note\":")
            .append(CanonicalJson.canonicalize(cp.note()));
        if (previous != null) {
          line.append(",\"consistency\":{\"from_size\":").append(previous.size()).append(",\"path\":")
              .append(CanonicalJson.canonicalize(tree.consistencyProof(previous.size(), cp.size()).pathHex())).append('}');
        }
        w.write(line.append("}\n").toString());
        previous = cp;
      }
    }
    Files.writeString(bundle.resolve("public-key.pem"), key.publicKey().pem());
    long sizeBytes = Files.size(bundle.resolve("entries.jsonl"));
    out.printf("wrote a %d-entry bundle (%.0f MB, %d checkpoints) in %.1f s%n", entries, sizeBytes / 1e6,
        checkpoints.size(), (System.nanoTime() - t0) / 1e9);
    return checkpoints;
  }

  /**
   * {@code --cluster}: a three-node cluster bundle of {@code verifyEntries} entries in all (each node's checkpoints
   * recorded in a real cluster register, one H2 file), verified whole, next to one node bundle of the same total
   * size verified in the same run.
   */
  static void verifyClusterBundle(Settings s, PrintStream out) throws IOException {
    Path single = s.workDir().resolve("single");
    writeBundle(single, SigningKey.generate(AuditLogOptions.DEFAULT_ORIGIN), s.verifyEntries(), out);
    Path bundle = s.workDir().resolve("cluster-bundle");
    Path db = s.workDir().resolve("cluster-db");
    String[] nodes = {"node-a", "node-b", "node-c"};
    long[] sizes = new long[nodes.length];
    List<List<SignedCheckpoint>> checkpoints = new ArrayList<>();
    List<NoteKey> keys = new ArrayList<>();
    for (int n = 0; n < nodes.length; n++) {
      sizes[n] = s.verifyEntries() / nodes.length + (n < s.verifyEntries() % nodes.length ? 1 : 0);
      SigningKey key = SigningKey.generate(nodes[n] + ".camgate.bench/audit");
      keys.add(key.publicKey());
      checkpoints.add(writeBundle(bundle.resolve(ClusterBundle.NODES).resolve(nodes[n]), key, sizes[n], out));
    }
    AuditLogOptions options = AuditLogOptions.defaults(db).withOrigin("camgate.bench/cluster");
    try (ClusterRegister register = ClusterRegister.open(options)) {
      for (int n = 0; n < nodes.length; n++) {
        register.registerNode(nodes[n], keys.get(n));
      }
      // Interleaved as the keeper receives them: each node's next checkpoint in turn.
      for (int i = 0; checkpoints.stream().anyMatch(c -> c.size() > 0); i++) {
        for (int n = 0; n < nodes.length; n++) {
          if (!checkpoints.get(n).isEmpty()) {
            register.record(nodes[n], checkpoints.get(n).remove(0).note());
          }
        }
      }
      register.export(bundle.resolve(ClusterBundle.CLUSTER), bundle.resolve(ClusterBundle.WITNESS));
      out.printf("cluster log: %d entries recording the nodes' checkpoints%n", register.log().size());
    }
    // Alternated, twice: the first round also pays the JIT; the ratio is taken from the second, warm round.
    double oneSeconds = 0;
    double clusterSeconds = 0;
    for (int round = 1; round <= 2; round++) {
      long v0 = System.nanoTime();
      Verdict one = BundleVerifier.verify(single);
      oneSeconds = (System.nanoTime() - v0) / 1e9;
      out.printf("round %d: verify one node bundle of %d entries: %.1f s (%.0f entries/s): %s%n", round,
          s.verifyEntries(), oneSeconds, s.verifyEntries() / oneSeconds, one.summary());
      long c0 = System.nanoTime();
      ClusterVerifier.Outcome outcome = ClusterVerifier.verify(bundle,
          new ClusterVerifier.Options(null, null, List.of()));
      clusterSeconds = (System.nanoTime() - c0) / 1e9;
      out.printf("round %d: verify three-node cluster bundle of %d entries: %.1f s (%.0f entries/s): %s%n", round,
          s.verifyEntries(), clusterSeconds, s.verifyEntries() / clusterSeconds,
          outcome.valid() ? "valid" : outcome.problems());
    }
    out.printf("  cluster verify vs one node bundle of the same size: %.2fx wall (load average %.1f on %d cores)%n",
        clusterSeconds / oneSeconds, java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            .getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
  }

  record Baseline(double wallSeconds, double cpuSeconds) {
  }

  /**
   * The floor under any verifier in the same run, on the same (page-cached) bytes: reading the file and one
   * SHA-256 over all of it on one thread. Verifying hashes every line as a leaf, plus the tree and the checks.
   */
  static Baseline hashFile(Path file) throws IOException {
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    java.security.MessageDigest md = TreeHasher.newSha256();
    byte[] buf = new byte[4 << 20];
    try (java.io.InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    md.digest();
    return new Baseline((System.nanoTime() - t0) / 1e9, (processCpuNanos() - cpu0) / 1e9);
  }

  /** CPU time of this process so far (all threads), or 0 where the JVM does not report it. */
  static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static void deleteTree(Path root, boolean keep) throws IOException {
    if (keep || !Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
