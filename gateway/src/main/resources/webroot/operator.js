'use strict';

(async () => {
  const { t, el, api, json } = Camgate;
  await Camgate.start('operator');
  const purposes = (await (await fetch('purposes.json')).json()).purposes;
  let selected = null;
  let controller = null;
  let countdown = null;

  function renderPurposes() {
    const select = document.getElementById('purpose');
    const current = select.value;
    select.replaceChildren(el('option', { value: '' }, t('op.purpose.choose')),
      ...purposes.map(p => el('option', { value: p.id }, p[Camgate.lang()] || p.fr)));
    select.value = current;
  }

  async function loadCameras() {
    const r = await api('/cameras');
    const body = await json(r);
    const box = document.getElementById('cameras');
    const cams = r.ok ? body.cameras : [];
    box.replaceChildren(...cams.map(c => el('button', { class: 'camera', id: 'camera-' + c.id, dataset: { camera: c.id },
      onclick: () => select(c.id) }, el('strong', {}, c.id), el('br'), t('op.zone', { z: c.zone }) + ' — ' + c.status.state)));
    document.getElementById('no-cameras').classList.toggle('hidden', cams.length > 0);
    if (!r.ok) showDenied(r.status, body);
  }

  function select(id) {
    selected = id;
    document.getElementById('other-camera').value = '';
    document.querySelectorAll('.camera').forEach(b => b.classList.toggle('selected', b.dataset.camera === id));
  }

  function stop() {
    if (controller) controller.abort();
    controller = null;
    if (countdown) clearInterval(countdown);
    countdown = null;
    document.getElementById('stop').disabled = true;
  }

  function showDenied(status, body) {
    const panel = document.getElementById('denied');
    panel.classList.remove('hidden');
    panel.dataset.status = status;
    document.getElementById('denied-title').textContent = status === 403 ? t('op.denied') : t('op.unavailable');
    const reasons = (body.reasons && body.reasons.length ? body.reasons : [body.error || String(status)]);
    document.getElementById('denied-reasons').replaceChildren(...reasons.map(r => el('li', {}, r)));
    document.getElementById('denied-meta').textContent = body.audit_seq !== undefined
      ? t('op.auditseq', { n: body.audit_seq }) + (body.policy_version ? ' — policy ' + body.policy_version : '') : '';
  }

  function formatDuration(s) {
    const m = Math.floor(s / 60);
    return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
  }

  async function startCountdown(seq) {
    const r = await api('/console/api/access/' + seq);
    const remaining = document.getElementById('remaining');
    if (!r.ok) return;
    const access = await r.json();
    const max = access.decision.max_duration_s;
    if (!max) {
      remaining.textContent = t('op.noduration');
      return;
    }
    const end = Date.parse(access.time) + max * 1000;
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      remaining.textContent = t('op.remaining', { t: formatDuration(left) });
      remaining.dataset.seconds = left;
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  async function view() {
    const hint = document.getElementById('hint');
    hint.textContent = '';
    const other = document.getElementById('other-camera').value.trim();
    const camera = other || selected;
    const purpose = document.getElementById('purpose').value;
    if (!camera) { hint.textContent = t('op.camera') + ' ?'; return; }
    if (!purpose) { hint.textContent = t('op.needpurpose'); return; }
    stop();
    document.getElementById('denied').classList.add('hidden');
    document.getElementById('viewer').classList.add('hidden');
    const mine = new AbortController();
    controller = mine;
    const url = '/cameras/' + encodeURIComponent(camera) + '/stream.mjpg?purpose=' + encodeURIComponent(purpose);
    let r;
    try {
      r = await fetch(url, { credentials: 'same-origin', signal: mine.signal, cache: 'no-store' });
    } catch (e) {
      if (e.name !== 'AbortError') showDenied(0, { error: e.message });
      return;
    }
    if (!r.ok) {
      showDenied(r.status, await json(r));
      if (controller === mine) controller = null;
      return;
    }
    const viewer = document.getElementById('viewer');
    viewer.classList.remove('hidden');
    document.getElementById('ended').classList.add('hidden');
    document.getElementById('stop').disabled = false;
    document.getElementById('viewer-title').textContent = camera;
    const seq = r.headers.get('X-Camgate-Audit-Seq');
    document.getElementById('viewer-meta').textContent = t('op.auditseq', { n: seq }) + ' — ' + purpose;
    startCountdown(seq);
    const img = document.getElementById('stream');
    let frames = 0;
    let previousUrl = null;
    try {
      await Mjpeg.read(r, frame => {
        const objectUrl = URL.createObjectURL(new Blob([frame.jpeg], { type: 'image/jpeg' }));
        img.onload = () => { if (previousUrl && previousUrl !== img.src) URL.revokeObjectURL(previousUrl); previousUrl = img.src; };
        img.src = objectUrl;
        frames++;
        img.dataset.frames = frames;
        img.dataset.sequence = frame.headers['x-frame-sequence'] || '';
        img.dataset.failSafe = frame.headers['x-fail-safe'] === '1' ? '1' : '0';
        document.getElementById('frames').textContent = t('op.frames', { n: frames });
        document.getElementById('failsafe').classList.toggle('hidden', frame.headers['x-fail-safe'] !== '1');
      });
    } catch (e) {
      if (e.name !== 'AbortError') document.getElementById('hint').textContent = t('common.error', { e: e.message });
    }
    // A newer view may have started meanwhile: only the current one updates the page.
    if (controller === mine) {
      document.getElementById('ended').classList.remove('hidden');
      stop();
    }
  }

  document.getElementById('view').addEventListener('click', view);
  document.getElementById('stop').addEventListener('click', stop);
  document.addEventListener('camgate:lang', () => { renderPurposes(); loadCameras(); });
  renderPurposes();
  await loadCameras();
})();
