// sessions.test.mjs - sign-in and sign-out, the session cookie's flags, CSRF on every unsafe method with a cookie (and none with a bearer token), and API tokens: shown once, expiring, revocable, private to their owner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, seedBasics, PASSWORD } from './harness.mjs';
import { problem, REGISTERS, validBody, PATCHES, snapshot } from './contract.mjs';

let server, ism, staff, basics;
let s1, s2; // two cookie sessions of the ISM
before(async () => {
  ({ server } = await startWithUsers());
  // tokens that may manage their owner's tokens (account:tokens), as scripts that rotate them do
  ism = await server.tokenClient('ism@test.example', { permissions: '*:*,account:tokens' });
  staff = await server.tokenClient('staff@test.example', { permissions: '*:*,account:tokens' });
  basics = await seedBasics(ism);
  s1 = await server.login('ism@test.example');
  s2 = await server.login('ism@test.example');
});
after(async () => { await server.stop(); server.cleanup(); });

const cookieReq = (s, method, path, { csrf, body } = {}) => {
  const headers = { Cookie: s.cookie };
  if (csrf !== undefined) headers['X-CSRF-Token'] = csrf;
  return server.req(method, path, { headers, body });
};

test('the session cookie is HttpOnly, SameSite=Lax, Path=/, and not Secure on plain HTTP', () => {
  const parts = s1.setCookie.split(';').map((x) => x.trim());
  assert.match(parts[0], /^custos_session=[A-Za-z0-9_-]{20,}$/);
  const attrs = parts.slice(1).map((x) => x.toLowerCase());
  assert.ok(attrs.includes('httponly'), s1.setCookie);
  assert.ok(attrs.includes('samesite=lax'), s1.setCookie);
  assert.ok(attrs.includes('path=/'), s1.setCookie);
  assert.ok(!attrs.includes('secure'), s1.setCookie);
  assert.ok(!attrs.some((a) => a.startsWith('domain=')), s1.setCookie);
  const maxAge = attrs.find((a) => a.startsWith('max-age='));
  assert.ok(maxAge && Number(maxAge.split('=')[1]) > 0, s1.setCookie);
  assert.notEqual(s1.cookie, s2.cookie, 'each sign-in is a new session');
  assert.notEqual(s1.csrf, s2.csrf, 'each session has its own CSRF token');
});

test('GET /api/v1/session tells who is signed in, and how', async () => {
  const c = await cookieReq(s1, 'GET', '/api/v1/session');
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.user.email, 'ism@test.example');
  assert.equal(c.json.user.name, 'Ism');
  assert.deepEqual(c.json.user.roles, ['isms_manager']);
  assert.equal(typeof c.json.user.id, 'number');
  assert.equal(c.json.auth, 'session');
  assert.equal(c.json.csrf, s1.csrf);
  const t = await staff.get('/api/v1/session');
  assert.equal(t.status, 200);
  assert.equal(t.json.user.email, 'staff@test.example');
  assert.deepEqual(t.json.user.roles, ['staff']);
  assert.equal(t.json.auth, 'token');
  assert.equal(t.json.csrf, undefined);
});

test('wrong password and unknown e-mail get the same 401, with no cookie', async () => {
  const answers = [];
  for (const body of [{ email: 'staff@test.example', password: 'wrong password 1' },
    { email: 'nobody@test.example', password: 'wrong password 1' }]) {
    const r = await server.req('POST', '/api/v1/session', { body });
    problem(r, 401);
    assert.equal(r.headers.get('set-cookie'), null);
    answers.push(r.text);
  }
  assert.equal(answers[0], answers[1]);
  // the e-mail is matched without regard to case
  const ok = await server.req('POST', '/api/v1/session', { body: { email: 'STAFF@Test.Example', password: PASSWORD } });
  assert.equal(ok.status, 200, ok.text);
});

