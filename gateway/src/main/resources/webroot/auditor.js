'use strict';

(async () => {
  const { t, el, api, json } = Camgate;
  const V = AuditVerify;
  await Camgate.start('auditor');
  let verdict = null;
  let tab = 'access';
  let publicKeyPem = null;

  async function latest() {
    const r = await api('/audit/checkpoints/latest');
    const body = await json(r);
    const out = document.getElementById('latest');
    const status = document.getElementById('latest-status');
    if (!r.ok) { out.textContent = (body.reasons || [body.error]).join('; '); return; }
    if (!body.note) { out.textContent = 'size 0'; return; }
    out.textContent = 'size ' + body.size + ' — ' + body.time + ' — root ' + body.root;
    try {
      publicKeyPem = publicKeyPem || await (await fetch('/audit/public-key.pem')).text();
      const ok = await V.signedBy(V.parseNote(body.note), [await V.importKey(publicKeyPem)]);
      status.textContent = ok ? '✓ Ed25519' : '✗ Ed25519';
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
    p.textContent = v.ok ? t('aud.verified', { n: v.entries, c: v.checkpoints.length }) : t('aud.notverified', { e: v.problem });
    document.getElementById('checkpoints-section').classList.remove('hidden');
    document.getElementById('checkpoints').replaceChildren(...v.checkpoints.map(c => el('tr', { dataset: { ok: c.signature && c.rootMatches } },
      el('td', {}, c.index), el('td', {}, c.size), el('td', {}, c.time), el('td', { class: 'mono' }, c.root.substring(0, 16) + '…'),
      el('td', { class: c.signature && c.rootMatches ? 'verified' : 'error' },
        (c.signature ? '✓' : '✗') + ' signature, ' + (c.rootMatches ? '✓' : '✗') + ' root'))));
    const register = document.getElementById('register-section');
    register.classList.remove('hidden');
    // The register of a bundle that failed verification is shown for inspection, marked as untrustworthy.
    register.classList.toggle('unverified', !v.ok);
    renderRegister();
  }

  async function verifyBuffer(buffer) {
    const p = document.getElementById('verdict');
    p.classList.remove('hidden', 'verified', 'not-verified');
    p.textContent = t('aud.verifying');
    delete p.dataset.verified;
    showVerdict(await V.verifyBundle(buffer));
  }

  async function exportAndVerify() {
    const r = await api('/audit/export');
    if (!r.ok) {
      const body = await json(r);
      showVerdict({ ok: false, problem: (body.reasons || [body.error]).join('; '), checkpoints: [], parsed: [], lines: [], entries: 0 });
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
    const cp = verdict.checkpoints.filter(c => c.signature && c.rootMatches && c.size > seq).pop();
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
  document.addEventListener('camgate:lang', () => { if (verdict) showVerdict(verdict); });
  await latest();
})();
