package camgate.gateway.rtsp;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * HTTP Digest authentication with MD5 (RFC 2617, the form of RFC 7616 that VMSs and cameras speak) for RTSP
 * requests: checks an {@code Authorization} header against a {@code username -> secret} lookup, or gives the
 * {@code WWW-Authenticate} challenge to send with a 401.
 *
 * <p>Each nonce is its expiry time, 8 random bytes and an HMAC-SHA256 of both under a server key (so no two clients
 * share a nonce, and their counts cannot collide), so a nonce this server did not
 * issue is refused, and one past its lifetime too (with a right answer it gets {@code stale=true}, and clients retry
 * without asking the user). {@code qop=auth} is accepted, and offered if configured; the RFC 2069 form without qop
 * is accepted too, since live555-based clients (VLC, many VMSs) do not send qop. Replays are refused: a nonce count
 * is accepted once per nonce and only above the highest seen ({@link NonceCounts}), and a nonce without qop is good
 * for one admission; a repeated one gets {@code stale=true} (a replaying party cannot answer the fresh nonce, the
 * legitimate client simply does). Thread-safe.
 */
public final class DigestAuthenticator {

  /** What checking an {@code Authorization} header gave. */
  public sealed interface Outcome permits Authenticated, Challenged {
  }

  /** The client proved it knows the secret of {@code username}. */
  public record Authenticated(String username) implements Outcome {
  }

  /**
   * The client must (re)authenticate: send 401 with this {@code WWW-Authenticate} value.
   *
   * @param reason why, for the gateway's log and audit (never sent to the client)
   */
  public record Challenged(String wwwAuthenticate, String reason) implements Outcome {
  }

  private static final int MAC_BYTES = 16;
  private static final int SALT_BYTES = 8;
  /** Live nonces whose counts are remembered; beyond it the oldest are forgotten and refused (see NonceCounts). */
  private static final int REMEMBERED_NONCES = 10_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String realm;
  private final SecretKeySpec key;
  private final Duration nonceLifetime;
  private final Clock clock;
  private final boolean offerQop;
  private final NonceCounts counts = new NonceCounts(REMEMBERED_NONCES);

  /**
   * @param realm         the protection space shown to users, e.g. {@code camgate}; no double quote
   * @param nonceKey      HMAC key for nonces, at least 16 bytes; random per process is fine (nonces then die with it)
   * @param nonceLifetime how long a nonce is valid
   * @param offerQop      add {@code qop="auth"} to challenges (clients then may add cnonce and nc)
   * @throws IllegalArgumentException if the realm has a double quote or the key is shorter than 16 bytes
   */
  public DigestAuthenticator(String realm, byte[] nonceKey, Duration nonceLifetime, Clock clock, boolean offerQop) {
    if (realm.contains("\"") || realm.isEmpty()) {
      throw new IllegalArgumentException("realm must be non-empty without double quotes, was '" + realm + "'");
    }
    if (nonceKey.length < 16) {
      throw new IllegalArgumentException("nonce key must be at least 16 bytes, was " + nonceKey.length);
    }
    this.realm = realm;
    this.key = new SecretKeySpec(nonceKey.clone(), "HmacSHA256");
    this.nonceLifetime = nonceLifetime;
    this.clock = clock;
    this.offerQop = offerQop;
  }

  /** An authenticator with a random nonce key, nonces valid 5 minutes, qop offered. */
  public static DigestAuthenticator create(String realm, Clock clock) {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return new DigestAuthenticator(realm, k, Duration.ofMinutes(5), clock, true);
  }

  /** The {@code WWW-Authenticate} value with a fresh nonce; {@code stale} tells the client only the nonce expired. */
  public String challenge(boolean stale) {
    return "Digest realm=\"" + realm + "\", nonce=\"" + newNonce() + "\", algorithm=MD5"
        + (offerQop ? ", qop=\"auth\"" : "") + (stale ? ", stale=true" : "");
  }

