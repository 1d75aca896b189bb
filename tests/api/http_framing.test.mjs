// http_framing.test.mjs - request framing on a raw socket (security review F8 and I1): an ambiguous or unknown body framing, a bare CR or NUL in the head, a missing or repeated Host, a head past 16 KiB and a NUL in the path or query are refused at once, the connection is closed, and bytes after the head never run as a second request; well-framed requests keep their connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Server } from './harness.mjs';

let server, port;
before(async () => {
  server = new Server();
  await server.start();
  port = Number(new URL(server.base).port);
});
after(async () => {
  await server.stop(); // exits 0: no sanitizer report (a leaked request state would be one)
  // (the heads the last test has libmicrohttpd refuse or cuts off are logged by the library)
  const bad = server.stderr.split('\n').filter((l) => / (warn|error) |AddressSanitizer|runtime error|LeakSanitizer/.test(l))
    .filter((l) => !/closed by remote side with incomplete request|Error processing request|Failed to parse `Content-Length'/.test(l));
  server.cleanup();
  assert.deepEqual(bad, [], 'the server complained on stderr');
});

// A bound for a failure, not a speed: a refused request is answered and closed at once, while
// an open connection would wait for the library's 30 s timeout.
const DEADLINE_MS = 15000;
// What a smuggled request would answer, were it run: GET /healthz -> {"status":"ok"}
const SMUGGLED = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';

// Sends bytes on a fresh connection and reads until the server closes it (or the deadline):
// resolves with every status code answered, the first answer's headers and body, and whether
// the server closed the connection.
function exchange(bytes) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const done = (closed) => {
      clearTimeout(timer);
      s.destroy();
      const text = data.toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      const headers = new Map(head.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const len = Number(headers.get('content-length'));
      const body = end < 0 ? '' : data.subarray(end + 4, end + 4 + (Number.isNaN(len) ? data.length : len)).toString();
      resolve({ statuses, headers, body, text, closed });
    };
    const timer = setTimeout(() => done(false), DEADLINE_MS);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => { data = Buffer.concat([data, d]); });
    s.on('error', () => {}); // the server may close while the test still writes
    s.on('end', () => done(true));
    s.on('close', () => done(true));
  });
}

// One refusal: the status as problem+json, the only answer on the connection, which the server closed.
async function assertRefused(bytes, status, label) {
  const r = await exchange(bytes);
  assert.deepEqual(r.statuses, [status], `${label}: answers ${JSON.stringify(r.statuses)}: ${r.text.slice(0, 300)}`);
  assert.ok(r.closed, `${label}: the connection was left open`);
  assert.ok(!r.text.includes('{"status":"ok"}'), `${label}: bytes after the head ran as a request`);
  assert.match(r.headers.get('content-type') || '', /^application\/problem\+json/, label);
  assert.equal(r.headers.get('connection'), 'close', label);
  const j = JSON.parse(r.body);
  assert.equal(j.status, status, label);
  assert.equal(typeof j.detail, 'string', label);
  return j;
}

const post = (headers, body) => `POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;

test('Content-Length with Transfer-Encoding, in either order: 400, closed, the bytes after the body never run', async () => {
  // F8's reproduction: read as chunked, "0\r\n\r\n" ends the body and the GET after it used to be answered 200
  const body = `0\r\n\r\n${SMUGGLED}`;
  await assertRefused(post(`Transfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n`, body), 400, 'TE then CL');
  await assertRefused(post(`Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`, body), 400, 'CL then TE');
  await assertRefused(post('Content-Length: 5\r\nContent-Length: 39\r\n', `0\r\n\r\n${SMUGGLED}`), 400, 'two Content-Length');
});

test('an unknown Transfer-Encoding is answered at once and closed, not held for the 30 s timeout', async () => {
  await assertRefused(post('Transfer-Encoding: xchunked\r\n', `0\r\n\r\n${SMUGGLED}`), 400, 'xchunked');
  // a coding besides chunked, which Custos does not decode
  await assertRefused(post('Transfer-Encoding: gzip, chunked\r\n', `0\r\n\r\n${SMUGGLED}`), 501, 'gzip, chunked');
  // "chunked " is chunked to a proxy that trims it, and an unknown coding to libmicrohttpd
  await assertRefused(post('Transfer-Encoding: chunked \r\n', `0\r\n\r\n${SMUGGLED}`), 501, 'chunked with a trailing space');
  await assertRefused(`POST /api/v1/session HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, 400, 'chunked in HTTP/1.0');
});

test('"Transfer-Encoding : chunked" (a space before the colon) is 400, not a header of another name', async () => {
  // to libmicrohttpd a header named "Transfer-Encoding ", so the body was read by Content-Length
  const j = await assertRefused(post('Transfer-Encoding : chunked\r\nContent-Length: 5\r\n', `0\r\n\r\n${SMUGGLED}`), 400, 'space before colon');
  assert.match(j.detail, /header name/);
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n${SMUGGLED}`, 400, 'a space inside a name');
  await assertRefused(`GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n${SMUGGLED}`, 400, 'a blank before the first name');
});

test('a bare CR or another control character in a header is 400', async () => {
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n${SMUGGLED}`, 400, 'bare CR in a value');
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-A\r: b\r\n\r\n${SMUGGLED}`, 400, 'bare CR in a name');
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n${SMUGGLED}`, 400, 'a control character in a value');
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n${SMUGGLED}`, 400, 'a folded line');
});

test('a NUL byte anywhere in the head is 400, though libmicrohttpd cuts the value there', async () => {
  const cases = [
    ['inside a value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n'],
    ['at the end of a value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0\r\n\r\n'],
    ['at the end of a value, LF line ends', 'GET /healthz HTTP/1.1\nHost: x\nX-A: a\0\nX-B: c\n\n'],
    ['first in a value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \0ab\r\n\r\n'],
    ['inside Host', 'GET /healthz HTTP/1.1\r\nHost: x\0evil\r\n\r\n'],
    ['first on a line', 'GET /healthz HTTP/1.1\r\nHost: x\r\n\0X-A: b\r\n\r\n'],
    ['in the request target', 'GET /healthz\0x HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['before the request target', 'GET \0/healthz HTTP/1.1\r\nHost: x\r\n\r\n'],
  ];
  for (const [label, head] of cases) await assertRefused(Buffer.from(head + SMUGGLED, 'latin1'), 400, label);
});

test('HTTP/1.1 without Host, with two, or with a Host that is no host: 400', async () => {
  await assertRefused(`GET /healthz HTTP/1.1\r\n\r\n${SMUGGLED}`, 400, 'no Host');
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n${SMUGGLED}`, 400, 'two Host');
  await assertRefused(`GET /healthz HTTP/1.1\r\nhost: x\r\nHOST: x\r\n\r\n${SMUGGLED}`, 400, 'two Host in other cases');
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x/y z\r\n\r\n${SMUGGLED}`, 400, 'Host with a slash and a space');
  await assertRefused(`GET /healthz HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n`, 400, 'two Host in HTTP/1.0');
  // HTTP/1.0 needs none
  const r = await exchange('GET /healthz HTTP/1.0\r\n\r\n');
  assert.deepEqual(r.statuses, [200]);
});

test('a request head past 16 KiB is 431 (a request line past it 414); a 15 KiB head is served and keeps its connection', async () => {
  const big = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n${SMUGGLED}`;
  await assertRefused(big, 431, '17 KiB header');
  const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}\r\n`).join('');
  await assertRefused(`GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n`, 431, '400 headers, 19 KiB');
  await assertRefused(`GET /healthz?q=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, '17 KiB URL');

  // 15 KiB: answered, the connection stays open and serves another request
  const head = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(15 * 1024)}\r\n\r\n`;
  assert.ok(head.length < 16 * 1024);
  const answers = await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const seen = [];
    const timer = setTimeout(() => { s.destroy(); resolve(seen); }, DEADLINE_MS);
    s.on('connect', () => s.write(head));
    s.on('data', (d) => {
      text += d.toString('latin1');
      while (text.includes('{"status":"ok"}')) {
        const i = text.indexOf('{"status":"ok"}');
        seen.push({ line: text.slice(0, text.indexOf('\r\n')), close: /\r\nconnection: close/i.test(text.slice(0, i)) });
        text = text.slice(i + 15);
        if (seen.length === 1) s.write(head); // the second request, on the same connection
        else { clearTimeout(timer); s.destroy(); resolve(seen); }
      }
    });
    s.on('error', () => {});
  });
  assert.deepEqual(answers, [{ line: 'HTTP/1.1 200 OK', close: false }, { line: 'HTTP/1.1 200 OK', close: false }]);
});

