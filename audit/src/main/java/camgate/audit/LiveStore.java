package camgate.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The database the log currently writes to, opened and checked against the latest signed checkpoint, and
 * whether it still works: the first store failure makes it unavailable (fail closed).
 */
final class LiveStore {
  private final String url;
  private final Path databaseFile;
  private volatile AuditStore store;
  private volatile Throwable failure;

  /** A store just opened, with the tree its entries hash to and its latest checkpoint (null if none). */
  record Opened(AuditStore store, MerkleTree tree, SignedCheckpoint latest) {
  }

  LiveStore(String url, Path databaseFile, AuditStore store) {
    this.url = url;
    this.databaseFile = databaseFile;
    this.store = store;
  }

  /**
   * Connects to the database and re-hashes every stored entry: the entries must still match the latest signed
   * checkpoint. BLOCKING (reads the whole log).
   *
   * @throws IOException if the entries were removed or modified outside the log
   * @throws SQLException if H2 cannot open the database
   */
  static Opened openVerified(String url, Path databaseFile) throws SQLException, IOException {
    AuditStore store = AuditStore.connect(url, databaseFile);
    try {
      MerkleTree tree = loadTree(store);
      SignedCheckpoint latest = store.latestCheckpoint();
      if (latest != null) {
        if (latest.size() > tree.size()) {
          throw new IOException("audit database has " + tree.size() + " entries but a signed checkpoint covers "
              + latest.size() + ": entries were removed outside the log; export it and run 'camgate audit verify'");
        }
        Hash root = tree.root(latest.size());
        if (!root.equals(latest.root())) {
          throw new IOException("audit database entries 0.." + (latest.size() - 1) + " hash to root " + root.hex()
              + " but the signed checkpoint says " + latest.root().hex() + ": the database was modified outside"
              + " the log; keep it as evidence, export it and run 'camgate audit verify'");
        }
      }
      return new Opened(store, tree, latest);
    } catch (SQLException | IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Re-hashes every stored entry into a new tree, checking the groups are contiguous and intact. BLOCKING. */
  private static MerkleTree loadTree(AuditStore store) throws SQLException, IOException {
    MerkleTree tree = new MerkleTree();
    List<Hash> leaves = new ArrayList<>();
    store.readBatches(0, Long.MAX_VALUE, (first, count, joined) -> {
      if (first != tree.size()) {
        throw new IOException("audit database has entry " + first + " where entry " + tree.size() + " was expected:"
            + " entries are missing; export it and run 'camgate audit verify'");
      }
      List<byte[]> lines = AuditStore.splitLines(joined);
      if (lines.size() != count) {
        throw new IOException("audit database group at seq " + first + " holds " + lines.size() + " entries but"
            + " records " + count + ": it was modified outside the log; export it and run 'camgate audit verify'");
      }
      for (byte[] line : lines) {
        leaves.add(TreeHasher.hashLeaf(line));
      }
      tree.append(leaves);
      leaves.clear();
    });
    return tree;
  }

  /**
   * The store to write to or read from.
   *
   * @throws AuditUnavailableException if the store failed earlier
   */
  AuditStore current() {
    Throwable f = failure;
    if (f != null) {
      throw new AuditUnavailableException("audit store failed earlier (" + f.getMessage() + "); nothing can be"
          + " logged until the gateway restarts with a working database", f);
    }
    return store;
  }

  /** Whether a store failure was seen. */
  boolean failed() {
    return failure != null;
  }

  /** The failure that made the store unavailable, or null. */
  Throwable failure() {
    return failure;
  }

  /** Records a store failure: from now on {@link #current()} refuses. */
  void fail(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
  }

  String url() {
    return url;
  }

  Path databaseFile() {
    return databaseFile;
  }

  /** Closes the database connections. */
  void close() {
    store.close();
  }
}
