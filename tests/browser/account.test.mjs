// account.test.mjs - my account in the browser: the page, changing the password, turning on
// two-factor sign-in with an authenticator code, and an API token created, used and revoked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, shot, signIn, submit, section, totp, STAFF, DEMO_PASSWORD } from './browser.mjs';

const s = suite();

test('my account: password, two-factor sign-in, API tokens', async () => {
  const { context, page, watch } = await open(s, { email: STAFF });
  await page.getByRole('link', { name: 'My account', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/account');
  await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
  for (const h of ['Password', 'Two-factor sign-in', 'API tokens'])
    await page.getByRole('heading', { name: h, exact: true }).waitFor();
  await shot(page, 'account');
  clean(watch);
  await context.close();
});

test('change the password: the wrong current one is refused, the new one signs in', async () => {
  const who = 'priya.natarajan@westcloud.example';
  const fresh = 'a brand new passphrase 42';
  const { context, page, watch } = await open(s, { email: who });
  await page.goto('/account');
  const pw = section(page, 'Password');
  await pw.getByLabel('Current password').fill('not my password');
  await pw.getByLabel(/^New password/).fill(fresh);
  const bad = await submit(page, pw.getByRole('button'), '/account/password');
  assert.ok(bad.status() >= 400 && bad.status() < 500, `a wrong current password answered ${bad.status()}`);
  await page.locator('[role=alert]').first().waitFor();
  await section(page, 'Password').getByLabel('Current password').fill(DEMO_PASSWORD);
  await section(page, 'Password').getByLabel(/^New password/).fill(fresh);
  const ok = await submit(page, section(page, 'Password').getByRole('button'), '/account/password');
  assert.ok(ok.status() < 400, `changing the password answered ${ok.status()}`);
  await page.locator('[role=status]').first().waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await page.locator('#email').fill(who);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[role=alert]', { hasText: 'Wrong e-mail or password' }).waitFor();
  await signIn(page, who, { password: fresh });
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  clean(watch);
  await context.close();
});

test('turn on two-factor sign-in, then sign in with a code (a wrong one is refused)', async () => {
  const who = 'grace.mensah@westcloud.example';
  const { context, page, watch } = await open(s, { email: who });
  await page.goto('/account');
  const mfa = () => section(page, 'Two-factor sign-in');
  await submit(page, mfa().getByRole('button'), '/account/mfa');
  const secret = (await mfa().innerText()).match(/\b[A-Z2-7]{32}\b/)?.[0];
  assert.ok(secret, 'no secret shown to type into an app');
  assert.equal(await mfa().locator('svg, img').count() >= 1, true, 'no QR code');
  const t0 = Date.now();
  await mfa().getByLabel(/code/i).fill(totp(secret, t0));
  const on = await submit(page, mfa().getByRole('button'), '/account/mfa/confirm');
  assert.ok(on.status() < 400, `confirming answered ${on.status()}`);
  assert.ok((await mfa().innerText()).match(/\b[a-z0-9]{4,}[- ]?[a-z0-9]{4,}\b/i), 'no recovery codes shown');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');

  await page.locator('#email').fill(who);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#totp').fill(totp(secret, t0) === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('[role=alert]').first().waitFor();
  assert.equal(await page.getByRole('link', { name: 'My account' }).count(), 0, 'a wrong code signed in');
  // back at the code step (or at the start, when a wrong code ends the attempt)
  if (await page.locator('#totp').count() === 0) {
    await page.locator('#email').fill(who);
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.locator('#totp').fill(totp(secret, t0 + 30000));
  await Promise.all([page.waitForURL((u) => u.pathname === '/'),
    page.getByRole('button', { name: 'Verify' }).click()]);
  await page.goto('/account');
  assert.match(await mfa().innerText(), /\bon\b/i);
  clean(watch);
  await context.close();
});

test('an API token: created on the account page, shown once, usable, revoked', async () => {
  const { context, page, watch } = await open(s, { email: STAFF });
  await page.goto('/account');
  const tokens = () => section(page, 'API tokens');
  await tokens().getByLabel('Token name').fill('browser test');
  await submit(page, tokens().getByRole('button', { name: 'Create token' }), '/account/tokens');
  const token = (await tokens().innerText()).match(/\bcst_[A-Za-z0-9_-]{20,}/)?.[0];
  assert.ok(token, 'the new token is not shown');
  const use = () => s.server.req('GET', '/api/v1/session', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await use()).status, 200);
  await page.goto('/account');
  assert.ok(!(await tokens().innerText()).includes(token), 'the token is shown again');
  const row = tokens().locator('tr', { hasText: 'browser test' });
  await submit(page, row.getByRole('button', { name: /Revoke/ }));
  assert.equal((await use()).status, 401);
  clean(watch);
  await context.close();
});
