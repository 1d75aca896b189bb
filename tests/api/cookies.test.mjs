// cookies.test.mjs - behind TLS the session cookie is __Host- prefixed and Secure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD } from './harness.mjs';

let server;
before(async () => {
  server = new Server();
  server.addUser('u@test.example', 'staff');
  await server.start(['--trust-proxy']);
});
after(async () => { await server.stop(); server.cleanup(); });

test('a request forwarded as https gets a __Host- Secure cookie; plain http the bare name', async () => {
  const body = { email: 'u@test.example', password: PASSWORD };
  const tls = await server.req('POST', '/api/v1/session', { body, headers: { 'X-Forwarded-Proto': 'https' } });
  const c = tls.headers.get('set-cookie');
  assert.match(c, /^__Host-custos_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/);
  const plain = await server.req('POST', '/api/v1/session', { body });
  assert.match(plain.headers.get('set-cookie'), /^custos_session=.*; HttpOnly; SameSite=Lax$/);
  // the __Host- cookie is accepted back
  const r = await server.req('GET', '/api/v1/session', { headers: { Cookie: c.split(';')[0], 'X-Forwarded-Proto': 'https' } });
  assert.equal(r.status, 200);
});
