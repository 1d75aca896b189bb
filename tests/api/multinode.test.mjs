// multinode.test.mjs - three Custos nodes on one PostgreSQL database behind nginx: a session
// made on one node works on the others; concurrent writes from every node lose nothing and the
// audit chain stays one verifiable chain. Runs when the suite runs on PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { Server, PG, BIN, cli, seedBasics, assetBody } from './harness.mjs';

const skip = !PG && 'needs CUSTOS_TEST_PG (make api-pg)';
let server, nodes = [], nginx, ngDir, front, ism;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function startNode(db) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--trust-proxy', '--jobs-poll', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:(\d+))/);
      if (m) resolve({ proc, base: m[1], port: Number(m[2]), err: () => err });
    });
    proc.on('exit', () => reject(new Error('node exited: ' + err)));
  });
}

before(async () => {
  if (skip) return;
  server = new Server();
  server.addUser('ism@test.example', 'isms_manager');
  await server.start(['--trust-proxy', '--jobs-poll', '1']);
  nodes.push({ proc: server.proc, base: server.base, port: Number(new URL(server.base).port) });
  nodes.push(await startNode(server.db), await startNode(server.db));
  ngDir = mkdtempSync(join(tmpdir(), 'custos-nginx-'));
  chmodSync(ngDir, 0o777);
  const port = await freePort();
  writeFileSync(join(ngDir, 'nginx.conf'), `daemon off;
worker_processes 1;
pid ${ngDir}/nginx.pid;
error_log ${ngDir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${ngDir}; proxy_temp_path ${ngDir}; fastcgi_temp_path ${ngDir};
  uwsgi_temp_path ${ngDir}; scgi_temp_path ${ngDir};
  upstream custos { ${nodes.map((n) => `server 127.0.0.1:${n.port};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://custos; proxy_set_header Host $host;
                 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }
  }
}
`);
  nginx = spawn('nginx', ['-p', ngDir, '-c', join(ngDir, 'nginx.conf')], { stdio: 'ignore' });
  front = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try { if ((await fetch(front + '/healthz')).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  ism = await server.tokenClient('ism@test.example');
});

after(async () => {
  if (skip) return;
  nginx?.kill('SIGTERM');
  for (const n of nodes.slice(1)) n.proc.kill('SIGTERM');
  await server.stop();
  rmSync(ngDir, { recursive: true, force: true });
  server.cleanup();
});

test('a session made through the proxy works on every node', { skip }, async () => {
  const r = await fetch(front + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'ism@test.example', password: 'correct horse battery staple' }) });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  for (const n of nodes) {
    const w = await fetch(n.base + '/api/v1/session', { headers: { Cookie: cookie } });
    assert.equal(w.status, 200, n.base);
  }
  // and through the proxy, round-robin across them
  for (let i = 0; i < 6; i++) assert.equal((await fetch(front + '/api/v1/session', { headers: { Cookie: cookie } })).status, 200);
});

test('concurrent creates and edits from all nodes lose nothing; one chain', { skip }, async () => {
  const { dept, person } = await seedBasics(ism);
  const h = { ...ism.h, 'Content-Type': 'application/json' };
  const creates = [];
  for (let i = 0; i < 60; i++) {
    const n = nodes[i % 3];
    creates.push(fetch(n.base + '/api/v1/assets', { method: 'POST', headers: h,
      body: JSON.stringify(assetBody(person.id, dept.id, { name: `Concurrent ${i}`, identifier: `C-${i}` })) }));
  }
  const res = await Promise.all(creates);
  assert.deepEqual(res.map((r) => r.status), Array(60).fill(201));
  const list = await ism.get('/api/v1/assets?limit=500');
  assert.equal(list.json.total, 60);
  assert.deepEqual(list.json.items.map((x) => x.identifier).sort(), Array.from({ length: 60 }, (_, i) => `C-${i}`).sort());
  // 30 edits of one record with If-Match from all nodes: the winners are serialised, the rest 412
  const target = list.json.items[0];
  const edits = await Promise.all(Array.from({ length: 30 }, (_, i) => fetch(nodes[i % 3].base + `/api/v1/assets/${target.id}`, {
    method: 'PATCH', headers: { ...h, 'If-Match': '"1"' }, body: JSON.stringify({ location: `Rack ${i}` }) })));
  const codes = edits.map((r) => r.status);
  assert.equal(codes.filter((c) => c === 200).length, 1, codes.join(','));
  assert.equal(codes.filter((c) => c === 412).length, 29);
  // unconditional edits of different fields from all nodes all land
  const more = await Promise.all(Array.from({ length: 30 }, (_, i) => fetch(nodes[i % 3].base + `/api/v1/assets/${list.json.items[i + 1].id}`, {
    method: 'PATCH', headers: h, body: JSON.stringify({ location: `Moved ${i}` }) })));
  assert.deepEqual(more.map((r) => r.status), Array(30).fill(200));
  const after = await ism.get('/api/v1/assets?limit=500&location.gte=Moved&location.lte=Moved~');
  assert.equal(after.json.total, 30);
  const v = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^ok 62 records match their audit history$/m);
  assert.ok(spawnSync);
});

test('a node survives its database connections being cut', { skip }, async () => {
  // the database ends every connection of this test's database but the one asking
  server.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  for (const n of nodes) {
    const r = await fetch(n.base + '/api/v1/departments', { headers: ism.h });
    assert.equal(r.status, 200, `${n.base}: ${await r.text()}`);
  }
  const w = await ism.post('/api/v1/departments', { name: 'After the cut' });
  assert.equal(w.status, 201, w.text);
});

test('each due job runs on exactly one node', { skip }, async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  await sleep(1500); // every node has looked at least once
  const runs = () => Number(server.sql("SELECT runs FROM jobs WHERE name = 'purge_sessions'"));
  for (let round = 0; round < 3; round++) {
    const before = runs();
    server.sql("UPDATE jobs SET next_run = '2000-01-01T00:00:00Z' WHERE name = 'purge_sessions'");
    await sleep(2500); // three nodes polling every second all see it due
    assert.equal(runs(), before + 1, `round ${round}`);
    assert.equal(server.sql("SELECT count(*) FROM jobs WHERE lease_until IS NOT NULL"), '0');
  }
});
