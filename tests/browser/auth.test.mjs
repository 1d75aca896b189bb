// auth.test.mjs - signing in and out in the browser: the form, wrong credentials, ?next=,
// keyboard only, two-factor sign-in, and the redirect of pages that need a session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, signIn, shot, apiAs, totp, ISM, SUPPORT, DEMO_PASSWORD } from './browser.mjs';

const s = suite();

test('a page that needs a session redirects to /login?next=<path>', async () => {
  const { context, page, watch } = await open(s);
  for (const path of ['/', '/assets', '/account', '/admin/users']) {
    await page.goto(path);
    const u = new URL(page.url());
    assert.equal(u.pathname, '/login', `${path} went to ${page.url()}`);
    if (path !== '/') assert.equal(u.searchParams.get('next'), path);
  }
  clean(watch);
  await context.close();
});

test('the sign-in form, and wrong credentials', async () => {
  const { context, page, watch } = await open(s);
  await page.goto('/login');
  const form = page.locator('form:has(#password)');
  assert.equal((await form.getAttribute('method')).toLowerCase(), 'post');
  assert.equal(await form.getAttribute('action'), '/login');
  assert.equal(await page.locator('#email').getAttribute('name'), 'email');
  assert.equal(await page.locator('#password').getAttribute('name'), 'password');
  assert.equal(await page.locator('#password').getAttribute('type'), 'password');
  await page.getByLabel(/e-?mail/i).fill(ISM); // labelled controls
  await page.getByLabel(/password/i).fill('not the password');
  await shot(page, 'login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/login');
  await assert.doesNotReject(page.locator('[role=alert]', { hasText: 'Wrong e-mail or password' }).waitFor());
  // a wrong password is not kept in the form
  assert.equal(await page.locator('#password').inputValue(), '');
  clean(watch);
  await context.close();
});

test('sign in, land on ?next=, sign out', async () => {
  const { context, page, watch } = await open(s);
  await signIn(page, ISM, { next: '/assets?status=in_use' });
  const u = new URL(page.url());
  assert.equal(u.pathname, '/assets');
  assert.equal(u.searchParams.get('status'), 'in_use');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((x) => x.pathname === '/login');
  await assert.doesNotReject(page.locator('[role=status]', { hasText: 'You have signed out.' }).waitFor());
  await page.goto('/');
  assert.equal(new URL(page.url()).pathname, '/login', 'the session still works after signing out');
  // a ?next= outside the site is not followed
  await signIn(page, ISM, { next: '//evil.example/' });
  assert.equal(new URL(page.url()).origin, s.server.base, 'an off-site ?next= was followed');
  clean(watch);
  await context.close();
});

test('the sign-in form works with the keyboard alone', async () => {
  const { context, page, watch } = await open(s);
  await page.goto('/login');
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
  for (let i = 0; i < 15 && (await focused()) !== 'email'; i++) await page.keyboard.press('Tab');
  assert.equal(await focused(), 'email', 'Tab never reaches the e-mail field');
  await page.keyboard.type(ISM);
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'password', 'Tab from e-mail does not go to the password');
  await page.keyboard.type(DEMO_PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
  await assert.doesNotReject(page.getByRole('heading', { level: 1, name: 'Home' }).waitFor());
  clean(watch);
  await context.close();
});

test('a sign-in form on another site is refused (login CSRF)', async () => {
  const { context, page, watch } = await open(s);
  // a page of another origin that posts the demo credentials to Custos
  await page.route('http://evil.example/', (route) => route.fulfill({ contentType: 'text/html',
    body: `<form method="post" action="${s.server.base}/login"><input name="email" value="${ISM}">
      <input name="password" value="${DEMO_PASSWORD}"><button>Go</button></form>` }));
  await page.goto('http://evil.example/');
  const [resp] = await Promise.all([page.waitForResponse((r) => r.url().startsWith(s.server.base)),
    page.getByRole('button', { name: 'Go' }).click()]);
  assert.equal(resp.status(), 403);
  await page.goto(`${s.server.base}/`);
  assert.equal(new URL(page.url()).pathname, '/login', 'the other site signed the browser in');
  clean(watch);
  await context.close();
});

test('two-factor sign-in asks for a code on a second page', async () => {
  // enrol through the API, as the account page would
  const api = await apiAs(s.server, SUPPORT);
  const begin = await api.post('/api/v1/session/mfa', {});
  assert.equal(begin.status, 201, begin.text);
  const t0 = Date.now();
  const ok = await api.post('/api/v1/session/mfa/confirm', { code: totp(begin.json.secret, t0) });
  assert.equal(ok.status, 200, ok.text);

  const { context, page, watch } = await open(s);
  await page.goto('/login');
  await page.locator('#email').fill(SUPPORT);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#totp').waitFor();
  assert.equal(await page.getByRole('link', { name: 'My account' }).count(), 0, 'signed in before the code');
  await page.locator('#totp').fill(totp(begin.json.secret, t0 + 30000)); // the confirming code is spent
  await Promise.all([page.waitForURL((u) => u.pathname === '/'),
    page.getByRole('button', { name: 'Verify' }).click()]);
  await assert.doesNotReject(page.getByRole('heading', { level: 1, name: 'Home' }).waitFor());
  clean(watch);
  await context.close();
});