test('an unknown e-mail costs as much time as a wrong password (no account discovery by timing)', async () => {
  const time = async (email) => {
    const t = process.hrtime.bigint();
    const r = await server.req('POST', '/api/v1/session', { body: { email, password: 'not the right one' } });
    problem(r, 401);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const known = [], unknown = [];
  for (let k = 0; k < 3; k++) { known.push(await time('admin@test.example')); unknown.push(await time(`ghost${k}@test.example`)); }
  const median = (a) => [...a].sort((x, y) => x - y)[1];
  // a password hash takes tens of milliseconds at least; an unknown e-mail must not skip it
  assert.ok(median(unknown) > 0.3 * median(known), `unknown ${unknown.map(Math.round)} ms vs known ${known.map(Math.round)} ms`);
});

// Every unsafe request a cookie holder can make on the registers and tokens, each on a record
// made for it; `effect` tells afterwards whether it took effect.
async function unsafeRequests(base) {
  const out = [];
  for (const [i, p] of REGISTERS.entries()) {
    const mk = async (n) => (await ism.post(`/api/v1/${p}`, validBody(p, basics, n))).json;
    out.push({ label: `POST /${p}`, method: 'POST', path: `/api/v1/${p}`, body: validBody(p, basics, base + i),
      effect: async () => (await ism.get(`/api/v1/${p}?q=${encodeURIComponent(validBody(p, basics, base + i).name)}`)).json.total === 1 });
    const a = await mk(base + 10 + i);
    out.push({ label: `PATCH /${p}/{id}`, method: 'PATCH', path: `/api/v1/${p}/${a.id}`, body: PATCHES[p],
      effect: async () => (await ism.get(`/api/v1/${p}/${a.id}`)).json.version === 2 });
    const b = await mk(base + 20 + i);
    out.push({ label: `DELETE /${p}/{id}`, method: 'DELETE', path: `/api/v1/${p}/${b.id}`,
      effect: async () => (await ism.get(`/api/v1/${p}/${b.id}`)).status === 404 });
  }
  out.push({ label: 'POST /tokens', method: 'POST', path: '/api/v1/tokens', body: { name: `csrf-probe-${base}` },
    effect: async () => (await ism.get('/api/v1/tokens')).json.items.some((t) => t.name === `csrf-probe-${base}`) });
  const t = (await ism.post('/api/v1/tokens', { name: 'to revoke' })).json;
  out.push({ label: 'DELETE /tokens/{id}', method: 'DELETE', path: `/api/v1/tokens/${t.id}`,
    effect: async () => (await server.req('GET', '/api/v1/session', { headers: { Authorization: `Bearer ${t.token}` } })).status === 401 });
  return out;
}

test('with a cookie, every unsafe method needs the session\'s CSRF token; GET does not', async () => {
  const reqs = await unsafeRequests(200);
  for (const r of reqs) {
    for (const [why, csrf] of [['no token', undefined], ['an empty token', ''], ['a wrong token', 'x'.repeat(s1.csrf.length)],
      ['a prefix of the token', s1.csrf.slice(0, -1)], ['the token of another session', s2.csrf]]) {
      const a = await cookieReq(s1, r.method, r.path, { csrf, body: r.body });
      problem(a, 403);
      assert.match(a.json.detail, /CSRF/i, `${r.label} with ${why}`);
      assert.equal(await r.effect(), false, `${r.label} with ${why} took effect`);
    }
  }
  for (const r of reqs) {
    const a = await cookieReq(s1, r.method, r.path, { csrf: s1.csrf, body: r.body });
    assert.ok([200, 201, 204].includes(a.status), `${r.label}: ${a.status} ${a.text}`);
    assert.equal(await r.effect(), true, `${r.label} with the right token had no effect`);
  }
  assert.equal((await cookieReq(s1, 'GET', '/api/v1/assets')).status, 200);
});

test('bearer requests need no CSRF token', async () => {
  const reqs = await unsafeRequests(300);
  for (const r of reqs) {
    const a = await ism.req(r.method, r.path, { body: r.body });
    assert.ok([200, 201, 204].includes(a.status), `${r.label}: ${a.status} ${a.text}`);
    assert.equal(await r.effect(), true, r.label);
  }
});

test('signing out ends that session only; its cookie is then refused everywhere', async () => {
  const s = await server.login('ism@test.example');
  problem(await cookieReq(s, 'DELETE', '/api/v1/session'), 403); // CSRF applies to sign-out too
  const out = await cookieReq(s, 'DELETE', '/api/v1/session', { csrf: s.csrf });
  assert.equal(out.status, 204, out.text);
  assert.match(out.headers.get('set-cookie'), /^custos_session=;.*Max-Age=0/);
  problem(await cookieReq(s, 'GET', '/api/v1/session'), 401);
  problem(await cookieReq(s, 'GET', '/api/v1/assets'), 401);
  problem(await cookieReq(s, 'POST', '/api/v1/departments', { csrf: s.csrf, body: { name: 'After sign-out' } }), 401);
  problem(await cookieReq(s, 'DELETE', '/api/v1/session', { csrf: s.csrf }), 401);
  // the user's other sessions and tokens live on
  assert.equal((await cookieReq(s2, 'GET', '/api/v1/session')).status, 200);
  assert.equal((await ism.get('/api/v1/session')).status, 200);
  // signing out with a bearer token ends nothing
  assert.equal((await ism.del('/api/v1/session')).status, 204);
  assert.equal((await ism.get('/api/v1/session')).status, 200);
});

test('a token is shown once, never listed, and works as a bearer until revoked', async () => {
  const before = (await ism.get('/api/v1/tokens')).json.items.length;
  const t = await ism.post('/api/v1/tokens', { name: 'once' });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.headers.get('location'), `/api/v1/tokens/${t.json.id}`);
  assert.equal(typeof t.json.token, 'string');
  assert.ok(t.json.token.length >= 32);
  const secret = t.json.token.replace(/^[a-z]+_/, '');
  const list = await ism.get('/api/v1/tokens');
  assert.equal(list.json.items.length, before + 1);
  assert.ok(!list.text.includes(secret), 'the list shows the secret');
  assert.ok(list.json.items.every((x) => x.token === undefined));
  const mine = list.json.items.find((x) => x.id === t.json.id);
  assert.equal(mine.name, 'once');
  assert.ok(!(await ism.get('/api/v1/session')).text.includes(secret));
  const bearer = { Authorization: `Bearer ${t.json.token}` };
  const who = await server.req('GET', '/api/v1/session', { headers: bearer });
  assert.equal(who.status, 200);
  assert.equal(who.json.user.email, 'ism@test.example');
  // another user neither sees nor revokes it
  assert.ok(!(await staff.get('/api/v1/tokens')).json.items.some((x) => x.id === t.json.id));
  problem(await staff.del(`/api/v1/tokens/${t.json.id}`), 404);
  assert.equal((await server.req('GET', '/api/v1/assets', { headers: bearer })).status, 200);
  // revoked: 401 from then on, and a second revocation is 404
  assert.equal((await server.req('DELETE', `/api/v1/tokens/${t.json.id}`, { headers: bearer })).status, 204);
  problem(await server.req('GET', '/api/v1/assets', { headers: bearer }), 401);
  problem(await ism.del(`/api/v1/tokens/${t.json.id}`), 404);
});

