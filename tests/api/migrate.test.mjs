// migrate.test.mjs - custos migrate-data moves a whole installation (SQLite to the engine under
// test) and the copy verifies, signs in and keeps numbering; a non-empty target is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Server, cli, seedBasics, assetBody } from './harness.mjs';

test('migrate-data copies everything, verifies, and the target serves on', async () => {
  const src = new Server({ sqlite: true }); // the source is always SQLite
  src.addUser('ism@test.example', 'isms_manager');
  await src.start();
  const ism = await src.tokenClient('ism@test.example');
  const { dept, person } = await seedBasics(ism);
  for (let i = 0; i < 5; i++) await ism.post('/api/v1/assets', assetBody(person.id, dept.id, { name: `A${i}` }));
  await src.stop();

  const dst = new Server(); // the engine under test: a fresh database
  const m = cli(['migrate-data', '--from', src.db, '--to', dst.db]);
  assert.equal(m.status, 0, m.stdout + m.stderr);
  assert.match(m.stdout, /^assets +5 rows$/m);
  assert.match(m.stdout, /ok \d+ events, ok 7 records match/);
  // every table of the schema was copied (a new table must be added to db_tables())
  const tables = spawnSync('sqlite3', [src.dbPath, "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' AND name NOT LIKE 'sqlite_%' ORDER BY name"], { encoding: 'utf8' })
    .stdout.trim().split('\n');
  const copied = [...m.stdout.matchAll(/^(\w+) +\d+ rows$/gm)].map((x) => x[1]).sort();
  assert.deepEqual(copied, tables);

  const again = cli(['migrate-data', '--from', src.db, '--to', dst.db]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /not empty/);

  await dst.start();
  const ism2 = await dst.tokenClient('ism@test.example'); // same password works
  const list = await ism2.get('/api/v1/assets');
  assert.equal(list.json.total, 5);
  const created = await ism2.post('/api/v1/assets', assetBody(person.id, dept.id, { name: 'After the move' }));
  assert.equal(created.status, 201, created.text);
  assert.ok(created.json.id > Math.max(...list.json.items.map((x) => x.id)));
  await dst.stop();
  assert.equal(cli(['audit', 'verify', '--db', dst.db]).status, 0);
  src.cleanup();
  dst.cleanup();
});
