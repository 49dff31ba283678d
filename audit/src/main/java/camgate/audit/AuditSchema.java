package camgate.audit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The log's tables ({@code audit_batch}, {@code audit_checkpoint}, {@code audit_signing_key}) and what keeps them
 * append-only: row and statement triggers refuse UPDATE and DELETE, an always-empty guard table refuses TRUNCATE.
 */
final class AuditSchema {
  private AuditSchema() {
  }

  /** Creates whatever of the schema is missing (idempotent). */
  static void create(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS audit_batch (first_seq BIGINT PRIMARY KEY, entry_count INT NOT NULL,"
          + " entries VARBINARY NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS audit_checkpoint (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
          + " tree_size BIGINT NOT NULL, root BINARY(32) NOT NULL, created_ms BIGINT NOT NULL,"
          + " key_id VARCHAR(8) NOT NULL, note VARCHAR NOT NULL)");
      // Every signing key ever used, so an export can ship the first one as the bundle's root of trust.
      s.execute("CREATE TABLE IF NOT EXISTS audit_signing_key (key_id VARCHAR(8) PRIMARY KEY, public_pem VARCHAR NOT NULL,"
          + " first_used_size BIGINT NOT NULL)");
      for (String table : List.of("audit_batch", "audit_checkpoint", "audit_signing_key")) {
        // H2 never fires triggers for TRUNCATE but refuses to truncate a table that a foreign key references:
        // an always-empty table holding such a key closes that path (and makes plain DROP TABLE fail too).
        s.execute("CREATE TABLE IF NOT EXISTS " + table + "_truncate_guard (ref BIGINT REFERENCES " + table + ")");
        for (String op : List.of("UPDATE", "DELETE")) {
          // Row triggers alone miss H2's fast path for an unconditional DELETE: add statement triggers too.
          s.execute("CREATE TRIGGER IF NOT EXISTS " + table + "_no_" + op.toLowerCase() + "_row BEFORE " + op
              + " ON " + table + " FOR EACH ROW CALL '" + AppendOnlyTrigger.class.getName() + "'");
          s.execute("CREATE TRIGGER IF NOT EXISTS " + table + "_no_" + op.toLowerCase() + " BEFORE " + op
              + " ON " + table + " CALL '" + AppendOnlyTrigger.class.getName() + "'");
        }
      }
    }
  }
}
