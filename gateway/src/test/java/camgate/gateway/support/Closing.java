package camgate.gateway.support;

/** Closes test resources in order, each even if an earlier one failed; null ones are skipped. */
public final class Closing {

  private Closing() {
  }

  /** Closes each in turn; the first failure is thrown once all were tried, later ones are attached to it. */
  public static void all(AutoCloseable... resources) throws Exception {
    Exception first = null;
    for (AutoCloseable r : resources) {
      if (r == null) {
        continue;
      }
      try {
        r.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
