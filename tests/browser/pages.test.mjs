// pages.test.mjs - the frame of every signed-in page (header, navigation by permission, sign
// out), the home page per role, my account, and user administration for admins only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, shot, visit, submit, signIn, apiAs, ADMIN, ISM, STAFF, AUDITOR, HEAD, REGISTERS } from './browser.mjs';

const s = suite();

// The links of the main navigation, by name.
async function navLinks(page) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link')
    .evaluateAll((as) => as.map((a) => a.textContent.trim()));
}

async function assertFrame(page, { admin }) {
  const header = page.locator('header');
  const home = header.getByRole('link', { name: 'Custos', exact: true });
  assert.equal(await home.getAttribute('href'), '/');
  const users = page.getByRole('link', { name: 'Users', exact: true });
  if (admin) assert.equal(await users.getAttribute('href'), '/admin/users');
  else assert.equal(await users.count(), 0, 'a "Users" link for someone who is not an admin');
  assert.equal(await page.getByRole('link', { name: 'My account', exact: true }).getAttribute('href'), '/account');
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Sign out' }) });
  assert.equal((await form.getAttribute('method')).toLowerCase(), 'post');
  assert.equal(await form.getAttribute('action'), '/logout');
}

test('the ISM: every register in the navigation, the ISMS dashboard, no user administration', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  await assertFrame(page, { admin: false });
  const nav = await navLinks(page);
  for (const r of REGISTERS) assert.ok(nav.includes(r), `no "${r}" in the navigation: ${nav}`);
  const main = page.locator('main');
  await main.getByRole('heading', { name: 'My tasks' }).waitFor();
  await main.getByRole('heading', { name: 'ISMS dashboard' }).waitFor();
  // counts per register, as the API counts them
  const text = (await main.innerText()).replace(/\s+/g, ' ');
  const api = await apiAs(s.server, ISM);
  for (const [r, path] of [['Departments', 'departments'], ['People', 'people'], ['Assets', 'assets']]) {
    const n = (await api.get(`/api/v1/${path}?limit=1`)).json.total;
    assert.match(text, new RegExp(`\\b${n} ?${r}\\b`), `the home page does not count ${n} ${r}`);
  }
  await shot(page, 'home-ism');
  // every page has the same frame
  for (const path of ['/assets', '/assets/new', '/people', '/departments', '/account']) {
    assert.equal(await visit(page, path), 200, path);
    await assertFrame(page, { admin: false });
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assets', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/assets');
  assert.equal(await visit(page, '/admin/users'), 403);
  await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
  clean(watch);
  await context.close();
});

test('staff: only the registers they may read, no dashboard, no admin pages', async () => {
  const { context, page, watch } = await open(s, { email: STAFF });
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  await assertFrame(page, { admin: false });
  const nav = await navLinks(page);
  assert.ok(nav.includes('Assets'), `staff may read their own assets: ${nav}`);
  assert.ok(!nav.includes('Interested parties'), `staff may not read interested parties: ${nav}`);
  await page.locator('main').getByRole('heading', { name: 'My tasks' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'ISMS dashboard' }).count(), 0);
  await shot(page, 'home-staff');
  assert.equal(await visit(page, '/admin/users'), 403);
  await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
  await assertFrame(page, { admin: false });
  assert.equal(await visit(page, '/admin/users/new'), 403);
  // no "New asset" for someone who may not create one, and the form itself is refused
  assert.equal(await visit(page, '/assets'), 200);
  assert.equal(await page.getByRole('link', { name: 'New asset' }).count(), 0);
  assert.equal(await visit(page, '/assets/new'), 403);
  clean(watch);
  await context.close();
});

test('the auditor reads everything but administers nothing', async () => {
  const { context, page, watch } = await open(s, { email: AUDITOR });
  await page.goto('/');
  await assertFrame(page, { admin: false });
  const nav = await navLinks(page);
  for (const r of REGISTERS) assert.ok(nav.includes(r), `no "${r}" in the navigation: ${nav}`);
  assert.equal(await visit(page, '/admin/users'), 403);
  clean(watch);
  await context.close();
});

test('an admin: the "Users" link and the user administration page', async () => {
  const { context, page, watch } = await open(s, { email: ADMIN });
  await page.goto('/');
  await assertFrame(page, { admin: true });
  const nav = await navLinks(page);
  assert.ok(!nav.includes('Assets'), `an admin may not read assets: ${nav}`);
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/admin/users');
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  const text = await page.locator('main').textContent();
  for (const who of [ISM, STAFF, AUDITOR]) assert.ok(text.includes(who), `${who} is not listed`);
  await shot(page, 'admin-users');
  clean(watch);
  await context.close();
});

test("a head of department sees her department's assets, not the others'", async () => {
  const api = await apiAs(s.server, HEAD);
  const mine = await api.get('/api/v1/assets?limit=500');
  const all = (await (await apiAs(s.server, ISM)).get('/api/v1/assets?limit=500')).json.items;
  const other = all.find((a) => !mine.json.items.some((m) => m.id === a.id));
  assert.ok(mine.json.total > 0 && other, 'the demo data does not exercise department scope');
  const { context, page, watch } = await open(s, { email: HEAD });
  assert.equal(await visit(page, '/assets'), 200);
  assert.match(await page.locator('p.count').textContent(), new RegExp(`^\\s*${mine.json.total} asset`));
  assert.equal(await page.getByRole('link', { name: 'New asset' }).count(), 1);
  assert.equal(await visit(page, `/assets/${mine.json.items[0].id}/edit`), 200);
  assert.equal(await visit(page, `/assets/${other.id}`), 404);
  assert.equal(await visit(page, `/assets/${other.id}/edit`), 404);
  clean(watch);
  await context.close();
});

test('an admin creates an account, which signs in, and deactivating it signs it out at once', async () => {
  const { context, page, watch } = await open(s, { email: ADMIN });
  await page.goto('/admin/users');
  await page.goto('/admin/users/new');
  await page.getByLabel('E-mail').fill('new.starter@westcloud.example');
  await page.getByLabel('Name', { exact: true }).fill('New Starter');
  await page.locator('input[name=roles][value=staff]').check();
  const created = await submit(page, page.getByRole('button', { name: 'Create' }), '/admin/users');
  assert.ok(created.status() < 400, `creating the account answered ${created.status()}`);
  const password = (await page.locator('main code').first().textContent()).trim();
  assert.ok(password.length >= 12, `no first password shown: ${password}`);

  const user = await open(s);
  await signIn(user.page, 'new.starter@westcloud.example', { password });
  await user.page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();

  await page.goto('/admin/users');
  await page.getByRole('link', { name: 'new.starter@westcloud.example' }).click();
  await page.locator('input[name=active]').uncheck();
  await submit(page, page.getByRole('button', { name: 'Save' }));
  await user.page.goto('/');
  assert.equal(new URL(user.page.url()).pathname, '/login', 'a deactivated account is still signed in');
  await user.page.locator('#email').fill('new.starter@westcloud.example');
  await user.page.locator('#password').fill(password);
  await user.page.getByRole('button', { name: 'Sign in' }).click();
  await user.page.locator('[role=alert]').first().waitFor();
  assert.equal(new URL(user.page.url()).pathname, '/login');
  clean(watch);
  clean(user.watch);
  await user.context.close();
  await context.close();
});
