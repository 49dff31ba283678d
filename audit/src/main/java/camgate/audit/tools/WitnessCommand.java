package camgate.audit.tools;

import camgate.audit.NoteKey;
import camgate.audit.Witness;
import camgate.audit.WitnessServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./camgate witness --key FILE --port N --state DIR [--log ORIGIN=PUBKEYFILE ...] [--name NAME] [--host H]}:
 * runs a {@link Witness} until the process is stopped. Writes its public key to {@code DIR/witness.vkey} and
 * {@code DIR/witness-public-key.pem} at start, for the auditors to pin.
 */
final class WitnessCommand {
  static final String DEFAULT_NAME = "camgate.local/witness";

  private WitnessCommand() {
  }

  static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
    Path key = null;
    Path state = null;
    Integer port = null;
    String host = "127.0.0.1";
    String name = DEFAULT_NAME;
    Map<String, NoteKey> logs = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (i + 1 >= args.size()) {
        return usage(err, "option '" + a + "' needs a value");
      }
      String v = args.get(++i);
      switch (a) {
        case "--key" -> key = Path.of(v);
        case "--state" -> state = Path.of(v);
        case "--host" -> host = v;
        case "--name" -> name = v;
        case "--port" -> {
          try {
            port = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            return usage(err, "--port takes a number, found '" + v + "'");
          }
        }
        case "--log" -> {
          int eq = v.indexOf('=');
          if (eq <= 0) {
            return usage(err, "--log takes ORIGIN=PUBKEYFILE, found '" + v + "'");
          }
          String origin = v.substring(0, eq);
          Path file = Path.of(v.substring(eq + 1));
          try {
            logs.put(origin, Witness.readLogKey(origin, Files.readString(file, StandardCharsets.UTF_8)));
          } catch (IOException | IllegalArgumentException e) {
            return usage(err, "--log " + v + ": cannot read the log's public key (" + e.getMessage() + "); give its"
                + " public-key.pem (in the cluster bundle's cluster/ folder) or its vkey");
          }
        }
        default -> {
          return usage(err, "unknown witness option '" + a + "'");
        }
      }
    }
    if (key == null || state == null || port == null) {
      return usage(err, "witness needs --key FILE, --port N and --state DIR");
    }
    if (logs.isEmpty()) {
      err.println("warning: no --log ORIGIN=PUBKEYFILE given: every checkpoint will be refused (404)");
    }
    Witness witness = Witness.open(key, name, logs, state, Clock.systemUTC());
    Files.writeString(state.resolve("witness.vkey"), witness.publicKey().verifierKey() + "\n");
    Files.writeString(state.resolve("witness-public-key.pem"), witness.publicKey().pem());
    try (WitnessServer server = WitnessServer.start(witness, host, port)) {
      out.println("witness " + witness.publicKey().name() + " listening on http://" + host + ":" + server.port()
          + "/add-checkpoint for " + logs.keySet());
      out.println("vkey " + witness.publicKey().verifierKey() + " (" + state.resolve("witness.vkey") + "): pin it with"
          + " './camgate audit verify DIR --witness-key " + state.resolve("witness.vkey") + "'");
      out.flush();
      CountDownLatch stopped = new CountDownLatch(1);
      Thread hook = new Thread(stopped::countDown);
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        stopped.await(); // until the process is stopped (SIGTERM, Ctrl-C), or this thread is interrupted
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
    return 0;
  }

  private static int usage(PrintStream err, String problem) {
    err.println("error: " + problem);
    err.println("usage: witness --key FILE --port N --state DIR [--log ORIGIN=PUBKEYFILE ...] [--name NAME] [--host H]");
    return 2;
  }
}
