// security_review.test.mjs - the outside review's findings (../shared/reviews/security-2026-12.md,
// issue 14) kept fixed, one test per finding, through the real server: a token never grows or
// reaches the account's own security; every secret check is throttled; nobody acts as someone
// else; the security records are in the audit chain and verify names what was changed behind
// Custos's back; a password change ends the account's tokens; over TLS only the __Host- cookie
// counts; upload names lose invisible characters; a step refuses a body of another type.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Server, cli, assertProblem, PASSWORD } from './harness.mjs';

let server, adminS;
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

before(async () => {
  server = new Server();
  server.addUser('ism@test.example', 'isms_manager', 'Ism');
  server.addUser('admin@test.example', 'admin', 'Admin');
  server.addUser('admin2@test.example', 'admin', 'Second Admin');
  for (const n of ['owner', 'thrower', 'coder', 'mover', 'linker']) server.addUser(`${n}@test.example`, 'staff', n);
  await server.start();
  adminS = await server.sessionClient('admin@test.example');
});
after(async () => { await server.stop(); server.cleanup(); });

// F1: a limited or expiring token can do nothing to its owner's account, and mints nothing
test('F1: a limited, expiring token reaches none of the account routes and mints no broader token', async () => {
  const s = await server.sessionClient('owner@test.example');
  const t = await s.post('/api/v1/tokens', { name: 'ro', permissions: 'departments:read', expires_at: '2031-01-01T00:00:00Z' });
  assert.equal(t.status, 201, t.text);
  const h = bearer(t.json.token);
  const probes = [
    ['POST', '/api/v1/tokens', { name: 'x', permissions: '*:*' }],
    ['POST', '/api/v1/tokens', { name: 'x' }],
    ['GET', '/api/v1/tokens'],
    ['DELETE', `/api/v1/tokens/${t.json.id}`],
    ['POST', '/api/v1/session/password', { current_password: PASSWORD, new_password: 'A brand new passphrase 1' }],
    ['POST', '/api/v1/session/mfa', {}],
    ['POST', '/api/v1/session/mfa/confirm', { code: '123456' }],
    ['DELETE', '/api/v1/session/mfa', { code: '123456' }],
    ['GET', '/api/v1/users'],
    ['POST', '/api/v1/users', { email: 'newism@test.example', name: 'X', roles: ['isms_manager'], password: 'Quite-Long-Secret-2026' }],
    ['PUT', '/api/v1/settings/mfa', { required_roles: [] }],
  ];
  for (const [method, path, body] of probes) {
    const r = await server.req(method, path, { headers: h, body });
    assertProblem(r, 403);
  }
  // the pages of the account take no token either (a form post with a bearer header)
  for (const path of ['/account/tokens', '/account/password', '/account/mfa', '/admin/users']) {
    const r = await server.req('POST', path, { headers: { ...h, 'Content-Type': 'application/x-www-form-urlencoded' }, raw: 'name=y' });
    assert.equal(r.status, 403, path);
  }
  assert.equal((await server.req('GET', '/account', { headers: h })).status, 403);
  // nothing happened: one token, the password as it was, no second factor
  assert.equal((await s.get('/api/v1/tokens')).json.items.length, 1);
  assert.equal((await server.req('POST', '/api/v1/session', { body: { email: 'owner@test.example', password: PASSWORD } })).status, 200);
  // and the token still works where it may
  assert.equal((await server.req('GET', '/api/v1/departments', { headers: h })).status, 200);
  assertProblem(await server.req('GET', '/api/v1/assets', { headers: h }), 403);
});

