// Reads a multipart/x-mixed-replace MJPEG response with fetch, so the page sees the gate's answer (403 and its
// reasons) and the stream's headers, which an <img src> would hide. Each part carries Content-Length.
'use strict';

const Mjpeg = (() => {
  const CRLFCRLF = [13, 10, 13, 10];

  function indexOf(buf, len, pattern, from) {
    outer: for (let i = from; i <= len - pattern.length; i++) {
      for (let j = 0; j < pattern.length; j++) if (buf[i + j] !== pattern[j]) continue outer;
      return i;
    }
    return -1;
  }

  /** Calls onFrame({jpeg: Uint8Array, headers}) for each part until the body ends or signal aborts. */
  async function read(response, onFrame) {
    const reader = response.body.getReader();
    let buf = new Uint8Array(1 << 20);
    let len = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (len + value.length > buf.length) {
        const bigger = new Uint8Array(Math.max(buf.length * 2, len + value.length));
        bigger.set(buf.subarray(0, len));
        buf = bigger;
      }
      buf.set(value, len);
      len += value.length;
      for (;;) {
        const headEnd = indexOf(buf, len, CRLFCRLF, 0);
        if (headEnd < 0) break;
        const head = new TextDecoder('ascii').decode(buf.subarray(0, headEnd));
        const headers = {};
        for (const line of head.split('\r\n')) {
          const c = line.indexOf(':');
          if (c > 0) headers[line.substring(0, c).trim().toLowerCase()] = line.substring(c + 1).trim();
        }
        const length = parseInt(headers['content-length'], 10);
        if (!(length >= 0)) throw new Error('MJPEG part without Content-Length: ' + head);
        const start = headEnd + 4;
        if (len < start + length + 2) break;
        onFrame({ jpeg: buf.slice(start, start + length), headers });
        buf.copyWithin(0, start + length + 2, len);
        len -= start + length + 2;
      }
    }
  }

  return { read };
})();
