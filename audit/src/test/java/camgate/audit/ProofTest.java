package camgate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proofs built by {@link MerkleTree} against an independent, recursive transcription of RFC 9162 §2.1.1,
 * §2.1.3.1 and §2.1.4.1 (memoised MTH, nothing else shared), and {@link ProofVerifier} against the
 * transparency-dev/merkle vectors with their corruption probes.
 */
class ProofTest {
  static final int MAX = 1000;
  static final List<Hash> LEAVES = new ArrayList<>();
  static final Map<Long, Hash> MEMO = new HashMap<>();
  static MerkleTree tree;

  @BeforeAll
  static void build() {
    tree = new MerkleTree();
    for (int i = 0; i < MAX; i++) {
      Hash leaf = TreeHasher.hashLeaf(("leaf " + i).getBytes(StandardCharsets.UTF_8));
      LEAVES.add(leaf);
      tree.append(List.of(leaf));
    }
  }

  /** MTH(D[lo:hi]) exactly as RFC 9162 §2.1.1 defines it. */
  static Hash mth(int lo, int hi) {
    long key = ((long) lo << 32) | hi;
    Hash memo = MEMO.get(key);
    if (memo != null) {
      return memo;
    }
    int n = hi - lo;
    Hash h;
    if (n == 0) {
      h = TreeHasher.emptyRoot();
    } else if (n == 1) {
      h = LEAVES.get(lo);
    } else {
      int k = 1;
      while (k * 2 < n) {
        k *= 2;
      }
      h = TreeHasher.hashChildren(mth(lo, lo + k), mth(lo + k, hi));
    }
    MEMO.put(key, h);
    return h;
  }

  /** PATH(m, D[lo:hi]), RFC 9162 §2.1.3.1. */
  static List<Hash> path(int m, int lo, int hi) {
    int n = hi - lo;
    List<Hash> out = new ArrayList<>();
    if (n <= 1) {
      return out;
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    if (m < k) {
      out.addAll(path(m, lo, lo + k));
      out.add(mth(lo + k, hi));
    } else {
      out.addAll(path(m - k, lo + k, hi));
      out.add(mth(lo, lo + k));
    }
    return out;
  }

  /** SUBPROOF(m, D[lo:hi], b), RFC 9162 §2.1.4.1. */
  static List<Hash> subproof(int m, int lo, int hi, boolean b) {
    int n = hi - lo;
    List<Hash> out = new ArrayList<>();
    if (m == n) {
      if (!b) {
        out.add(mth(lo, hi));
      }
      return out;
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    if (m <= k) {
      out.addAll(subproof(m, lo, lo + k, b));
      out.add(mth(lo + k, hi));
    } else {
      out.addAll(subproof(m - k, lo + k, hi, false));
      out.add(mth(lo, lo + k));
    }
    return out;
  }

  /** Every index for small trees; for larger ones the edges, every power of two (and its neighbours), and a sample. */
  static TreeSet<Integer> indices(int n, Random random) {
    TreeSet<Integer> idx = new TreeSet<>();
    if (n <= 64) {
      for (int i = 0; i < n; i++) {
        idx.add(i);
      }
      return idx;
    }
    idx.add(0);
    idx.add(n - 1);
    idx.add(n - 2);
    for (int p = 1; p < n; p *= 2) {
      idx.add(p);
      idx.add(p - 1);
      if (p + 1 < n) {
        idx.add(p + 1);
      }
    }
    for (int i = 0; i < 6; i++) {
      idx.add(random.nextInt(n));
    }
    return idx;
  }

  @Test
  void rootsMatchTheRecursiveDefinitionForEverySize() {
    CompactRange range = new CompactRange();
    assertEquals(TreeHasher.emptyRoot(), tree.root(0));
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", tree.root(0).hex());
    for (int n = 1; n <= MAX; n++) {
      range.append(LEAVES.get(n - 1));
      assertEquals(mth(0, n), tree.root(n), "root of size " + n);
      assertEquals(mth(0, n), range.root(), "compact range root of size " + n);
    }
  }

  @Test
  void inclusionProofsMatchAndVerifyForEverySize() throws Exception {
    Random random = new Random(9162);
    int checked = 0;
    for (int size = 1; size <= MAX; size++) {
      int n = size;
      Hash root = mth(0, n);
      for (int m : indices(n, random)) {
        InclusionProof proof = tree.inclusionProof(m, n);
        assertEquals(path(m, 0, n), proof.path(), "path of leaf " + m + " in size " + n);
        proof.verify(LEAVES.get(m), root);
        checked++;
        if (n > 1) {
          // Corruption probes: a neighbour leaf, a wrong index, a flipped bit each must fail.
          int other = m == 0 ? 1 : m - 1;
          assertThrows(ProofException.class, () -> proof.verify(LEAVES.get(other), root));
          InclusionProof shifted = new InclusionProof(other, n, proof.path());
          assertThrows(ProofException.class, () -> shifted.verify(LEAVES.get(m), root));
          List<Hash> flipped = new ArrayList<>(proof.path());
          byte[] b = flipped.get(0).bytes();
          b[7] ^= 0x10;
          flipped.set(0, Hash.of(b));
          assertThrows(RootMismatchException.class, () -> new InclusionProof(m, n, flipped).verify(LEAVES.get(m), root));
        }
      }
    }
    assertEquals(true, checked > 10_000, "checked " + checked + " inclusion proofs");
  }

  @Test
  void consistencyProofsMatchAndVerify() throws Exception {
    Random random = new Random(6962);
    List<int[]> pairs = new ArrayList<>();
    for (int n = 1; n <= 130; n++) {
      for (int m = 1; m <= n; m++) {
        pairs.add(new int[] {m, n});
      }
    }
    for (int i = 0; i < 3000; i++) {
      int n = 1 + random.nextInt(MAX);
      pairs.add(new int[] {1 + random.nextInt(n), n});
    }
    for (int p = 1; p <= 512; p *= 2) {
      pairs.add(new int[] {p, MAX});
      pairs.add(new int[] {Math.max(1, p - 1), Math.min(MAX, p * 2 - 1)});
    }
    for (int[] pair : pairs) {
      int m = pair[0];
      int n = pair[1];
      ConsistencyProof proof = tree.consistencyProof(m, n);
      assertEquals(subproof(m, 0, n, true), proof.path(), "consistency proof " + m + " -> " + n);
      proof.verify(mth(0, m), mth(0, n));
      if (m < n) {
        assertThrows(ProofException.class, () -> proof.verify(mth(0, n), mth(0, m)), "swapped roots " + m + "," + n);
        if (m > 1) {
          assertThrows(ProofException.class, () -> proof.verify(mth(0, m - 1), mth(0, n)), "wrong root1 " + m + "," + n);
        }
        // (A wrong size2 is not a reliable probe: RFC 9162 proofs for sizes 3 and 4 from 1 have the same shape.)
        List<Hash> flipped = new ArrayList<>(proof.path());
        int last = flipped.size() - 1;
        byte[] b = flipped.get(last).bytes();
        b[0] ^= 0x01;
        flipped.set(last, Hash.of(b));
        assertThrows(ProofException.class, () -> new ConsistencyProof(m, n, flipped).verify(mth(0, m), mth(0, n)),
            "flipped bit " + m + "," + n);
      }
    }
  }

  @Test
  void malformedRequestsAreRefusedWithTheConflict() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tree.inclusionProof(5, 5));
    assertEquals("leaf index must be in [0, 5), found 5", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tree.inclusionProof(0, MAX + 1));
    assertThrows(IllegalArgumentException.class, () -> tree.consistencyProof(0, 5));
    assertThrows(IllegalArgumentException.class, () -> tree.consistencyProof(6, 5));
  }

