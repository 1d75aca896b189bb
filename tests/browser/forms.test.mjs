// forms.test.mjs - the asset form: labels for every control, an invalid submit kept and
// explained, a valid one, the detail page with its history, an edit, and an edit that lost a
// race with someone else's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, shot, submit, section, chooseFirst, apiAs, ISM } from './browser.mjs';

const s = suite();

// The asset fields and their labels (src/domain/asset.c).
const FIELDS = {
  name: 'Name', identifier: 'Identifier', type: 'Type', description: 'Description',
  owner_id: 'Owner', department_id: 'Department', confidentiality: 'Confidentiality',
  integrity: 'Integrity', availability: 'Availability', location: 'Location', status: 'Status',
  acquired_on: 'Acquired on', review_on: 'Next review',
};
const escapeRe = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let created; // {id, name} of the asset the create test made

test('every control on the asset form has a label', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/assets');
  await page.getByRole('link', { name: 'New asset' }).click();
  await page.waitForURL((u) => u.pathname === '/assets/new');
  await page.getByRole('heading', { level: 1, name: 'New asset' }).waitFor();
  for (const [field, label] of Object.entries(FIELDS)) {
    const control = page.locator(`#f-${field}`);
    assert.equal(await control.count(), 1, `no control #f-${field}`);
    assert.equal(await control.getAttribute('name'), field);
    assert.ok(['INPUT', 'SELECT', 'TEXTAREA'].includes(await control.evaluate((e) => e.tagName)), field);
    // the label names the control: getByLabel finds exactly it
    const byLabel = page.getByLabel(new RegExp(`^${escapeRe(label)}\\b`));
    assert.equal(await byLabel.count(), 1, `getByLabel("${label}") finds ${await byLabel.count()} controls`);
    assert.equal(await byLabel.getAttribute('id'), `f-${field}`, `the label "${label}" names another control`);
  }
  for (const f of ['acquired_on', 'review_on'])
    assert.equal(await page.locator(`#f-${f}`).getAttribute('type'), 'date', `${f} is not a date input`);
  // nothing on the form is unlabelled, whatever the model adds later
  const unlabelled = await page.locator('main form').last().locator('input, select, textarea').evaluateAll((els) =>
    els.filter((e) => !['hidden', 'submit', 'button'].includes(e.type))
      .filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
      .map((e) => e.name || e.id || e.outerHTML));
  assert.deepEqual(unlabelled, []);
  await page.getByRole('button', { name: 'Save' }).waitFor();
  clean(watch);
  await context.close();
});

test('create an asset: a validation error, then fixed', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/assets/new');
  // a name left empty and an identifier already taken by a demo asset
  await page.locator('#f-identifier').fill('DAT-001');
  await page.locator('#f-type').selectOption('server');
  const owner = await chooseFirst(page, 'f-owner_id', 1);
  const dept = await chooseFirst(page, 'f-department_id', 1);
  for (const f of ['confidentiality', 'integrity', 'availability']) await chooseFirst(page, `f-${f}`, 2);
  await page.locator('#f-location').fill('Rack 7, Bristol');
  await page.locator('#f-review_on').fill('2031-02-03');
  // the browser's own checks (required=...) are skipped so that the server's are tested
  await page.locator('#f-name').evaluate((e) => { e.form.noValidate = true; });
  const bad = await submit(page, page.getByRole('button', { name: 'Save' }), '/assets');
  assert.equal(bad.status(), 422);
  // the summary links to each field in error, and takes the focus
  const summary = page.locator('[role=alert]').first();
  await summary.waitFor();
  for (const f of ['name', 'identifier'])
    assert.equal(await summary.locator(`a[href="#f-${f}"]`).count(), 1, `the summary does not link to #f-${f}`);
  await page.waitForFunction(() => document.activeElement?.closest('[role=alert]'), null, { timeout: 3000 });
  for (const f of ['name', 'identifier']) {
    const error = page.locator(`#f-${f}-error`);
    assert.ok((await error.textContent()).trim().length > 0, `no message for ${f}`);
    assert.equal(await page.locator(`#f-${f}`).getAttribute('aria-invalid'), 'true', f);
  }
  assert.notEqual(await page.locator('#f-location').getAttribute('aria-invalid'), 'true');
  // what was typed is kept
  assert.equal(await page.locator('#f-identifier').inputValue(), 'DAT-001');
  assert.equal(await page.locator('#f-type').inputValue(), 'server');
  assert.equal(await page.locator('#f-owner_id').inputValue(), owner);
  assert.equal(await page.locator('#f-department_id').inputValue(), dept);
  assert.equal(await page.locator('#f-location').inputValue(), 'Rack 7, Bristol');
  assert.equal(await page.locator('#f-review_on').inputValue(), '2031-02-03');
  await shot(page, 'asset-form-errors');

  await page.locator('#f-name').fill('Browser test server');
  await page.locator('#f-identifier').fill('BRW-001');
  const good = await submit(page, page.getByRole('button', { name: 'Save' }), '/assets');
  assert.equal(good.status(), 303);
  const m = new URL(page.url()).pathname.match(/^\/assets\/(\d+)$/);
  assert.ok(m, `after saving: ${page.url()}`);
  await page.locator('[role=status]', { hasText: 'Asset created.' }).waitFor();
  await page.getByRole('heading', { level: 1, name: 'Browser test server' }).waitFor();
  created = { id: Number(m[1]), name: 'Browser test server' };
  clean(watch);
  await context.close();
});

