package camgate.audit;

/**
 * The log cannot make an entry durable (database closed, disk full, writer failed). Unchecked: the
 * gateway turns it into 503 and serves nothing. The log reopens the store by itself ({@link AuditLog#status()});
 * until then every append fails fast with this exception.
 */
public class AuditUnavailableException extends RuntimeException {
  public AuditUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public AuditUnavailableException(String message) {
    super(message);
  }
}
