package camgate.gateway.onvif;

/**
 * A WS-Security UsernameToken as a client sent it (OASIS Username Token Profile 1.0): with PasswordDigest,
 * {@code password} is Base64(SHA-1(nonce bytes + created + secret)).
 *
 * @param passwordType the Password element's {@code Type} attribute (empty: PasswordText)
 * @param nonce        Base64 of the client's random bytes
 * @param created      when the client made the token, RFC 3339 in UTC
 */
record UsernameToken(String username, String password, String passwordType, String nonce, String created) {

  static final String PASSWORD_DIGEST =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

  @Override
  public String toString() {
    return "UsernameToken[" + username + ", created " + created + "]";  // digest and nonce stay out of logs
  }
}
