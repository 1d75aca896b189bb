// list.test.mjs - a register list: search and filters, sorting by a column header, pages, and
// the CSV and XLSX exports of the filtered view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { suite, open, clean, shot, apiAs, column, count, parseCsv, unzip, ISM } from './browser.mjs';

let api;
const s = suite(async ({ server }) => { api = await apiAs(server, ISM); });

async function total(query) {
  const r = await api.get(`/api/v1/assets?${query}&limit=1`);
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

// The index of the column whose header is `name`.
async function columnIndex(page, name) {
  const heads = await page.locator('table thead th').evaluateAll((ths) => ths.map((t) => t.textContent.trim()));
  const i = heads.findIndex((h) => h === name || h.startsWith(name));
  assert.ok(i >= 0, `no column "${name}" in ${heads}`);
  return i;
}

// Clicks the sort link in the header of column i and waits for the new page.
async function clickSort(page, i) {
  const before = page.url();
  await Promise.all([page.waitForURL((x) => x.href !== before),
    page.locator('table thead th').nth(i).getByRole('link').click()]);
}

test('the list: search form, count, table, links', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/assets');
  await page.getByRole('heading', { level: 1, name: 'Assets' }).waitFor();
  const form = page.getByRole('search');
  assert.equal((await form.evaluate((f) => f.getAttribute('method') || 'get')).toLowerCase(), 'get');
  assert.equal(await page.getByLabel('Search', { exact: true }).getAttribute('name'), 'q');
  for (const sel of ['select[name=type]', 'select[name=status]', 'select[name=department_id]',
    'input[name="review_on.gte"]', 'input[name="review_on.lte"]'])
    assert.equal(await form.locator(sel).count(), 1, `no ${sel} in the search form`);
  await form.getByRole('button', { name: 'Filter' }).waitFor();
  const all = await total('');
  assert.equal(await count(page), all);
  assert.match(await page.locator('p.count').textContent(), new RegExp(`^\\s*${all} assets`));
  // the first column links to the record
  const first = page.locator('table tbody tr').first().locator('td, th').first().getByRole('link');
  assert.match(await first.getAttribute('href'), /^\/assets\/\d+$/);
  assert.equal(await page.getByRole('link', { name: 'New asset' }).getAttribute('href'), '/assets/new');
  await shot(page, 'assets-list');
  await first.click();
  await page.waitForURL((u) => /^\/assets\/\d+$/.test(u.pathname));
  clean(watch);
  await context.close();
});

test('filter by a select, a date range and a search, then sort by a column header', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/assets');
  const form = page.getByRole('search');
  await form.locator('select[name=status]').selectOption('in_use');
  await form.locator('input[name="review_on.gte"]').fill('2027-02-01');
  await form.locator('input[name="review_on.lte"]').fill('2027-06-30');
  await Promise.all([page.waitForURL((u) => u.searchParams.get('status') === 'in_use'),
    form.getByRole('button', { name: 'Filter' }).click()]);
  const filter = 'status=in_use&review_on.gte=2027-02-01&review_on.lte=2027-06-30';
  const expected = await total(filter);
  assert.ok(expected > 0 && expected < await total(''), `the demo data does not exercise the filter (${expected})`);
  assert.equal(await count(page), expected);
  const u = new URL(page.url());
  assert.equal(u.searchParams.get('review_on.gte'), '2027-02-01');
  // the form shows the filter in force
  assert.equal(await form.locator('select[name=status]').inputValue(), 'in_use');
  assert.equal(await form.locator('input[name="review_on.lte"]').inputValue(), '2027-06-30');
  const statusCol = await columnIndex(page, 'Status');
  for (const v of await column(page, statusCol)) assert.equal(v, 'In use');

  // the default order is by name, and its header says so; a click turns it around
  const nameCol = await columnIndex(page, 'Name');
  const sortOf = async (i) => page.locator('table thead th').nth(i).getAttribute('aria-sort');
  assert.equal(await sortOf(nameCol), 'ascending');
  const apiAsc = (await api.get(`/api/v1/assets?${filter}&sort=name&limit=500`)).json.items.map((x) => x.name);
  const asc = await column(page, nameCol);
  assert.deepEqual(asc, apiAsc.slice(0, asc.length));
  await clickSort(page, nameCol);
  assert.equal(await sortOf(nameCol), 'descending');
  assert.equal(new URL(page.url()).searchParams.get('status'), 'in_use', 'sorting dropped the filter');
  assert.equal(await count(page), expected);
  const desc = await column(page, nameCol);
  assert.deepEqual(desc, [...apiAsc].reverse().slice(0, desc.length));

  // another column: ascending, then descending; the filter stays
  const idCol = await columnIndex(page, 'Identifier');
  await clickSort(page, idCol);
  assert.equal(await sortOf(idCol), 'ascending');
  assert.equal(await sortOf(nameCol), null, 'two columns say they are sorted');
  assert.equal(new URL(page.url()).searchParams.get('review_on.gte'), '2027-02-01', 'sorting dropped the filter');
  const byId = (await api.get(`/api/v1/assets?${filter}&sort=identifier&limit=500`)).json.items.map((x) => x.identifier ?? '');
  const ids = (await column(page, idCol)).map((x) => (x === '—' ? '' : x));
  assert.deepEqual(ids, byId.slice(0, ids.length));
  await clickSort(page, idCol);
  assert.equal(await sortOf(idCol), 'descending');
  const byIdDesc = (await api.get(`/api/v1/assets?${filter}&sort=-identifier&limit=500`)).json.items.map((x) => x.identifier ?? '');
  const idsDesc = (await column(page, idCol)).map((x) => (x === '—' ? '' : x));
  assert.deepEqual(idsDesc, byIdDesc.slice(0, idsDesc.length));
  assert.equal(await count(page), expected);

  // a text search narrows the list
  await form.getByLabel('Search', { exact: true }).fill('laptop');
  await Promise.all([page.waitForURL((x) => x.searchParams.get('q') === 'laptop'),
    form.getByRole('button', { name: 'Filter' }).click()]);
  assert.equal(await count(page), await total(`${filter}&q=laptop`));
  clean(watch);
  await context.close();
});