  // ---- transparency-dev/merkle vectors (src/test/resources/vectors, Apache-2.0) ----

  static Stream<Arguments> vectors(String file) throws Exception {
    try (InputStream in = ProofTest.class.getResourceAsStream("/vectors/" + file)) {
      JsonNode all = new ObjectMapper().readTree(in);
      List<Arguments> out = new ArrayList<>();
      all.forEach(v -> out.add(Arguments.of(v.get("source").asText() + ": " + v.get("desc").asText(), v)));
      return out.stream();
    }
  }

  static Stream<Arguments> inclusionVectors() throws Exception {
    return vectors("inclusion.json");
  }

  static Stream<Arguments> consistencyVectors() throws Exception {
    return vectors("consistency.json");
  }

  /** A vector hash, or null if it is not 32 bytes (a verifier must refuse it). */
  static Hash hash(JsonNode n) {
    byte[] b = Base64.getDecoder().decode(n.asText());
    return b.length == Hash.LENGTH ? Hash.of(b) : null;
  }

  /** Decodes a proof; null if any element is not a 32-byte hash. */
  static List<Hash> proof(JsonNode n) {
    List<Hash> out = new ArrayList<>();
    for (JsonNode h : n) {
      Hash x = hash(h);
      if (x == null) {
        return null;
      }
      out.add(x);
    }
    return out;
  }

  /** uint64 values above Long.MAX_VALUE (the vectors' "index - 1" wrap-around) are invalid input, never valid. */
  static Long u64(JsonNode n) {
    BigInteger v = n.bigIntegerValue();
    return v.bitLength() < 64 ? v.longValue() : null;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inclusionVectors")
  void inclusionVector(String name, JsonNode v) {
    Long index = u64(v.get("leafIdx"));
    Long size = u64(v.get("treeSize"));
    Hash root = hash(v.get("root"));
    Hash leaf = hash(v.get("leafHash"));
    List<Hash> path = proof(v.get("proof"));
    boolean failed;
    if (index == null || size == null || root == null || leaf == null || path == null) {
      failed = true;
    } else {
      try {
        new InclusionProof(index, size, path).verify(leaf, root);
        failed = false;
      } catch (ProofException e) {
        failed = true;
      }
    }
    assertEquals(v.get("wantErr").asBoolean(), failed, name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("consistencyVectors")
  void consistencyVector(String name, JsonNode v) {
    Long size1 = u64(v.get("size1"));
    Long size2 = u64(v.get("size2"));
    Hash root1 = hash(v.get("root1"));
    Hash root2 = hash(v.get("root2"));
    List<Hash> path = proof(v.get("proof"));
    boolean failed;
    if (size1 == null || size2 == null || root1 == null || root2 == null || path == null) {
      failed = true;
    } else {
      try {
        new ConsistencyProof(size1, size2, path).verify(root1, root2);
        failed = false;
      } catch (ProofException e) {
        failed = true;
      }
    }
    assertEquals(v.get("wantErr").asBoolean(), failed, name);
  }
}