// F2: the current password and the code that removes a second factor count like sign-in guesses
test('F2: guessing the current password or the code that turns off a second factor is throttled, API and page', async () => {
  const s = await server.sessionClient('thrower@test.example');
  const statuses = [];
  for (let i = 0; i < 8; i++) {
    const r = await s.post('/api/v1/session/password', { current_password: `guess ${i} guess ${i}`, new_password: 'A brand new passphrase 2' });
    statuses.push(r.status);
  }
  assert.deepEqual(statuses.slice(0, 5), [422, 422, 422, 422, 422]);
  const last = await s.post('/api/v1/session/password', { current_password: PASSWORD, new_password: 'A brand new passphrase 2' });
  assertProblem(last, 429);
  assert.ok(Number(last.headers.get('retry-after')) >= 1);
  // the same count holds at sign-in: the guesses were the account's
  assertProblem(await server.req('POST', '/api/v1/session', { body: { email: 'thrower@test.example', password: PASSWORD } }), 429);
  // the page says so too
  const page = await server.req('GET', '/account', { headers: { Cookie: s.h.Cookie } });
  const csrf = page.text.match(/name="_csrf" value="([^"]*)"/)[1];
  const form = await server.req('POST', '/account/password', { headers: { Cookie: s.h.Cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    raw: new URLSearchParams({ _csrf: csrf, current_password: PASSWORD, new_password: 'A brand new passphrase 2' }).toString() });
  assert.equal(form.status, 429);
  assert.ok(form.headers.get('retry-after'));
  assert.match(form.text, /Too many wrong attempts/);
  // the password did not change
  const th = server.sql("SELECT count(*) FROM audit_events WHERE entity = 'user' AND action = 'password_change'"
    + " AND entity_id = (SELECT id FROM users WHERE email = 'thrower@test.example')");
  assert.equal(th, '0');
});

test('F2: the code that turns off a second factor is throttled', async () => {
  const s = await server.sessionClient('coder@test.example');
  const begin = await s.post('/api/v1/session/mfa', {});
  assert.equal(begin.status, 201, begin.text);
  const code = totp(begin.json.secret);
  assert.equal((await s.post('/api/v1/session/mfa/confirm', { code })).status, 200);
  const statuses = [];
  for (let i = 0; i < 7; i++) statuses.push((await s.req('DELETE', '/api/v1/session/mfa', { body: { code: String(100000 + i) } })).status);
  assert.deepEqual(statuses.slice(0, 5), [422, 422, 422, 422, 422]);
  assert.equal(statuses.at(-1), 429, statuses.join());
  // still on
  assert.equal(server.sql("SELECT count(*) FROM user_mfa m JOIN users u ON u.id = m.user_id WHERE u.email = 'coder@test.example' AND m.confirmed_at IS NOT NULL"), '1');
});

// F4: one account per person, and nobody changes their own powers
test('F4: a person has one account; an administrator changes neither their own roles nor who they are', async () => {
  const person = await (await server.tokenClient('ism@test.example')).post('/api/v1/departments', { name: 'Linking' });
  assert.equal(person.status, 201, person.text);
  const ism = await server.tokenClient('ism@test.example');
  const p = await ism.post('/api/v1/people', { name: 'Linda Linker', email: 'linda@test.example', department_id: person.json.id, employment_type: 'employee' });
  assert.equal(p.status, 201, p.text);
  const users = (await adminS.get('/api/v1/users')).json.items;
  const id = (email) => users.find((u) => u.email === email).id;
  assert.equal((await adminS.patch(`/api/v1/users/${id('linker@test.example')}`, { person_id: p.json.id })).status, 200);
  // a second account for the same person is refused, by administrator and by database alike
  const second = await adminS.patch(`/api/v1/users/${id('mover@test.example')}`, { person_id: p.json.id });
  assertProblem(second, 422, 'person_id');
  assert.match(second.json.errors[0].message, /already linked to another account/);
  // an administrator's own roles, person and department stay as another administrator set them
  const me = id('admin@test.example');
  for (const patch of [{ roles: ['admin', 'board'] }, { person_id: p.json.id }, { roles: ['staff'] }, { department_id: person.json.id }]) {
    const r = await adminS.patch(`/api/v1/users/${me}`, patch);
    assertProblem(r, 422, Object.keys(patch)[0]);
  }
  assert.deepEqual((await adminS.get(`/api/v1/users/${me}`)).json.roles, ['admin']);
  // another administrator may
  const other = await server.sessionClient('admin2@test.example');
  assert.equal((await other.patch(`/api/v1/users/${me}`, { roles: ['admin', 'auditor'] })).status, 422); // segregation of duties still
  assert.equal((await other.patch(`/api/v1/users/${me}`, { name: 'Admin Renamed' })).status, 200);
  // every change is in the trail, under who made it
  const ev = server.sql(`SELECT actor FROM audit_events WHERE entity = 'user' AND entity_id = ${id('linker@test.example')} AND action = 'update' AND changes LIKE '%"person_id":[null,${p.json.id}]%'`);
  assert.equal(ev, 'admin@test.example');
});