test('token input is checked; nothing is created when it is wrong', async () => {
  const count = async () => (await ism.get('/api/v1/tokens')).json.items.length;
  const n = await count();
  const cases = [
    [{ name: 'old', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
    [{ name: 'now', expires_at: new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z') }, 'expires_at'],
    [{ name: 'bad date', expires_at: '2099-02-30T00:00:00Z' }, 'expires_at'],
    [{ name: 'number', expires_at: 4102444800 }, 'expires_at'],
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'n'.repeat(101) }, 'name'],
    [{ name: 7 }, 'name'],
    [{ name: 'x', secret: 'y' }, 'secret'],
  ];
  for (const [body, field] of cases) problem(await ism.post('/api/v1/tokens', body), 422, field);
  problem(await ism.req('POST', '/api/v1/tokens', { raw: '{"name":"a","name":"b"}', headers: { 'Content-Type': 'application/json' } }), 400, 'name');
  problem(await ism.req('POST', '/api/v1/tokens', { raw: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415);
  assert.equal(await count(), n);
});

test('a token stops working when it expires', async () => {
  const at = new Date(Date.now() + 2000).toISOString().replace(/\.\d+Z$/, 'Z');
  const t = await ism.post('/api/v1/tokens', { name: 'short-lived', expires_at: at });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.json.expires_at, at);
  const bearer = { Authorization: `Bearer ${t.json.token}` };
  assert.equal((await server.req('GET', '/api/v1/session', { headers: bearer })).status, 200);
  await new Promise((r) => setTimeout(r, Date.parse(at) - Date.now() + 1200));
  problem(await server.req('GET', '/api/v1/session', { headers: bearer }), 401);
});

test('the staff user can sign in with a cookie but still not write', async () => {
  const s = await server.login('staff@test.example');
  const snap = await snapshot(ism, 'departments', basics.dept.id);
  problem(await cookieReq(s, 'POST', '/api/v1/departments', { csrf: s.csrf, body: { name: 'By staff' } }), 403);
  problem(await cookieReq(s, 'PATCH', `/api/v1/departments/${basics.dept.id}`, { csrf: s.csrf, body: { name: 'By staff' } }), 403);
  problem(await cookieReq(s, 'DELETE', `/api/v1/departments/${basics.dept.id}`, { csrf: s.csrf }), 403);
  assert.equal(await snapshot(ism, 'departments', basics.dept.id), snap);
});
