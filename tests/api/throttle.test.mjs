// throttle.test.mjs - failed sign-ins slow down per account and per client address, with 429
// and Retry-After, and the same answer whether the account exists or not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertProblem, PASSWORD } from './harness.mjs';

let server;
before(async () => {
  server = new Server();
  server.addUser('victim@test.example', 'staff');
  await server.start();
});
after(async () => { await server.stop(); server.cleanup(); });

const signIn = (email, password) => server.req('POST', '/api/v1/session', { body: { email, password } });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('an account slows down after five failures, exponentially, for known and unknown alike', async () => {
  for (const email of ['victim@test.example', 'ghost@test.example']) {
    for (let i = 0; i < 6; i++) assertProblem(await signIn(email, 'wrong password!'), 401);
    const blocked = await signIn(email, PASSWORD); // even the right password waits
    assertProblem(blocked, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    await sleep(1100);
    assertProblem(await signIn(email, 'wrong password!'), 401); // 7th failure: 2 s
    const r = await signIn(email, 'wrong password!');
    assertProblem(r, 429);
    assert.equal(r.headers.get('retry-after'), '2');
  }
  await sleep(2100);
  assert.equal((await signIn('victim@test.example', PASSWORD)).status, 200);
  // success cleared the account's count
  assertProblem(await signIn('victim@test.example', 'wrong password!'), 401);
  assert.equal((await signIn('victim@test.example', PASSWORD)).status, 200);
});

test('an address trying many accounts is slowed too', async () => {
  let saw429 = false;
  for (let i = 0; i < 30 && !saw429; i++) {
    const r = await signIn(`spray${i}@test.example`, 'wrong password!');
    if (r.status === 429) saw429 = true;
    else assertProblem(r, 401);
  }
  assert.ok(saw429, 'no 429 after 30 accounts from one address');
});