test('the detail page: fields, actions, and the history after an edit, newest first', async () => {
  assert.ok(created, 'needs the asset of the create test');
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto(`/assets/${created.id}`);
  const values = await page.locator('main dl').first().evaluate((dl) => {
    const out = {};
    for (const dt of dl.querySelectorAll('dt')) {
      let dd = dt.nextElementSibling;
      while (dd && dd.tagName !== 'DD') dd = dd.nextElementSibling;
      out[dt.textContent.trim()] = dd ? dd.textContent.trim() : null;
    }
    return out;
  });
  assert.equal(values.Name, 'Browser test server');
  assert.equal(values.Identifier, 'BRW-001');
  assert.equal(values.Location, 'Rack 7, Bristol');
  assert.match(values.Type, /Server/);
  assert.equal(await page.getByRole('link', { name: 'Edit', exact: true }).getAttribute('href'), `/assets/${created.id}/edit`);
  const del = page.locator('form', { has: page.getByRole('button', { name: 'Delete' }) });
  assert.equal((await del.getAttribute('method')).toLowerCase(), 'post');

  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.waitForURL((u) => u.pathname === `/assets/${created.id}/edit`);
  assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /^\s*Edit/);
  assert.equal(await page.locator('input[type=hidden][name=_version]').count(), 1);
  assert.equal(await page.locator('#f-name').inputValue(), 'Browser test server');
  await page.locator('#f-location').fill('Cage 3, Slough');
  const saved = await submit(page, page.getByRole('button', { name: 'Save' }), `/assets/${created.id}`);
  assert.equal(saved.status(), 303);
  await page.waitForURL((u) => u.pathname === `/assets/${created.id}`);
  await page.locator('[role=status]', { hasText: 'Asset saved.' }).waitFor();

  const history = section(page, 'History');
  await history.waitFor();
  // one event per table row, or per list item when the history is a list
  const events = (await history.locator('tbody tr').count()) ? history.locator('tbody tr')
    : history.locator('ol > li, ul > li');
  assert.ok(await events.count() >= 2, 'the history lists fewer than two events');
  const newest = await events.first().textContent();
  const oldest = await events.last().textContent();
  assert.match(newest, /Cage 3, Slough/, 'the newest event does not show the change');
  assert.match(newest, /Rack 7, Bristol/, 'the newest event does not show the old value');
  assert.match(newest, /Daniel Okafor|daniel\.okafor/, 'the newest event does not say who');
  assert.match(newest, /\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}/, 'the newest event does not say when');
  assert.doesNotMatch(oldest, /Cage 3/);
  assert.match(oldest, /Rack 7, Bristol/, 'the oldest event is not the creation');
  await shot(page, 'asset-detail-history');
  clean(watch);
  await context.close();
});