// F3 / item 4: the security records replay like register rows
test('F3: audit verify names a role, password hash, person link, token, setting or version changed behind Custos\'s back', async () => {
  const verify = () => cli(['audit', 'verify', '--db', server.db]);
  const ok = verify();
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^ok \d+ accounts, \d+ API tokens and the security settings match their audit history$/m);
  const staffId = server.sql("SELECT id FROM users WHERE email = 'mover@test.example'");
  const cases = [
    [`INSERT INTO user_roles (user_id, role) VALUES (${staffId}, 'isms_manager')`, `DELETE FROM user_roles WHERE user_id = ${staffId} AND role = 'isms_manager'`, /account \d+: field roles/],
    [`UPDATE users SET password_hash = password_hash || 'x' WHERE id = ${staffId}`, `UPDATE users SET password_hash = substr(password_hash, 1, length(password_hash) - 1) WHERE id = ${staffId}`, /account \d+: field password/],
    [`UPDATE users SET person_id = 999 WHERE id = ${staffId}`, `UPDATE users SET person_id = NULL WHERE id = ${staffId}`, /account \d+: field person_id/],
    [`UPDATE users SET version = version + 5 WHERE id = ${staffId}`, `UPDATE users SET version = version - 5 WHERE id = ${staffId}`, /account \d+: field version/],
    [`INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (${staffId}, 'backdoor', 'h', '2026-01-01T00:00:00Z')`, "DELETE FROM api_tokens WHERE name = 'backdoor'", /API token \d+: stored, but the audit trail never created it/],
    ["INSERT INTO mfa_required_roles (role) VALUES ('board')", "DELETE FROM mfa_required_roles WHERE role = 'board'", /settings: mfa_required_roles differs/],
    ['UPDATE departments SET version = version + 1', 'UPDATE departments SET version = version - 1', /department \d+: version \d+, but its audit history has \d+ change/],
  ];
  for (const [tamper, undo, named] of cases) {
    server.sql(tamper);
    const v = verify();
    assert.equal(v.status, 1, `${tamper}: ${v.stdout}`);
    assert.match(v.stdout, named, tamper);
    server.sql(undo);
    const back = verify();
    assert.equal(back.status, 0, `after undoing ${tamper}: ${back.stdout}`);
  }
});

// F5: a password change ends the account's tokens too (a second factor: mfa.test.mjs)
test('F5: changing the password ends the other sessions and revokes the account\'s tokens', async () => {
  const s = await server.sessionClient('mover@test.example');
  const other = await server.sessionClient('mover@test.example');
  const t = await s.post('/api/v1/tokens', { name: 'script' });
  assert.equal(t.status, 201);
  const r = await s.post('/api/v1/session/password', { current_password: PASSWORD, new_password: 'A brand new passphrase 3' });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.note, /every API token of the account was revoked/);
  assertProblem(await server.req('GET', '/api/v1/session', { headers: bearer(t.json.token) }), 401);
  assertProblem(await other.get('/api/v1/session'), 401);
  const revoked = server.sql(`SELECT count(*) FROM audit_events WHERE entity = 'api_token' AND entity_id = ${t.json.id} AND action = 'revoke'`);
  assert.equal(revoked, '1');
});

