package camgate.audit;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Trigger;

/**
 * H2 trigger that refuses UPDATE and DELETE on the log tables: the store is append-only even for a
 * connection opened by hand. Public only because H2 instantiates it by class name.
 */
public final class AppendOnlyTrigger implements Trigger {
  private String table = "?";
  private String operation = "UPDATE or DELETE";

  @Override
  public void init(Connection conn, String schemaName, String triggerName, String tableName, boolean before, int type) {
    this.table = tableName;
    if (type == Trigger.UPDATE) {
      operation = "UPDATE";
    } else if (type == Trigger.DELETE) {
      operation = "DELETE";
    }
  }

  /** Fires per row and per statement: H2 runs an unconditional DELETE without visiting rows. */
  @Override
  public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
    String op = operation;
    throw new SQLException(op + " on " + table + " refused: the audit log is append-only; entries can only be"
        + " added through AuditLog.append", "42000");
  }
}
