'use strict';

(async () => {
  const { t, el, api, json } = Camgate;
  const V = AuditVerify;
  await Camgate.start('auditor');
  let verdict = null;
  let tab = 'access';
  // The trusted key fingerprint: pinned in this browser (trust on first use of the gateway's published key, or
  // typed by the auditor, or moved along a verified rotation), shown and editable in #expected-fingerprint.
  const PIN = 'camgate.audit.pin';
  let gatewayKey = null; // {fingerprint, signsLatest} of GET /audit/public-key.pem
  let pin = readPin();

  function readPin() {
    try {
      const p = JSON.parse(localStorage.getItem(PIN));
      return p && V.normalizeFingerprint(p.fingerprint) ? p : null;
    } catch (e) {
      return null;
    }
  }

  function savePin(fingerprint, source, extra) {
    pin = Object.assign({ fingerprint, source, since: new Date().toISOString() }, extra || {});
    localStorage.setItem(PIN, JSON.stringify(pin));
    document.getElementById('expected-fingerprint').value = fingerprint;
    renderTrust();
  }

  const expectedInput = () => document.getElementById('expected-fingerprint');
  const expected = () => V.normalizeFingerprint(expectedInput().value);

  /** Where the expected fingerprint comes from: a code for data-source and a sentence for the auditor. */
  function expectedSource() {
    const f = expected();
    if (!f) return { code: 'none', text: t(expectedInput().value.trim() ? 'aud.source.invalid' : 'aud.source.none') };
    if (!pin || pin.fingerprint !== f) return { code: 'typed', text: t('aud.source.typed') };
    const vars = { d: pin.since, f: pin.from || '', n: pin.at === undefined ? '' : pin.at };
    return { code: pin.source, text: t('aud.source.' + pin.source, vars) };
  }

  function renderTrust() {
    const g = document.getElementById('gateway-key');
    g.textContent = gatewayKey ? t('aud.gatewaykey', { f: gatewayKey.fingerprint }) : t('aud.gatewaykey.none');
    g.dataset.fingerprint = gatewayKey ? gatewayKey.fingerprint : '';
    const source = expectedSource();
    const s = document.getElementById('expected-source');
    s.textContent = source.text;
    s.dataset.source = source.code;
    s.className = source.code === 'none' ? 'error' : 'muted';
    const w = document.getElementById('pin-warning');
    const changed = pin && gatewayKey && pin.fingerprint !== gatewayKey.fingerprint;
    w.classList.toggle('hidden', !changed);
    w.textContent = changed ? t('aud.pin.changed', { p: pin.fingerprint, d: pin.since, g: gatewayKey.fingerprint }) : '';
  }

  async function latest() {
    const r = await api('/audit/checkpoints/latest');
    const body = await json(r);
    const out = document.getElementById('latest');
    const status = document.getElementById('latest-status');
    try {
      const pem = await (await fetch('/audit/public-key.pem')).text();
      gatewayKey = { fingerprint: await V.fingerprint(V.rawKeyFromPem(pem)), pem };
    } catch (e) {
      gatewayKey = null;
      status.textContent = t('common.error', { e: e.message });
      status.className = 'error';
    }
    if (!pin && gatewayKey) savePin(gatewayKey.fingerprint, 'gateway');
    expectedInput().value = pin ? pin.fingerprint : '';
    renderTrust();
    if (!r.ok) { out.textContent = (body.reasons || [body.error]).join('; '); return; }
    if (!body.note || !gatewayKey) { out.textContent = 'size ' + (body.size || 0); return; }
    out.textContent = 'size ' + body.size + ' — ' + body.time + ' — root ' + body.root;
    try {
      const note = V.parseNote(body.note);
      const key = await V.noteKey(note.origin, gatewayKey.pem);
      const ok = await V.signedBy(note, key);
      // Right after a key rotation the latest checkpoint is still the old key's (the one covering the announcement).
      status.textContent = ok ? '✓ Ed25519' : '✗ Ed25519 — ' + t('aud.latest.otherkey',
        { k: note.signatures.map(s => V.hex(s.keyHash)).join(', '), g: key.keyId });
      status.className = ok ? 'verified' : 'error';
      status.dataset.verified = ok;
    } catch (e) {
      status.textContent = t('common.error', { e: e.message });
      status.className = 'error';
    }
  }

  function showVerdict(v) {
    verdict = v;
    const p = document.getElementById('verdict');
    p.classList.remove('hidden');
    p.classList.toggle('verified', v.ok);
    p.classList.toggle('not-verified', !v.ok);
    p.dataset.verified = v.ok;
    p.dataset.problem = v.problemCode || '';
    p.textContent = v.ok ? t('aud.verified', { n: v.entries, c: v.checkpoints.length })
      : v.problemCode === 'fingerprint' && v.expectedFingerprint
        ? t('aud.notverified.key', { found: v.fingerprint, expected: v.expectedFingerprint, s: v.source.text })
        : t('aud.notverified', { e: v.problem });
    const key = document.getElementById('verified-key');
    key.classList.toggle('hidden', !v.ok);
    key.dataset.fingerprint = v.ok ? v.verifiedWith.fingerprint : '';
    key.textContent = v.ok ? t('aud.verifiedkey', { f: v.verifiedWith.fingerprint, s: v.source.text }) : '';
    const chain = document.getElementById('key-chain');
    const keys = v.keys || [];
    chain.classList.toggle('hidden', keys.length < 2);
    chain.textContent = keys.length < 2 ? '' : t('aud.keychain') + ' ' + keys.map(k => k.announcedAt === null
      ? t('aud.keychain.first', { f: k.fingerprint, c: k.checkpoints })
      : t('aud.keychain.next', { f: k.fingerprint, n: k.announcedAt, c: k.checkpoints })).join(' → ');
    const moved = document.getElementById('pin-moved');
    moved.classList.toggle('hidden', !v.pinMoved);
    moved.textContent = v.pinMoved ? t('aud.pin.moved', v.pinMoved) : '';
    document.getElementById('checkpoints-section').classList.remove('hidden');
    document.getElementById('checkpoints').replaceChildren(...v.checkpoints.map(c => el('tr', { dataset: { ok: trusted(c) } },
      el('td', {}, c.index), el('td', {}, c.size), el('td', {}, c.time), el('td', { class: 'mono' }, c.root.substring(0, 16) + '…'),
      el('td', { class: trusted(c) ? 'verified' : 'error' },
        (c.signature && pinned(verdict) ? '✓' : '✗') + ' signature (' + c.keyId + (pinned(verdict) ? '' : ', ' + t('aud.notpinned')) + '), '
        + (c.rootMatches ? '✓' : '✗') + ' root'))));
    const register = document.getElementById('register-section');
    register.classList.remove('hidden');
    // The register of a bundle that failed verification is shown for inspection, marked as untrustworthy.
    register.classList.toggle('unverified', !v.ok);
    renderRegister();
  }

  /** Whether the bundle's keys lead to the pinned one: otherwise no signature in it counts, valid or not. */
  const pinned = v => v.problemCode !== 'fingerprint' && (v.keys || []).length > 0;
  /** A checkpoint row whose signature is by a key the pin vouches for and whose root matches the entries. */
  const trusted = c => pinned(verdict) && c.signature && c.rootMatches;

  /**
   * After a bundle verified against the pin, a later key of its chain that signed a checkpoint is endorsed by the
   * pinned one (a checkpoint of the pinned key covers its announcement): the pin follows it to the newest such key.
   */
  function followRotation(v) {
    if (!v.ok || !pin || v.verifiedWith.fingerprint !== pin.fingerprint) return;
    const from = v.keys.indexOf(v.verifiedWith);
    const newest = v.keys.filter((k, i) => i > from && k.checkpoints > 0).pop();
    if (!newest) return;
    v.pinMoved = { f: pin.fingerprint, g: newest.fingerprint, n: newest.announcedAt };
    savePin(newest.fingerprint, 'rotation', { from: pin.fingerprint, at: newest.announcedAt });
  }

  async function verifyBuffer(buffer) {
    const p = document.getElementById('verdict');
    p.classList.remove('hidden', 'verified', 'not-verified');
    p.textContent = t('aud.verifying');
    delete p.dataset.verified;
    const source = expectedSource();
    const v = await V.verifyBundle(buffer, { expectedFingerprint: expected() });
    v.source = source;
    followRotation(v);
    showVerdict(v);
  }

  async function exportAndVerify() {
    const r = await api('/audit/export');
    if (!r.ok) {
      const body = await json(r);
      showVerdict({ ok: false, problem: (body.reasons || [body.error]).join('; '), checkpoints: [], parsed: [], lines: [], entries: 0,
        keys: [], source: expectedSource() });
      return;
    }
    const buffer = await r.arrayBuffer();
    const a = document.getElementById('download');
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([buffer], { type: 'application/zip' }));
    a.classList.remove('hidden');
    await verifyBuffer(buffer);
  }

  const val = id => document.getElementById(id).value.trim().toLowerCase();

  function matches(e) {
    const subject = (e.subject && e.subject.id) || '';
    const camera = (e.resource && e.resource.camera) || '';
    const d = e.details || {};
    const allow = e.decision ? e.decision.allow : undefined;
    if (tab === 'access' && e.type !== 'access_decision' && e.type !== 'access_ended') return false;
    if (tab === 'raw' && !(e.action === 'view_raw' || d.requisition)) return false;
    if (tab === 'vendor' && !(e.action === 'maintenance' || ((e.subject && e.subject.roles) || []).includes('vendor'))) return false;
    if (tab === 'signin' && e.type !== 'sign_in') return false;
    if (val('f-camera') && !camera.toLowerCase().includes(val('f-camera'))) return false;
    if (val('f-person') && !subject.toLowerCase().includes(val('f-person'))) return false;
    if (val('f-purpose') && !String(d.purpose || '').toLowerCase().includes(val('f-purpose'))) return false;
    const from = document.getElementById('f-from').value;
    const to = document.getElementById('f-to').value;
    if (from && Date.parse(e.time) < Date.parse(from)) return false;
    if (to && Date.parse(e.time) > Date.parse(to)) return false;
    const dec = document.getElementById('f-decision').value;
    if (dec === 'allow' && allow !== true) return false;
    if (dec === 'deny' && allow !== false) return false;
    return true;
  }

  function renderRegister() {
    if (!verdict) return;
    document.querySelectorAll('#tabs button').forEach(b => b.classList.toggle('primary', b.dataset.tab === tab));
    const rows = verdict.parsed.filter(matches).slice(-500).reverse();
    document.getElementById('register').replaceChildren(...rows.map(e => {
      const d = e.details || {};
      const allow = e.decision ? e.decision.allow : undefined;
      return el('tr', { id: 'entry-' + e.seq, dataset: { seq: e.seq } },
        el('td', {}, e.seq), el('td', {}, e.time), el('td', {}, e.type), el('td', {}, (e.subject && e.subject.id) || ''),
        el('td', {}, e.action || ''), el('td', {}, (e.resource && e.resource.camera) || ''), el('td', {}, d.purpose || ''),
        el('td', {}, d.requisition || ''),
        el('td', { class: allow === true ? 'ok' : allow === false ? 'error' : '' },
          allow === true ? t('aud.filter.allow') : allow === false ? t('aud.filter.deny') + ((e.decision.reasons || []).length ? ': ' + e.decision.reasons.join('; ') : '') : ''),
        el('td', {}, el('button', { class: 'secondary proof', dataset: { seq: e.seq }, onclick: () => proof(e.seq) }, t('aud.proof'))));
    }));
  }

  /** Asks the gateway for an inclusion proof against the bundle's last signed checkpoint and checks it here. */
  async function proof(seq) {
    const out = document.getElementById('proof-result');
    out.dataset.seq = seq;
    delete out.dataset.verified;
    const cp = verdict.checkpoints.filter(c => trusted(c) && c.size > seq).pop();
    if (!cp) { out.textContent = t('aud.proof.bad', { n: seq, e: 'no verified checkpoint covers it' }); out.className = 'error'; out.dataset.verified = false; return; }
    try {
      const r = await api('/audit/entries/' + seq + '/proof?size=' + cp.size);
      const body = await json(r);
      if (!r.ok) throw new Error((body.reasons || [body.error]).join('; '));
      const entryBytes = new TextEncoder().encode(body.entry);
      if (!V.equal(entryBytes, verdict.lines[seq])) throw new Error('the gateway returned an entry that differs from the bundle');
      await V.verifyInclusion(body.index, body.tree_size, entryBytes, body.path.map(V.fromHex), V.fromHex(cp.root));
      out.textContent = t('aud.proof.ok', { n: seq, s: cp.size });
      out.className = 'verified';
      out.dataset.verified = true;
    } catch (e) {
      out.textContent = t('aud.proof.bad', { n: seq, e: e.message });
      out.className = 'error';
      out.dataset.verified = false;
    }
  }

  document.getElementById('export').addEventListener('click', exportAndVerify);
  document.getElementById('bundle-file').addEventListener('change', async ev => {
    const f = ev.target.files[0];
    if (f) await verifyBuffer(await f.arrayBuffer());
  });
  document.querySelectorAll('#tabs button').forEach(b => b.addEventListener('click', () => { tab = b.dataset.tab; renderRegister(); }));
  ['f-camera', 'f-person', 'f-purpose', 'f-from', 'f-to', 'f-decision'].forEach(id =>
    ['input', 'change'].forEach(type => document.getElementById(id).addEventListener(type, renderRegister)));
  expectedInput().addEventListener('input', renderTrust);
  document.getElementById('pin').addEventListener('click', () => {
    if (expected()) savePin(expected(), 'typed');
    else renderTrust();
  });
  document.addEventListener('camgate:lang', () => { renderTrust(); if (verdict) showVerdict(verdict); });
  await latest();
})();
