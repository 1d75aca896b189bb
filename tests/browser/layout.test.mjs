// layout.test.mjs - the pages at a phone's width, static files with long caching and ETags,
// and a Content-Security-Policy without 'unsafe-inline' that no page violates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, shot, submit, signIn, ISM, ADMIN, STAFF } from './browser.mjs';

const s = suite();

async function assertFits(page, path, width) {
  const r = await page.goto(path);
  assert.equal(r.status(), 200, path);
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(sw <= width, `${path} is ${sw}px wide at a ${width}px viewport: a horizontal scrollbar`);
}

test('usable on a phone: no horizontal scrolling at 375 px', async () => {
  const { context, page, watch } = await open(s, { viewport: { width: 375, height: 800 } });
  await assertFits(page, '/login', 375);
  await signIn(page, ISM);
  for (const path of ['/', '/assets', '/assets/new', '/account']) await assertFits(page, path, 375);
  await page.goto('/');
  await shot(page, 'phone-home');
  await page.goto('/assets');
  await shot(page, 'phone-assets-list');
  // the navigation is reachable on a phone
  const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assets', exact: true });
  if (!(await nav.isVisible())) {
    const toggle = page.locator('header').getByRole('button').filter({ hasNotText: 'Sign out' }).first();
    await toggle.click();
  }
  assert.ok(await nav.isVisible(), 'the navigation cannot be reached on a phone');
  clean(watch);
  await context.close();
});

test('static files: ETag, 304 and a cache lifetime of at least a day', async () => {
  for (const [file, type] of [['custos.css', /^text\/css/], ['custos.js', /^(text|application)\/javascript/]]) {
    const r = await s.server.req('GET', `/static/${file}`);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get('content-type'), type, file);
    const etag = r.headers.get('etag');
    assert.ok(etag, `${file} has no ETag`);
    const m = (r.headers.get('cache-control') || '').match(/max-age=(\d+)/);
    assert.ok(m && Number(m[1]) >= 86400, `${file}: Cache-Control ${r.headers.get('cache-control')}`);
    const again = await s.server.req('GET', `/static/${file}`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304, `${file} with If-None-Match`);
  }
  for (const bad of ['/static/nope.css', '/static/..%2fmeson.build', '/static/%2e%2e%2fcustos.css'])
    assert.equal((await s.server.req('GET', bad)).status, 404, bad);
});

test('every page sends a CSP without unsafe-inline, and none violates it', async () => {
  const { context, page, watch } = await open(s);
  const policies = new Map();
  const check = async (path, status = 200) => {
    const r = await page.goto(path);
    assert.equal(r.status(), status, path);
    const csp = (await r.allHeaders())['content-security-policy'];
    assert.ok(csp, `${path} has no Content-Security-Policy`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${path}: ${csp}`);
    assert.match(csp, /default-src|script-src/, `${path}: ${csp}`);
    policies.set(path, csp);
  };
  await check('/login');
  await signIn(page, ISM);
  await check('/');
  await check('/assets');
  await check('/assets?sort=-name&status=in_use');
  const first = await page.locator('table tbody tr a').first().getAttribute('href');
  await check('/assets/new');
  await check(first);
  await check(`${first}/edit`);
  const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of nav) await check(href);
  await check('/account');
  await check('/admin/users', 403);
  await check('/assets/999999', 404);
  await check('/no-such-register', 404);
  // a form with errors, and what custos.js does on the pages (clicks, toggles)
  await page.goto('/assets/new');
  await page.locator('#f-name').evaluate((e) => { e.form.noValidate = true; });
  const bad = await submit(page, page.getByRole('button', { name: 'Save' }), '/assets');
  assert.equal(bad.status(), 422);
  assert.doesNotMatch(bad.headers()['content-security-policy'] || 'missing', /unsafe-inline|missing/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await signIn(page, ADMIN);
  await check('/admin/users');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await signIn(page, STAFF);
  await check('/');
  await check('/assets');
  clean(watch);
  await context.close();
});
