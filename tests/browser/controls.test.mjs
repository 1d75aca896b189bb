// controls.test.mjs - the Statement of Applicability in the browser: the ISM opens the SoA,
// reads the gap view, follows "assess" on a control nobody has assessed, fills the prefilled
// control form, saves, and finds the control counted on the SoA; then approves a SoA version
// and reads its frozen copy, which keeps the values of the day after the control changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, submit, shot, apiAs, visit, ISM, STAFF } from './browser.mjs';

const s = suite();

// The numbers of the gap view's "All" row.
async function totals(page) {
  const cells = page.locator('section', { has: page.getByRole('heading', { name: 'Gap view' }) })
    .locator('tfoot tr td');
  return (await cells.allTextContents()).map((t) => Number(t.trim()));
}

// The SoA table's row of one control, found by its identifier and title.
const soaRow = (page, text) => page.locator('table.soa tbody tr').filter({ hasText: text });

test('assess a control from the SoA, see it counted, approve a version and read its frozen copy', async () => {
  const api = await apiAs(s.server, ISM);
  const fw = (await api.get('/api/v1/frameworks')).json.items.find((f) => f.code === 'iso27001-2022');
  const cc = (await api.get(`/api/v1/catalog_controls?framework_id=${fw.id}&limit=500`)).json.items
    .find((c) => c.control_id === '5.9');
  const existing = (await api.get('/api/v1/controls?limit=500')).json.items;
  assert.ok(!existing.some((c) => c.catalog_control_id === cc.id), 'the demo has not assessed 5.9');

  const { page, watch } = await open(s, { email: ISM });
  assert.equal(await visit(page, '/soa'), 200);
  await assert.doesNotReject(page.getByRole('heading', { name: 'Gap view' }).waitFor());
  const before = await totals(page);
  assert.equal(before.length, 6);
  assert.equal(before[0], 93);
  const row = soaRow(page, `5.9 ${cc.title}`);
  await assert.doesNotReject(row.getByText('not assessed').waitFor());

  // "assess" opens the control form with the catalogue control chosen
  await Promise.all([page.waitForURL(/\/controls\/new\?catalog_control_id=/), row.getByRole('link', { name: 'assess' }).click()]);
  assert.equal(await page.locator('#f-catalog_control_id').inputValue(), String(cc.id));
  assert.ok(await page.locator('#f-applicable').isChecked(), 'applicable by default');
  await page.locator('#f-status').selectOption('implemented');
  await page.locator('#f-owner_id').selectOption({ label: 'Daniel Okafor' });
  await page.locator('#f-reason_legal').check();
  await page.locator('#f-reason_contract').check();
  const why = 'Customers ask for an <asset> inventory & its owners.';
  await page.locator('#f-justification').fill(why);
  await page.locator('#f-implementation').fill('The asset register in Custos, reviewed quarterly.');
  const saved = await submit(page, page.getByRole('button', { name: 'Save' }), '/controls');
  assert.equal(saved.status(), 303);
  await assert.doesNotReject(page.getByRole('status').filter({ hasText: 'created' }).waitFor());
  await assert.doesNotReject(page.getByRole('heading', { name: `5.9 ${cc.title}` }).waitFor());
  // an applicable control with no evidence says so on its page
  await assert.doesNotReject(page.getByText('No evidence yet').first().waitFor());

  // back on the SoA it is counted: applicable, implemented, no longer unassessed, lacking evidence
  await page.goto('/soa');
  const after = await totals(page);
  assert.deepEqual(after, [before[0], before[1] + 1, before[2] + 1, before[3], before[4] - 1, before[5] + 1]);
  const cells = (await soaRow(page, `5.9 ${cc.title}`).locator('td').allTextContents()).map((t) => t.trim());
  assert.equal(cells[1], 'Yes');
  assert.equal(cells[2], 'legal, contract');
  assert.equal(cells[3], why);
  assert.equal(cells[4], 'Implemented');
  assert.equal(cells[5], 'Daniel Okafor');
  assert.match(cells[6], /missing/);
  await shot(page, 'soa');

  // a SoA version: drafted on the form, approved with its button, read as a frozen copy
  await page.goto('/soa_versions/new');
  await page.locator('#f-framework_id').selectOption({ label: fw.name });
  await page.locator('#f-notes').fill('Approved at the management review.');
  const drafted = await submit(page, page.getByRole('button', { name: 'Save' }), '/soa_versions');
  assert.equal(drafted.status(), 303);
  const id = new URL(page.url()).pathname.split('/').pop();
  const approved = await submit(page, page.getByRole('button', { name: 'Approve and freeze' }));
  assert.equal(approved.status(), 303);
  const v = (await api.get(`/api/v1/soa_versions/${id}`)).json;
  assert.equal(v.status, 'approved');
  await assert.doesNotReject(page.getByRole('button', { name: 'Approve and freeze' }).waitFor({ state: 'detached' }));

  // the control changes after approval; the frozen copy does not
  const ctl = (await api.get('/api/v1/controls?limit=500')).json.items.find((c) => c.catalog_control_id === cc.id);
  assert.equal((await api.patch(`/api/v1/controls/${ctl.id}`, { justification: 'Rewritten later.' })).status, 200);
  await page.getByRole('link', { name: 'Read the approved SoA' }).click();
  await page.waitForURL(new RegExp(`/soa_versions/${id}/document$`));
  await assert.doesNotReject(page.getByRole('heading', { name: 'Statement of Applicability' }).waitFor());
  assert.equal((await page.locator('code').first().textContent()).trim(), v.content_hash);
  const frozen = (await soaRow(page, `5.9 ${cc.title}`).locator('td').allTextContents()).map((t) => t.trim());
  assert.equal(frozen[3], why);
  assert.equal(await page.getByText('Rewritten later.').count(), 0);
  assert.deepEqual(await totals(page), after);
  // no live links in a frozen copy
  assert.equal(await page.locator('table.soa a').count(), 0);
  await shot(page, 'soa-approved');
  clean(watch);
});

test('staff are refused the SoA with a page that says why', async () => {
  const { page, watch } = await open(s, { email: STAFF });
  assert.equal(await visit(page, '/soa'), 403);
  await assert.doesNotReject(page.getByText('read access to all of them').waitFor());
  assert.equal(await page.locator('table.soa').count(), 0);
  clean(watch);
});

test('the gap view fits a 1280-pixel desktop without scrolling sideways',
  async () => {
    const { page, watch } = await open(s, { email: ISM });
    await page.goto('/soa');
    const box = page.locator('section', { has: page.getByRole('heading', { name: 'Gap view' }) }).locator('.scroll');
    const [scroll, client] = await box.evaluate((e) => [e.scrollWidth, e.clientWidth]);
    clean(watch);
    assert.ok(scroll <= client, `the gap view is ${scroll} px wide in ${client} px`);
  });