  /**
   * Checks a request's credentials.
   *
   * @param method        the request's method, e.g. DESCRIBE
   * @param requestUri    the Request-URI as sent; the header's {@code uri} must name the same path and query
   * @param authorization the {@code Authorization} header value, if any
   * @param secretOf      the secret (password) of a username, empty if there is no such user
   */
  public Outcome authenticate(String method, String requestUri, Optional<String> authorization,
                              Function<String, Optional<String>> secretOf) {
    if (authorization.isEmpty()) {
      return challenged(false, "no credentials");
    }
    String header = authorization.get().trim();
    if (!header.regionMatches(true, 0, "Digest ", 0, 7)) {
      return challenged(false, "scheme '" + header.split(" ", 2)[0] + "' is not Digest");
    }
    Map<String, String> p = parameters(header.substring(7));
    String username = p.get("username");
    String nonce = p.get("nonce");
    String uri = p.get("uri");
    String response = p.get("response");
    if (username == null || nonce == null || uri == null || response == null) {
      return challenged(false, "Digest credentials lack username, nonce, uri or response");
    }
    if (!realm.equals(p.get("realm"))) {
      return challenged(false, "realm '" + p.get("realm") + "' is not '" + realm + "'");
    }
    String algorithm = p.getOrDefault("algorithm", "MD5");
    if (!algorithm.equalsIgnoreCase("MD5")) {
      return challenged(false, "algorithm " + algorithm + " is not supported; use MD5");
    }
    if (!sameResource(uri, requestUri)) {
      return challenged(false, "Digest uri '" + uri + "' does not name the Request-URI '" + requestUri + "'");
    }
    long expiry = expiryOf(nonce);
    String qop = p.get("qop");
    String nc = p.get("nc");
    String cnonce = p.get("cnonce");
    if (qop != null && (!qop.equalsIgnoreCase("auth") || nc == null || cnonce == null)) {
      return challenged(false, "qop '" + qop + "' needs to be auth with nc and cnonce");
    }
    long count = qop == null ? 1 : nonceCount(nc);
    if (count < 1) {
      return challenged(false, "nc '" + nc + "' is not 8 hexadecimal digits above zero");
    }
    Optional<String> secret = secretOf.apply(username);
    if (secret.isEmpty()) {
      return challenged(false, "unknown user or wrong secret");
    }
    String expected = response(ha1(username, realm, secret.get()), nonce, nc, cnonce, qop, method, uri);
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        response.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
      return challenged(false, "unknown user or wrong secret");
    }
    if (expiry == FORGED) {
      // A right answer to another server's nonce: a client redirected here by another node of the cluster, which
      // keeps the nonce it was given there. Only a fresh nonce is given (stale=true), as for an expired one, so the
      // client answers again; an answer to a nonce this server did not issue never admits.
      return challenged(true, "nonce was not issued by this server");
    }
    long now = clock.millis();
    if (now > expiry) {
      return challenged(true, "nonce expired");
    }
    if (!counts.accept(nonce, expiry, count, now)) {
      return challenged(true, qop == null ? "nonce already used (a client without qop gets one admission per nonce)"
          : "nonce count " + nc + " already used with this nonce (a replay)");
    }
    return new Authenticated(username);
  }

  /** HA1 = MD5(username:realm:secret), lower-case hex (RFC 2617 §3.2.2.2). */
  static String ha1(String username, String realm, String secret) {
    return md5(username + ":" + realm + ":" + secret);
  }

  /**
   * The request-digest of RFC 2617 §3.2.2.1: with qop, MD5(HA1:nonce:nc:cnonce:qop:HA2), without (RFC 2069),
   * MD5(HA1:nonce:HA2), where HA2 = MD5(method:uri).
   */
  static String response(String ha1, String nonce, String nc, String cnonce, String qop, String method, String uri) {
    String ha2 = md5(method + ":" + uri);
    return qop == null
        ? md5(ha1 + ":" + nonce + ":" + ha2)
        : md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
  }

  private Challenged challenged(boolean stale, String reason) {
    return new Challenged(challenge(stale), reason);
  }

  /** What {@link #expiryOf} gives for a nonce this server did not issue. */
  private static final long FORGED = Long.MIN_VALUE;

  /** The nc of RFC 2617: 8 hexadecimal digits; -1 if it is not. */
  private static long nonceCount(String nc) {
    if (nc.length() != 8) {
      return -1;
    }
    try {
      return Long.parseLong(nc, 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private String newNonce() {
    long expiry = clock.millis() + nonceLifetime.toMillis();
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    ByteBuffer b = ByteBuffer.allocate(8 + SALT_BYTES + MAC_BYTES);
    b.putLong(expiry).put(salt).put(mac(expiry, salt));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  /** The expiry (epoch milliseconds) a nonce of this server carries, or {@link #FORGED}. */
  private long expiryOf(String nonce) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(nonce);
    } catch (IllegalArgumentException e) {
      return FORGED;
    }
    if (raw.length != 8 + SALT_BYTES + MAC_BYTES) {
      return FORGED;
    }
    long expiry = ByteBuffer.wrap(raw).getLong();
    byte[] salt = Arrays.copyOfRange(raw, 8, 8 + SALT_BYTES);
    if (!MessageDigest.isEqual(mac(expiry, salt), Arrays.copyOfRange(raw, 8 + SALT_BYTES, raw.length))) {
      return FORGED;
    }
    return expiry;
  }

  private byte[] mac(long expiry, byte[] salt) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(("camgate rtsp digest nonce\0" + realm + "\0").getBytes(StandardCharsets.UTF_8));
      mac.update(ByteBuffer.allocate(8).putLong(expiry).array());
      mac.update(salt);
      return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  private static boolean sameResource(String digestUri, String requestUri) {
    if (digestUri.equals(requestUri)) {
      return true;
    }
    try {
      URI a = new URI(digestUri);
      URI b = new URI(requestUri);
      return java.util.Objects.equals(a.getRawPath(), b.getRawPath())
          && java.util.Objects.equals(a.getRawQuery(), b.getRawQuery());
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** Parses {@code name=value, name="quoted \" value"} pairs; names lower-cased. */
  static Map<String, String> parameters(String s) {
    Map<String, String> out = new LinkedHashMap<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',' || s.charAt(i) == '\t')) {
        i++;
      }
      int eq = s.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String name = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder value = new StringBuilder();
      if (i < n && s.charAt(i) == '"') {
        i++;
        while (i < n && s.charAt(i) != '"') {
          if (s.charAt(i) == '\\' && i + 1 < n) {
            i++;
          }
          value.append(s.charAt(i++));
        }
        i++; // closing quote
      } else {
        while (i < n && s.charAt(i) != ',') {
          value.append(s.charAt(i++));
        }
      }
      out.putIfAbsent(name, value.toString().trim());
    }
    return out;
  }

  private static String md5(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is missing from this JVM", e);
    }
  }
}
