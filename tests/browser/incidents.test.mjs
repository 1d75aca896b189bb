// incidents.test.mjs - an incident in the browser, end to end: a member of staff reports it from
// the header link with a file attached and gets its reference; the Support Team finds it in
// their tasks and triages and escalates it with the record page's step buttons; the ISM starts
// the investigation, resolves it and closes it with a root cause and the lessons learned; the
// reporter then sees "Closed" on their own report, and nobody else's reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, submit, shot, apiAs, visit, count, column, ISM, STAFF, SUPPORT } from './browser.mjs';

const s = suite();

const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The <dd> of a record page's field
const dd = (page, label) => page.locator('dl.record dt', { hasText: new RegExp(`^${esc(label)}$`) })
  .locator('xpath=following-sibling::dd[1]');
const status = async (page) => (await dd(page, 'Status').textContent()).trim();
const ref = (id) => `INC-${String(id).padStart(5, '0')}`;

async function ok(r, status = 200) {
  assert.equal(r.status, status, r.text);
  return r.json;
}

test('staff report from the header, support triages and escalates, the ISM investigates, resolves and closes', async () => {
  const ism = await apiAs(s.server, ISM);
  const title = `Phishing e-mail opened ${Date.now()}`;
  const when = new Date(Date.now() - 3 * 3600 * 1000).toISOString().slice(0, 16);

  // Ben reports it from the link in the header of the page he is on
  const ben = await open(s, { email: STAFF });
  await ben.page.goto('/acknowledgements');
  const link = ben.page.locator('header.top').getByRole('link', { name: 'Report an incident' });
  await Promise.all([ben.page.waitForURL('**/report'), link.click()]);
  await assert.doesNotReject(ben.page.getByRole('heading', { name: 'Report an incident', level: 1 }).waitFor());
  await ben.page.locator('#f-title').fill(title);
  await ben.page.locator('#f-description').fill('The link asked for my password; I typed it before I noticed.');
  await ben.page.locator('#f-occurred_at').fill(when);
  await ben.page.locator('#f-category').selectOption('access_violation');
  await ben.page.locator('#f-attachment').setInputFiles({ name: 'the-mail.eml', mimeType: 'message/rfc822',
    buffer: Buffer.from('From: it-support@evil.example\r\nSubject: Confirm your password\r\n\r\nClick here.\r\n') });
  await shot(ben.page, 'incidents-report-form');
  const sent = await submit(ben.page, ben.page.getByRole('button', { name: 'Send the report' }), '/report');
  assert.equal(sent.status(), 303);
  const id = Number(new URL(ben.page.url()).pathname.split('/').pop());
  assert.ok(id > 3, ben.page.url());
  // the confirmation: the reference in the heading, the thanks, the status
  await assert.doesNotReject(ben.page.getByRole('heading', { name: `${ref(id)} ${title}`, level: 1 }).waitFor());
  await assert.doesNotReject(ben.page.getByRole('status').getByText(/your report was received/).waitFor());
  assert.equal(await status(ben.page), 'Reported');
  assert.equal((await dd(ben.page, 'When it happened').textContent()).trim(), `${when.replace('T', ' ')} UTC`);
  assert.match((await dd(ben.page, 'Attachment').textContent()).trim(), /^the-mail\.eml/);
  assert.equal(await ben.page.locator('section.steps').count(), 0, 'the reporter takes no step');
  await shot(ben.page, 'incidents-reported');
  const rec = await ok(await ism.get(`/api/v1/incidents/${id}`));
  assert.equal(rec.title, title);
  assert.equal(rec.occurred_at, `${when}:00Z`);
  assert.equal(rec.attachment.name, 'the-mail.eml');

  // Aisha (the Support Team) finds it in her tasks and triages it on its page
  const sup = await open(s, { email: SUPPORT });
  await sup.page.goto('/');
  const task = sup.page.locator('ul.tasks li', { hasText: /^Triage:/ }).getByRole('link', { name: title });
  await Promise.all([sup.page.waitForURL(`**/incidents/${id}`), task.click()]);
  await sup.page.locator('#s-triage-severity').selectOption('high');
  await sup.page.locator('#s-triage-category').selectOption('access_violation');
  await sup.page.locator('#s-triage-personal_data').check();
  await sup.page.locator('#s-triage-affected_people').fill('Customers in Ben\'s mailbox');
  await sup.page.locator('#s-triage-step_note').fill('Password reset; mailbox rules checked.');
  let r = await submit(sup.page, sup.page.getByRole('button', { name: 'Triage', exact: true }), `/incidents/${id}/step/triage`);
  assert.equal(r.status(), 303);
  assert.equal(await status(sup.page), 'Triaged');
  assert.equal((await dd(sup.page, 'Severity').textContent()).trim(), 'High');
  assert.equal((await dd(sup.page, 'Personal data involved').textContent()).trim(), 'Yes');
  // personal data: the notification deadline counts down on the page
  const triaged = await ok(await ism.get(`/api/v1/incidents/${id}`));
  assert.equal(triaged.notify_by, new Date(Date.parse(triaged.aware_at) + 72 * 3600 * 1000).toISOString().replace('.000Z', 'Z'));
  await assert.doesNotReject(sup.page.locator('p.flag', { hasText: `Personal data: notify the supervisory authority by ${triaged.notify_by}` }).waitFor());
  // the Support Team cannot resolve a high one (no such button for them) nor start the investigation
  assert.equal(await sup.page.getByRole('button', { name: 'Start the investigation' }).count(), 0);
  assert.equal(await sup.page.getByRole('button', { name: 'Close', exact: true }).count(), 0);
  r = await submit(sup.page, sup.page.getByRole('button', { name: 'Escalate to the ISM' }), `/incidents/${id}/step/escalate`);
  assert.equal(r.status(), 303);
  assert.equal(await status(sup.page), 'Escalated to the ISM');
  // nothing left for the Support Team but reassessing what triage set
  assert.deepEqual(await sup.page.locator('section.steps button').allTextContents(), ['Reassess'], 'nothing left for the Support Team');
  await shot(sup.page, 'incidents-escalated');
  clean(sup.watch);
  await sup.context.close();

  // Daniel (the ISM): investigation, resolution, closure on the same page
  const boss = await open(s, { email: ISM });
  await boss.page.goto('/');
  const inv = boss.page.locator('ul.tasks li', { hasText: /^Start the investigation:/ }).getByRole('link', { name: title });
  await Promise.all([boss.page.waitForURL(`**/incidents/${id}`), inv.click()]);
  await boss.page.locator('#s-investigate-owner_id').selectOption({ label: 'Daniel Okafor' });
  r = await submit(boss.page, boss.page.getByRole('button', { name: 'Start the investigation' }), `/incidents/${id}/step/investigate`);
  assert.equal(r.status(), 303);
  assert.equal(await status(boss.page), 'Under investigation');
  assert.equal((await dd(boss.page, 'Incident owner').textContent()).trim(), 'Daniel Okafor');
  r = await submit(boss.page, boss.page.getByRole('button', { name: 'Resolved', exact: true }), `/incidents/${id}/step/resolve`);
  assert.equal(r.status(), 303);
  assert.equal(await status(boss.page), 'Resolved');
  // closing without a root cause and lessons is refused, with what was typed kept
  await boss.page.locator('#s-close-root_cause').fill('A look-alike domain passed the mail filter.');
  const refused = await submit(boss.page, boss.page.getByRole('button', { name: 'Close', exact: true }), `/incidents/${id}/step/close`);
  assert.equal(refused.status(), 422);
  await assert.doesNotReject(boss.page.getByRole('alert').getByText(/Lessons learned/).waitFor());
  assert.equal(await boss.page.locator('#s-close-root_cause').inputValue(), 'A look-alike domain passed the mail filter.');
  await boss.page.locator('#s-close-lessons_learned').fill('Look-alike domains are blocked; a phishing drill every quarter.');
  r = await submit(boss.page, boss.page.getByRole('button', { name: 'Close', exact: true }), `/incidents/${id}/step/close`);
  assert.equal(r.status(), 303);
  assert.equal(await status(boss.page), 'Closed');
  assert.equal((await dd(boss.page, 'Root cause').textContent()).trim(), 'A look-alike domain passed the mail filter.');
  assert.equal(await boss.page.locator('section.steps').count(), 0, 'a closed incident has no next step');
  assert.equal(await boss.page.getByRole('link', { name: 'Edit', exact: true }).count(), 0, 'nor an edit button');
  assert.equal(await boss.page.locator('p.flag').count(), 0, 'nor a clock');
  // the history lists every step under who took it
  const who = await boss.page.locator('#history tbody tr').evaluateAll((rows) => rows.map((x) => [x.cells[1].textContent.trim(), x.cells[2].textContent.trim()]));
  assert.deepEqual(who.reverse(), [[STAFF, 'create'], [SUPPORT, 'triage'], [SUPPORT, 'escalate'], [ISM, 'investigate'],
    [ISM, 'resolve'], [ISM, 'close']]);
  await shot(boss.page, 'incidents-closed');
  clean(boss.watch);
  await boss.context.close();

  // Ben: his report says Closed; the list holds his reports only
  await ben.page.goto(`/incidents/${id}`);
  assert.equal(await status(ben.page), 'Closed');
  await ben.page.goto('/incidents');
  const mine = (await ok(await (await apiAs(s.server, STAFF)).get('/api/v1/incidents?limit=500'))).items;
  assert.equal(await count(ben.page), mine.length);
  const all = (await ok(await ism.get('/api/v1/incidents?limit=500'))).items;
  assert.ok(all.length > mine.length, 'others have reported too');
  const headers = await ben.page.locator('table thead th').allTextContents();
  const by = headers.findIndex((h) => h.trim() === 'Reported by');
  const st = headers.findIndex((h) => h.trim() === 'Status');
  assert.ok(by >= 0 && st >= 0, headers.join('|'));
  const reporters = await column(ben.page, by);
  assert.ok(reporters.length > 0 && reporters.every((x) => x === 'Ben Carter'), reporters.join('|'));
  const row = ben.page.locator('table tbody tr', { has: ben.page.getByRole('link', { name: `${ref(id)} ${title}` }) });
  assert.equal((await row.locator('td').nth(st).textContent()).trim(), 'Closed');
  for (const other of all.filter((x) => x.reporter_id !== mine[0].reporter_id).slice(0, 3)) {
    assert.equal(await visit(ben.page, `/incidents/${other.id}`), 404, `${other.id}`);
  }
  // a search for another's report finds nothing
  await ben.page.goto('/incidents?q=Customer+list');
  assert.equal(await count(ben.page), 0);
  await shot(ben.page, 'incidents-mine');
  clean(ben.watch);
  await ben.context.close();
});
