package camgate.gateway.publish;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Builds and signs OPA bundles with the gateway's ES256 (ECDSA P-256) policy-signing key, using
 * {@code opa build --bundle --signing-key}, and checks each archive with the public key before it is
 * stored. ES256 because OPA's bundle verification refuses EdDSA keys (docs/policy-bundles.md).
 *
 * <p>The key pair is created at first start: the private key as PKCS#8 PEM, mode 0600, next to the
 * audit signing key; the public key beside it, which OPA is given to verify bundles. BLOCKING throughout.
 */
public final class BundleSigner {

  /** The key id OPA's configuration names in {@code bundles.camgate.signing.keyid} and {@code keys}. */
  public static final String KEY_ID = "camgate-dpo";
  private static final Duration BUILD_TIMEOUT = Duration.ofSeconds(60);

  private final Path opa;
  private final Path privateKey;
  private final Path publicKey;

  private BundleSigner(Path opa, Path privateKey, Path publicKey) {
    this.opa = opa;
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  /**
   * Opens the signing key, creating the pair if {@code privateKey} does not exist yet. BLOCKING.
   *
   * @throws IOException when the key cannot be written, or an existing private key is readable by other users
   */
  public static BundleSigner open(Path opa, Path privateKey, Path publicKey) throws IOException {
    if (!Files.isExecutable(opa)) {
      throw new IOException("OPA binary not found at " + opa + "; run './camgate setup' (it installs OPA v1.22.3 "
          + "with go install) or set opa.url to an external OPA");
    }
    if (Files.exists(privateKey)) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(privateKey);
      if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
        throw new IOException("policy signing key " + privateKey + " is readable by other users (" 
            + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + privateKey);
      }
      if (!Files.exists(publicKey)) {
        throw new IOException("policy signing key " + privateKey + " exists but its public key " + publicKey
            + " is missing; restore it (openssl pkey -in " + privateKey + " -pubout -out " + publicKey + ")");
      }
    } else {
      generate(privateKey, publicKey);
    }
    return new BundleSigner(opa, privateKey, publicKey);
  }

  private static void generate(Path privateKey, Path publicKey) throws IOException {
    KeyPair pair;
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      pair = gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make a P-256 key", e);
    }
    Files.createDirectories(privateKey.toAbsolutePath().getParent());
    Path tmp = privateKey.resolveSibling(privateKey.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    Files.deleteIfExists(publicKey);
    Files.createFile(publicKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    Files.move(tmp, privateKey, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** The public key OPA verifies bundles with (PEM file). */
  public Path publicKey() {
    return publicKey;
  }

  public String publicKeyPem() throws IOException {
    return Files.readString(publicKey);
  }

  /**
   * Builds the bundle of {@code set} (tests left out, data as /data.json) with {@code revision} in its
   * manifest, signs it, and verifies the signature before returning it. BLOCKING.
   *
   * @throws IOException when opa build fails (its output is in the message) or the signature does not verify
   */
  public SignedBundle sign(PolicySet set, String revision) throws IOException {
    Path work = Files.createTempDirectory("camgate-bundle");
    try {
      Path stage = work.resolve("stage");
      Files.createDirectories(stage);
      set.writeTo(stage, false);
      // Roots other than [""]: activating the bundle must not erase the gateway's system modules.
      Files.writeString(stage.resolve(".manifest"), new JsonObject()
          .put("roots", new JsonArray(List.copyOf(set.bundleRoots()))).encode());
      Path out = work.resolve("camgate.tar.gz");
      OpaCommand build = OpaCommand.run(opa, stage, BUILD_TIMEOUT, "build", "--bundle", ".", "-o", out.toString(),
          "--revision", revision, "--signing-alg", "ES256", "--signing-key", privateKey.toAbsolutePath().toString());
      if (!build.succeeded()) {
        throw new IOException("opa build of revision " + revision + " failed: " + build.output());
      }
      verify(out, work);
      return new SignedBundle(Files.readAllBytes(out));
    } finally {
      OpaCommand.deleteTree(work);
    }
  }

  /** OPA's own offline verification, so that nothing the key does not sign is ever stored or served. */
  private void verify(Path archive, Path work) throws IOException {
    OpaCommand check = OpaCommand.run(opa, work, BUILD_TIMEOUT, "build", "--bundle", archive.toString(),
        "-o", work.resolve("verified.tar.gz").toString(),
        "--verification-key", publicKey.toAbsolutePath().toString(), "--signing-alg", "ES256");
    if (!check.succeeded()) {
      throw new IOException("the bundle just signed does not verify with " + publicKey + ": " + check.output()
          + "; the key pair does not match, restore it or delete both files to make a new one");
    }
  }
}
