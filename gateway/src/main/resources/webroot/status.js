'use strict';

(async () => {
  const { t, el, api, json } = Camgate;
  await Camgate.start('status');

  function upDown(node, up) {
    node.textContent = up ? t('st.up') : t('st.down');
    node.className = up ? 'ok' : 'error';
    node.dataset.state = up ? 'up' : 'down';
  }

  async function refresh() {
    try {
      const [health, status] = await Promise.all([
        fetch('/health', { cache: 'no-store' }).then(json),
        api('/console/api/status').then(json)]);
      upDown(document.getElementById('policy-state'), health.policy === 'up');
      upDown(document.getElementById('audit-state'), health.audit === 'up' && status.audit && status.audit.writable);
      const a = status.audit || {};
      document.getElementById('audit-detail').textContent = a.checkpoint
        ? t('st.entries', { n: a.size, s: a.checkpoint.size, t: new Date(a.checkpoint.time).toLocaleString(Camgate.lang()) })
        : (a.error || '');
      const body = document.getElementById('cameras');
      body.replaceChildren(...(status.cameras || []).map(c => el('tr', { id: 'status-' + c.id, dataset: { state: c.status.state } },
        el('td', {}, c.id), el('td', {}, c.zone),
        el('td', { class: c.status.state === 'live' ? 'ok' : 'error' }, c.status.state),
        el('td', {}, c.status.fps), el('td', {}, c.status.fail_safe_frames), el('td', { class: 'muted' }, c.status.detail))));
      document.getElementById('error').textContent = '';
    } catch (e) {
      document.getElementById('error').textContent = t('common.error', { e: e.message });
    }
  }
  document.addEventListener('camgate:lang', refresh);
  await refresh();
  setInterval(refresh, 3000);
})();