test('a NUL (%00) in the path or the query is 400, not the path cut short', async () => {
  // I1: "/static/custos.css%00.html" was the stylesheet, "/api/v1/assets/1%00x" asset 1
  for (const target of ['/static/custos.css%00.html', '/trust/1%00', '/api/v1/assets/1%00x', '/healthz%00',
    '/healthz?x=%00', '/healthz?x%00=1', '/healthz?x=a%00b'])
    await assertRefused(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n${SMUGGLED}`, 400, target);
  // an escaped percent sign is no NUL
  const r = await exchange('GET /healthz?x=%2500 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.deepEqual(r.statuses, [200]);
});

test('well-framed requests are served as before: chunked and Content-Length bodies, LF line ends, pipelined, kept alive', async () => {
  const json = '{"email":"nobody@x.example","password":"wrong password here"}';
  const chunked = `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
  const requests = [
    post('Transfer-Encoding: chunked\r\n', chunked),
    post(`Content-Length: ${json.length}\r\n`, json),
    'GET /healthz HTTP/1.1\nHost: x\nX-A:\tspaced  value \n\n',
    'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Empty:\r\nX-Obs-Text: caf\xe9\r\n\r\n',
    SMUGGLED,
  ];
  const r = await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ text, open: false }); }, DEADLINE_MS);
    s.on('connect', () => s.write(Buffer.from(requests.join(''), 'latin1')));
    s.on('data', (d) => {
      text += d.toString('latin1');
      if ((text.match(/\{"status":"ok"\}/g) || []).length === 3) { clearTimeout(timer); s.destroy(); resolve({ text, open: true }); }
    });
    s.on('end', () => { clearTimeout(timer); resolve({ text, open: false }); });
    s.on('error', () => {});
  });
  assert.ok(r.open, `the connection closed early: ${r.text.slice(0, 400)}`);
  assert.deepEqual([...r.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])), [401, 401, 200, 200, 200]);
  assert.ok(!/\r\nconnection: close/i.test(r.text), 'keep-alive was not kept');

  // heads libmicrohttpd refuses itself, after the request line (a line without a colon, a bad
  // Content-Length, more than its 128 KiB pool), and one cut off mid-way: nothing is left
  // behind (the sanitizer build checks at stop)
  for (const [head, status] of [['GET /healthz HTTP/1.1\r\nHost: x\r\nX-A\r\n\r\n', 400],
    ['POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc', 400],
    [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(130 * 1024)}\r\n\r\n`, 431]]) {
    const a = await exchange(head);
    // past the pool the library leaves bytes unread and resets: its answer may be lost
    if (a.statuses.length || head.length < 1024) assert.equal(a.statuses[0], status, head.slice(0, 60));
    assert.ok(a.closed);
  }
  const s = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => s.on('connect', () => s.end('GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b', resolve)));
  s.destroy();
  assert.equal((await server.req('GET', '/healthz')).status, 200);
});
