// registers.test.mjs - create, read, patch, delete and history on every register with ETags and If-Match, deletes blocked by references, a staff user kept to reading, ids never reused, and concurrent writers that lose nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, seedBasics, cli } from './harness.mjs';
import { problem, REGISTERS, validBody, PATCHES, snapshot } from './contract.mjs';

let server, ism, staff, admin, basics;
before(async () => {
  ({ server, ism, staff, admin } = await startWithUsers());
  basics = await seedBasics(ism);
});
after(async () => { await server.stop(); server.cleanup(); }); // stop() is a no-op once the last test stopped it

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

for (const [i, plural] of REGISTERS.entries()) {
  test(`${plural}: create, get, patch, stale If-Match, delete, then gone`, async () => {
    const body = validBody(plural, basics, i);
    const total0 = (await ism.get(`/api/v1/${plural}`)).json.total;

    const c = await ism.post(`/api/v1/${plural}`, body);
    assert.equal(c.status, 201, c.text);
    assert.match(c.headers.get('content-type'), /^application\/json/);
    const id = c.json.id;
    assert.ok(Number.isInteger(id) && id > 0);
    assert.equal(c.headers.get('location'), `/api/v1/${plural}/${id}`);
    assert.equal(c.headers.get('etag'), '"1"');
    assert.equal(c.json.version, 1);
    assert.match(c.json.created_at, ISO);
    assert.equal(c.json.updated_at, c.json.created_at);
    for (const [k, v] of Object.entries(body)) assert.deepEqual(c.json[k], v, `${plural}.${k}`);
    assert.equal((await ism.get(`/api/v1/${plural}`)).json.total, total0 + 1);

    const g = await ism.get(`/api/v1/${plural}/${id}`);
    assert.equal(g.status, 200);
    assert.equal(g.headers.get('etag'), '"1"');
    assert.deepEqual(g.json, c.json);
    const viaLoc = await ism.get(c.headers.get('location'));
    assert.deepEqual(viaLoc.json, c.json);

    const p = await ism.patch(`/api/v1/${plural}/${id}`, PATCHES[plural], { headers: { 'If-Match': '"1"' } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.version, 2);
    assert.equal(p.headers.get('etag'), '"2"');
    assert.equal(p.json.created_at, c.json.created_at);
    assert.ok(p.json.updated_at >= c.json.updated_at);
    assert.deepEqual(p.json, { ...c.json, ...PATCHES[plural], version: 2, updated_at: p.json.updated_at });
    assert.equal((await ism.get(`/api/v1/${plural}/${id}`)).headers.get('etag'), '"2"');

    // someone else's change came first: 412, and nothing moves
    const snap = await snapshot(ism, plural, id);
    problem(await ism.patch(`/api/v1/${plural}/${id}`, { name: 'Lost update' }, { headers: { 'If-Match': '"1"' } }), 412);
    problem(await ism.del(`/api/v1/${plural}/${id}`, { headers: { 'If-Match': '"1"' } }), 412);
    problem(await ism.patch(`/api/v1/${plural}/${id}`, { name: 'Lost update' }, { headers: { 'If-Match': '"3"' } }), 412);
    assert.equal(await snapshot(ism, plural, id), snap);
    // a weak ETag and * are accepted
    const w = await ism.patch(`/api/v1/${plural}/${id}`, { name: `${body.name} (renamed)` }, { headers: { 'If-Match': 'W/"2"' } });
    assert.equal(w.status, 200, w.text);
    assert.equal(w.json.version, 3);

    const d = await ism.del(`/api/v1/${plural}/${id}`, { headers: { 'If-Match': '"3"' } });
    assert.equal(d.status, 204, d.text);
    assert.equal(d.text, '');
    problem(await ism.get(`/api/v1/${plural}/${id}`), 404);
    problem(await ism.patch(`/api/v1/${plural}/${id}`, PATCHES[plural]), 404);
    problem(await ism.del(`/api/v1/${plural}/${id}`), 404);
    const list = await ism.get(`/api/v1/${plural}?limit=500`);
    assert.equal(list.json.total, total0);
    assert.ok(!list.json.items.some((x) => x.id === id));

    const h = await ism.get(`/api/v1/${plural}/${id}/history`);
    assert.equal(h.status, 200, 'history outlives the record');
    assert.deepEqual(h.json.items.map((e) => e.action), ['create', 'update', 'update', 'delete']);
  });
}

test('ids that never existed are 404 on every record route', async () => {
  for (const p of REGISTERS) {
    for (const id of ['999999', '0', '-1', 'abc', '1.5', '99999999999999999999']) {
      problem(await ism.get(`/api/v1/${p}/${id}`), 404);
      problem(await ism.get(`/api/v1/${p}/${id}/history`), 404);
    }
  }
});

test('history: create, update, delete with the actor and each changed field as [before, after], oldest first', async () => {
  const body = validBody('assets', basics, 50);
  const a = (await ism.post('/api/v1/assets', body)).json;
  await ism.patch(`/api/v1/assets/${a.id}`, { location: null, confidentiality: 1 });
  await ism.patch(`/api/v1/assets/${a.id}`, { confidentiality: 1 }); // no change: no event
  await ism.del(`/api/v1/assets/${a.id}`);
  const h = await ism.get(`/api/v1/assets/${a.id}/history`);
  assert.equal(h.status, 200);
  const own = h.json.items;
  const [c, u, d, ...rest] = own;
  assert.equal(rest.length, 0, h.text);
  assert.deepEqual([c.action, u.action, d.action], ['create', 'update', 'delete']);
  assert.ok(c.seq < u.seq && u.seq < d.seq);
  for (const e of own) {
    assert.equal(e.actor, 'ism@test.example');
    assert.match(e.at, ISO);
    assert.match(e.hash, /^[0-9a-f]{64}$/);
  }
  // create: every stored field from null, including the default the server filled in
  const stored = { ...body, status: 'in_use' };
  assert.deepEqual(c.changes, Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, [null, v]])));
  assert.deepEqual(u.changes, { location: ['Rack 2', null], confidentiality: [3, 1] });
  const last = { ...stored, location: null, confidentiality: 1 };
  assert.deepEqual(d.changes, Object.fromEntries(Object.entries(last).filter(([, v]) => v !== null).map(([k, v]) => [k, [v, null]])));
});

