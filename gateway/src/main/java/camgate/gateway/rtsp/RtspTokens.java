package camgate.gateway.rtsp;

import camgate.gateway.OwnerOnlyFile;
import camgate.gateway.Subject;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Short-lived signed tokens that stand for a Digest login in an RTSP URL ({@code ...?purpose=P&token=T}), for
 * clients that cannot be given a per-consumer secret: the gateway issues one to a subject it has authenticated
 * over HTTP, and the token authenticates that subject's DESCRIBE (or SETUP) of that one camera view, for that
 * purpose, until it expires. The RTSP session itself is still decided by the policy and recorded like any other.
 *
 * <p>A token is {@code base64url(claims) "." base64url(HMAC-SHA256(key, claims))}: the claims (subject, camera,
 * profile, purpose, requisition, expiry) are signed with a 256-bit key kept in an owner-only file of the
 * gateway's state folder. It is a bearer credential until it expires: anyone holding the URL may use it that
 * long, which is why its lifetime is at most {@link #MAX_LIFETIME}. Thread-safe.
 */
public final class RtspTokens {

  /** The longest a token may live. */
  public static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
  private static final String DOMAIN = "camgate rtsp token v1\n";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  /** A token and when it expires. */
  public record Issued(String token, Instant expiresAt) {
  }

  /** What checking a token against a request gave. */
  public sealed interface Verdict permits Valid, Invalid {
  }

  /** The token is this server's, unexpired, and names exactly the requested view and purpose. */
  public record Valid(Subject subject) implements Verdict {
  }

  /** @param reason why, for the gateway's log (never sent to the client) */
  public record Invalid(String reason) implements Verdict {
  }

  private final SecretKeySpec key;
  private final Duration lifetime;
  private final Clock clock;

  /**
   * @param key      HMAC key, at least 32 bytes
   * @param lifetime how long an issued token is valid, at most {@link #MAX_LIFETIME}
   * @throws IllegalArgumentException if the key is short or the lifetime is not in (0, 5 min]
   */
  public RtspTokens(byte[] key, Duration lifetime, Clock clock) {
    if (key.length < 32) {
      throw new IllegalArgumentException("the RTSP token key must be at least 32 bytes, was " + key.length);
    }
    if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_LIFETIME) > 0) {
      throw new IllegalArgumentException("an RTSP token lives more than 0 and at most " + MAX_LIFETIME.toMinutes()
          + " minutes, was " + lifetime);
    }
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /**
   * Tokens signed with the key in {@code file}, made (32 random bytes, Base64, mode 0600) if it does not exist.
   * BLOCKING.
   *
   * @throws IOException if the file cannot be made or read, or others may read it
   */
  public static RtspTokens open(Path file, Duration lifetime, Clock clock) throws IOException {
    if (!Files.exists(file)) {
      byte[] fresh = new byte[32];
      RANDOM.nextBytes(fresh);
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Base64.getEncoder().encodeToString(fresh), StandardCharsets.US_ASCII);
      } catch (FileAlreadyExistsException raced) {
        // made meanwhile by another start: read it below
      }
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(OwnerOnlyFile.read(file, "RTSP token key"));
    } catch (IllegalArgumentException e) {
      throw new IOException("RTSP token key " + file + " is not Base64 (" + e.getMessage() + "); delete it and "
          + "restart the gateway to make a new one (tokens already issued then stop working)", e);
    }
    return new RtspTokens(key, lifetime, clock);
  }

  /** How long an issued token is valid. */
  public Duration lifetime() {
    return lifetime;
  }

  /** A token for this subject to open this camera view for this purpose (and requisition, for a raw view). */
  public Issued issue(Subject subject, String cameraId, RtspProfile profile, String purpose, String requisition) {
    Instant expires = clock.instant().plus(lifetime);
    JsonObject claims = new JsonObject().put("sub", subject.toJson()).put("cam", cameraId)
        .put("profile", profile.name()).put("purpose", purpose).put("req", requisition)
        .put("exp", expires.getEpochSecond());
    String body = ENCODER.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    return new Issued(body + "." + ENCODER.encodeToString(mac(body)), Instant.ofEpochSecond(expires.getEpochSecond()));
  }

  /** Checks a token against the view and purpose a request asks for. */
  public Verdict verify(String token, String cameraId, RtspProfile profile, Optional<String> purpose,
                        Optional<String> requisition) {
    int dot = token.indexOf('.');
    if (dot < 0) {
      return new Invalid("the token is not claims.signature");
    }
    String body = token.substring(0, dot);
    byte[] signature;
    try {
      signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return new Invalid("the token's signature is not Base64url: " + e.getMessage());
    }
    // The signature first: nothing of a token this gateway did not sign is parsed.
    if (!MessageDigest.isEqual(mac(body), signature)) {
      return new Invalid("the token's signature is not this gateway's (tampered, or signed with another key)");
    }
    JsonObject claims;
    try {
      claims = new JsonObject(new String(Base64.getUrlDecoder().decode(body), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException e) {
      return new Invalid("the token's claims are not Base64url JSON: " + e.getMessage());
    }
    long expires = claims.getLong("exp", 0L);
    if (clock.instant().getEpochSecond() >= expires) {
      return new Invalid("the token expired at " + Instant.ofEpochSecond(expires));
    }
    if (!cameraId.equals(claims.getString("cam")) || !profile.name().equals(claims.getString("profile"))) {
      return new Invalid("the token is for camera " + claims.getString("cam") + " (" + claims.getString("profile")
          + "), not " + cameraId + " (" + profile.name() + ")");
    }
    if (!Objects.equals(purpose.orElse(null), claims.getString("purpose"))
        || !Objects.equals(requisition.orElse(null), claims.getString("req"))) {
      return new Invalid("the token is for purpose " + claims.getString("purpose") + " and requisition "
          + claims.getString("req") + ", not those of the URL");
    }
    return new Valid(Subject.fromJson(claims.getJsonObject("sub")));
  }

  private byte[] mac(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(DOMAIN.getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
