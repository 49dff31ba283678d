// A small Rego v1 syntax highlighter (written for camgate, no dependency): tokenises one source text into
// spans, built as DOM text nodes so that policy text is never interpreted as HTML.
'use strict';

const RegoHighlight = (() => {
  const KEYWORDS = new Set(['package', 'import', 'if', 'else', 'contains', 'some', 'every', 'in', 'not', 'default',
    'with', 'as', 'true', 'false', 'null', 'future', 'rego', 'v1', 'data', 'input']);
  const BUILTINS = new Set(['sprintf', 'count', 'sum', 'max', 'min', 'sort', 'concat', 'startswith', 'endswith',
    'contains', 'lower', 'upper', 'trim', 'split', 'replace', 'object', 'array', 'time', 'regex', 'json', 'is_string',
    'is_number', 'is_object', 'is_array', 'is_set', 'is_boolean', 'is_null', 'print', 'union', 'intersection', 'format_int',
    'to_number', 'indexof', 'substring', 'glob', 'strings', 'units', 'net', 'crypto', 'base64', 'io', 'http', 'opa', 'trace']);
  const TOKEN = /(#[^\n]*)|("(?:[^"\\\n]|\\.)*"?|`[^`]*`?)|(-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|(:=|==|!=|<=|>=|[=<>|&+\-*\/%{}\[\]().,;:])/g;

  /** Fills pre with the highlighted source. */
  function render(pre, source) {
    const frag = document.createDocumentFragment();
    let last = 0;
    const span = (cls, text) => { const s = document.createElement('span'); s.className = cls; s.textContent = text; frag.append(s); };
    source.replace(TOKEN, (m, com, str, num, ident, op, offset) => {
      if (offset > last) frag.append(document.createTextNode(source.substring(last, offset)));
      if (com) span('rg-com', m);
      else if (str) span('rg-str', m);
      else if (num) span('rg-num', m);
      else if (ident && KEYWORDS.has(ident)) span('rg-kw', m);
      else if (ident && BUILTINS.has(ident)) span('rg-builtin', m);
      else if (op) span('rg-op', m);
      else frag.append(document.createTextNode(m));
      last = offset + m.length;
      return m;
    });
    frag.append(document.createTextNode(source.substring(last) + '\n'));
    pre.replaceChildren(frag);
  }

  /** Keeps a highlighted <pre> under a transparent <textarea>, scrolled together. */
  function attach(textarea, pre) {
    const update = () => render(pre, textarea.value);
    textarea.addEventListener('input', update);
    textarea.addEventListener('scroll', () => { pre.scrollTop = textarea.scrollTop; pre.scrollLeft = textarea.scrollLeft; });
    textarea.addEventListener('keydown', e => {
      if (e.key === 'Tab') {
        e.preventDefault();
        textarea.setRangeText('\t', textarea.selectionStart, textarea.selectionEnd, 'end');
        update();
      }
    });
    update();
    return update;
  }

  return { render, attach };
})();
