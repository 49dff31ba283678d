package camgate.audit;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/** The log's Ed25519 private key, kept in a PKCS#8 PEM file that only its owner may read (mode 600). */
final class SigningKey {
  private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE);

  private final Ed25519PrivateKeyParameters key;
  private final NoteKey publicKey;

  SigningKey(String name, Ed25519PrivateKeyParameters key) {
    this.key = key;
    this.publicKey = new NoteKey(name, key.generatePublicKey());
  }

  static SigningKey generate(String name) {
    return new SigningKey(name, new Ed25519PrivateKeyParameters(new SecureRandom()));
  }

  /**
   * Reads the key at {@code file}, or generates one there (mode 600) when the file does not exist. BLOCKING (file I/O).
   *
   * @throws IOException if the file cannot be read or written, is readable by others than its owner, or is not
   *     an Ed25519 PKCS#8 PEM; the message says how to fix it
   */
  static SigningKey loadOrCreate(Path file, String name) throws IOException {
    if (!Files.exists(file)) {
      SigningKey created = generate(name);
      created.writeTo(file);
      return created;
    }
    checkOwnerOnly(file);
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    return fromPem(name, pem, file.toString());
  }

  static SigningKey fromPem(String name, String pem, String source) throws IOException {
    try (PemReader reader = new PemReader(new StringReader(pem))) {
      PemObject obj = reader.readPemObject();
      if (obj == null || !obj.getType().equals("PRIVATE KEY")) {
        throw new IOException(source + ": expected a PKCS#8 PEM '-----BEGIN PRIVATE KEY-----', found "
            + (obj == null ? "no PEM data" : "'" + obj.getType() + "'") + "; restore the key from backup or move"
            + " the file away to generate a new key (and announce it)");
      }
      AsymmetricKeyParameter param = PrivateKeyFactory.createKey(obj.getContent());
      if (!(param instanceof Ed25519PrivateKeyParameters ed)) {
        throw new IOException(source + ": expected an Ed25519 private key, found " + param.getClass().getSimpleName());
      }
      return new SigningKey(name, ed);
    }
  }

  private static void checkOwnerOnly(Path file) throws IOException {
    if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    Set<PosixFilePermission> extra = EnumSet.copyOf(perms);
    extra.removeAll(OWNER_ONLY);
    if (!extra.isEmpty()) {
      throw new IOException("signing key " + file + " has permissions " + PosixFilePermissions.toString(perms)
          + ", expected rw------- (owner only); run 'chmod 600 " + file + "' and consider the key exposed");
    }
  }

  /** Writes the PKCS#8 PEM, creating the file with mode 600 before any secret byte is written. BLOCKING. */
  void writeTo(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      throw new IOException("refusing to overwrite the existing signing key " + file, e);
    }
    Files.writeString(file, pem(), StandardCharsets.US_ASCII, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
  }

  String pem() throws IOException {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(new PemObject("PRIVATE KEY", PrivateKeyInfoFactory.createPrivateKeyInfo(key).getEncoded()));
    }
    return out.toString();
  }

  NoteKey publicKey() {
    return publicKey;
  }

  byte[] sign(byte[] message) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, key);
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }
}
