// keepalive.test.mjs - ARCHITECTURE 8a regression: 128 and 256 keep-alive connections opened at once (three bursts each, earlier ones still open) each get their 200 within seconds; and bursts of authenticated API reads all succeed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Server } from './harness.mjs';

let server, port, client;
before(async () => {
  server = new Server();
  server.addUser('ism@test.example', 'isms_manager', 'Ism');
  await server.start();
  port = Number(new URL(server.base).port);
  client = await server.tokenClient('ism@test.example');
  for (let k = 0; k < 30; k++) assert.equal((await client.post('/api/v1/departments', { name: `Dept ${k}` })).status, 201);
});
after(async () => { await server.stop(); server.cleanup(); });

const DEADLINE_MS = 20000; // generous for a loaded CI machine; a stalled connection never answers

// Opens n connections at once, each sending `request` and waiting for one complete answer (by
// Content-Length), without closing: resolves with {line, body, socket} per connection.
function burst(n, request) {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => resolve({ line: `no answer within ${DEADLINE_MS} ms`, socket: s }), DEADLINE_MS);
    s.on('connect', () => s.write(request));
    s.on('data', (d) => {
      data = Buffer.concat([data, d]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.subarray(0, end).toString('latin1');
      const len = Number((head.match(/\r\ncontent-length:\s*(\d+)/i) || [])[1]);
      if (Number.isNaN(len) || data.length < end + 4 + len) return;
      clearTimeout(timer);
      resolve({ line: head.split('\r\n')[0], head, body: data.subarray(end + 4, end + 4 + len).toString(), socket: s });
    });
    s.on('error', (e) => { clearTimeout(timer); resolve({ line: String(e), socket: s }); });
  })));
}

const closeAll = (answers) => { for (const a of answers) a.socket.destroy(); };

test('128 and 256 simultaneous keep-alive connections to /healthz all get 200, three times each', async () => {
  const held = [];
  try {
    for (const n of [128, 128, 128, 256, 256, 256]) {
      const t0 = Date.now();
      const answers = await burst(n, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      held.push(...answers);
      const bad = answers.filter((a) => a.line !== 'HTTP/1.1 200 OK' || a.body !== '{"status":"ok"}');
      assert.equal(bad.length, 0, `${n} at once: ${bad.length} without a 200, e.g. ${bad[0] && bad[0].line}`);
      assert.ok(answers.every((a) => !/\r\nconnection: close/i.test(a.head)), 'keep-alive was not kept');
      assert.ok(Date.now() - t0 < DEADLINE_MS);
      // keep the previous bursts open while the next one arrives, up to the 256 + 256 bound
      while (held.length > 512) held.shift().socket.destroy();
    }
  } finally {
    closeAll(held);
  }
});

test('a second request on each kept-alive connection is answered too', async () => {
  const answers = await burst(128, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  try {
    const again = await Promise.all(answers.map((a) => new Promise((resolve) => {
      let data = '';
      const timer = setTimeout(() => resolve('timeout'), DEADLINE_MS);
      a.socket.removeAllListeners('data');
      a.socket.on('data', (d) => {
        data += d;
        if (data.includes('{"status":"ok"}')) { clearTimeout(timer); resolve(data.split('\r\n')[0]); }
      });
      a.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    })));
    assert.deepEqual([...new Set(again)], ['HTTP/1.1 200 OK']);
  } finally {
    closeAll(answers);
  }
});

test('128 and 256 authenticated list reads at once all get their page', async () => {
  for (const n of [128, 256]) {
    const req = `GET /api/v1/departments?limit=5&sort=-name HTTP/1.1\r\nHost: x\r\nAuthorization: ${client.h.Authorization}\r\n\r\n`;
    const answers = await burst(n, req);
    try {
      const bad = answers.filter((a) => a.line !== 'HTTP/1.1 200 OK');
      assert.equal(bad.length, 0, `${n} at once: ${bad.length} failed, e.g. ${bad[0] && bad[0].line}`);
      const pages = new Set(answers.map((a) => a.body));
      assert.equal(pages.size, 1, 'every reader got the same page');
      const page = JSON.parse([...pages][0]);
      assert.equal(page.total, 30);
      assert.equal(page.items.length, 5);
    } finally {
      closeAll(answers);
    }
  }
});
