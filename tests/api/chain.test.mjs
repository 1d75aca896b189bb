// chain.test.mjs - `custos audit verify` after a run of API changes: exactly one event per change (none for refused or empty writes), exit 0 and "ok N events"; then an event edited in the database is named and exits 1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, cli } from './harness.mjs';
import { problem, validBody } from './contract.mjs';

let server;
let changes = 0; // every change the server should have written to the trail
before(async () => {
  server = new Server();
  server.addUser('ism@test.example', 'isms_manager', 'Ism'); changes++;
  server.addUser('admin@test.example', 'admin', 'Admin'); changes++;
  await server.start();
  const ism = await server.tokenClient('ism@test.example'); changes++; // the token
  const ok = async (r, status) => { assert.equal(r.status, status, r.text); changes++; return r.json; };
  const dept = await ok(await ism.post('/api/v1/departments', { name: 'Ops' }), 201);
  const person = await ok(await ism.post('/api/v1/people', { name: 'Ann', email: 'ann@example.test', department_id: dept.id }), 201);
  const basics = { dept, person };
  const assets = [];
  for (let k = 0; k < 3; k++) assets.push(await ok(await ism.post('/api/v1/assets', validBody('assets', basics, k)), 201));
  await ok(await ism.patch(`/api/v1/assets/${assets[0].id}`, { location: 'Cellar' }), 200);
  await ok(await ism.patch(`/api/v1/departments/${dept.id}`, { code: 'OPS', description: 'Runs it' }), 200);
  await ok(await ism.del(`/api/v1/assets/${assets[2].id}`), 204);
  await ok(await ism.post('/api/v1/interested_parties', validBody('interested_parties', basics, 1)), 201);
  const own = await server.sessionClient('ism@test.example'); // tokens are made in a session
  const t = await ok(await own.post('/api/v1/tokens', { name: 'spare' }), 201);
  await ok(await own.del(`/api/v1/tokens/${t.id}`), 204);
  // none of these change anything, so none may leave an event
  assert.equal((await ism.patch(`/api/v1/assets/${assets[0].id}`, { location: 'Cellar' })).json.version, 2);
  problem(await ism.post('/api/v1/assets', { name: 'incomplete' }), 422);
  problem(await ism.patch(`/api/v1/assets/${assets[1].id}`, { location: 'x' }, { headers: { 'If-Match': '"9"' } }), 412);
  problem(await ism.del(`/api/v1/departments/${dept.id}`), 409);
  problem(await ism.del(`/api/v1/assets/${assets[2].id}`), 404);
  problem(await server.req('POST', '/api/v1/assets', { body: validBody('assets', basics, 9) }), 401);
  await server.login('admin@test.example'); // signing in is no change to the registers or accounts
  await server.stop();
});
after(() => server.cleanup());

test('verify: exit 0, "ok N events" with N the number of changes made', () => {
  const v = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.ok(changes > 10);
  assert.match(v.stdout, new RegExp(`^ok ${changes} events$`, 'm'), v.stdout);
  assert.equal(v.stderr, '');
});

test('verify: an event edited in the database fails, naming it, with exit 1', () => {
  server.sql("UPDATE audit_events SET changes='{}' WHERE seq=3");
  const v = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(v.status, 1, v.stdout + v.stderr);
  assert.match(v.stdout, /\bevent 3\b/);
  assert.doesNotMatch(v.stdout, /^ok \d+ events$/m);
});

test('verify: a database URL that cannot be opened is a clear failure, not "ok"', () => {
  const v = cli(['audit', 'verify', '--db', `sqlite:${server.dir}/no/such/dir/x.db`]);
  assert.notEqual(v.status, 0);
  assert.match(v.stderr, /database/);
  assert.equal(v.stdout, '');
});
