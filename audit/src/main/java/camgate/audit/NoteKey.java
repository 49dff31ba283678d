package camgate.audit;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * An Ed25519 public key under a signed-note key name, with its C2SP key hash:
 * the first 4 bytes of SHA-256(name || 0x0A || 0x01 || 32-byte public key).
 */
public final class NoteKey {
  /** C2SP signed-note signature type of Ed25519. */
  static final byte ED25519_TYPE = 0x01;
  /** C2SP tlog-cosignature type of a timestamped Ed25519 cosignature (cosignature/v1). */
  static final byte COSIGNATURE_TYPE = 0x04;

  private final String name;
  private final Ed25519PublicKeyParameters key;
  private final byte type;
  private final int keyHash;

  NoteKey(String name, Ed25519PublicKeyParameters key) {
    this(name, key, ED25519_TYPE);
  }

  /** A key of signature type {@code type}: it goes into the key hash, so one key has one id per type. */
  NoteKey(String name, Ed25519PublicKeyParameters key, byte type) {
    if (name == null || name.isEmpty() || name.contains(" ") || name.contains("+") || name.contains("\n")) {
      throw new IllegalArgumentException("a note key name is one word without spaces or '+', found '" + name + "'");
    }
    this.name = name;
    this.key = key;
    this.type = type;
    MessageDigest md = TreeHasher.newSha256();
    md.update(name.getBytes(StandardCharsets.UTF_8));
    md.update((byte) '\n');
    md.update(type);
    md.update(key.getEncoded());
    this.keyHash = ByteBuffer.wrap(md.digest()).getInt();
  }

  /**
   * Reads a {@code PUBLIC KEY} PEM (SubjectPublicKeyInfo) holding an Ed25519 key.
   *
   * @throws IllegalArgumentException if the text is not such a PEM; the message says what was found
   */
  public static NoteKey fromPem(String name, String pem) {
    try (PemReader reader = new PemReader(new StringReader(pem))) {
      PemObject obj = reader.readPemObject();
      if (obj == null) {
        throw new IllegalArgumentException("expected a PEM block '-----BEGIN PUBLIC KEY-----', found no PEM data");
      }
      if (!obj.getType().equals("PUBLIC KEY")) {
        throw new IllegalArgumentException("expected a PEM 'PUBLIC KEY', found '" + obj.getType() + "'");
      }
      AsymmetricKeyParameter param = PublicKeyFactory.createKey(obj.getContent());
      if (!(param instanceof Ed25519PublicKeyParameters ed)) {
        throw new IllegalArgumentException("expected an Ed25519 public key, found " + param.getClass().getSimpleName());
      }
      return new NoteKey(name, ed);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("expected")) {
        throw iae;
      }
      throw new IllegalArgumentException("expected an Ed25519 public key in PEM, could not parse it: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a C2SP vkey ({@code <name>+<8 hex key hash>+base64(type || 32-byte key)}), as Go's {@code sumdb/note}
   * writes it: type 0x01 for a log's key, 0x04 for a witness's cosignature key.
   *
   * @throws IllegalArgumentException if the text is not such a vkey or its key hash does not match; the message
   *     says what was found
   */
  public static NoteKey fromVkey(String vkey) {
    String text = vkey.strip();
    String[] parts = text.split("\\+", 3); // a name has no '+'; base64 may
    if (parts.length != 3 || parts[1].length() != 8) {
      throw new IllegalArgumentException("expected a vkey 'name+hash+base64', found '" + text + "'");
    }
    byte[] typed;
    try {
      typed = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("vkey '" + text + "': key is not base64: " + e.getMessage());
    }
    if (typed.length != 33 || (typed[0] != ED25519_TYPE && typed[0] != COSIGNATURE_TYPE)) {
      throw new IllegalArgumentException("vkey '" + text + "' is not an Ed25519 key (type 0x01) or cosignature key"
          + " (type 0x04) of 32 bytes");
    }
    NoteKey key = new NoteKey(parts[0], new Ed25519PublicKeyParameters(typed, 1), typed[0]);
    if (!key.keyId().equals(parts[1])) {
      throw new IllegalArgumentException("vkey '" + text + "' says key hash " + parts[1] + " but its name and key hash"
          + " to " + key.keyId() + ": the vkey was edited");
    }
    return key;
  }

  /** The same public key under {@code newName} with signature type {@code newType}. */
  NoteKey as(String newName, byte newType) {
    return new NoteKey(newName, key, newType);
  }

  /** C2SP signature type: 0x01 (a log's Ed25519 key) or 0x04 (a witness's cosignature key). */
  byte type() {
    return type;
  }

  /** The signed-note key name (the log origin). */
  public String name() {
    return name;
  }

  /** The 4-byte key hash as 8 hex digits: the key id of checkpoints. */
  public String keyId() {
    return String.format("%08x", keyHash);
  }

  int keyHash() {
    return keyHash;
  }

  /** 32 raw public key bytes. */
  public byte[] rawKey() {
    return key.getEncoded();
  }

  /** {@code SHA256:} and the hex SHA-256 of the 32 raw public key bytes: what the gateway prints at start. */
  public String fingerprint() {
    return "SHA256:" + HexFormat.of().formatHex(TreeHasher.newSha256().digest(key.getEncoded()));
  }

  /** The key in Go's {@code golang.org/x/mod/sumdb/note} verifier format: {@code name+hash+base64(type||key)}. */
  public String verifierKey() {
    byte[] typed = new byte[33];
    typed[0] = type;
    System.arraycopy(key.getEncoded(), 0, typed, 1, 32);
    return name + "+" + keyId() + "+" + Base64.getEncoder().encodeToString(typed);
  }

  /** SubjectPublicKeyInfo PEM ({@code -----BEGIN PUBLIC KEY-----}). */
  public String pem() {
    try {
      SubjectPublicKeyInfo info = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(key);
      StringWriter out = new StringWriter();
      try (PemWriter writer = new PemWriter(out)) {
        writer.writeObject(new PemObject("PUBLIC KEY", info.getEncoded()));
      }
      return out.toString();
    } catch (IOException e) {
      throw new IllegalStateException("encoding an Ed25519 public key cannot fail with in-memory I/O", e);
    }
  }

  /** Whether {@code signature} is this key's Ed25519 signature of {@code message}. */
  boolean verify(byte[] message, byte[] signature) {
    if (signature.length != 64) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, key);
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NoteKey k && k.name.equals(name) && k.type == type
        && java.util.Arrays.equals(k.key.getEncoded(), key.getEncoded());
  }

  @Override
  public int hashCode() {
    return keyHash;
  }

  @Override
  public String toString() {
    return name + " key " + keyId() + " (" + fingerprint() + ")";
  }
}
