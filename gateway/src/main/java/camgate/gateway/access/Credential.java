package camgate.gateway.access;

import camgate.gateway.Subject;

/** What a request presented to say who it is; the gate turns it into a subject, or refuses it (401). */
public sealed interface Credential {

  /** An API key as sent (Authorization: Bearer, X-Api-Key or ?key=). */
  record ApiKey(String key) implements Credential {
    @Override
    public String toString() {
      return "ApiKey[redacted]";  // a secret: never in a log line
    }
  }

  /** A subject a protocol adapter has already authenticated (a console session, an RTSP Digest exchange). */
  record Authenticated(Subject subject) implements Credential {
  }

  /** Nothing usable was presented. */
  record None() implements Credential {
  }

  static Credential none() {
    return new None();
  }
}
