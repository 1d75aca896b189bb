// documents.test.mjs - policies and documents in the browser: a member of staff finds the
// document they must read on the home page, reads it, acknowledges it with the button, and it
// leaves their list while the ISM sees the coverage page count them; the ISM starts a new
// version of a document from its page, edits it, sends it for approval, signs it off and
// publishes it with the record page's step buttons, and reads the published version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, open, clean, submit, shot, section, apiAs, visit, ISM, STAFF } from './browser.mjs';

const s = suite();

const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The <dd> of a record page's field
const dd = (page, label) => page.locator('dl.record dt', { hasText: new RegExp(`^${esc(label)}$`) })
  .locator('xpath=following-sibling::dd[1]');

async function ok(r, status = 200) {
  assert.equal(r.status, status, r.text);
  return r.json;
}

// The coverage line of /documents/{id}/coverage: [acknowledged, asked, percent]
async function coverage(page, id) {
  assert.equal(await visit(page, `/documents/${id}/coverage`), 200);
  const text = (await page.locator('p.coverage').textContent()).replace(/\s+/g, ' ');
  const m = text.match(/(\d+) of (\d+) people asked have read and acknowledged it \((\d+)%\)/);
  assert.ok(m, text);
  return m.slice(1).map(Number);
}

test('staff read what they must on the home page, acknowledge it, and the ISM sees the count go up', async () => {
  const ism = await apiAs(s.server, ISM);
  const ben = (await ism.get(`/api/v1/people?email=${encodeURIComponent(STAFF)}`)).json.items[0];
  assert.ok(ben, 'Ben Carter is a person of the demo');
  // the ISM publishes a new version of the incident procedure, which everyone must read
  const doc = (await ism.get('/api/v1/documents?code=PRO-INC')).json.items[0];
  assert.equal(doc.audience, 'everyone');
  const draft = await ok(await ism.post('/api/v1/document_versions', { document_id: doc.id, change_summary: 'The out-of-hours number' }), 201);
  const body = `${draft.body}\n## 4. Out of hours\n\nCall the Support Team's on-call phone, extension 4242.\n`;
  await ok(await ism.patch(`/api/v1/document_versions/${draft.id}`, { body }));
  for (const st of ['submit', 'approve', 'publish']) await ok(await ism.post(`/api/v1/document_versions/${draft.id}/${st}`));
  const ack = (await ism.get(`/api/v1/acknowledgements?version_id=${draft.id}&person_id=${ben.id}`)).json.items[0];
  assert.equal(ack.status, 'pending');

  // the ISM's view before
  const boss = await open(s, { email: ISM });
  const [read0, asked0, pct0] = await coverage(boss.page, doc.id);
  assert.equal(read0, 0, 'nobody has read the new version yet');
  assert.equal(pct0, 0);
  await assert.doesNotReject(boss.page.locator('table tbody tr').filter({ hasText: 'Ben Carter' }).first().waitFor());

  // Ben: the home page lists it under "Documents I must read"
  const { context, page, watch } = await open(s, { email: STAFF });
  await page.goto('/');
  const name = `PRO-INC v2 — Ben Carter`;
  const link = section(page, 'Documents I must read').getByRole('link', { name });
  await assert.doesNotReject(link.waitFor());
  assert.equal(await link.getAttribute('href'), `/acknowledgements/${ack.id}/read`);
  await shot(page, 'documents-must-read');
  await Promise.all([page.waitForURL(`**/acknowledgements/${ack.id}/read`), link.click()]);
  // the version to read: its title, version and text
  await assert.doesNotReject(page.getByRole('heading', { name: 'Incident Reporting Procedure', level: 1 }).waitFor());
  await assert.doesNotReject(page.getByRole('heading', { name: '4. Out of hours' }).waitFor());
  await assert.doesNotReject(page.getByText('extension 4242').waitFor());
  const version = page.locator('table.meta tr', { hasText: 'Version' }).locator('td');
  assert.equal((await version.textContent()).trim(), '2');
  await shot(page, 'documents-read');
  // ... and acknowledges it
  const done = await submit(page, page.getByRole('button', { name: 'I have read and understood it' }),
    `/acknowledgements/${ack.id}/step/acknowledge`);
  assert.equal(done.status(), 303);
  assert.equal((await dd(page, 'Status').textContent()).trim(), 'Read and acknowledged');
  assert.match((await dd(page, 'Acknowledged at').textContent()).trim(), /^\d{4}-\d\d-\d\d/);
  // the reading page no longer offers the button, and says when it was acknowledged
  await page.goto(`/acknowledgements/${ack.id}/read`);
  await assert.doesNotReject(page.getByText(/^Acknowledged \d{4}-/).waitFor());
  assert.equal(await page.getByRole('button', { name: 'I have read and understood it' }).count(), 0);
  // no longer on the home page
  await page.goto('/');
  assert.equal(await page.getByRole('link', { name }).count(), 0);
  assert.equal(await page.locator(`a[href="/acknowledgements/${ack.id}/read"]`).count(), 0);
  // what staff may not open
  assert.equal(await visit(page, `/documents/${doc.id}/read`), 403);
  assert.equal(await visit(page, `/documents/${doc.id}/coverage`), 403);
  clean(watch);
  await context.close();

  // the ISM's coverage page counts Ben now, and no longer lists him
  const [read1, asked1, pct1] = await coverage(boss.page, doc.id);
  assert.equal(asked1, asked0);
  assert.equal(read1, read0 + 1);
  assert.equal(pct1, Math.floor((read1 * 100) / asked1));
  assert.equal(await boss.page.locator('table tbody tr').filter({ hasText: 'Ben Carter' }).count(), 0);
  const api = (await ism.get(`/api/v1/acknowledgements?version_id=${draft.id}&status=acknowledged`)).json.total;
  assert.equal(read1, api);
  await shot(boss.page, 'documents-coverage');
  clean(boss.watch);
  await boss.context.close();
});

