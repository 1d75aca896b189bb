// mfa.test.mjs - two-factor sign-in: enrolment with a QR code, TOTP codes usable once,
// single-use recovery codes, and roles for which the ISM requires a second factor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startWithUsers, assertProblem, PASSWORD } from './harness.mjs';

function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of s.replace(/=+$/, '')) bits += abc.indexOf(ch).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
// RFC 6238 with SHA-1, 30 s steps, 6 digits
function totp(secret, at = Date.now()) {
  const step = Math.floor(at / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

let server, ism, staff, admin, tokenOfStaff;
before(async () => {
  ({ server, ism, staff, admin } = await startWithUsers());
  tokenOfStaff = staff.h.Authorization.slice(7);
});
after(async () => { await server.stop(); server.cleanup(); });

const signIn = (email, extra = {}) => server.req('POST', '/api/v1/session', { body: { email, password: PASSWORD, ...extra } });

test('enrol, then sign in with a code that works once, or a recovery code that works once', async () => {
  // the second factor is the account's own business: a session, never a token
  assertProblem(await staff.post('/api/v1/session/mfa', undefined, { raw: '{}', headers: { 'Content-Type': 'application/json' } }), 403);
  const other = await server.sessionClient('staff@test.example');
  staff = await server.sessionClient('staff@test.example');
  const begin = await staff.post('/api/v1/session/mfa', undefined, { raw: '{}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(begin.status, 201, begin.text);
  assert.match(begin.json.secret, /^[A-Z2-7]{32}$/);
  assert.match(begin.json.otpauth_uri, /^otpauth:\/\/totp\/Custos:staff%40test\.example\?secret=/);
  assert.match(begin.json.qr_svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
  const secret = begin.json.secret;
  assertProblem(await staff.post('/api/v1/session/mfa/confirm', { code: '000000' === totp(secret) ? '111111' : '000000' }), 422, 'code');
  assertProblem(await staff.post('/api/v1/session/mfa/confirm', {}), 422, 'code');
  const t0 = Date.now();
  const code0 = totp(secret, t0);
  const ok = await staff.post('/api/v1/session/mfa/confirm', { code: code0 });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.recovery_codes.length, 10);
  assert.equal(new Set(ok.json.recovery_codes).size, 10);
  assert.match(ok.json.note, /other session ended/);
  // the session that turned it on goes on; every other session and the account's tokens end
  assert.equal((await staff.get('/api/v1/session')).status, 200);
  assertProblem(await other.get('/api/v1/session'), 401);
  assertProblem(await server.req('GET', '/api/v1/session', { headers: { Authorization: `Bearer ${tokenOfStaff}` } }), 401);

  assertProblem(await signIn('staff@test.example'), 401, 'totp');
  assertProblem(await signIn('staff@test.example', { totp: '12345' }), 401, 'totp');
  // the confirming code was spent; the next step's code is accepted (clock drift window) once
  assertProblem(await signIn('staff@test.example', { totp: code0 }), 401, 'totp');
  const next = totp(secret, t0 + 30000);
  assert.equal((await signIn('staff@test.example', { totp: next })).status, 200);
  assertProblem(await signIn('staff@test.example', { totp: next }), 401, 'totp');
  const rc = ok.json.recovery_codes[3];
  assert.equal((await signIn('staff@test.example', { totp: rc.toUpperCase() })).status, 200);
  assertProblem(await signIn('staff@test.example', { totp: rc }), 401, 'totp');
  // the password alone is not enough even when right; a wrong password says nothing about MFA
  const wrong = await server.req('POST', '/api/v1/session', { body: { email: 'staff@test.example', password: 'wrong password!', totp: next } });
  assertProblem(wrong, 401);
  assert.equal(wrong.json.errors, undefined);
});

test('the ISM requires a second factor for a role; accounts with it must set it up first', async () => {
  const ismS = await server.sessionClient('ism@test.example');
  const adminS = await server.sessionClient('admin@test.example');
  assertProblem(await adminS.req('PUT', '/api/v1/settings/mfa', { body: { required_roles: ['admin'] } }), 403);
  // a setting of security is the account's: a token reaches it only made for it
  assertProblem(await ism.req('PUT', '/api/v1/settings/mfa', { body: { required_roles: ['admin'] } }), 403);
  assertProblem(await ismS.req('PUT', '/api/v1/settings/mfa', { body: { required_roles: ['emperor'] } }), 422, 'required_roles');
  const put = await ismS.req('PUT', '/api/v1/settings/mfa', { body: { required_roles: ['admin'] } });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json.required_roles, ['admin']);
  assert.deepEqual((await ismS.get('/api/v1/settings/mfa')).json.required_roles, ['admin']);
  // the administrator's existing token and session are now held to the set-up routes
  const blocked = await admin.get('/api/v1/users');
  assertProblem(blocked, 403);
  assert.match(blocked.json.detail, /two-factor/);
  assertProblem(await adminS.get('/api/v1/users'), 403);
  const me = await admin.get('/api/v1/session');
  assert.equal(me.status, 200);
  assert.equal(me.json.mfa_setup_required, true);
  const begin = await adminS.req('POST', '/api/v1/session/mfa', { raw: '{}', headers: { 'Content-Type': 'application/json' } });
  const conf = await adminS.post('/api/v1/session/mfa/confirm', { code: totp(begin.json.secret) });
  assert.equal(conf.status, 200);
  assert.equal((await adminS.get('/api/v1/users')).status, 200);
  // the token made without the factor ended with the enrolment
  assertProblem(await admin.get('/api/v1/users'), 401);
  // a required factor cannot be switched off
  assertProblem(await adminS.req('DELETE', '/api/v1/session/mfa', { body: { code: totp(begin.json.secret, Date.now() + 30000) } }), 422, 'code');
  // others are not affected
  assert.equal((await ism.get('/api/v1/assets')).status, 200);
});