test('an edit that someone else overtook is refused with 409', async () => {
  assert.ok(created, 'needs the asset of the create test');
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto(`/assets/${created.id}/edit`);
  const version = await page.locator('input[name=_version]').inputValue();
  // someone else saves in between
  const api = await apiAs(s.server, ISM);
  const r = await api.patch(`/api/v1/assets/${created.id}`, { location: 'Moved by the API' },
    { headers: { 'If-Match': `"${version}"` } });
  assert.equal(r.status, 200, r.text);
  await page.locator('#f-location').fill('Moved in the browser');
  const resp = await submit(page, page.getByRole('button', { name: 'Save' }), `/assets/${created.id}`);
  assert.equal(resp.status(), 409);
  await page.locator('[role=alert]', { hasText: 'changed by someone else' }).waitFor();
  const got = await api.get(`/api/v1/assets/${created.id}`);
  assert.equal(got.json.location, 'Moved by the API');
  // what was typed is still there, and saving again (deliberately) applies it
  assert.equal(await page.locator('#f-location').inputValue(), 'Moved in the browser');
  const again = await submit(page, page.getByRole('button', { name: 'Save' }), `/assets/${created.id}`);
  assert.equal(again.status(), 303);
  assert.equal((await api.get(`/api/v1/assets/${created.id}`)).json.location, 'Moved in the browser');
  clean(watch);
  await context.close();
});

test('a boolean is a labelled checkbox, and unticking it saves false', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/interested_parties/new');
  const box = page.getByLabel('Relevant to the ISMS');
  assert.equal(await box.getAttribute('type'), 'checkbox');
  assert.equal(await box.getAttribute('id'), 'f-in_scope');
  assert.equal(await box.isChecked(), true, 'the default (true) is not ticked');
  await page.locator('#f-name').fill('Browser test regulator');
  await page.locator('#f-category').selectOption('regulator');
  await page.locator('#f-requirements').fill('Reports within 72 hours.');
  await submit(page, page.getByRole('button', { name: 'Save' }), '/interested_parties');
  const id = Number(new URL(page.url()).pathname.match(/^\/interested_parties\/(\d+)$/)?.[1]);
  assert.ok(id, `after saving: ${page.url()}`);
  const api = await apiAs(s.server, ISM);
  assert.equal((await api.get(`/api/v1/interested_parties/${id}`)).json.in_scope, true);
  // an unticked box is not sent at all: the server must read that as false
  await page.goto(`/interested_parties/${id}/edit`);
  await page.locator('#f-in_scope').uncheck();
  const r = await submit(page, page.getByRole('button', { name: 'Save' }), `/interested_parties/${id}`);
  assert.equal(r.status(), 303);
  assert.equal((await api.get(`/api/v1/interested_parties/${id}`)).json.in_scope, false);
  await page.goto(`/interested_parties/${id}/edit`);
  assert.equal(await page.locator('#f-in_scope').isChecked(), false);
  clean(watch);
  await context.close();
});

test('a form posted without its CSRF token is refused', async () => {
  const api = await apiAs(s.server, ISM);
  const before = (await api.get('/api/v1/assets?limit=1')).json.total;
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/assets/new');
  await page.locator('#f-name').fill('Forged');
  await page.locator('#f-type').selectOption('paper');
  for (const f of ['owner_id', 'department_id', 'confidentiality', 'integrity', 'availability'])
    await chooseFirst(page, `f-${f}`, 1);
  await page.locator('input[name=_csrf]').evaluateAll((els) => els.forEach((e) => e.remove()));
  const resp = await submit(page, page.getByRole('button', { name: 'Save' }), '/assets');
  assert.equal(resp.status(), 403);
  assert.equal((await api.get('/api/v1/assets?limit=1')).json.total, before, 'the asset was created');
  clean(watch);
  await context.close();
});

test('delete an asset from its detail page', async () => {
  const api = await apiAs(s.server, ISM);
  const one = await api.get('/api/v1/assets?limit=1&sort=name');
  const base = one.json.items[0];
  const r = await api.post('/api/v1/assets', { name: 'To be deleted', type: 'paper', owner_id: base.owner_id,
    department_id: base.department_id, confidentiality: 1, integrity: 1, availability: 1 });
  assert.equal(r.status, 201, r.text);
  const { context, page, watch } = await open(s, { email: ISM });
  watch.acceptDialogs = true; // a confirmation is welcome
  await page.goto(`/assets/${r.json.id}`);
  const resp = await submit(page, page.getByRole('button', { name: 'Delete' }));
  assert.ok([303, 200].includes(resp.status()), `delete answered ${resp.status()}`);
  assert.equal((await api.get(`/api/v1/assets/${r.json.id}`)).status, 404);
  assert.equal((await page.goto(`/assets/${r.json.id}`)).status(), 404);
  clean(watch, { dialogs: true });
  await context.close();
});
