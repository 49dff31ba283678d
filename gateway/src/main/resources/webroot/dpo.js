'use strict';

(async () => {
  const { t, el, api, json } = Camgate;
  await Camgate.start('dpo');
  let active = null;
  const moduleEdits = {};
  const dataEdits = {};
  let refresh = () => {};
  let masks = [];
  let open = [];

  const $ = id => document.getElementById(id);

  async function loadActive() {
    const r = await api('/admin/policy');
    const body = await json(r);
    if (!r.ok) {
      $('api-error').textContent = t('dpo.unavailable', { e: r.status + ' ' + ((body.reasons || []).join('; ') || body.error || '') });
      return false;
    }
    $('api-error').textContent = '';
    active = body;
    $('active-version').textContent = body.version + ' (' + body.revision + ', ' + body.time + ')';
    $('active-version').dataset.revision = body.revision;
    $('active-author').textContent = body.author || '';
    $('active-reason').textContent = body.reason || '';
    $('active-opa').textContent = body.opa ? JSON.stringify(body.opa) : '';
    const paths = Object.keys(body.modules).sort();
    const current = $('module').value;
    $('module').replaceChildren(...paths.map(p => el('option', { value: p }, p)));
    if (paths.includes(current)) $('module').value = current;
    const keys = Object.keys(body.data).sort();
    const currentKey = $('data-key').value;
    $('data-key').replaceChildren(...keys.map(k => el('option', { value: k }, k)));
    if (keys.includes(currentKey)) $('data-key').value = currentKey;
    const cams = Object.keys(body.data.cameras || {}).sort();
    const currentCam = $('mask-camera').value;
    $('mask-camera').replaceChildren(...cams.map(c => el('option', { value: c }, c)));
    if (cams.includes(currentCam)) $('mask-camera').value = currentCam;
    showModule();
    showData();
    loadMasks();
    return true;
  }

  async function loadVersions() {
    const r = await api('/admin/policy/versions');
    if (!r.ok) return;
    const body = await r.json();
    $('versions').replaceChildren(...body.versions.slice().reverse().map(v => el('tr', { id: 'version-' + v.version },
      el('td', {}, v.version + (v.version === body.active ? ' ✓' : '')), el('td', { class: 'mono' }, v.revision),
      el('td', {}, v.time), el('td', {}, v.author || ''), el('td', {}, (v.kind === 'rollback' ? '↺ ' : '') + (v.reason || '')),
      el('td', {}, v.version > 1 ? el('button', { class: 'secondary changes', dataset: { version: v.version },
        onclick: () => showVersionChanges(v.version) }, t('dpo.changes')) : '',
        v.version === body.active ? '' : el('button', { class: 'secondary rollback', dataset: { version: v.version },
        onclick: () => rollback(v.version) }, t('dpo.rollback'))))));
  }

  /** What a past version changed: its content against the version before it, module by module and key by key. */
  async function showVersionChanges(n) {
    const [r1, r2] = await Promise.all([api('/admin/policy/versions/' + (n - 1)), api('/admin/policy/versions/' + n)]);
    const [before, after] = [await json(r1), await json(r2)];
    if (!r1.ok || !r2.ok) {
      $('version-diff').textContent = (before.error || '') + ' ' + (after.error || '');
      return;
    }
    $('version-diff-title').textContent = t('dpo.changesOf', { n, m: n - 1 });
    $('version-diff').replaceChildren(...changes(before, after).map(([k, line]) =>
      el('div', { class: k === '+' ? 'diff-add' : k === '-' ? 'diff-del' : 'muted' }, (k === '@' ? '@@ ' : k + ' ') + line)));
  }

  /** The changed lines of every module and data key between two policy contents. */
  function changes(a, b) {
    const parts = [];
    const paths = [...new Set([...Object.keys(a.modules), ...Object.keys(b.modules)])].sort();
    for (const path of paths) {
      if (a.modules[path] === b.modules[path]) continue;
      parts.push(['@', path]);
      parts.push(...diffLines(a.modules[path] || '', b.modules[path] || '').filter(([k]) => k !== ' '));
    }
    const keys = [...new Set([...Object.keys(a.data), ...Object.keys(b.data)])].sort();
    for (const key of keys) {
      const [x, y] = [JSON.stringify(a.data[key], null, 2) || '', JSON.stringify(b.data[key], null, 2) || ''];
      if (x === y) continue;
      parts.push(['@', 'data.' + key]);
      parts.push(...diffLines(x, y).filter(([k]) => k !== ' '));
    }
    return parts;
  }

  function showModule() {
    const path = $('module').value;
    $('source').value = path in moduleEdits ? moduleEdits[path] : active.modules[path] || '';
    refresh();
    showDiff();
  }

  function showData() {
    const key = $('data-key').value;
    $('data').value = JSON.stringify(key in dataEdits ? dataEdits[key] : active.data[key], null, 2);
    $('data').classList.remove('error');
  }

  /** A line diff (longest common subsequence) of two texts, as lines prefixed with ' ', '-' or '+'. */
  function diffLines(a, b) {
    const x = a.split('\n');
    const y = b.split('\n');
    const n = x.length;
    const m = y.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
    const out = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; }
      else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) { out.push(['-', x[i]]); i++; }
      else { out.push(['+', y[j]]); j++; }
    }
    return out;
  }

  function showDiff() {
    const parts = [];
    for (const [path, src] of Object.entries(moduleEdits)) {
      parts.push(['@', path]);
      parts.push(...diffLines(active.modules[path] || '', src).filter(([k]) => k !== ' '));
    }
    for (const [key, value] of Object.entries(dataEdits)) {
      parts.push(['@', 'data.' + key]);
      parts.push(...diffLines(JSON.stringify(active.data[key], null, 2) || '', JSON.stringify(value, null, 2)).filter(([k]) => k !== ' '));
    }
    $('diff').replaceChildren(...parts.map(([k, line]) =>
      el('div', { class: k === '+' ? 'diff-add' : k === '-' ? 'diff-del' : 'muted' }, (k === '@' ? '@@ ' : k + ' ') + line)));
  }

  function proposal() {
    const p = {};
    if (Object.keys(moduleEdits).length) p.modules = Object.assign({}, moduleEdits);
    if (Object.keys(dataEdits).length) p.data = Object.assign({}, dataEdits);
    return p;
  }

  function showResult(outcome, ...nodes) {
    const r = $('result');
    r.dataset.outcome = outcome;
    r.className = outcome === 'ok' ? 'panel-live' : outcome === 'pending' ? 'muted' : 'panel-denied';
    r.replaceChildren(...nodes);
  }

  function refusal(status, body, title) {
    const nodes = [el('strong', {}, title + ' (HTTP ' + status + ')'), el('p', {}, body.error || '')];
    for (const reason of body.reasons || []) nodes.push(el('p', {}, reason));
    const check = body.check;
    if (check && check.check && check.check.errors) nodes.push(el('pre', { id: 'opa-errors', class: 'mono' }, check.check.errors));
    if (check && check.test && check.test.failures && check.test.failures.length) {
      nodes.push(el('ul', { id: 'test-failures' }, check.test.failures.map(f => el('li', {}, f))));
    }
    return nodes;
  }

  async function test() {
    showResult('pending', el('span', {}, '…'));
    const r = await api('/admin/policy/proposals', { method: 'POST', json: proposal() });
    const body = await json(r);
    if (r.ok) showResult('ok', el('strong', {}, '✓ opa check, ' + body.test.passed + ' tests passed'));
    else showResult('refused', ...refusal(r.status, body, t('dpo.refused')));
  }

  async function dryRun() {
    showResult('pending', el('span', {}, '…'));
    const r = await api('/admin/policy/dry-run', { method: 'POST', json: proposal() });
    const body = await json(r);
    if (!r.ok) { showResult('refused', ...refusal(r.status, body, t('dpo.refused'))); return; }
    showResult('ok', el('strong', { id: 'dry-run-summary' }, t('dpo.changed') + ': ' + body.changes.length
      + ' (allow→deny ' + body.allow_to_deny + ', deny→allow ' + body.deny_to_allow + ') / ' + body.replayed),
      el('table', { id: 'dry-run-changes' }, el('tr', {}, ['#', 'subject', 'action', 'camera', 'change', 'rules'].map(h => el('th', {}, h))),
        body.changes.map(c => el('tr', { dataset: { change: c.change } }, el('td', {}, c.seq), el('td', {}, c.subject), el('td', {}, c.action),
          el('td', {}, (c.resource && c.resource.camera) || ''), el('td', { class: c.change === 'allow_to_deny' ? 'error' : 'ok' }, c.change),
          el('td', {}, (c.rules || []).join(', '))))));
  }

  async function publish() {
    const reason = $('reason').value.trim();
    if (!reason) { showResult('refused', el('strong', {}, t('dpo.needreason'))); return; }
    showResult('pending', el('span', {}, '…'));
    const r = await api('/admin/policy/publish', { method: 'POST', json: Object.assign(proposal(), { reason }) });
    const body = await json(r);
    if (!r.ok) { showResult('refused', ...refusal(r.status, body, t('dpo.refused'))); return; }
    for (const k of Object.keys(moduleEdits)) delete moduleEdits[k];
    for (const k of Object.keys(dataEdits)) delete dataEdits[k];
    $('reason').value = '';
    showResult('ok', el('strong', { id: 'published' }, t('dpo.published', { v: body.version + ' (' + body.revision + ')' })));
    await loadActive();
    await loadVersions();
  }

  async function rollback(version) {
    const reason = $('reason').value.trim();
    if (!reason) { showResult('refused', el('strong', {}, t('dpo.needreason'))); return; }
    const r = await api('/admin/policy/rollback', { method: 'POST', json: { version, reason } });
    const body = await json(r);
    if (!r.ok) { showResult('refused', ...refusal(r.status, body, t('dpo.refused'))); return; }
    $('reason').value = '';
    showResult('ok', el('strong', { id: 'published' }, t('dpo.published', { v: body.version + ' (' + body.revision + ')' })));
    await loadActive();
    await loadVersions();
  }

  // Privacy masks: polygons in fractions 0..1 of the frame, drawn over a snapshot when the policy lets the DPO see one.
  function cameraData() {
    const cams = dataEdits.cameras || active.data.cameras || {};
    return cams[$('mask-camera').value] || {};
  }

  function loadMasks() {
    const id = $('mask-camera').value;
    if (!id) return;
    masks = JSON.parse(JSON.stringify(cameraData().privacy_masks || []));
    open = [];
    const img = $('mask-image');
    img.classList.remove('blank');
    // The camera's redacted picture (admin_policy operation mask_snapshot); when the camera has none or the
    // policy refuses it, masks are drawn on grey.
    img.onerror = () => { img.removeAttribute('src'); img.classList.add('blank'); drawMasks(); };
    img.src = '/admin/policy/cameras/' + encodeURIComponent(id) + '/snapshot.jpg?t=' + Date.now();
    drawMasks();
  }

  function drawMasks() {
    const c = $('mask-canvas');
    const g = c.getContext('2d');
    g.clearRect(0, 0, c.width, c.height);
    if (!$('mask-image').getAttribute('src')) { g.fillStyle = '#555'; g.fillRect(0, 0, c.width, c.height); }
    const path = (pts, closed) => {
      g.beginPath();
      pts.forEach(([x, y], i) => (i ? g.lineTo : g.moveTo).call(g, x * c.width, y * c.height));
      if (closed) g.closePath();
    };
    g.lineWidth = 2;
    for (const m of masks) {
      path(m.polygon, true);
      g.fillStyle = 'rgba(0,0,0,.6)'; g.fill(); g.strokeStyle = '#ffcc00'; g.stroke();
    }
    if (open.length) { path(open, false); g.strokeStyle = '#00e5ff'; g.stroke(); }
  }

  $('mask-canvas').addEventListener('click', ev => {
    const c = ev.target.getBoundingClientRect();
    const round = v => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
    open.push([round((ev.clientX - c.left) / c.width), round((ev.clientY - c.top) / c.height)]);
    drawMasks();
  });
  $('mask-close').addEventListener('click', () => {
    if (open.length >= 3) masks.push({ label: 'mask ' + (masks.length + 1), polygon: open });
    open = [];
    drawMasks();
  });
  $('mask-clear').addEventListener('click', () => { masks = []; open = []; drawMasks(); });
  $('mask-propose').addEventListener('click', () => {
    const cams = JSON.parse(JSON.stringify(dataEdits.cameras || active.data.cameras));
    cams[$('mask-camera').value].privacy_masks = masks;
    dataEdits.cameras = cams;
    $('data-key').value = 'cameras';
    showData();
    showDiff();
  });
  $('mask-camera').addEventListener('change', loadMasks);
  $('mask-image').addEventListener('load', drawMasks);

  refresh = RegoHighlight.attach($('source'), $('highlight'));
  $('source').addEventListener('input', () => {
    const path = $('module').value;
    if ($('source').value === active.modules[path]) delete moduleEdits[path];
    else moduleEdits[path] = $('source').value;
    showDiff();
  });
  $('data').addEventListener('input', () => {
    const key = $('data-key').value;
    try {
      const value = JSON.parse($('data').value);
      $('data').classList.remove('error');
      if (JSON.stringify(value) === JSON.stringify(active.data[key])) delete dataEdits[key];
      else dataEdits[key] = value;
      showDiff();
    } catch (e) {
      $('data').classList.add('error');
    }
  });
  $('module').addEventListener('change', showModule);
  $('data-key').addEventListener('change', showData);
  $('test').addEventListener('click', test);
  $('dry-run').addEventListener('click', dryRun);
  $('publish').addEventListener('click', publish);
  if (await loadActive()) await loadVersions();
})();
