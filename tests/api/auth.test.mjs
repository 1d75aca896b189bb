// auth.test.mjs - credentials are required on every API route; sessions, CSRF, tokens, roles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, assertProblem, seedBasics, assetBody, PASSWORD, cli } from './harness.mjs';

let server, ism, admin, staff, basics;
before(async () => {
  ({ server, ism, admin, staff } = await startWithUsers());
  basics = await seedBasics(ism);
});
after(async () => { await server.stop(); server.cleanup(); });

const registers = ['departments', 'people', 'assets', 'interested_parties'];

// Every authenticated route from the router's own table, with {entity} and {id} filled in.
function everyRoute() {
  const out = [];
  for (const line of cli(['routes']).stdout.trim().split('\n')) {
    const [method, pattern, auth] = line.split(/\s+/);
    if (auth !== 'auth' || !pattern.startsWith('/api/')) continue; // UI pages: ui.test.mjs
    const plurals = pattern.includes('{entity}') ? registers : [null];
    for (const p of plurals) out.push([method, pattern.replace('{entity}', p).replace('{id}', '1')]);
  }
  assert.ok(out.length > 30);
  return out;
}

test('every API route answers 401 without valid credentials', async () => {
  const bad = [{}, { Authorization: 'Bearer cst_nonsense' }, { Authorization: 'Basic YTpi' },
    { Cookie: 'custos_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, { Cookie: 'custos_session=x' }];
  for (const [method, path] of everyRoute()) {
    for (const headers of bad) {
      const r = await server.req(method, path, { headers, body: ['POST', 'PATCH', 'PUT'].includes(method) ? {} : undefined });
      assertProblem(r, 401);
      assert.match(r.headers.get('www-authenticate') || '', /Bearer/);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
  }
});

test('health and the sign-in page are public; the root page asks to sign in', async () => {
  const h = await server.req('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
  const root = await server.req('GET', '/', { redirect: 'manual' });
  assert.equal(root.status, 303);
  assert.equal(root.headers.get('location'), '/login?next=%2F');
  const login = await server.req('GET', '/login');
  assert.equal(login.status, 200);
  assert.match(login.headers.get('content-security-policy'), /default-src 'none'/);
  assert.doesNotMatch(login.headers.get('content-security-policy'), /unsafe-inline/);
  assert.equal(login.headers.get('x-content-type-options'), 'nosniff');
});

test('unknown routes are 404 and wrong methods 405 with Allow', async () => {
  assertProblem(await ism.get('/api/v1/nonsense'), 404);
  assertProblem(await ism.get('/api/v1/assets/abc'), 404);
  const r = await ism.req('PUT', '/api/v1/assets/1', { body: {} });
  assertProblem(r, 405);
  assert.match(r.headers.get('allow'), /PATCH/);
});

test('sign-in: cookie flags, same answer for unknown user and wrong password', async () => {
  const s = await server.login('staff@test.example');
  assert.match(s.setCookie, /custos_session=/);
  assert.match(s.setCookie, /HttpOnly/);
  assert.match(s.setCookie, /SameSite=Lax/);
  assert.match(s.setCookie, /Path=\//);
  assert.ok(s.csrf.length >= 40);
  const wrong = await server.req('POST', '/api/v1/session', { body: { email: 'staff@test.example', password: 'not the password' } });
  const unknown = await server.req('POST', '/api/v1/session', { body: { email: 'nobody@test.example', password: 'not the password' } });
  assertProblem(wrong, 401);
  assertProblem(unknown, 401);
  assert.equal(wrong.text, unknown.text);
  assert.equal(wrong.headers.get('set-cookie'), null);
  assertProblem(await server.req('POST', '/api/v1/session', { body: { email: 'staff@test.example' } }), 422, 'password');
  assertProblem(await server.req('POST', '/api/v1/session', { body: { email: 'a', password: 'b', extra: 1 } }), 422, 'extra');
});

test('a cookie session needs the CSRF token on unsafe requests; sign-out revokes it', async () => {
  const s = await server.login('ism@test.example');
  const who = await server.req('GET', '/api/v1/session', { headers: { Cookie: s.cookie } });
  assert.equal(who.status, 200);
  assert.equal(who.json.user.email, 'ism@test.example');
  assert.deepEqual(who.json.user.roles, ['isms_manager']);
  assert.equal(who.json.csrf, s.csrf);
  const body = { name: 'CSRF test' };
  const path = '/api/v1/departments';
  assertProblem(await server.req('POST', path, { body, headers: { Cookie: s.cookie } }), 403);
  assertProblem(await server.req('POST', path, { body, headers: { Cookie: s.cookie, 'X-CSRF-Token': 'x'.repeat(43) } }), 403);
  const ok = await server.req('POST', path, { body, headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
  assert.equal(ok.status, 201, ok.text);
  // GET needs no token
  assert.equal((await server.req('GET', path, { headers: { Cookie: s.cookie } })).status, 200);
  // sign out: CSRF needed too, then the cookie is dead
  assertProblem(await server.req('DELETE', '/api/v1/session', { headers: { Cookie: s.cookie } }), 403);
  const out = await server.req('DELETE', '/api/v1/session', { headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  assertProblem(await server.req('GET', path, { headers: { Cookie: s.cookie } }), 401);
});

test('bearer tokens: shown once, listed without the secret, revocable, no CSRF needed', async () => {
  const s = await server.login('staff@test.example');
  const h = { Cookie: s.cookie, 'X-CSRF-Token': s.csrf };
  const t = await server.req('POST', '/api/v1/tokens', { body: { name: 'script' }, headers: h });
  assert.equal(t.status, 201);
  assert.match(t.json.token, /^cst_[A-Za-z0-9_-]{43}$/);
  const list = await server.req('GET', '/api/v1/tokens', { headers: h });
  assert.equal(list.status, 200);
  assert.ok(list.json.items.some((x) => x.name === 'script'));
  assert.ok(!list.text.includes(t.json.token.slice(4)));
  const bearer = { Authorization: `Bearer ${t.json.token}` };
  assert.equal((await server.req('GET', '/api/v1/assets', { headers: bearer })).status, 200);
  // the token itself reaches no token route: those take the session
  assertProblem(await server.req('DELETE', `/api/v1/tokens/${t.json.id}`, { headers: bearer }), 403);
  const del = await server.req('DELETE', `/api/v1/tokens/${t.json.id}`, { headers: h });
  assert.equal(del.status, 204);
  assertProblem(await server.req('GET', '/api/v1/assets', { headers: bearer }), 401);
  assertProblem(await server.req('POST', '/api/v1/tokens', { body: { name: 'old', expires_at: '2001-01-01T00:00:00Z' }, headers: h }), 422, 'expires_at');
  assertProblem(await server.req('POST', '/api/v1/tokens', { body: {}, headers: h }), 422, 'name');
  assertProblem(await server.req('DELETE', '/api/v1/tokens/999999', { headers: h }), 404);
});

test('a user without write rights reads but cannot change anything', async () => {
  assert.equal((await staff.get('/api/v1/assets')).status, 200);
  assert.equal((await staff.get(`/api/v1/departments/${basics.dept.id}`)).status, 200);
  assertProblem(await staff.post('/api/v1/assets', assetBody(basics.person.id, basics.dept.id)), 403);
  assertProblem(await staff.patch(`/api/v1/departments/${basics.dept.id}`, { name: 'Hijacked' }), 403);
  assertProblem(await staff.del(`/api/v1/departments/${basics.dept.id}`), 403);
  // the system administrator runs accounts, not ISMS content
  assertProblem(await admin.post('/api/v1/departments', { name: 'Admin made' }), 403);
  assertProblem(await admin.get('/api/v1/assets'), 403);
  const d = await ism.get(`/api/v1/departments/${basics.dept.id}`);
  assert.equal(d.json.name, 'Operations');
});

test('passwords are checked at the CLI', async () => {
  // kept here so the file exercises the account path end to end
  assert.ok(PASSWORD.length >= 12);
});

test('password change: checks the current one, refuses weak ones, ends every session', async () => {
  server.addUser('mover@test.example', 'staff', 'Mover');
  const a = await server.login('mover@test.example');
  const b = await server.login('mover@test.example');
  const h = { Cookie: a.cookie, 'X-CSRF-Token': a.csrf };
  const path = '/api/v1/session/password';
  assertProblem(await server.req('POST', path, { headers: h, body: { current_password: 'wrong one here', new_password: 'violet tractor umbrella' } }), 422, 'current_password');
  for (const weak of ['short', 'password1234', 'mover-is-me-2026']) {
    assertProblem(await server.req('POST', path, { headers: h, body: { current_password: PASSWORD, new_password: weak } }), 422, 'new_password');
  }
  assertProblem(await server.req('POST', path, { headers: { Cookie: a.cookie }, body: { current_password: PASSWORD, new_password: 'violet tractor umbrella' } }), 403);
  const ok = await server.req('POST', path, { headers: h, body: { current_password: PASSWORD, new_password: 'violet tractor umbrella' } });
  assert.equal(ok.status, 200, ok.text);
  const fresh = ok.headers.get('set-cookie').split(';')[0];
  assert.notEqual(fresh, a.cookie);
  assertProblem(await server.req('GET', '/api/v1/session', { headers: { Cookie: a.cookie } }), 401);
  assertProblem(await server.req('GET', '/api/v1/session', { headers: { Cookie: b.cookie } }), 401);
  assert.equal((await server.req('GET', '/api/v1/session', { headers: { Cookie: fresh } })).status, 200);
  assertProblem(await server.req('POST', '/api/v1/session', { body: { email: 'mover@test.example', password: PASSWORD } }), 401);
  assert.equal((await server.req('POST', '/api/v1/session', { body: { email: 'mover@test.example', password: 'violet tractor umbrella' } })).status, 200);
});

test('a token can carry only part of its owner\'s rights, and cannot widen them', async () => {
  const ismS = await server.sessionClient('ism@test.example');
  const staffS = await server.sessionClient('staff@test.example');
  const adminS = await server.sessionClient('admin@test.example');
  const mk = (client, permissions, more = {}) => client.post('/api/v1/tokens', { name: 'limited', permissions, ...more });
  assertProblem(await mk(ismS, 'assets:fly'), 422, 'permissions');
  assertProblem(await mk(ismS, 'spaceships:read'), 422, 'permissions');
  assertProblem(await mk(ismS, ''), 422, 'permissions');
  assertProblem(await mk(ismS, 'account:everything'), 422, 'permissions');
  assertProblem(await mk(ismS, 'assets:read,'), 422, 'permissions');
  const t = await mk(ismS, 'assets:read,departments:*');
  assert.equal(t.status, 201, t.text);
  assert.equal(t.json.permissions, 'assets:read,departments:*');
  const h = { Authorization: `Bearer ${t.json.token}` };
  assert.equal((await server.req('GET', '/api/v1/assets', { headers: h })).status, 200);
  assertProblem(await server.req('GET', '/api/v1/people', { headers: h }), 403);
  assertProblem(await server.req('POST', '/api/v1/assets', { headers: h, body: assetBody(basics.person.id, basics.dept.id) }), 403);
  const d = await server.req('POST', '/api/v1/departments', { headers: h, body: { name: 'Via limited token' } });
  assert.equal(d.status, 201, d.text);
  // without the account:tokens permission a token makes no token at all
  assertProblem(await server.req('POST', '/api/v1/tokens', { headers: h, body: { name: 'child' } }), 403);
  // with it, a child inherits the limits and the expiry, and never exceeds them
  const p = await mk(ismS, 'assets:read,departments:*,account:tokens', { expires_at: '2031-01-01T00:00:00Z' });
  assert.equal(p.status, 201, p.text);
  const ph = { Authorization: `Bearer ${p.json.token}` };
  const child = await server.req('POST', '/api/v1/tokens', { headers: ph, body: { name: 'child' } });
  assert.equal(child.status, 201, child.text);
  assert.equal(child.json.permissions, 'assets:read,departments:*,account:tokens');
  assert.equal(child.json.expires_at, '2031-01-01T00:00:00Z');
  for (const wider of ['*:*', 'assets:update', 'people:read', 'account:users', 'departments:*,risks:read']) {
    assertProblem(await server.req('POST', '/api/v1/tokens', { headers: ph, body: { name: 'wide', permissions: wider } }), 422, 'permissions');
  }
  assertProblem(await server.req('POST', '/api/v1/tokens', { headers: ph, body: { name: 'later', expires_at: '2031-01-02T00:00:00Z' } }), 422, 'expires_at');
  const narrow = await server.req('POST', '/api/v1/tokens', { headers: ph, body: { name: 'narrow', permissions: 'assets:read', expires_at: '2030-01-01T00:00:00Z' } });
  assert.equal(narrow.status, 201, narrow.text);
  assert.equal(narrow.json.permissions, 'assets:read');
  // the user's own rights still bound a token: staff cannot create departments with *:*
  const s = await mk(staffS, '*:*');
  const sh = { Authorization: `Bearer ${s.json.token}` };
  assertProblem(await server.req('POST', '/api/v1/departments', { headers: sh, body: { name: 'nope' } }), 403);
  // an administrator's token administers accounts only when made for it
  const a = await mk(adminS, '*:read');
  assertProblem(await server.req('GET', '/api/v1/users', { headers: { Authorization: `Bearer ${a.json.token}` } }), 403);
  const plain = await adminS.post('/api/v1/tokens', { name: 'all registers' });
  assertProblem(await server.req('GET', '/api/v1/users', { headers: { Authorization: `Bearer ${plain.json.token}` } }), 403);
  const au = await mk(adminS, 'account:users');
  assert.equal((await server.req('GET', '/api/v1/users', { headers: { Authorization: `Bearer ${au.json.token}` } })).status, 200);
  // the power is the role's too: staff's token with it still administers nothing
  const su = await mk(staffS, 'account:users');
  assertProblem(await server.req('GET', '/api/v1/users', { headers: { Authorization: `Bearer ${su.json.token}` } }), 403);
  const list = await ismS.get('/api/v1/tokens');
  assert.ok(list.json.items.some((x) => x.permissions === 'assets:read,departments:*'));
});
