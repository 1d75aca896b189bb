// risk.test.mjs - risk management in the browser: assess a risk on the form, ask its owner
// to accept it, find it in the owner's tasks and on the heat map, accept it as the owner, and
// see who accepted what in its history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, submit, shot, count, section, ISM, STAFF } from './browser.mjs';

const s = suite();

test('assess a risk, see it on the heat map, accept it as its owner, see it in history', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/risks/new');
  await page.getByLabel('Title').fill('Stolen backup tape');
  // the ISM (Daniel Okafor) owns this one, so he can accept it below
  await page.locator('#f-owner_id').selectOption({ label: 'Daniel Okafor' });
  await page.locator('#f-department_id').selectOption({ label: 'Information Security' });
  await page.getByLabel('Likelihood (before treatment)').fill('4');
  await page.getByLabel('Impact (before treatment)').fill('4');
  await page.locator('#f-treatment').selectOption('modify');
  await page.getByLabel('Treatment plan').fill('Encrypt tapes; courier with tracking.');
  await page.getByLabel('Likelihood (after treatment)').fill('2');
  await page.getByLabel('Impact (after treatment)').fill('2');
  const created = await submit(page, page.getByRole('button', { name: 'Save' }), '/risks');
  assert.equal(created.status(), 303);
  await assert.doesNotReject(page.getByRole('status').filter({ hasText: 'Risk created.' }).waitFor());
  const id = new URL(page.url()).pathname.split('/').pop();
  const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const dd = (label) => page.locator('dl.record dt', { hasText: new RegExp(`^${esc(label)}$`) }).locator('xpath=following-sibling::dd[1]');
  assert.equal((await dd('Inherent score').textContent()).trim(), '16');
  assert.equal((await dd('Inherent level').textContent()).trim(), 'High');
  assert.equal((await dd('Residual score').textContent()).trim(), '4');
  assert.equal((await dd('Residual level').textContent()).trim(), 'Low');
  assert.match(await dd('Assessed with').textContent(), /risk method/i);

  // ask the owner to accept
  const asked = await submit(page, page.getByRole('button', { name: 'Ask the owner to accept' }));
  assert.equal(asked.status(), 303);
  assert.equal((await dd('Status').textContent()).trim(), "Awaiting the owner's acceptance");

  // it waits in the owner's tasks
  await page.goto('/');
  const task = section(page, 'My tasks').getByRole('link', { name: 'Stolen backup tape' });
  await assert.doesNotReject(task.waitFor());

  // the heat map counts it in its cell, and the cell opens a list that holds it
  await page.goto('/risks/heatmap');
  await shot(page, 'risk-heatmap');
  const cell = page.locator('figure.heatmap').first().locator(`a[href*="inherent_likelihood=4"][href*="inherent_impact=4"]`);
  const n = Number((await cell.locator('text.count').textContent()).trim());
  assert.ok(n >= 1, `cell 4 x 4 shows ${n}`);
  await cell.click();
  await page.waitForURL(/\/risks\?/);
  assert.equal(await count(page), n);
  await assert.doesNotReject(page.getByRole('link', { name: 'Stolen backup tape' }).waitFor());

  // the owner accepts: the plan is approved and the residual risk accepted until a date
  await page.goto(`/risks/${id}`);
  const accepted = await submit(page, page.getByRole('button', { name: 'Approve the plan and accept the residual risk' }));
  assert.equal(accepted.status(), 303);
  assert.equal((await dd('Status').textContent()).trim(), 'Accepted');
  assert.equal((await dd('Accepted by (owner)').textContent()).trim(), ISM);
  assert.match(await dd('What was accepted').textContent(), /residual 2 x 2 = 4 \(Low\)/);

  // the history names the step, who took it and the risk state they saw
  const hist = page.locator('#history tbody tr').first();
  assert.match(await hist.textContent(), /accept/);
  assert.match(await hist.textContent(), new RegExp(ISM.replace('.', '\\.')));
  assert.match(await hist.textContent(), /What was accepted/);
  await shot(page, 'risk-accepted');
  clean(watch);
  await context.close();
});

test('staff see only their own risks: no step they may not take, nothing of others on the heat map', async () => {
  const { context, page, watch } = await open(s, { email: STAFF });
  assert.equal((await page.goto('/risks')).status(), 200);
  assert.equal(await count(page), 0, 'the demo staff member owns no risk');
  await page.goto('/risks/heatmap');
  const counts = await page.locator('figure.heatmap text.count').allTextContents();
  assert.deepEqual(counts.filter((t) => t.trim() !== ''), [], 'no risk of others is counted');
  assert.equal((await page.goto('/risks/1')).status(), 404);
  assert.equal((await page.goto('/risks/new')).status(), 403);
  clean(watch);
  await context.close();
});
