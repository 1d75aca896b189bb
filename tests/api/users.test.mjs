// users.test.mjs - formal registration and de-registration: account administration by the
// administrator only, segregation of duties, and deactivation that cuts access at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, assertProblem, cli, PASSWORD } from './harness.mjs';

let server, ism, admin, staff;
before(async () => { ({ server, ism, admin, staff } = await startWithUsers()); });
after(async () => {
  await server.stop();
  const v = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(v.status, 0, v.stdout);
  server.cleanup();
});

test('only account administrators reach the account routes', async () => {
  for (const c of [ism, staff]) {
    assertProblem(await c.get('/api/v1/users'), 403);
    assertProblem(await c.get('/api/v1/users/1'), 403);
    assertProblem(await c.post('/api/v1/users', { email: 'x@test.example', name: 'X', roles: ['staff'] }), 403);
    assertProblem(await c.patch('/api/v1/users/1', { active: false }), 403);
  }
  const list = await admin.get('/api/v1/users');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items.map((u) => u.email).sort(), ['admin@test.example', 'ism@test.example', 'staff@test.example']);
  assert.ok(!list.text.includes('argon2'));
  assert.equal((await admin.get('/api/v1/users?q=ism')).json.total, 1);
  assertProblem(await admin.get('/api/v1/users?role=x'), 400, 'role');
  assertProblem(await admin.get('/api/v1/users/999'), 404);
});

test('register an account: roles checked, password generated once or checked', async () => {
  const r = await admin.post('/api/v1/users', { email: 'new@test.example', name: 'New Person', roles: ['support'] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), `/api/v1/users/${r.json.id}`);
  assert.deepEqual(r.json.roles, ['support']);
  assert.match(r.json.initial_password, /^\S{24}$/);
  const s = await server.req('POST', '/api/v1/session', { body: { email: 'new@test.example', password: r.json.initial_password } });
  assert.equal(s.status, 200);
  assert.equal((await admin.get(`/api/v1/users/${r.json.id}`)).json.initial_password, undefined);
  const cases = [
    [{ email: 'a@test.example', name: 'A', roles: ['auditor', 'isms_manager'] }, 'roles'],
    [{ email: 'a@test.example', name: 'A', roles: ['emperor'] }, 'roles'],
    [{ email: 'a@test.example', name: 'A', roles: [] }, 'roles'],
    [{ email: 'a@test.example', name: 'A' }, 'roles'],
    [{ email: 'not-an-email', name: 'A', roles: ['staff'] }, 'email'],
    [{ email: 'NEW@test.example', name: 'A', roles: ['staff'] }, 'email'],
    [{ email: 'a@test.example', name: 'A', roles: ['staff'], password: 'password1234' }, 'password'],
    [{ email: 'a@test.example', name: 'A', roles: ['staff'], bogus: 1 }, 'bogus'],
    [{ email: 'a@test.example', name: 'A', roles: ['staff'], department_id: 'x' }, 'department_id'],
  ];
  for (const [body, field] of cases) assertProblem(await admin.post('/api/v1/users', body), 422, field);
  const total = (await admin.get('/api/v1/users')).json.total;
  assert.equal(total, 4);
});

test('a role change ends the sessions; new roles apply at the next sign-in', async () => {
  const u = (await admin.post('/api/v1/users', { email: 'role@test.example', name: 'Role', roles: ['staff'], password: PASSWORD })).json;
  const sess = await server.login('role@test.example');
  assertProblem(await server.req('GET', '/api/v1/interested_parties', { headers: { Cookie: sess.cookie } }), 403);
  const p = await admin.patch(`/api/v1/users/${u.id}`, { roles: ['staff', 'board'] });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(p.json.roles, ['board', 'staff']);
  assertProblem(await server.req('GET', '/api/v1/session', { headers: { Cookie: sess.cookie } }), 401);
  const again = await server.login('role@test.example');
  assert.equal((await server.req('GET', '/api/v1/interested_parties', { headers: { Cookie: again.cookie } })).status, 200);
  assertProblem(await admin.patch(`/api/v1/users/${u.id}`, { roles: ['auditor', 'operations_manager'] }), 422, 'roles');
  assertProblem(await admin.patch(`/api/v1/users/${u.id}`, { department_id: 4242 }), 422, 'department_id');
  assertProblem(await admin.patch(`/api/v1/users/${u.id}`, { email: 'x@y.z' }), 422, 'email');
});

test('deactivation revokes live sessions and tokens at once; reactivation restores sign-in only', async () => {
  const u = (await admin.post('/api/v1/users', { email: 'leaver@test.example', name: 'Leaver', roles: ['staff'], password: PASSWORD })).json;
  const client = await server.tokenClient('leaver@test.example');
  const sess = await server.login('leaver@test.example');
  assert.equal((await client.get('/api/v1/departments')).status, 200);
  const d = await admin.patch(`/api/v1/users/${u.id}`, { active: false });
  assert.equal(d.status, 200);
  assert.equal(d.json.active, false);
  assertProblem(await client.get('/api/v1/departments'), 401);
  assertProblem(await server.req('GET', '/api/v1/session', { headers: { Cookie: sess.cookie } }), 401);
  assertProblem(await server.req('POST', '/api/v1/session', { body: { email: 'leaver@test.example', password: PASSWORD } }), 401);
  assert.equal((await admin.patch(`/api/v1/users/${u.id}`, { active: true })).status, 200);
  assert.equal((await server.req('POST', '/api/v1/session', { body: { email: 'leaver@test.example', password: PASSWORD } })).status, 200);
  assertProblem(await client.get('/api/v1/departments'), 401); // revoked tokens stay revoked
});

test('administrators cannot lock themselves out', async () => {
  const me = (await admin.get('/api/v1/session')).json.user;
  assertProblem(await admin.patch(`/api/v1/users/${me.id}`, { active: false }), 422, 'active');
  assertProblem(await admin.patch(`/api/v1/users/${me.id}`, { roles: ['staff'] }), 422, 'roles');
  assert.equal((await admin.get('/api/v1/users')).status, 200);
});
