// audit_rows.test.mjs - a stored row changed with SQL (not through Custos) fails verification.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, cli, seedBasics, assetBody } from './harness.mjs';

let server;
after(() => server.cleanup());

test('verify names the record whose row differs from its history', async () => {
  let ism;
  ({ server, ism } = await startWithUsers());
  const { dept, person } = await seedBasics(ism);
  const a = await ism.post('/api/v1/assets', assetBody(person.id, dept.id, { confidentiality: 4 }));
  await server.stop();
  assert.equal(cli(['audit', 'verify', '--db', server.db]).status, 0);
  server.sql(`UPDATE assets SET confidentiality = 1 WHERE id = ${a.json.id}`);
  const v = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(v.status, 1);
  assert.match(v.stdout, new RegExp(`asset ${a.json.id}: field confidentiality differs`));
});