test('a record that others refer to cannot be deleted: 409 naming id, and it stays as it was', async () => {
  const d = (await ism.post('/api/v1/departments', { name: 'Referenced dept' })).json;
  const p = (await ism.post('/api/v1/people', { name: 'Referenced person', email: 'ref@example.test', department_id: d.id })).json;
  const a = (await ism.post('/api/v1/assets', { ...validBody('assets', basics, 60), owner_id: p.id, department_id: basics.dept.id })).json;
  const a2 = (await ism.post('/api/v1/assets', { ...validBody('assets', basics, 61), department_id: d.id })).json;
  const head = (await ism.post('/api/v1/departments', { name: 'Headed', head_id: p.id })).json;
  const cases = [
    ['departments', d.id, "a person's and an asset's department_id"],
    ['people', p.id, "an asset's owner_id and a department's head_id"],
    ['departments', basics.dept.id, 'the seeded person and assets'],
  ];
  for (const [plural, id, how] of cases) {
    const snap = await snapshot(ism, plural, id);
    const r = await ism.del(`/api/v1/${plural}/${id}`);
    problem(r, 409, 'id');
    assert.equal(await snapshot(ism, plural, id), snap, `${plural} ${id} (${how}) changed`);
    const again = await ism.del(`/api/v1/${plural}/${id}`, { headers: { 'If-Match': '"1"' } });
    problem(again, 409, 'id');
  }
  // once the referrers are gone, the deletes go through
  for (const [pl, id] of [['assets', a.id], ['assets', a2.id], ['departments', head.id], ['people', p.id], ['departments', d.id]]) {
    const r = await ism.del(`/api/v1/${pl}/${id}`);
    assert.equal(r.status, 204, `${pl} ${id}: ${r.text}`);
  }
});

test('the staff user reads what it may and gets 403 on every write, changing nothing', async () => {
  const made = {};
  for (const [i, p] of REGISTERS.entries()) made[p] = (await ism.post(`/api/v1/${p}`, validBody(p, basics, 70 + i))).json;
  // departments are readable by everyone; the other registers only within the user's own scope
  assert.equal((await staff.get('/api/v1/departments')).status, 200);
  assert.equal((await staff.get(`/api/v1/departments/${made.departments.id}`)).status, 200);
  assert.equal((await staff.get(`/api/v1/departments/${made.departments.id}/history`)).status, 200);
  for (const p of ['people', 'assets']) {
    const l = await staff.get(`/api/v1/${p}`);
    assert.equal(l.status, 200);
    assert.equal(l.json.total, 0, `${p}: staff with no person record owns nothing`);
    problem(await staff.get(`/api/v1/${p}/${made[p].id}`), 404);
  }
  problem(await staff.get('/api/v1/interested_parties'), 403);
  for (const [i, p] of REGISTERS.entries()) {
    const snap = await snapshot(ism, p, made[p].id);
    problem(await staff.post(`/api/v1/${p}`, validBody(p, basics, 80 + i)), 403);
    problem(await staff.patch(`/api/v1/${p}/${made[p].id}`, PATCHES[p]), 403);
    problem(await staff.del(`/api/v1/${p}/${made[p].id}`), 403);
    // the system administrator is no ISMS editor either
    problem(await admin.post(`/api/v1/${p}`, validBody(p, basics, 90 + i)), 403);
    problem(await admin.patch(`/api/v1/${p}/${made[p].id}`, PATCHES[p]), 403);
    problem(await admin.del(`/api/v1/${p}/${made[p].id}`), 403);
    assert.equal(await snapshot(ism, p, made[p].id), snap, p);
  }
});

