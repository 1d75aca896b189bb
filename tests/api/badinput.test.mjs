// badinput.test.mjs - every class of bad input gets a clear 4xx naming the field, never a 500,
// and nothing stored changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, assertProblem, seedBasics, assetBody } from './harness.mjs';

let server, ism, basics, asset;
before(async () => {
  ({ server, ism } = await startWithUsers());
  basics = await seedBasics(ism);
  asset = (await ism.post('/api/v1/assets', assetBody(basics.person.id, basics.dept.id, { identifier: 'TAKEN-1' }))).json;
});
after(async () => {
  await server.stop();
  assert.doesNotMatch(server.stderr, /AddressSanitizer|runtime error/);
  server.cleanup();
});

// The whole visible state of the assets register, to prove a failed request changed nothing.
async function snapshot() {
  const list = await ism.get('/api/v1/assets?limit=500');
  const hist = await ism.get(`/api/v1/assets/${asset.id}/history`);
  return JSON.stringify([list.json, hist.json.items.length]);
}

const raw = (body, type = 'application/json') => ({ raw: body, headers: { 'Content-Type': type } });

test('malformed bodies: 400/413/415, on create and on patch', async () => {
  const before = await snapshot();
  const cases = [
    [raw('x'.repeat(1024 * 1024 + 10)), 413],
    [raw('{"name":"a"}', 'text/plain'), 415],
    [{ raw: '{"name":"a"}' }, 415],
    [raw('{"name":"a"}', 'application/jsonx'), 415],
    [raw('{"name": '), 400],
    [raw('{"name": "a",}'), 400],
    [raw(''), 400],
    [raw('[1,2]'), 400],
    [raw('"just a string"'), 400],
    [raw(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400],
    [raw('{"name":"a\\u0000b"}'), 400],
    [raw('{"integrity": 99999999999999999999999}'), 400],
  ];
  for (const [opts, status] of cases) {
    assertProblem(await ism.req('POST', '/api/v1/assets', opts), status);
    assertProblem(await ism.req('PATCH', `/api/v1/assets/${asset.id}`, opts), status);
  }
  const dup = await ism.req('POST', '/api/v1/assets', raw('{"name":"a","name":"b"}'));
  assertProblem(dup, 400, 'name');
  assertProblem(await ism.req('PATCH', `/api/v1/assets/${asset.id}`, raw('{"location":"a","location":"b"}')), 400, 'location');
  assert.equal(await snapshot(), before);
});

test('invalid fields: 422 naming each field, nothing stored', async () => {
  const before = await snapshot();
  const ok = assetBody(basics.person.id, basics.dept.id);
  const cases = [
    [{ ...ok, bogus: 1 }, 'bogus'],
    [{ ...ok, id: 5 }, 'id'],
    [{ ...ok, version: 3 }, 'version'],
    [{ ...ok, created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
    [{ ...ok, confidentiality: '2' }, 'confidentiality'],
    [{ ...ok, confidentiality: 2.5 }, 'confidentiality'],
    [{ ...ok, confidentiality: 5 }, 'confidentiality'],
    [{ ...ok, confidentiality: 0 }, 'confidentiality'],
    [{ ...ok, name: 42 }, 'name'],
    [{ ...ok, name: '' }, 'name'],
    [{ ...ok, name: ' padded' }, 'name'],
    [{ ...ok, name: 'x'.repeat(201) }, 'name'],
    [{ ...ok, name: 'line\nbreak' }, 'name'],
    [{ ...ok, name: null }, 'name'],
    [{ ...ok, type: 'spaceship' }, 'type'],
    [{ ...ok, type: ['server'] }, 'type'],
    [{ ...ok, owner_id: 999999 }, 'owner_id'],
    [{ ...ok, owner_id: 'ann' }, 'owner_id'],
    [{ ...ok, owner_id: -1 }, 'owner_id'],
    [{ ...ok, department_id: null }, 'department_id'],
    [{ ...ok, acquired_on: '2023-02-29' }, 'acquired_on'],
    [{ ...ok, acquired_on: '31/01/2024' }, 'acquired_on'],
    [{ ...ok, identifier: 'TAKEN-1' }, 'identifier'],
    [{ ...ok, description: 'x'.repeat(20001) }, 'description'],
    [(({ owner_id, ...rest }) => rest)(ok), 'owner_id'],
  ];
  for (const [body, field] of cases) assertProblem(await ism.post('/api/v1/assets', body), 422, field);
  // several errors in one body are all reported
  const many = await ism.post('/api/v1/assets', { name: '', type: 'nope', bogus: true });
  assertProblem(many, 422);
  const fields = many.json.errors.map((e) => e.field).sort();
  for (const f of ['availability', 'bogus', 'confidentiality', 'department_id', 'integrity', 'name', 'owner_id', 'type'])
    assert.ok(fields.includes(f), `missing ${f} in ${many.text}`);
  // the same on PATCH
  for (const [body, field] of [[{ confidentiality: 9 }, 'confidentiality'], [{ owner_id: 424242 }, 'owner_id'],
    [{ name: null }, 'name'], [{ identifier: 'TAKEN-1' }, null], [{ version: 9 }, 'version'], [{ unknown: 'x' }, 'unknown']]) {
    const r = await ism.patch(`/api/v1/assets/${asset.id}`, body);
    if (field === null) assert.equal(r.status, 200); // its own identifier is not a duplicate
    else assertProblem(r, 422, field);
  }
  assert.equal(await snapshot(), before);
});

test('other registers validate their own rules', async () => {
  const dept = basics.dept.id;
  assertProblem(await ism.post('/api/v1/people', { name: 'X', email: 'not-an-email', department_id: dept }), 422, 'email');
  assertProblem(await ism.post('/api/v1/people', { name: 'X', email: 'ann@x.example', department_id: dept }), 422, 'email');
  assertProblem(await ism.post('/api/v1/people', { name: 'X', email: 'x1@x.example', department_id: dept, employment_type: 'intern' }), 422, 'employment_type');
  assertProblem(await ism.post('/api/v1/people', { name: 'X', email: 'x2@x.example', department_id: dept, start_date: '2025-01-01', end_date: '2024-01-01' }), 422, 'end_date');
  assertProblem(await ism.post('/api/v1/departments', { name: 'Operations' }), 422, 'name');
  assertProblem(await ism.post('/api/v1/departments', { name: 'New', head_id: 31337 }), 422, 'head_id');
  assertProblem(await ism.post('/api/v1/interested_parties', { name: 'P', category: 'customer', requirements: 'r', in_scope: 'yes' }), 422, 'in_scope');
  assertProblem(await ism.post('/api/v1/interested_parties', { name: 'P', category: 'customer' }), 422, 'requirements');
});

test('the server never answered 500 during these tests', async () => {
  assert.doesNotMatch(server.stderr, /handler set no status/);
  assert.equal((await ism.get('/healthz')).status, 200);
});
