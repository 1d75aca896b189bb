// openapi.test.mjs - the generated OpenAPI document is valid OpenAPI 3.1 and covers every register.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startWithUsers, assertProblem } from './harness.mjs';

let server, ism;
before(async () => { ({ server, ism } = await startWithUsers()); });
after(async () => { await server.stop(); server.cleanup(); });

test('openapi.json needs credentials', async () => {
  assertProblem(await server.req('GET', '/api/v1/openapi.json'), 401);
});

test('openapi.json validates against the OpenAPI 3.1 schema', async () => {
  const r = await ism.get('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi, '3.1.0');
  const v = new Validator();
  const res = await v.validate(r.json);
  assert.ok(res.valid, JSON.stringify(res.errors, null, 1));
  for (const p of ['departments', 'people', 'assets', 'interested_parties']) {
    for (const suffix of ['', '/{id}', '/{id}/history']) assert.ok(r.json.paths[`/api/v1/${p}${suffix}`], `${p}${suffix}`);
  }
  const asset = r.json.components.schemas.AssetInput;
  assert.deepEqual(asset.properties.confidentiality.enum, [1, 2, 3, 4]);
  assert.ok(asset.required.includes('owner_id'));
  assert.ok(!asset.required.includes('status')); // has a default
  assert.equal(asset.additionalProperties, false);
});