test('an id is never handed out twice: a new record never shows a deleted one\'s data or history', async () => {
  for (const p of REGISTERS) {
    const first = (await ism.post(`/api/v1/${p}`, validBody(p, basics, 400))).json;
    assert.equal((await ism.del(`/api/v1/${p}/${first.id}`)).status, 204);
    // warm the list (and any cache) before the next create
    await ism.get(`/api/v1/${p}?limit=500`);
    const second = (await ism.post(`/api/v1/${p}`, { ...validBody(p, basics, 401) })).json;
    const listed = (await ism.get(`/api/v1/${p}?limit=500`)).json.items.find((x) => x.id === second.id);
    assert.deepEqual(listed, second, `${p}: the list shows the new record as it is`);
    const h = (await ism.get(`/api/v1/${p}/${second.id}/history`)).json.items.map((e) => e.action);
    assert.deepEqual(h, ['create'], `${p}: the new record's history is its own`);
    assert.notEqual(second.id, first.id, `${p}: id ${first.id} was reused`);
    assert.equal((await ism.del(`/api/v1/${p}/${second.id}`)).status, 204);
  }
});

test('concurrent writers: one unique value wins, one If-Match wins, one delete wins', async () => {
  const N = 16;
  const body = validBody('assets', basics, 500);
  let rs = await Promise.all(Array.from({ length: N }, (_, k) => ism.post('/api/v1/assets', { ...body, name: `Racer ${k}` })));
  assert.equal(rs.filter((r) => r.status === 201).length, 1, rs.map((r) => r.status).join());
  for (const r of rs.filter((x) => x.status !== 201)) problem(r, 422, 'identifier');
  assert.equal((await ism.get(`/api/v1/assets?identifier=${body.identifier}`)).json.total, 1);
  const id = rs.find((r) => r.status === 201).json.id;

  rs = await Promise.all(Array.from({ length: N }, (_, k) => ism.patch(`/api/v1/assets/${id}`, { location: `Room ${k}` }, { headers: { 'If-Match': '"1"' } })));
  assert.equal(rs.filter((r) => r.status === 200).length, 1, rs.map((r) => r.status).join());
  for (const r of rs.filter((x) => x.status !== 200)) problem(r, 412);
  const after = (await ism.get(`/api/v1/assets/${id}`)).json;
  assert.equal(after.version, 2);
  assert.equal(after.location, rs.find((r) => r.status === 200).json.location);

  // unconditional patches all apply, one after another
  rs = await Promise.all(Array.from({ length: N }, (_, k) => ism.patch(`/api/v1/assets/${id}`, { location: `Shelf ${k}` })));
  assert.ok(rs.every((r) => r.status === 200), rs.map((r) => r.status).join());
  assert.equal((await ism.get(`/api/v1/assets/${id}`)).json.version, 2 + N);
  const events = (await ism.get(`/api/v1/assets/${id}/history`)).json.items.map((e) => e.action);
  assert.deepEqual(events, ['create', ...Array(1 + N).fill('update')]);

  rs = await Promise.all(Array.from({ length: N }, () => ism.del(`/api/v1/assets/${id}`)));
  assert.equal(rs.filter((r) => r.status === 204).length, 1, rs.map((r) => r.status).join());
  for (const r of rs.filter((x) => x.status !== 204)) problem(r, 404);

  // many creates at once all land, with distinct ids
  rs = await Promise.all(Array.from({ length: N }, (_, k) => ism.post('/api/v1/interested_parties', validBody('interested_parties', basics, 600 + k))));
  assert.ok(rs.every((r) => r.status === 201), rs.map((r) => r.status).join());
  assert.equal(new Set(rs.map((r) => r.json.id)).size, N);
});

test('after all of the above the server stops cleanly and the audit chain holds', async () => {
  await server.stop();
  const v = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^ok \d+ events$/m);
});
