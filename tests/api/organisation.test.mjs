// organisation.test.mjs - the organisation's own record (issue 7): one record at most (a second
// create is 409 through the API and a clear form message in the UI, never a 500), a uuid made
// on create that nothing changes afterwards, bad input refused naming the field, and who may
// do what, role by role: everyone signed in reads it, the ISM and administrators keep it,
// nobody deletes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, cli, assertProblem } from './harness.mjs';

const ROLES = ['isms_manager', 'admin', 'board', 'auditor', 'operations_manager', 'hr_manager',
  'department_head', 'support', 'staff', 'external'];
const KEEPERS = ['isms_manager', 'admin'];
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PATH = '/api/v1/organisations';

let server;
const clients = {};
let org; // the record, as created

before(async () => {
  server = new Server();
  for (const role of ROLES) server.addUser(`${role}@test.example`, role, role);
  await server.start();
  for (const role of ROLES) clients[role] = await server.tokenClient(`${role}@test.example`);
});
after(async () => { await server.stop(); server.cleanup(); });

test('the register is listed with its fields; the API document has the uuid read-only', async () => {
  const r = cli(['registers']);
  assert.equal(r.status, 0, r.stderr);
  const block = r.stdout.split(/\n(?=\S)/).find((b) => b.startsWith('organisations ('));
  assert.ok(block, r.stdout);
  for (const f of ['name', 'legal_name', 'website', 'security_contact', 'trust_intro', 'uuid']) assert.match(block, new RegExp(`\\n\\s+${f}\\s`), f);
  const doc = (await clients.staff.get('/api/v1/openapi.json')).json;
  const schemas = Object.values(doc.components.schemas).filter((x) => x.properties?.security_contact);
  assert.ok(schemas.length >= 2, 'the record and its input');
  for (const x of schemas) {
    if (x.properties.uuid) assert.equal(x.properties.uuid.readOnly, true);
    assert.equal(x.properties.security_contact.format, 'email');
  }
  assert.ok(schemas.some((x) => !x.properties.uuid), 'the input has no uuid');
  assert.ok(doc.paths[PATH] && doc.paths[`${PATH}/{id}`]);
});

test('bad input is refused with 422 naming the field, and nothing is stored', async () => {
  const ism = clients.isms_manager;
  assert.equal((await ism.get(PATH)).json.total, 0);
  assertProblem(await ism.post(PATH, {}), 422, 'name');
  assertProblem(await ism.post(PATH, { name: '' }), 422, 'name');
  assertProblem(await ism.post(PATH, { name: 'x'.repeat(201) }), 422, 'name');
  assertProblem(await ism.post(PATH, { name: 'Westcloud', website: 'javascript:alert(1)' }), 422, 'website');
  assertProblem(await ism.post(PATH, { name: 'Westcloud', website: 'westcloud.example' }), 422, 'website');
  assertProblem(await ism.post(PATH, { name: 'Westcloud', security_contact: 'not an address' }), 422, 'security_contact');
  assertProblem(await ism.post(PATH, { name: 'Westcloud', uuid: '2ed6657d-e927-568b-95e1-2665a8aea6a2' }), 422, 'uuid');
  assertProblem(await ism.post(PATH, { name: 'Westcloud', trust_intro: 'x'.repeat(4001) }), 422, 'trust_intro');
  assertProblem(await ism.post(PATH, { name: 'Westcloud', singleton: 2 }), 422, 'singleton');
  assertProblem(await ism.post(PATH, { name: 42 }), 422, 'name');
  const raw = await ism.req('POST', PATH, { raw: '{"name":', headers: { 'Content-Type': 'application/json' } });
  assertProblem(raw, 400);
  assert.equal((await ism.get(PATH)).json.total, 0);
});

test('roles without the right cannot create it, even while none exists', async () => {
  for (const role of ROLES.filter((r) => !KEEPERS.includes(r)))
    assertProblem(await clients[role].post(PATH, { name: `By ${role}` }), 403);
  assert.equal((await clients.isms_manager.get(PATH)).json.total, 0);
});

