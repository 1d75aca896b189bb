// xss.test.mjs - markup stored in records (through the JSON API) is shown as text wherever it
// appears: lists, filters, the detail page, its history, forms, the page title and exports.
// The page's Content-Security-Policy is switched off here, so escaping is tested on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { suite, open, clean, apiAs, section, parseCsv, ISM } from './browser.mjs';

const PAYLOAD = '<script>window.__xss=1</script>"><img src=x onerror="window.__xss=2">';
const DEPT = `Dept ${PAYLOAD}`;
let asset, dept;

const s = suite(async ({ server }) => {
  const api = await apiAs(server, ISM);
  const d = await api.post('/api/v1/departments', { name: DEPT, code: 'XSS' });
  assert.equal(d.status, 201, d.text);
  dept = d.json;
  const people = await api.get('/api/v1/people?limit=1');
  const a = await api.post('/api/v1/assets', { name: PAYLOAD, identifier: 'XSS-1', type: 'software',
    owner_id: people.json.items[0].id, department_id: dept.id, confidentiality: 1, integrity: 1,
    availability: 1, location: PAYLOAD, description: `Notes ${PAYLOAD}` });
  assert.equal(a.status, 201, a.text);
  // an edit, so that the history shows the markup as an old and a new value
  const p = await api.patch(`/api/v1/assets/${a.json.id}`, { location: `${PAYLOAD} (moved)` },
    { headers: { 'If-Match': `"${a.json.version}"` } });
  assert.equal(p.status, 200, p.text);
  asset = p.json;
});

// Nothing ran and nothing was injected; the text is there as text.
async function inert(page, where) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, `script ran on ${where}`);
  assert.equal(await page.locator('img[src="x"]').count(), 0, `an <img> was injected on ${where}`);
  const scripts = await page.locator('script').evaluateAll((ss) => ss.filter((x) => x.textContent.includes('__xss')).length);
  assert.equal(scripts, 0, `a <script> was injected on ${where}`);
}

test('the list and its filters show the markup as text', async () => {
  const { context, page, watch } = await open(s, { email: ISM, bypassCSP: true });
  await page.goto('/assets?q=XSS-1');
  await inert(page, 'the asset list');
  const cell = page.locator('table tbody tr').first().locator('td, th').first();
  assert.equal((await cell.textContent()).trim(), PAYLOAD);
  assert.ok((await page.locator('table').textContent()).includes(DEPT), 'the department is not shown as text');
  const options = await page.locator('select[name=department_id] option').evaluateAll((os) => os.map((o) => o.textContent.trim()));
  assert.ok(options.includes(DEPT), 'the department filter does not offer the department as text');

  await page.goto(`/assets?department_id=${dept.id}`);
  await inert(page, 'the filtered list');
  assert.equal(await page.locator('select[name=department_id]').inputValue(), String(dept.id));

  await page.goto('/departments');
  await inert(page, 'the department list');
  assert.ok((await page.locator('main').textContent()).includes(DEPT));

  clean(watch);
  await context.close();
});

test('the CSV export holds the markup as it was stored', async () => {
  const { context, page, watch } = await open(s, { email: ISM, bypassCSP: true });
  await page.goto('/assets?q=XSS-1');
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', { name: 'CSV', exact: true }).click()]);
  const rows = parseCsv(readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, ''));
  const at = rows[0].findIndex((h) => /^name$/i.test(h));
  assert.deepEqual(rows.slice(1).filter((r) => r.length > 1).map((r) => r[at]), [PAYLOAD]);
  clean(watch);
  await context.close();
});

test('the detail page, its history and the edit form show the markup as text', async () => {
  const { context, page, watch } = await open(s, { email: ISM, bypassCSP: true });
  await page.goto(`/assets/${asset.id}`);
  await inert(page, 'the detail page');
  assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), PAYLOAD);
  assert.ok((await page.title()).includes(PAYLOAD), `the title is ${await page.title()}`);
  const dl = await page.locator('main dl').first().textContent();
  // (the Markdown description may show raw HTML as text or leave it out: either is inert)
  assert.ok(dl.includes(`${PAYLOAD} (moved)`) && dl.includes(DEPT), 'the fields are not shown as text');
  const history = await section(page, 'History').textContent();
  assert.ok(history.includes(`${PAYLOAD} (moved)`), 'the history does not show the new value as text');
  assert.ok(history.split(PAYLOAD).length >= 3, 'the history does not show the old value as text');

  await page.goto(`/assets/${asset.id}/edit`);
  await inert(page, 'the edit form');
  assert.equal(await page.locator('#f-name').inputValue(), PAYLOAD);
  assert.equal(await page.locator('#f-location').inputValue(), `${PAYLOAD} (moved)`);
  assert.equal(await page.locator('#f-description').inputValue(), `Notes ${PAYLOAD}`);
  assert.equal(await page.locator('#f-department_id').inputValue(), String(dept.id));
  // saving it unchanged keeps it exactly
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL((u) => u.pathname === `/assets/${asset.id}`);
  await inert(page, 'the detail page after saving');
  assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), PAYLOAD);

  await page.goto(`/departments/${dept.id}`);
  await inert(page, 'the department page');
  assert.equal((await page.getByRole('heading', { level: 1 }).textContent()).trim(), DEPT);
  await page.goto('/');
  await inert(page, 'home');
  assert.deepEqual(watch.dialogs, [], 'a dialog opened');
  clean(watch);
  await context.close();
});
