// camgate console: shared page code (i18n, session, API calls with the CSRF token, header).
'use strict';

const Camgate = (() => {
  let strings = {};
  let lang = localStorage.getItem('camgate.lang') || 'fr';
  let me = null;

  async function loadStrings() {
    const r = await fetch('i18n.json', { cache: 'no-store' });
    strings = await r.json();
  }

  /** The string for key in the current language, with {name} placeholders filled (as text, never HTML). */
  function t(key, vars) {
    let s = (strings[lang] && strings[lang][key]) || (strings.fr && strings.fr[key]) || key;
    if (vars) {
      for (const [k, v] of Object.entries(vars)) {
        s = s.split('{' + k + '}').join(String(v));
      }
    }
    return s;
  }

  function applyI18n(root) {
    (root || document).querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
    (root || document).querySelectorAll('[data-i18n-placeholder]').forEach(el => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    document.documentElement.lang = lang;
    document.title = t('app.title');
  }

  /** Builds an element; children are nodes or strings (strings become text nodes: no HTML injection). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function toSignIn(reason) {
    location.href = '/console/index.html' + (reason ? '?' + reason : '');
  }

  /**
   * fetch() with the session: JSON body, the CSRF token on state-changing requests; a 401 whose error is
   * session_expired or not_signed_in sends the person back to the sign-in page.
   */
  async function api(url, options) {
    const opts = Object.assign({ method: 'GET', credentials: 'same-origin', headers: {} }, options || {});
    opts.headers = Object.assign({}, opts.headers);
    if (opts.method !== 'GET' && opts.method !== 'HEAD') {
      if (me) opts.headers['X-CSRF-Token'] = me.csrf;
      if (opts.json !== undefined) {
        opts.headers['Content-Type'] = 'application/json';
        opts.body = JSON.stringify(opts.json);
      }
    }
    delete opts.json;
    const r = await fetch(url, opts);
    if (r.status === 401 && url.startsWith('/console/api/')) {
      const body = await r.clone().json().catch(() => ({}));
      if (body.error === 'session_expired' || body.error === 'not_signed_in') {
        toSignIn(body.error === 'session_expired' ? 'expired' : '');
        return new Promise(() => {});  // the page is leaving: nothing after this call should run
      }
    }
    return r;
  }

  async function json(r) {
    const text = await r.text();
    try { return JSON.parse(text); } catch (e) { return { error: text }; }
  }

  function hasRole(role) {
    return !!me && me.subject.roles.includes(role);
  }

  function header(current) {
    const nav = el('nav', {});
    const pages = [
      ['operator', 'operator.html', hasRole('operator')],
      ['dpo', 'dpo.html', hasRole('dpo')],
      ['auditor', 'auditor.html', hasRole('auditor') || hasRole('dpo')],
      ['status', 'status.html', true],
    ];
    for (const [name, href, shown] of pages) {
      if (shown) nav.append(el('a', { href, id: 'nav-' + name, class: name === current ? 'current' : null, 'data-i18n': 'nav.' + name }));
    }
    const h = el('header', {},
      el('span', { class: 'brand' }, 'camgate'),
      nav,
      el('span', { id: 'who' }, me.username + ' (' + me.subject.roles.join(', ') + ')'),
      el('span', { id: 'session-ends', class: 'muted' }),
      el('button', { id: 'lang', 'data-i18n': 'lang.switch', onclick: () => switchLang() }),
      el('button', { id: 'signout', 'data-i18n': 'nav.signout', onclick: () => signOut() }));
    document.body.prepend(h);
  }

  function switchLang() {
    lang = lang === 'fr' ? 'en' : 'fr';
    localStorage.setItem('camgate.lang', lang);
    applyI18n();
    document.dispatchEvent(new Event('camgate:lang'));
  }

  async function signOut() {
    await api('/console/api/sign-out', { method: 'POST', json: {} });
    toSignIn('signedout');
  }

  /** Page start: strings, the session (or back to sign-in), the header. Returns the signed-in person. */
  async function start(current) {
    await loadStrings();
    const r = await api('/console/api/me');
    if (!r.ok) {
      toSignIn('');
      return new Promise(() => {});
    }
    me = await r.json();
    header(current);
    applyI18n();
    const ends = document.getElementById('session-ends');
    ends.textContent = t('session.ends', { t: new Date(me.expires).toLocaleTimeString(lang) });
    return me;
  }

  return { t, el, api, json, start, applyI18n, loadStrings, hasRole, lang: () => lang, me: () => me, toSignIn, switchLang };
})();
