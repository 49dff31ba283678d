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

  /** The HLS session being played, if any: the hls.js player and the token URL that ends the session. */
  let hlsSession = null;

  function stopHls() {
    const session = hlsSession;
    hlsSession = null;
    if (!session) return;
    if (session.player) session.player.destroy();
    const video = document.getElementById('video');
    video.removeAttribute('src');
    video.load();
    // Ends the access now rather than when the gateway sees the player idle; an ended session answers 410.
    if (!session.ended) api(session.base, { method: 'DELETE' }).catch(() => {});
  }

  function stop() {
    if (controller) controller.abort();
    controller = null;
    stopHls();
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

  /** HLS where the browser can play it: hls.js over Media Source Extensions, or the browser's own player. */
  function hlsPlayer(video) {
    if (window.Hls && Hls.isSupported()) return 'hls.js';
    if (video.canPlayType('application/vnd.apple.mpegurl')) return 'native';
    return null;
  }

  /** Asks the gate for a view (one decision, logged); null after showing the refusal. */
  async function open(url, signal) {
    let r;
    try {
      r = await fetch(url, { credentials: 'same-origin', signal, cache: 'no-store' });
    } catch (e) {
      if (e.name !== 'AbortError') showDenied(0, { error: e.message });
      return null;
    }
    if (!r.ok) {
      showDenied(r.status, await json(r));
      return null;
    }
    return r;
  }

  function showViewer(camera, purpose, r, player) {
    const viewer = document.getElementById('viewer');
    viewer.classList.remove('hidden');
    viewer.dataset.player = player;
    document.getElementById('ended').classList.add('hidden');
    document.getElementById('stop').disabled = false;
    document.getElementById('viewer-title').textContent = camera;
    document.getElementById('frames').textContent = '';
    document.getElementById('failsafe').classList.add('hidden');
    document.getElementById('video').classList.toggle('hidden', player === 'mjpeg');
    document.getElementById('stream').classList.toggle('hidden', player !== 'mjpeg');
    const seq = r.headers.get('X-Camgate-Audit-Seq');
    document.getElementById('viewer-meta').textContent = t('op.auditseq', { n: seq }) + ' — ' + purpose
      + ' — ' + t('op.player.' + player);
    if (countdown) clearInterval(countdown);
    startCountdown(seq);
  }

  function ended(mine) {
    // A newer view may have started meanwhile: only the current one updates the page.
    if (controller === mine) {
      document.getElementById('ended').classList.remove('hidden');
      stop();
    }
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
    const path = '/cameras/' + encodeURIComponent(camera);
    const query = '?purpose=' + encodeURIComponent(purpose);
    const video = document.getElementById('video');
    const player = hlsPlayer(video);
    if (player) {
      const r = await open(path + '/hls/index.m3u8' + query, mine.signal);
      if (!r) { if (controller === mine) controller = null; return; }
      const variant = (await r.text()).split('\n').find(l => l.trim() && !l.startsWith('#'));
      const media = new URL(variant.trim(), r.url);
      hlsSession = { base: media.pathname.replace(/index\.m3u8$/, ''), player: null, ended: false };
      showViewer(camera, purpose, r, player);
      playHls(video, media.href, player, hlsSession, () => {
        // HLS did not play here: the MJPEG stream instead (its own decision), unless the view was stopped meanwhile.
        if (controller !== mine) return;
        stopHls();
        viewMjpeg(camera, purpose, path + '/stream.mjpg' + query, mine);
      }, () => ended(mine));
      return;
    }
    await viewMjpeg(camera, purpose, path + '/stream.mjpg' + query, mine);
  }

  /** Plays the session's media playlist; onFail when this browser cannot play it, onEnded when the gateway ended it. */
  function playHls(video, url, player, session, onFail, onEnded) {
    video.muted = true;
    video.dataset.time = '0';
    video.ontimeupdate = () => { video.dataset.time = String(video.currentTime); };
    if (player === 'hls.js') {
      // No worker: the console's Content-Security-Policy allows scripts from 'self' only.
      const hls = new Hls({ enableWorker: false, lowLatencyMode: false });
      session.player = hls;
      hls.on(Hls.Events.ERROR, (event, data) => {
        if (!data.fatal) return;
        const status = data.response && data.response.code;
        if (status === 410 || status === 403) {
          session.ended = true;  // the access ended (re-check, duration, idle): its token serves nothing more
          onEnded();
        } else {
          onFail();
        }
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.onerror = () => onFail();
      video.src = url;
    }
    video.play().catch(() => {});
  }

  async function viewMjpeg(camera, purpose, url, mine) {
    const r = await open(url, mine.signal);
    if (!r) { if (controller === mine) controller = null; return; }
    showViewer(camera, purpose, r, 'mjpeg');
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
    ended(mine);
  }

  document.getElementById('view').addEventListener('click', view);
  document.getElementById('stop').addEventListener('click', stop);
  document.addEventListener('camgate:lang', () => { renderPurposes(); loadCameras(); });
  renderPurposes();
  await loadCameras();
})();
