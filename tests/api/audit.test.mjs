// audit.test.mjs - every change is in the hash chain; `custos audit verify` proves the chain and
// every stored record, and names what was tampered with.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startWithUsers, cli, seedBasics, assetBody, PG } from './harness.mjs';

let server, ism;
before(async () => {
  ({ server, ism } = await startWithUsers());
  const { dept, person } = await seedBasics(ism);
  for (let i = 0; i < 3; i++) {
    const a = await ism.post('/api/v1/assets', assetBody(person.id, dept.id, { name: `Asset ${i}` }));
    await ism.patch(`/api/v1/assets/${a.json.id}`, { location: 'Rack 1' });
  }
  await ism.del('/api/v1/assets/1');
  await server.stop();
});
after(() => server.cleanup());

// SQL on the test database (SQLite or PostgreSQL), or on another SQLite file
const sqlite = (db, sql) => {
  if (db === server.dbPath) return server.sql(sql);
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

test('the chain and the records verify', () => {
  const r = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // 3 users + 3 tokens + 2 basics + 3 creates + 3 updates + 1 delete
  const n = Number(sqlite(server.dbPath, 'SELECT count(*) FROM audit_events'));
  assert.equal(n, 15);
  assert.match(r.stdout, new RegExp(`^ok ${n} events$`, 'm'));
  assert.match(r.stdout, /^ok 4 records match their audit history$/m);
  assert.match(r.stdout, /^ok 3 accounts, 3 API tokens and the security settings match their audit history$/m);
});

test('an edited event is named', () => {
  sqlite(server.dbPath, `UPDATE audit_events SET changes = '{"name":[null,"x"]}' WHERE seq = 9`);
  const r = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAILED at event 9/);
});

test('a removed event is named', () => {
  sqlite(server.dbPath, 'DELETE FROM audit_events WHERE seq = 4');
  const r = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAILED at event 5/);
});

test('a register row edited behind the API is named even with an intact chain', { skip: PG && 'uses SQLite VACUUM INTO' }, () => {
  const copy = server.dbPath + '.copy';
  // a fresh chain: rebuild from a clean database where only the row is touched
  sqlite(server.dbPath, `VACUUM INTO '${copy}'`);
  sqlite(copy, 'DELETE FROM audit_events');
  const fresh = cli(['audit', 'verify', '--db', `sqlite:${copy}`]);
  assert.equal(fresh.status, 1); // rows without history
  assert.match(fresh.stdout, /never created it/);
});
