package camgate.audit.tools;

import camgate.audit.BundleVerifier;
import camgate.audit.ClusterBundle;
import camgate.audit.ClusterVerifier;
import camgate.audit.Verdict;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ./camgate audit verify DIR}, {@code ./camgate audit report DIR [OUT]} and {@code ./camgate bench audit}.
 *
 * <p>Exit codes: 0 valid / done; 1 the bundle is invalid (tampered, not signed by the pinned key, or not an
 * extension of the kept checkpoint); 2 usage error or unreadable input.
 */
public final class AuditCli {
  static final int OK = 0;
  static final int INVALID = 1;
  static final int USAGE = 2;

  private AuditCli() {
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one subcommand; returns the exit code (testable without exiting the JVM). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      return usage(err, "no subcommand given");
    }
    List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
    try {
      return switch (args[0]) {
        case "verify" -> verify(rest, out, err);
        case "report" -> report(rest, out, err);
        case "bench" -> AuditBench.run(rest, out, err);
        case "witness" -> WitnessCommand.run(rest, out, err);
        case "-h", "--help", "help" -> {
          usageText(out);
          yield OK;
        }
        default -> usage(err, "unknown subcommand '" + args[0] + "'");
      };
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    }
  }

  private static int verify(List<String> args, PrintStream out, PrintStream err) throws IOException {
    String fingerprint = null;
    Path since = null;
    List<Path> witnessKeys = new ArrayList<>();
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--key-fingerprint") && i + 1 < args.size()) {
        fingerprint = args.get(++i);
      } else if (args.get(i).equals("--since-checkpoint") && i + 1 < args.size()) {
        since = Path.of(args.get(++i));
      } else if (args.get(i).equals("--witness-key") && i + 1 < args.size()) {
        witnessKeys.add(Path.of(args.get(++i)));
      } else {
        positional.add(args.get(i));
      }
    }
    if (positional.size() != 1) {
      return usage(err, "verify takes one bundle directory, found " + positional);
    }
    String kept = null;
    if (since != null) {
      try {
        kept = Files.readString(since, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IOException("cannot read the --since-checkpoint file " + since + " (" + e + "); give the"
            + " checkpoint you kept from an earlier verification", e);
      }
    }
    Path dir = Path.of(positional.get(0));
    if (ClusterBundle.isClusterBundle(dir)) {
      List<ClusterVerifier.WitnessKey> pinned = new ArrayList<>();
      for (Path key : witnessKeys) {
        try {
          pinned.add(ClusterVerifier.readWitnessKey(Files.readString(key, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
          throw new IOException("cannot read the --witness-key file " + key + ": " + e.getMessage()
              + "; give the witness.vkey (or witness-public-key.pem) the witness wrote in its state folder", e);
        }
      }
      ClusterVerifier.Outcome outcome = ClusterVerifier.verify(dir,
          new ClusterVerifier.Options(fingerprint, kept, pinned));
      outcome.lines().forEach(out::println);
      outcome.problems().forEach(p -> err.println((p.unreadable() ? "cannot verify: " : "INVALID: ") + p));
      if (outcome.valid()) {
        out.println("valid: the cluster bundle verifies whole");
      }
      return outcome.exitCode();
    }
    if (!witnessKeys.isEmpty()) {
      return usage(err, "--witness-key needs a cluster bundle (a folder with cluster/); " + dir + " is one log's bundle");
    }
    Verdict verdict = BundleVerifier.verify(dir, fingerprint, kept);
    if (verdict.valid()) {
      out.println(verdict.summary());
      return OK;
    }
    err.println(verdict.summary());
    return verdict.problem().kind() == Verdict.Kind.BUNDLE ? USAGE : INVALID;
  }

  private static int report(List<String> args, PrintStream out, PrintStream err) throws IOException {
    if (args.isEmpty() || args.size() > 2) {
      return usage(err, "report takes a bundle directory and an optional output directory, found " + args);
    }
    Path dir = Path.of(args.get(0));
    if (ClusterBundle.isClusterBundle(dir)) {
      return reportCluster(dir, args.size() == 2 ? Path.of(args.get(1)) : dir.resolve("report"), out, err);
    }
    Verdict verdict = BundleVerifier.verify(dir);
    if (!verdict.valid()) {
      err.println(verdict.summary());
      err.println("refusing to build a register from a bundle that does not verify");
      return verdict.problem().kind() == Verdict.Kind.BUNDLE ? USAGE : INVALID;
    }
    Path outDir = args.size() == 2 ? Path.of(args.get(1)) : dir.resolve("report");
    AccessRegister.Written written = AccessRegister.write(dir, outDir);
    out.println("register of " + written.rows() + " rows (" + verdict.summary() + ")");
    out.println("csv:  " + written.csv());
    out.println("html: " + written.html());
    return OK;
  }

  /** One register per node of a cluster bundle, in {@code OUT/<node-id>/}, once the whole bundle verifies. */
  private static int reportCluster(Path dir, Path outDir, PrintStream out, PrintStream err) throws IOException {
    ClusterVerifier.Outcome outcome = ClusterVerifier.verify(dir, new ClusterVerifier.Options(null, null, List.of()));
    if (!outcome.valid()) {
      outcome.problems().forEach(p -> err.println("INVALID: " + p));
      err.println("refusing to build a register from a cluster bundle that does not verify");
      return outcome.exitCode();
    }
    List<Path> nodes;
    try (var list = Files.list(dir.resolve(ClusterBundle.NODES))) {
      nodes = list.filter(Files::isDirectory).sorted().toList();
    }
    int rows = 0;
    for (Path node : nodes) {
      AccessRegister.Written written = AccessRegister.write(node, outDir.resolve(node.getFileName()));
      rows += written.rows();
      out.println("node " + node.getFileName() + ": register of " + written.rows() + " rows: " + written.csv() + ", "
          + written.html());
    }
    out.println("cluster register: " + rows + " rows over " + nodes.size() + " nodes in " + outDir);
    return OK;
  }

  private static int usage(PrintStream err, String problem) {
    err.println("error: " + problem);
    usageText(err);
    return USAGE;
  }

  private static void usageText(PrintStream s) {
    s.println("usage:");
    s.println("  audit verify DIR [--key-fingerprint SHA256:<hex>] [--since-checkpoint FILE] [--witness-key FILE ...]");
    s.println("                          verify an export bundle (one log's, or a cluster's: nodes/, cluster/, witness/)");
    s.println("                          offline; exit 0 valid, 1 invalid, 2 unreadable/usage; FILE: a checkpoint kept");
    s.println("                          from earlier, which the bundle (the cluster log's) must extend; --witness-key:");
    s.println("                          a witness's vkey, whose cosignature the latest cluster checkpoint must carry");
    s.println("  audit report DIR [OUT]  access register (CSV + HTML) of a verified bundle (each node's, for a cluster)");
    s.println("  audit bench [--quick]   append, checkpoint, proof and verify figures");
    s.println("  witness --key FILE --port N --state DIR [--log ORIGIN=PUBKEYFILE ...] [--name NAME] [--host H]");
    s.println("                          a C2SP tlog-witness cosigning the named logs' consistent checkpoints");
  }
}
