// Audit log verification in the browser, with WebCrypto only: RFC 9162 Merkle tree (leaf = SHA-256(0x00 || entry),
// node = SHA-256(0x01 || left || right)), inclusion proofs, Ed25519 signed checkpoint notes (C2SP), and a small
// reader for the export zip (stored or deflated entries; deflate via DecompressionStream).
'use strict';

const AuditVerify = (() => {
  const LEAF_PREFIX = 0x00;
  const NODE_PREFIX = 0x01;
  const enc = new TextEncoder();

  async function sha256(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const all = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  }

  const hashLeaf = bytes => sha256(Uint8Array.of(LEAF_PREFIX), bytes);
  const hashChildren = (l, r) => sha256(Uint8Array.of(NODE_PREFIX), l, r);

  const hex = b => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
  function fromHex(s) {
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error('not hex: ' + s);
    return Uint8Array.from(s.match(/../g) || [], h => parseInt(h, 16));
  }
  function fromB64(s) {
    const bin = atob(s);
    return Uint8Array.from(bin, c => c.charCodeAt(0));
  }
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  /**
   * RFC 9162 section 2.1.3.2: the root from an inclusion proof. Requires 0 <= index < size.
   */
  async function rootFromInclusionProof(index, size, leafHash, path) {
    if (!(index >= 0 && index < size)) throw new Error('index ' + index + ' is not in a tree of size ' + size);
    let fn = index;
    let sn = size - 1;
    let r = leafHash;
    for (const p of path) {
      if (sn === 0) throw new Error('proof is longer than the tree needs (' + path.length + ' hashes)');
      if (fn % 2 === 1 || fn === sn) {
        r = await hashChildren(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await hashChildren(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error('proof is shorter than the tree needs (' + path.length + ' hashes)');
    return r;
  }

  /** Checks an inclusion proof of entry bytes against a root; throws with expected and computed roots. */
  async function verifyInclusion(index, size, entryBytes, path, root) {
    const computed = await rootFromInclusionProof(index, size, await hashLeaf(entryBytes), path);
    if (!equal(computed, root)) {
      throw new Error('computed root ' + hex(computed) + ' differs from the signed root ' + hex(root));
    }
  }

  /** A growing RFC 9162 tree kept as its perfect subtrees (compact range); root() folds them right to left. */
  class CompactRange {
    constructor() { this.nodes = []; this.size = 0; }
    async append(leaf) {
      let h = leaf;
      let s = this.size;
      while (s % 2 === 1) { h = await hashChildren(this.nodes.pop(), h); s = Math.floor(s / 2); }
      this.nodes.push(h);
      this.size++;
    }
    async root() {
      if (this.nodes.length === 0) return sha256();
      let h = this.nodes[this.nodes.length - 1];
      for (let i = this.nodes.length - 2; i >= 0; i--) h = await hashChildren(this.nodes[i], h);
      return h;
    }
  }

  /** Parses a C2SP signed checkpoint note: body (origin, size, root, extensions) and signature lines. */
  function parseNote(note) {
    const split = note.indexOf('\n\n');
    if (split < 0) throw new Error('note has no blank line between body and signatures');
    const body = note.substring(0, split + 1);
    const lines = body.split('\n');
    if (lines.length < 4) throw new Error('checkpoint body needs origin, size and root lines');
    if (!/^[0-9]+$/.test(lines[1])) throw new Error('checkpoint size line is not a decimal number: ' + lines[1]);
    const root = fromB64(lines[2]);
    if (root.length !== 32) throw new Error('checkpoint root is ' + root.length + ' bytes, expected 32');
    const time = (lines.find(l => l.startsWith('time ')) || '').substring(5);
    const signatures = note.substring(split + 2).split('\n').filter(l => l.length > 0).map(l => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(l);
      if (!m) throw new Error('malformed signature line: ' + l);
      const blob = fromB64(m[2]);
      return { name: m[1], keyHash: blob.subarray(0, 4), signature: blob.subarray(4) };
    });
    return { origin: lines[0], size: parseInt(lines[1], 10), root, time, body, signatures };
  }

  /** SubjectPublicKeyInfo DER prefix of an Ed25519 key (RFC 8410): SEQUENCE, AlgorithmIdentifier 1.3.101.112, BIT STRING. */
  const SPKI_ED25519 = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

  /** The raw 32-byte Ed25519 key of a PUBLIC KEY PEM; throws saying what was found instead. */
  function rawKeyFromPem(pem) {
    const m = /-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----/.exec(String(pem));
    if (!m) throw new Error("expected a PEM block '-----BEGIN PUBLIC KEY-----', found no PEM data");
    if (m[1] !== 'PUBLIC KEY') throw new Error("expected a PEM 'PUBLIC KEY', found '" + m[1] + "'");
    const der = fromB64(m[2].replace(/\s+/g, ''));
    if (der.length !== 44 || !equal(der.subarray(0, 12), SPKI_ED25519)) {
      throw new Error('expected an Ed25519 public key (44-byte SubjectPublicKeyInfo), found ' + der.length + ' bytes of another kind');
    }
    return der.slice(12);
  }

  /** SHA256:<hex> of the raw 32-byte key: what AuditLog.keyFingerprint() and the CLI's --key-fingerprint use. */
  async function fingerprint(raw) {
    return 'SHA256:' + hex(await sha256(raw));
  }

  /**
   * The fingerprint as typed or pasted, in the form fingerprint() gives (SHA256: and lower-case hex), or null when
   * it is not one (empty, wrong length, not hex).
   */
  function normalizeFingerprint(text) {
    const m = /^\s*(?:SHA256:)?([0-9a-fA-F]{64})\s*$/i.exec(String(text || ''));
    return m ? 'SHA256:' + m[1].toLowerCase() : null;
  }

  /**
   * An Ed25519 public key under a signed-note key name (the log origin), as NoteKey in Java: its C2SP key hash
   * (first 4 bytes of SHA-256(name || 0x0A || 0x01 || key)), key id (that hash in hex) and fingerprint.
   */
  async function noteKey(name, pem) {
    const raw = rawKeyFromPem(pem);
    const keyHash = (await sha256(enc.encode(name), Uint8Array.of(0x0a, 0x01), raw)).slice(0, 4);
    const key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    return { name, keyHash, keyId: hex(keyHash), fingerprint: await fingerprint(raw), key };
  }

  /** True when one of the note's signatures is the key's (same name and key hash) and verifies over the body. */
  async function signedBy(note, noteKey) {
    const body = enc.encode(note.body);
    for (const s of note.signatures) {
      if (s.name === noteKey.name && equal(s.keyHash, noteKey.keyHash) && s.signature.length === 64
          && await crypto.subtle.verify({ name: 'Ed25519' }, noteKey.key, s.signature, body)) return true;
    }
    return false;
  }

  /** Reads every file of a zip archive (from its central directory). */
  async function unzip(buffer) {
    const data = new Uint8Array(buffer);
    const view = new DataView(buffer);
    let eocd = -1;
    for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 65535); i--) {
      if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
    }
    if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
    const count = view.getUint16(eocd + 10, true);
    let p = view.getUint32(eocd + 16, true);
    const files = {};
    for (let n = 0; n < count; n++) {
      if (view.getUint32(p, true) !== 0x02014b50) throw new Error('corrupt zip central directory');
      const method = view.getUint16(p + 10, true);
      const compressed = view.getUint32(p + 20, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      const local = view.getUint32(p + 42, true);
      const name = new TextDecoder().decode(data.subarray(p + 46, p + 46 + nameLen));
      p += 46 + nameLen + extraLen + commentLen;
      if (view.getUint32(local, true) !== 0x04034b50) throw new Error('corrupt zip local header for ' + name);
      const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
      const raw = data.subarray(start, start + compressed);
      if (method === 0) files[name] = raw.slice();
      else if (method === 8) {
        const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
        files[name] = new Uint8Array(await new Response(stream).arrayBuffer());
      } else throw new Error('zip entry ' + name + ' uses unsupported compression method ' + method);
    }
    return files;
  }

  /** The lines of entries.jsonl and whatever follows the last newline (empty unless truncated or edited). */
  function splitLines(bytes) {
    const lines = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 10) { lines.push(bytes.subarray(start, i)); start = i + 1; }
    }
    return { lines, trailing: bytes.length - start };
  }

  /** A problem found in a bundle: its message, and the verdict's problem code (data-problem in the page). */
  class BundleProblem extends Error {
    constructor(code, message) { super(message); this.code = code; }
  }

  const where = seq => 'entry ' + seq + ' (entries.jsonl line ' + (seq + 1) + ')';
  const entryProblem = (seq, message) => new BundleProblem('entry', where(seq) + message);
  const checkpointProblem = (i, note, message) => new BundleProblem('checkpoint', 'checkpoint ' + i
    + ' (checkpoints.jsonl line ' + (i + 1) + ', size ' + note.size + ') ' + message);

  /**
   * RFC 9162 section 2.1.4.2: checks that a tree of size {@code second} with root {@code secondRoot} extends the tree
   * of size {@code first} with root {@code firstRoot}. Requires 0 < first < second; throws saying what failed.
   */
  async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
    if (!(first > 0 && first < second)) throw new Error('no consistency proof between sizes ' + first + ' and ' + second);
    if (proof.length === 0) throw new Error('the proof is empty');
    const path = Number.isInteger(Math.log2(first)) ? [firstRoot, ...proof] : proof;  // exact for powers of 2
    let fn = first - 1;
    let sn = second - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    let fr = path[0];
    let sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) throw new Error('the proof is longer than the trees need (' + proof.length + ' hashes)');
      if (fn % 2 === 1 || fn === sn) {
        fr = await hashChildren(c, fr);
        sr = await hashChildren(c, sr);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        sr = await hashChildren(sr, c);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error('the proof is shorter than the trees need (' + proof.length + ' hashes)');
    if (!equal(fr, firstRoot)) throw new Error('it does not lead to the root of size ' + first);
    if (!equal(sr, secondRoot)) throw new Error('it does not lead to the root of size ' + second);
  }

  /**
   * The records of checkpoints.jsonl as BundleVerifier.readCheckpoints reads them: each one's signed note parsed,
   * the fields it repeats for readers (size, root, time, key_id) bound to the note, and its consistency proof from
   * the previous checkpoint. A blank last line is no checkpoint; a blank line before it is an edit.
   */
  function checkpointRecords(text) {
    const rows = text.split('\n');
    while (rows.length > 0 && rows[rows.length - 1].trim() === '') rows.pop();
    return rows.map((l, i) => {
      const at = 'checkpoint ' + i + ' (checkpoints.jsonl line ' + (i + 1) + ')';
      const problem = message => new BundleProblem('checkpoint', at + message);
      let record;
      try { record = JSON.parse(l); } catch (e) { throw problem(' is not valid JSON: ' + e.message); }
      if (!record || typeof record !== 'object' || typeof record.note !== 'string') {
        throw problem(" has no 'note' string with the signed checkpoint");
      }
      let note;
      try { note = parseNote(record.note); } catch (e) { throw problem(' note is malformed: ' + e.message); }
      if ('size' in record && record.size !== note.size) {
        throw problem(' record says size ' + JSON.stringify(record.size) + ' but its signed note says ' + note.size);
      }
      // Exports write lowercase hex; any other spelling of the same bytes is an edit.
      if ('root' in record && record.root !== hex(note.root)) {
        throw problem(' record says root ' + record.root + ' but its signed note says ' + hex(note.root));
      }
      if ('time' in record && (!note.time || record.time !== note.time)) {
        throw problem(' record says time ' + JSON.stringify(record.time) + ' but its signed note says ' + (note.time || 'none'));
      }
      if ('key_id' in record && !note.signatures.some(s => hex(s.keyHash) === record.key_id)) {
        throw problem(' record says key_id ' + JSON.stringify(record.key_id) + ' but no signature of its note is by that key');
      }
      note.consistency = null;
      const c = record.consistency;
      if (c && typeof c === 'object' && !Array.isArray(c)) {
        const from = Number.isInteger(c.from_size) ? c.from_size : -1;
        const path = (Array.isArray(c.path) ? c.path : []).map(h => {
          if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) {
            throw problem(" consistency proof: '" + h + "' is not a 32-byte hash in lowercase hex, as exports write it: the record was edited");
          }
          return fromHex(h);
        });
        note.consistency = { from, path };
      }
      return note;
    });
  }

  /**
   * Verifies an export bundle (zip bytes) as BundleVerifier does, against a pinned key fingerprint. Never throws.
   *
   * <p>In log order: every entry is JSON whose seq is its line number; whenever the entries reach a checkpoint's
   * size, that checkpoint must be signed by the trusted key and its root must equal the root recomputed from the
   * entries; the last checkpoint must cover every entry. The trusted key is public-key.pem at first; a key_rotation
   * entry's new key replaces it only once a checkpoint verified with the current key covers that entry (the
   * announced key is pending until then, and a later announcement replaces a pending one). Verification stops at
   * the first problem, like the Java verifier; every parseable entry is still returned for inspection.
   *
   * <p>The pin: options.expectedFingerprint (SHA256:<hex>) must be the fingerprint of public-key.pem (the CLI's
   * --key-fingerprint rule), or of a key this bundle's verified chain rotated to and that signed a verified
   * checkpoint: such a checkpoint's root fixes every entry before it, and that key's own checkpoints cover every
   * announcement after it, so a gateway that publishes its key after a rotation still pins the whole bundle.
   * Without an expected fingerprint nothing verifies: the bundle's own key proves nothing by itself.
   *
   * @returns {ok, problem, problemCode, entries, checkpoints: [{index, size, time, root, keyId, signature,
   *     rootMatches}], fingerprint (of public-key.pem), expectedFingerprint, verifiedWith (the chain key matching
   *     the pin, or null), keys (the chain: [{fingerprint, keyId, announcedAt (seq, null for public-key.pem),
   *     checkpoints (verified with it)}]), chainProblem, lines, parsed}
   */
  async function verifyBundle(zipBuffer, options) {
    const expected = normalizeFingerprint(options && options.expectedFingerprint);
    const verdict = { ok: false, entries: 0, checkpoints: [], problem: null, problemCode: null, lines: [], parsed: [],
      fingerprint: null, expectedFingerprint: expected, verifiedWith: null, keys: [], chainProblem: null };
    try {
      const files = await unzip(zipBuffer);
      for (const f of ['entries.jsonl', 'checkpoints.jsonl', 'public-key.pem']) {
        if (!files[f]) throw new BundleProblem('bundle', 'missing ' + f + ' in the bundle');
      }
      const { lines, trailing } = splitLines(files['entries.jsonl']);
      verdict.lines = lines;
      // For the register, shown even when the bundle does not verify (marked so): every entry that parses.
      for (const line of lines) {
        try { verdict.parsed.push(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line))); } catch (e) { /* named below */ }
      }
      const notes = checkpointRecords(new TextDecoder().decode(files['checkpoints.jsonl']));
      if (notes.length === 0) throw new BundleProblem('bundle', 'checkpoints.jsonl is empty: nothing signed, nothing can be verified');
      const origin = notes[0].origin;
      let trusted;
      try {
        trusted = await noteKey(origin, new TextDecoder().decode(files['public-key.pem']));
      } catch (e) {
        throw new BundleProblem('bundle', 'public-key.pem: ' + e.message);
      }
      verdict.fingerprint = trusted.fingerprint;
      verdict.keys.push({ fingerprint: trusted.fingerprint, keyId: trusted.keyId, announcedAt: null, checkpoints: 0 });
      try {
        await verifyChain(verdict, lines, trailing, notes, origin, trusted);
      } catch (e) {
        if (!(e instanceof BundleProblem)) throw e;
        verdict.chainProblem = e;
      }
      // Pinned: the bundle's own key, or a key of its chain that signed a checkpoint verified in it.
      verdict.verifiedWith = verdict.keys.find((k, i) => k.fingerprint === expected && (i === 0 || k.checkpoints > 0)) || null;
      if (!verdict.verifiedWith) {
        const later = verdict.keys.slice(1).map(k => k.fingerprint);
        throw new BundleProblem('fingerprint', 'signed by a key with fingerprint ' + verdict.fingerprint + ', expected '
          + (expected || 'a trusted fingerprint (none given)')
          + (later.length ? ' (the keys it rotated to, ' + later.join(', ') + ', are not that key or signed no verified checkpoint)' : '')
          + (verdict.chainProblem ? '; besides, ' + verdict.chainProblem.message : ''));
      }
      if (verdict.chainProblem) throw verdict.chainProblem;
      verdict.ok = true;
    } catch (e) {
      verdict.problem = e.message;
      verdict.problemCode = e instanceof BundleProblem ? e.code : 'bundle';
    }
    if (verdict.chainProblem) verdict.chainProblem = verdict.chainProblem.message;
    return verdict;
  }

  /** The log-order pass of verifyBundle (BundleVerifier.run): throws the first BundleProblem. */
  async function verifyChain(verdict, lines, trailing, notes, origin, initial) {
    let trusted = initial;
    let current = verdict.keys[0];
    let pending = null;
    let pendingSeq = -1;
    let next = 0;
    let previous = null;
    const range = new CompactRange();
    // BundleVerifier.checkSignatureAndConsistency: signed by the trusted key, and an extension of the previous one.
    const checkSignature = async i => {
      const note = notes[i];
      if (note.origin !== origin) throw checkpointProblem(i, note, "origin '" + note.origin + "' differs from the bundle's origin '" + origin + "'");
      if (!await signedBy(note, trusted)) {
        const sameKey = note.signatures.some(s => s.name === trusted.name && equal(s.keyHash, trusted.keyHash));
        throw checkpointProblem(i, note, sameKey
          ? 'signature of key ' + trusted.keyId + ' does not verify: the note or its signature was forged or altered'
          : 'is signed by ' + note.signatures.map(s => s.name + ' key ' + hex(s.keyHash)).join(', ') + ', not by the trusted key '
            + trusted.name + ' ' + trusted.keyId + ' (' + trusted.fingerprint + ')');
      }
      const c = note.consistency;
      if (!previous) {
        if (c && c.from > 0) {
          throw checkpointProblem(i, note, 'carries a consistency proof from size ' + c.from + ' but is the first checkpoint:'
            + ' the checkpoint of size ' + c.from + ' before it was removed');
        }
        return;
      }
      if (note.size < previous.size) {
        throw checkpointProblem(i, note, 'size ' + note.size + " is smaller than the previous checkpoint's size " + previous.size
          + ': checkpoints must be in tree-size order');
      }
      if (previous.size === 0) return;
      if (previous.size === note.size) {
        if (!equal(previous.root, note.root)) {
          throw checkpointProblem(i, note, 'has the same size ' + note.size + ' as the previous checkpoint but a different root ('
            + hex(note.root) + ' vs ' + hex(previous.root) + '): the log forked');
        }
        return;
      }
      if (!c || c.from !== previous.size) {
        throw checkpointProblem(i, note, "carries no consistency proof from the previous checkpoint's size " + previous.size
          + (c ? ' (it has one from size ' + c.from + ')' : ''));
      }
      try {
        await verifyConsistency(previous.size, note.size, previous.root, note.root, c.path);
      } catch (e) {
        throw checkpointProblem(i, note, 'is not consistent with the previous checkpoint (size ' + previous.size + '): '
          + e.message + '; the log forked or the checkpoint was replaced');
      }
    };
    const check = async i => {
      const note = notes[i];
      const row = { index: i, size: note.size, time: note.time, root: hex(note.root), keyId: trusted.keyId, signature: false, rootMatches: false };
      verdict.checkpoints.push(row);
      await checkSignature(i);
      row.signature = true;
      const computed = await range.root();
      row.rootMatches = equal(computed, note.root);
      if (!row.rootMatches) {
        const from = previous ? previous.size : 0;
        throw new BundleProblem('entries', 'entries ' + from + '..' + (note.size - 1) + ' do not match checkpoint ' + i + ' (size '
          + note.size + ', validly signed): their tree root is ' + hex(computed) + ' but the checkpoint signs ' + hex(note.root)
          + '; one of these entries was altered, replaced or reordered');
      }
      current.checkpoints++;
    };
    // Checkpoints of size 0 need no entries.
    while (next < notes.length && notes[next].size === 0) {
      await check(next);
      previous = notes[next++];
    }
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (let seq = 0; seq < lines.length; seq++) {
      let entry;
      try { entry = JSON.parse(utf8.decode(lines[seq])); } catch (e) { throw entryProblem(seq, ' is not valid JSON: ' + e.message); }
      const found = entry !== null && typeof entry === 'object' ? entry.seq : undefined;
      if (found !== seq) {
        throw entryProblem(seq, ' has seq ' + found + ', expected ' + seq + ': an entry is missing, inserted or out of order here');
      }
      if (entry.type === 'key_rotation') {
        const pem = entry.details && typeof entry.details.new_key_pem === 'string' ? entry.details.new_key_pem : '';
        try {
          pending = await noteKey(origin, pem);
          pendingSeq = seq;
        } catch (e) {
          throw entryProblem(seq, ' is a key_rotation without a valid details.new_key_pem: ' + e.message);
        }
      }
      await range.append(await hashLeaf(lines[seq]));
      verdict.entries = seq + 1;
      while (next < notes.length && notes[next].size === range.size) {
        await check(next);
        previous = notes[next++];
        // A rotation entry covered by a checkpoint of the current key makes the announced key the trusted one.
        if (pending && pendingSeq < previous.size) {
          trusted = pending;
          current = { fingerprint: pending.fingerprint, keyId: pending.keyId, announcedAt: pendingSeq, checkpoints: 0 };
          verdict.keys.push(current);
          pending = null;
        }
      }
      if (next < notes.length && notes[next].size < range.size) {
        // Sizes must not decrease; reported at the checkpoint that breaks the order.
        await checkSignature(next);
        throw checkpointProblem(next, notes[next], 'size ' + notes[next].size + ' is smaller than the previous checkpoint\'s size '
          + (previous ? previous.size : 0) + ': checkpoints must be in tree-size order');
      }
    }
    if (trailing > 0) throw entryProblem(lines.length, ' has no final newline: the file was truncated or edited');
    const count = lines.length;
    if (next < notes.length) {
      await checkSignature(next);
      throw checkpointProblem(next, notes[next], 'covers ' + notes[next].size + ' entries but entries.jsonl has only ' + count
        + ': entries ' + count + '..' + (notes[next].size - 1) + ' are missing (truncated)');
    }
    if (!previous || previous.size < count) {
      const covered = previous ? previous.size : 0;
      throw new BundleProblem('entries', where(covered) + ' and the ' + (count - covered - 1) + ' after it are not covered by any'
        + ' checkpoint (last checkpoint covers ' + covered + '): unsigned entries were appended');
    }
  }

  return { hashLeaf, hashChildren, rootFromInclusionProof, verifyInclusion, verifyConsistency, CompactRange, parseNote, rawKeyFromPem,
    fingerprint, normalizeFingerprint, noteKey, signedBy, unzip, verifyBundle, hex, fromHex, fromB64, equal };
})();