test('the ISM creates it with a fresh random uuid; a second one is a 409 for everyone', async () => {
  const r = await clients.isms_manager.post(PATH, { name: 'Westcloud', legal_name: 'Westcloud Communications Ltd',
    website: 'https://westcloud.example', security_contact: 'security@westcloud.example',
    trust_intro: 'We look after **your** data.' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), `${PATH}/${r.json.id}`);
  org = r.json;
  assert.match(org.uuid, UUID4);
  for (const role of KEEPERS) {
    const again = await clients[role].post(PATH, { name: `Another by ${role}` });
    assertProblem(again, 409);
    assert.match(again.json.errors[0].message, /already an organisation record/);
  }
  // others are refused for their role before anything else
  assertProblem(await clients.staff.post(PATH, { name: 'Another' }), 403);
  const list = await clients.isms_manager.get(PATH);
  assert.equal(list.json.total, 1);
  assert.equal(list.json.items[0].name, 'Westcloud');
  // several at once: still one (the database's unique index, not only the check)
  const rs = await Promise.all(Array.from({ length: 8 }, (_, k) => clients[KEEPERS[k % 2]].post(PATH, { name: `Race ${k}` })));
  for (const x of rs) assertProblem(x, 409);
  assert.equal((await clients.isms_manager.get(PATH)).json.total, 1);
});

test('the uuid never changes: not by an update, not by asking', async () => {
  const ism = clients.isms_manager;
  const p = await ism.patch(`${PATH}/${org.id}`, { name: 'Westcloud Group' }, { headers: { 'If-Match': `"${org.version}"` } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.name, 'Westcloud Group');
  assert.equal(p.json.uuid, org.uuid);
  assertProblem(await ism.patch(`${PATH}/${org.id}`, { uuid: '2ed6657d-e927-568b-95e1-2665a8aea6a2' }), 422, 'uuid');
  assertProblem(await ism.patch(`${PATH}/${org.id}`, { website: 'ftp://westcloud.example' }), 422, 'website');
  const a = await clients.admin.patch(`${PATH}/${org.id}`, { name: 'Westcloud' });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.uuid, org.uuid);
  const h = await ism.get(`${PATH}/${org.id}/history`);
  assert.equal(h.status, 200);
  const v = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(v.status, 0, v.stderr);
});

test('every role reads it; only the ISM and administrators change it; nobody deletes it', async () => {
  const path = `${PATH}/${org.id}`;
  for (const role of ROLES) {
    const c = clients[role];
    const r = await c.get(path);
    assert.equal(r.status, 200, `${role} GET: ${r.text}`);
    assert.equal(r.json.uuid, org.uuid);
    assert.equal((await c.get(PATH)).json.total, 1, `${role} list`);
    const p = await c.patch(path, { security_contact: `${role}@westcloud.example` });
    if (KEEPERS.includes(role)) assert.equal(p.status, 200, `${role} PATCH: ${p.text}`);
    else assertProblem(p, 403);
    assertProblem(await c.del(path), 403);
  }
  // a staff member's attempt changed nothing
  const now = await clients.staff.get(path);
  assert.equal(now.json.security_contact, 'admin@westcloud.example');
  assert.equal((await clients.isms_manager.get(PATH)).json.total, 1);
});

test('the web form: a second organisation is a form error with the reason, not a 500', async () => {
  const s = await server.login('isms_manager@test.example');
  const form = new URLSearchParams({ _csrf: s.csrf, name: 'Second' }).toString();
  const r = await server.req('POST', '/organisations', { raw: form,
    headers: { Cookie: s.cookie, 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 422, r.text.slice(0, 500));
  assert.match(r.text, /There is already an organisation record, and Custos keeps one: edit that record instead\./);
  // the record's page shows it, with its uuid and no way to delete it
  const page = await server.req('GET', `/organisations/${org.id}`, { headers: { Cookie: s.cookie } });
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(org.uuid));
  assert.ok(!page.text.includes(`action="/organisations/${org.id}/delete"`));
  assert.equal((await clients.isms_manager.get(PATH)).json.total, 1);
});

test('racing first creates: exactly one is made, the others are 409, none a 500', async () => {
  const fresh = new Server();
  fresh.addUser('ism@test.example', 'isms_manager', 'Ism');
  fresh.addUser('admin@test.example', 'admin', 'Admin');
  await fresh.start();
  try {
    const c = [await fresh.tokenClient('ism@test.example'), await fresh.tokenClient('admin@test.example')];
    const rs = await Promise.all(Array.from({ length: 12 }, (_, k) => c[k % 2].post(PATH, { name: `Race ${k}` })));
    assert.equal(rs.filter((x) => x.status === 201).length, 1, rs.map((x) => x.status).join(' '));
    for (const x of rs.filter((y) => y.status !== 201)) assertProblem(x, 409);
    const list = await c[0].get(PATH);
    assert.equal(list.json.total, 1);
    assert.match(list.json.items[0].uuid, UUID4);
  } finally {
    await fresh.stop();
    fresh.cleanup();
  }
});
