'use strict';

(async () => {
  const { t, api, json } = Camgate;
  await Camgate.loadStrings();
  Camgate.applyI18n();
  const params = new URLSearchParams(location.search);
  const notice = document.getElementById('notice');
  if (params.has('expired')) notice.textContent = t('signin.expired');
  if (params.has('signedout')) notice.textContent = t('signin.signedout');
  document.getElementById('lang').addEventListener('click', () => Camgate.switchLang());
  document.getElementById('signin-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const error = document.getElementById('error');
    error.textContent = '';
    const r = await api('/console/api/sign-in', { method: 'POST', json: {
      username: document.getElementById('username').value,
      password: document.getElementById('password').value } });
    const body = await json(r);
    if (r.ok) {
      const roles = body.subject.roles;
      location.href = roles.includes('operator') ? 'operator.html' : roles.includes('dpo') ? 'dpo.html'
        : roles.includes('auditor') ? 'auditor.html' : 'status.html';
    } else if (r.status === 429 || body.error === 'locked_out') {
      error.textContent = t('signin.locked', { s: body.retry_after_s || '' });
    } else if (r.status === 401) {
      error.textContent = t('signin.bad');
    } else {
      error.textContent = t('signin.error', { e: body.error || r.status });
    }
  });
})();