// F7: over TLS the bare-named cookie is no session (cookie tossing)
test('F7: behind TLS only the __Host- cookie signs in; a planted bare custos_session is refused', async () => {
  const tls = new Server();
  try {
    tls.addUser('t@test.example', 'staff');
    await tls.start(['--trust-proxy']);
    const https = { 'X-Forwarded-Proto': 'https' };
    const r = await tls.req('POST', '/api/v1/session', { body: { email: 't@test.example', password: PASSWORD }, headers: https });
    const value = r.headers.get('set-cookie').match(/^__Host-custos_session=([^;]+)/)[1];
    assert.equal((await tls.req('GET', '/api/v1/session', { headers: { ...https, Cookie: `__Host-custos_session=${value}` } })).status, 200);
    assertProblem(await tls.req('GET', '/api/v1/session', { headers: { ...https, Cookie: `custos_session=${value}` } }), 401);
    // plain HTTP (local use) keeps the bare name
    const plain = await tls.req('POST', '/api/v1/session', { body: { email: 't@test.example', password: PASSWORD } });
    const pv = plain.headers.get('set-cookie').match(/^custos_session=([^;]+)/)[1];
    assert.equal((await tls.req('GET', '/api/v1/session', { headers: { Cookie: `custos_session=${pv}` } })).status, 200);
  } finally {
    await tls.stop();
    tls.cleanup();
  }
});

// F9: a right-to-left override cannot disguise a download's name
test('F9: uploaded names lose bidi overrides and other invisible characters', async () => {
  const ism = await server.tokenClient('ism@test.example');
  const fw = await ism.post('/api/v1/frameworks', { code: 'T', name: 'Test' });
  assert.equal(fw.status, 201, fw.text);
  const cc = await ism.post('/api/v1/catalog_controls', { framework_id: fw.json.id, control_id: 'T.1', title: 'A control' });
  assert.equal(cc.status, 201, cc.text);
  const ctl = await ism.post('/api/v1/controls', { catalog_control_id: cc.json.id, applicable: true });
  assert.equal(ctl.status, 201, ctl.text);
  const ev = await ism.post('/api/v1/evidence', { control_id: ctl.json.id, title: 'Scan', collected_on: '2026-12-01' });
  assert.equal(ev.status, 201, ev.text);
  const name = encodeURIComponent('\u202egpj.exe\u200b\u2066');
  const put = await ism.req('PUT', `/api/v1/evidence/${ev.json.id}/files/file?name=${name}`, { raw: Buffer.from('MZ'), headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.file.name, 'gpj.exe');
  const got = await ism.get(`/api/v1/evidence/${ev.json.id}/files/file`);
  assert.match(got.headers.get('content-disposition'), /filename="gpj\.exe"/);
  assert.doesNotMatch(got.headers.get('content-disposition'), /%E2%80%AE/i);
});

// item 13: a JSON route given another type of body
test('a workflow step given a body that is not JSON is 415, even when empty', async () => {
  const ism = await server.tokenClient('ism@test.example');
  const m = await ism.get('/api/v1/risk_methods');
  const id = m.json.items[0]?.id ?? 1;
  for (const raw of ['', 'activate please']) {
    const r = await ism.req('POST', `/api/v1/risk_methods/${id}/activate`, { raw, headers: { 'Content-Type': 'text/plain' } });
    assertProblem(r, 415);
  }
});

// RFC 6238 with SHA-1, 30 s steps, 6 digits
function totp(secret, at = Date.now()) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '')) bits += abc.indexOf(ch).toString(2).padStart(5, '0');
  const key = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) key.push(parseInt(bits.slice(i, i + 8), 2));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac('sha1', Buffer.from(key)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}
