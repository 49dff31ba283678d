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

  async function importKey(pem) {
    const b64 = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
    return crypto.subtle.importKey('spki', fromB64(b64), { name: 'Ed25519' }, false, ['verify']);
  }

  /** True when one of the note's signatures verifies with one of the keys. */
  async function signedBy(note, keys) {
    for (const s of note.signatures) {
      if (s.signature.length !== 64) continue;
      for (const k of keys) {
        if (await crypto.subtle.verify({ name: 'Ed25519' }, k, s.signature, enc.encode(note.body))) return true;
      }
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

  function splitLines(bytes) {
    const lines = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 10) { lines.push(bytes.subarray(start, i)); start = i + 1; }
    }
    if (start !== bytes.length) throw new Error('entries.jsonl has no final newline after entry ' + lines.length + ': truncated or edited');
    return lines;
  }

  /**
   * Verifies an export bundle (zip bytes): every checkpoint is signed by a trusted key (the bundle's, or one a
   * key_rotation entry announced before it) and its root equals the root recomputed from entries.jsonl; every
   * entry's seq is its line number; the last checkpoint covers every entry. Never throws: returns a verdict
   * {ok, entries, checkpoints: [{index, size, time, root, signature, rootMatches}], problem, lines, parsed}.
   */
  async function verifyBundle(zipBuffer) {
    const verdict = { ok: false, entries: 0, checkpoints: [], problem: null, lines: [], parsed: [] };
    try {
      const files = await unzip(zipBuffer);
      for (const f of ['entries.jsonl', 'checkpoints.jsonl', 'public-key.pem']) {
        if (!files[f]) throw new Error('missing ' + f + ' in the bundle');
      }
      const keys = [await importKey(new TextDecoder().decode(files['public-key.pem']))];
      const lines = splitLines(files['entries.jsonl']);
      verdict.lines = lines;
      const records = new TextDecoder().decode(files['checkpoints.jsonl']).split('\n').filter(l => l.trim())
        .map((l, i) => { try { return JSON.parse(l); } catch (e) { throw new Error('checkpoint ' + i + ' is not JSON'); } });
      if (records.length === 0) throw new Error('checkpoints.jsonl is empty: nothing is signed');
      const notes = records.map((r, i) => {
        if (typeof r.note !== 'string') throw new Error('checkpoint ' + i + ' has no signed note');
        return parseNote(r.note);
      });
      const range = new CompactRange();
      let next = 0;
      const problems = [];
      const checkAt = async () => {
        while (next < notes.length && notes[next].size === range.size) {
          const note = notes[next];
          const signature = await signedBy(note, keys);
          const root = await range.root();
          const rootMatches = equal(root, note.root);
          verdict.checkpoints.push({ index: next, size: note.size, time: note.time, root: hex(note.root), signature, rootMatches });
          if (!signature) problems.push('checkpoint ' + next + ' (size ' + note.size + ') is not signed by a trusted key');
          if (!rootMatches) problems.push('entries 0..' + (note.size - 1) + ' do not match checkpoint ' + next
            + ': recomputed root ' + hex(root) + ', signed root ' + hex(note.root) + '; an entry was altered, removed or reordered');
          next++;
        }
      };
      await checkAt();
      for (let seq = 0; seq < lines.length; seq++) {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(lines[seq]);
        let entry;
        try { entry = JSON.parse(text); } catch (e) { throw new Error('entry ' + seq + ' is not valid JSON'); }
        if (entry.seq !== seq) problems.push('entry ' + seq + ' has seq ' + entry.seq + ': an entry is missing, inserted or out of order');
        verdict.parsed.push(entry);
        if (entry.type === 'key_rotation' && entry.details && entry.details.new_key_pem) {
          try { keys.push(await importKey(entry.details.new_key_pem)); } catch (e) { problems.push('entry ' + seq + ' announces a malformed key'); }
        }
        await range.append(await hashLeaf(lines[seq]));
        verdict.entries = seq + 1;
        await checkAt();
      }
      if (next < notes.length) {
        problems.push('checkpoint ' + next + ' covers ' + notes[next].size + ' entries but the bundle has ' + lines.length
          + ' (or checkpoints are out of order): entries were removed');
      }
      const last = verdict.checkpoints[verdict.checkpoints.length - 1];
      if (!last || last.size < lines.length) {
        problems.push('entries ' + (last ? last.size : 0) + '..' + (lines.length - 1) + ' are not covered by any signed checkpoint');
      }
      if (problems.length) throw new Error(problems[0] + (problems.length > 1 ? ' (+' + (problems.length - 1) + ' more)' : ''));
      verdict.ok = true;
    } catch (e) {
      verdict.problem = e.message;
    }
    return verdict;
  }

  return { hashLeaf, hashChildren, rootFromInclusionProof, verifyInclusion, CompactRange, parseNote, importKey,
    signedBy, unzip, verifyBundle, hex, fromHex, fromB64, equal };
})();
