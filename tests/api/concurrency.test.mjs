// concurrency.test.mjs - 128 and 256 connections arriving at once are all answered (the
// libmicrohttpd stall noted in ARCHITECTURE 8a must not come back).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Server } from './harness.mjs';

let server;
before(async () => { server = await new Server().start(); });
after(async () => { await server.stop(); server.cleanup(); });

function burst(n, port) {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    // a stalled connection (accepted, never read) is closed unanswered by the server's 30 s
    // timeout; 25 s leaves a slow, loaded CI machine time to answer every one
    const timer = setTimeout(() => { s.destroy(); resolve('timeout'); }, 25000);
    s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    s.on('data', (d) => { data += d; });
    s.on('close', () => { clearTimeout(timer); resolve(data.split('\r\n')[0]); });
    s.on('error', (e) => { clearTimeout(timer); resolve(String(e)); });
  })));
}

test('bursts of 128 and 256 simultaneous connections all get 200', async () => {
  const port = Number(new URL(server.base).port);
  for (const n of [128, 256, 128, 256, 256]) {
    const lines = await burst(n, port);
    const bad = lines.filter((l) => l !== 'HTTP/1.1 200 OK');
    assert.equal(bad.length, 0, `${n} connections: ${bad.length} failed, e.g. ${bad[0]}`);
  }
});
