// crud.test.mjs - create, read, update, delete and history on every register, with ETags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, assertProblem, seedBasics, assetBody } from './harness.mjs';

let server, ism, basics;
before(async () => {
  ({ server, ism } = await startWithUsers());
  basics = await seedBasics(ism);
});
after(async () => { await server.stop(); server.cleanup(); });

function cases() {
  const { dept, person } = basics;
  return [
    { plural: 'departments', body: { name: 'Finance', code: 'FIN', head_id: person.id, description: '**Money**' }, patch: { code: 'FI' } },
    { plural: 'people', body: { name: 'Bob Builder', email: 'bob@x.example', department_id: dept.id, job_title: 'Engineer', employment_type: 'contractor', start_date: '2024-01-01', end_date: '2026-12-31' }, patch: { job_title: 'Lead engineer' } },
    { plural: 'assets', body: assetBody(person.id, dept.id, { identifier: 'LAP-9', location: 'Desk 4', acquired_on: '2025-05-05', description: 'A laptop' }), patch: { confidentiality: 4 } },
    { plural: 'interested_parties', body: { name: 'Regulator', category: 'regulator', requirements: '- lawful processing', in_scope: false }, patch: { in_scope: true } },
  ];
}

test('every register: create, get, patch with If-Match, delete, history', async () => {
  for (const c of cases()) {
    const created = await ism.post(`/api/v1/${c.plural}`, c.body);
    assert.equal(created.status, 201, `${c.plural}: ${created.text}`);
    const id = created.json.id;
    assert.equal(created.headers.get('location'), `/api/v1/${c.plural}/${id}`);
    assert.equal(created.json.version, 1);
    assert.match(created.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const [k, v] of Object.entries(c.body)) assert.deepEqual(created.json[k], v, `${c.plural}.${k}`);

    const got = await ism.get(`/api/v1/${c.plural}/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.json, created.json);

    const patched = await ism.patch(`/api/v1/${c.plural}/${id}`, c.patch, { headers: { 'If-Match': '"1"' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.version, 2);
    assert.equal(patched.headers.get('etag'), '"2"');
    for (const [k, v] of Object.entries(c.patch)) assert.deepEqual(patched.json[k], v);

    // a stale ETag loses nothing: 412 and the record keeps the newer value
    const stale = await ism.patch(`/api/v1/${c.plural}/${id}`, c.patch, { headers: { 'If-Match': '"1"' } });
    assertProblem(stale, 412);
    assertProblem(await ism.del(`/api/v1/${c.plural}/${id}`, { headers: { 'If-Match': '"1"' } }), 412);
    assertProblem(await ism.patch(`/api/v1/${c.plural}/${id}`, c.patch, { headers: { 'If-Match': 'nonsense' } }), 400, 'If-Match');

    // a PATCH that changes nothing keeps the version and writes no event
    const same = await ism.patch(`/api/v1/${c.plural}/${id}`, c.patch);
    assert.equal(same.json.version, 2);

    const del = await ism.del(`/api/v1/${c.plural}/${id}`, { headers: { 'If-Match': '"2"' } });
    assert.equal(del.status, 204, del.text);
    assertProblem(await ism.get(`/api/v1/${c.plural}/${id}`), 404);
    assertProblem(await ism.patch(`/api/v1/${c.plural}/${id}`, c.patch), 404);
    assertProblem(await ism.del(`/api/v1/${c.plural}/${id}`), 404);

    const hist = await ism.get(`/api/v1/${c.plural}/${id}/history`);
    assert.equal(hist.status, 200);
    assert.deepEqual(hist.json.items.map((e) => e.action), ['create', 'update', 'delete']);
    for (const e of hist.json.items) {
      assert.equal(e.actor, 'ism@test.example');
      assert.match(e.hash, /^[0-9a-f]{64}$/);
    }
    const [k, v] = Object.entries(c.patch)[0];
    assert.deepEqual(hist.json.items[1].changes[k], [c.body[k] ?? null, v]);
    assert.deepEqual(Object.keys(hist.json.items[1].changes), Object.keys(c.patch));
    assert.ok(hist.json.items[0].seq < hist.json.items[1].seq);
  }
});

test('history of a record that never existed is 404', async () => {
  assertProblem(await ism.get('/api/v1/assets/987654/history'), 404);
});

test('defaults apply on create', async () => {
  const { dept, person } = basics;
  const a = await ism.post('/api/v1/assets', assetBody(person.id, dept.id));
  assert.equal(a.json.status, 'in_use');
  const p = await ism.post('/api/v1/people', { name: 'Dee', email: 'dee@x.example', department_id: dept.id });
  assert.equal(p.json.employment_type, 'employee');
  const ip = await ism.post('/api/v1/interested_parties', { name: 'Staff', category: 'employee', requirements: 'training' });
  assert.equal(ip.json.in_scope, true);
});

test('deleting a record that others refer to is 409 and keeps it', async () => {
  const d = await ism.post('/api/v1/departments', { name: 'Referenced' });
  const p = await ism.post('/api/v1/people', { name: 'Member', email: 'member@x.example', department_id: d.json.id });
  assert.equal(p.status, 201);
  const r = await ism.del(`/api/v1/departments/${d.json.id}`);
  assertProblem(r, 409, 'id');
  assert.match(r.json.errors[0].message, /Person/);
  assert.equal((await ism.get(`/api/v1/departments/${d.json.id}`)).status, 200);
  assert.equal((await ism.del(`/api/v1/people/${p.json.id}`)).status, 204);
  assert.equal((await ism.del(`/api/v1/departments/${d.json.id}`)).status, 204);
});