test('pages: "Next page" while more rows exist, keeping the query', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/assets?sort=name');
  const all = await total('');
  const seen = [];
  for (let i = 0; i < 20; i++) {
    const rows = await page.locator('table tbody tr td:first-child a, table tbody tr th:first-child a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(rows.length > 0);
    seen.push(...rows);
    const next = page.locator('a[rel~=next]');
    if (await next.count() === 0) break;
    assert.match(await next.textContent(), /Next page/);
    const here = page.url();
    await Promise.all([page.waitForURL((x) => x.href !== here), next.click()]);
    assert.equal(new URL(page.url()).searchParams.get('sort'), 'name');
    assert.equal(await count(page), all, 'the count changes from page to page');
  }
  assert.ok(seen.length > 0);
  assert.equal(seen.length, all, 'the pages do not add up to every record');
  assert.equal(new Set(seen).size, seen.length, 'a record on two pages');
  clean(watch);
  await context.close();
});

test('export the filtered view as CSV and XLSX', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/assets?type=server&sort=-name');
  const expected = await total('type=server');
  assert.ok(expected > 1);
  assert.equal(await count(page), expected);

  const csvLink = page.getByRole('link', { name: 'CSV', exact: true });
  const href = new URL(await csvLink.getAttribute('href'), s.server.base);
  assert.equal(href.pathname, '/assets/export.csv');
  assert.equal(href.searchParams.get('type'), 'server');
  assert.equal(href.searchParams.get('sort'), '-name');
  const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const rows = parseCsv(readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, ''));
  const header = rows[0];
  const body = rows.slice(1).filter((r) => r.length > 1 || r[0] !== '');
  assert.equal(body.length, expected, 'the CSV does not hold every filtered record (all pages)');
  const nameAt = header.findIndex((h) => /^name$/i.test(h));
  const typeAt = header.findIndex((h) => /^type$/i.test(h));
  assert.ok(nameAt >= 0 && typeAt >= 0, `CSV header: ${header}`);
  for (const r of body) assert.match(r[typeAt], /^(server|Server)$/);
  const apiDesc = (await api.get('/api/v1/assets?type=server&sort=-name&limit=500')).json.items.map((x) => x.name);
  assert.deepEqual(body.map((r) => r[nameAt]), apiDesc);

  const resp = await page.request.get(href.toString());
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['content-type'], /^text\/csv/);
  assert.match(resp.headers()['content-disposition'] || '', /^attachment/);

  const xlsxLink = page.getByRole('link', { name: 'XLSX', exact: true });
  const xhref = new URL(await xlsxLink.getAttribute('href'), s.server.base);
  assert.equal(xhref.pathname, '/assets/export.xlsx');
  assert.equal(xhref.searchParams.get('type'), 'server');
  const [xd] = await Promise.all([page.waitForEvent('download'), xlsxLink.click()]);
  assert.match(xd.suggestedFilename(), /\.xlsx$/);
  const xlsx = unzip(readFileSync(await xd.path()));
  const sheet = xlsx['xl/worksheets/sheet1.xml']?.toString('utf8');
  assert.ok(sheet, `no first worksheet in ${Object.keys(xlsx)}`);
  assert.equal(sheet.match(/<row\b/g).length, expected + 1, 'the XLSX does not hold a header and every filtered record');
  const strings = xlsx['xl/sharedStrings.xml']?.toString('utf8') ?? sheet;
  for (const name of apiDesc) assert.ok(strings.includes(name.replace(/&/g, '&amp;')), `${name} is not in the XLSX`);
  const xr = await page.request.get(xhref.toString());
  assert.equal(xr.headers()['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  clean(watch);
  await context.close();
});
