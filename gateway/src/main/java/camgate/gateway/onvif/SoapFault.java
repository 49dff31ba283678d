package camgate.gateway.onvif;

/**
 * A SOAP 1.2 fault as ONVIF defines them (Core specification, 5.11): the SOAP code ({@code env:Sender} for the
 * client's mistakes, answered with HTTP 400; {@code env:Receiver} for the device's, HTTP 500), ONVIF's subcodes
 * ({@code ter:NotAuthorized}, {@code ter:InvalidArgVal/ter:NoProfile}, ...) and a reason that says what was wrong
 * and what to do.
 */
final class SoapFault extends RuntimeException {

  private final boolean sender;
  private final String subcode;
  private final String subsubcode;
  private final String challenge;

  private SoapFault(boolean sender, String subcode, String subsubcode, String reason) {
    this(sender, subcode, subsubcode, reason, null);
  }

  private SoapFault(boolean sender, String subcode, String subsubcode, String reason, String challenge) {
    super(reason, null, false, false);
    this.sender = sender;
    this.subcode = subcode;
    this.subsubcode = subsubcode;
    this.challenge = challenge;
  }

  /**
   * No login at all, or an HTTP Digest login not accepted: {@code ter:NotAuthorized} answered with HTTP 401 and this
   * {@code WWW-Authenticate} Digest challenge, so a client that logs in with HTTP Digest (ONVIF Core 5.9.1) can.
   */
  static SoapFault challenged(String reason, String wwwAuthenticate) {
    return new SoapFault(true, "ter:NotAuthorized", null, reason, wwwAuthenticate);
  }

  /** The HTTP Digest challenge to send with this fault, if it asks for a login. */
  java.util.Optional<String> challenge() {
    return java.util.Optional.ofNullable(challenge);
  }

  /** No valid WS-Security UsernameToken, or the policy refused: {@code env:Sender/ter:NotAuthorized}, HTTP 400. */
  static SoapFault notAuthorized(String reason) {
    return new SoapFault(true, "ter:NotAuthorized", null, reason);
  }

  /** The body is not a SOAP 1.2 envelope camgate can read: {@code env:Sender/ter:WellFormed}, HTTP 400. */
  static SoapFault malformed(String reason) {
    return new SoapFault(true, "ter:WellFormed", null, reason);
  }

  /** An argument names nothing this device has: {@code env:Sender/ter:InvalidArgVal/ter:<what>}, HTTP 400. */
  static SoapFault invalidArgument(String what, String reason) {
    return new SoapFault(true, "ter:InvalidArgVal", "ter:" + what, reason);
  }

  /** An operation camgate does not implement: {@code env:Receiver/ter:ActionNotSupported}, HTTP 500. */
  static SoapFault notSupported(String reason) {
    return new SoapFault(false, "ter:ActionNotSupported", null, reason);
  }

  /** The device cannot answer now (policy engine or audit log down, camera elsewhere): {@code env:Receiver}, 500. */
  static SoapFault unavailable(String reason) {
    return new SoapFault(false, "ter:Action", null, reason);
  }

  /** HTTP status of the reply, per the SOAP 1.2 HTTP binding. */
  int httpStatus() {
    return challenge != null ? 401 : sender ? 400 : 500;
  }

  /** The subcode, e.g. {@code ter:NotAuthorized}. */
  String subcode() {
    return subcode;
  }

  /** The whole SOAP envelope carrying this fault. */
  String envelope() {
    String inner = subsubcode == null ? "" : "<s:Subcode><s:Value>" + subsubcode + "</s:Value></s:Subcode>";
    return SoapReply.envelope("<s:Fault><s:Code><s:Value>" + (sender ? "s:Sender" : "s:Receiver") + "</s:Value>"
        + "<s:Subcode><s:Value>" + subcode + "</s:Value>" + inner + "</s:Subcode></s:Code>"
        + "<s:Reason><s:Text xml:lang=\"en\">" + SoapReply.escape(getMessage()) + "</s:Text></s:Reason></s:Fault>");
  }
}