test('the ISM starts a new version, sends it for approval, signs it off and publishes it on its page', async () => {
  const ism = await apiAs(s.server, ISM);
  const me = (await ism.get(`/api/v1/people?email=${encodeURIComponent(ISM)}`)).json.items[0];
  const doc = await ok(await ism.post('/api/v1/documents', { code: 'PRO-BRW', title: 'Clear Desk Procedure',
    kind: 'procedure', approval: 'isms_manager', classification: 'public', audience: 'employees', owner_id: me.id }), 201);
  assert.equal(doc.approval, 'isms_manager');
  const v1 = await ok(await ism.post('/api/v1/document_versions', { document_id: doc.id, body: '## Desks\n\nClear your desk at night.\n' }), 201);
  for (const st of ['submit', 'approve', 'publish']) await ok(await ism.post(`/api/v1/document_versions/${v1.id}/${st}`));

  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto(`/documents/${doc.id}`);
  await Promise.all([page.waitForURL(/\/document_versions\/new\?document_id=/),
    page.getByRole('link', { name: 'Start a new version' }).click()]);
  assert.equal(await page.locator('#f-document_id').inputValue(), String(doc.id));
  await page.locator('#f-change_summary').fill('Screens too');
  const created = await submit(page, page.getByRole('button', { name: 'Save' }), '/document_versions');
  assert.equal(created.status(), 303);
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  assert.ok(id > v1.id);
  assert.equal((await dd(page, 'Name').first().textContent()).trim(), 'PRO-BRW v2');
  assert.equal((await dd(page, 'Status').textContent()).trim(), 'Draft');
  // the new version starts from the published text
  await assert.doesNotReject(dd(page, 'Text').getByText('Clear your desk at night.').waitFor());
  const started = await ok(await ism.get(`/api/v1/document_versions/${id}`));
  assert.equal(started.body, v1.body);

  // edit the text on the form
  await page.goto(`/document_versions/${id}/edit`);
  await page.locator('#f-body').fill('## Desks\n\nClear your desk at night.\n\n## Screens\n\nLock your screen when you leave it.\n');
  const edited = await submit(page, page.getByRole('button', { name: 'Save' }), `/document_versions/${id}`);
  assert.equal(edited.status(), 303);
  await assert.doesNotReject(dd(page, 'Text').getByText('Lock your screen when you leave it.').waitFor());

  // the step buttons: send for approval, sign off, publish
  const sent = await submit(page, page.getByRole('button', { name: 'Send for approval' }), `/document_versions/${id}/step/submit`);
  assert.equal(sent.status(), 303);
  assert.equal((await dd(page, 'Status').textContent()).trim(), 'In review');
  assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0, 'a text in review is not edited');
  const signed = await submit(page, page.getByRole('button', { name: 'Sign off' }), `/document_versions/${id}/step/approve`);
  assert.equal(signed.status(), 303);
  assert.equal((await dd(page, 'Status').textContent()).trim(), 'Approved');
  assert.equal((await dd(page, 'Sign-offs').textContent()).trim(), 'Information Security Manager signed');
  const approved = await ok(await ism.get(`/api/v1/document_versions/${id}`));
  assert.match(approved.body_hash, /^[0-9a-f]{64}$/);
  assert.equal((await dd(page, 'BLAKE2b of the approved text').textContent()).trim(), approved.body_hash);
  await shot(page, 'documents-version-approved');
  const published = await submit(page, page.getByRole('button', { name: 'Publish' }), `/document_versions/${id}/step/publish`);
  assert.equal(published.status(), 303);
  assert.equal((await dd(page, 'Status').textContent()).trim(), 'Published');
  assert.equal((await dd(page, 'Published by').textContent()).trim(), ISM);
  assert.equal(await page.getByRole('button', { name: 'Publish' }).count(), 0);
  await assert.doesNotReject(page.getByRole('button', { name: 'Retire the document' }).waitFor());

  // the document now reads as version 2, signed off with the hash of its text
  const d = await ok(await ism.get(`/api/v1/documents/${doc.id}`));
  assert.equal(d.current_version_id, id);
  assert.equal(d.current_number, 2);
  assert.equal((await ok(await ism.get(`/api/v1/document_versions/${v1.id}`))).status, 'superseded');
  await page.goto(`/documents/${doc.id}/read`);
  const meta = (label) => page.locator('table.meta tr', { has: page.locator('th', { hasText: new RegExp(`^${label}$`) }) }).locator('td');
  assert.equal((await meta('Version').textContent()).trim(), '2');
  assert.equal((await meta('What changed').textContent()).trim(), 'Screens too');
  await assert.doesNotReject(page.getByRole('heading', { name: 'Screens' }).waitFor());
  await assert.doesNotReject(page.locator('section.signoffs').getByText(approved.body_hash).waitFor());
  await shot(page, 'documents-published');
  // and the public trust page, signed out, shows the new text
  const anon = await open(s);
  await anon.page.goto('/trust');
  await Promise.all([anon.page.waitForURL(`**/trust/${doc.id}`),
    anon.page.getByRole('link', { name: 'PRO-BRW Clear Desk Procedure' }).click()]);
  await assert.doesNotReject(anon.page.getByText('Lock your screen when you leave it.').waitFor());
  clean(anon.watch);
  await anon.context.close();
  clean(watch);
  await context.close();
});
