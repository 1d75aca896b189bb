// files.test.mjs - evidence files in the browser: the ISM creates an evidence record with a
// binary file through the form (a real file chooser), finds the download link with its name,
// size and hash on the record page, downloads it and gets the same bytes; edits the record
// without choosing a file (kept), with another file (replaced), and with "remove it" ticked
// (gone). An uploaded HTML page opened directly is a download, never a page; an auditor reads
// and downloads, staff see nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { suite, open, clean, submit, shot, chooseFirst, apiAs, visit, ISM, AUDITOR, STAFF } from './browser.mjs';

const s = suite();

// hex BLAKE2b-256, by python3 (node's crypto has blake2b512 only)
function blake(bytes) {
  const r = spawnSync('python3', ['-c',
    'import hashlib,sys;print(hashlib.blake2b(sys.stdin.buffer.read(),digest_size=32).hexdigest())'], { input: bytes });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout.toString().trim();
}

// Random bytes with NULs and line breaks in them.
function binary(n) {
  const b = randomBytes(n);
  Buffer.from('\0\0\r\n--x\r\n\0').copy(b, 0);
  b[n - 1] = 0;
  return b;
}

// Clicks the download link and returns [download, bytes].
async function fetchDownload(page, link) {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(await download.failure(), null);
  return [download, readFileSync(await download.path())];
}

let recordId;
const first = binary(150_000);
const second = binary(2_345);

test('the ISM creates evidence with a file, sees the link, downloads the same bytes', async () => {
  const { context, page, watch } = await open(s, { email: ISM });
  await page.goto('/evidence/new');
  await page.getByRole('heading', { level: 1 }).waitFor();
  // the file input is a labelled control of a multipart form
  assert.equal(await page.getByLabel('File', { exact: true }).getAttribute('id'), 'f-file');
  assert.equal(await page.locator('#f-file').getAttribute('type'), 'file');
  assert.equal(await page.locator('form.record').getAttribute('enctype'), 'multipart/form-data');
  await chooseFirst(page, 'f-control_id', 1);
  await page.locator('#f-title').fill('Firewall rule review, signed');
  await page.locator('#f-collected_on').fill('2026-10-01');
  await page.locator('#f-file').setInputFiles({ name: 'firewall review.pdf', mimeType: 'application/pdf', buffer: first });
  const saved = await submit(page, page.getByRole('button', { name: 'Save' }), '/evidence');
  assert.equal(saved.status(), 303);
  await page.getByRole('status').filter({ hasText: 'created' }).waitFor();
  recordId = Number(new URL(page.url()).pathname.split('/').pop());
  assert.ok(recordId > 0);

  // the record page: a link with the name and size, and the hash
  const link = page.getByRole('link', { name: /^firewall review\.pdf \(147 KiB\)$/ });
  assert.equal(await link.getAttribute('href'), `/api/v1/evidence/${recordId}/files/file`);
  const hash = blake(first);
  await page.getByText(hash, { exact: true }).waitFor();
  await shot(page, 'evidence-file');

  // download it: the exact bytes under their name, and the page stays where it is
  const [download, bytes] = await fetchDownload(page, link);
  assert.equal(download.suggestedFilename(), 'firewall review.pdf');
  assert.ok(bytes.equals(first), 'the downloaded bytes are the uploaded ones');
  assert.equal(new URL(page.url()).pathname, `/evidence/${recordId}`);

  const api = await apiAs(s.server, ISM);
  const rec = (await api.get(`/api/v1/evidence/${recordId}`)).json;
  assert.deepEqual(rec.file, { name: 'firewall review.pdf', type: 'application/pdf', size: first.length, hash });
  clean(watch);
  await context.close();
});

test('edit: no file chosen keeps it, another file replaces it, "remove it" removes it', async () => {
  assert.ok(recordId, 'the create test ran first');
  const { context, page, watch } = await open(s, { email: ISM });
  const edit = async () => {
    await page.goto(`/evidence/${recordId}`);
    await Promise.all([page.waitForURL(`**/evidence/${recordId}/edit`), page.getByRole('link', { name: 'Edit', exact: true }).click()]);
  };

  // nothing chosen: another field changes, the file stays
  await edit();
  await page.getByText('Now:').filter({ hasText: 'firewall review.pdf' }).waitFor();
  const remove = page.getByLabel('remove it');
  assert.equal(await remove.getAttribute('type'), 'checkbox');
  assert.equal(await remove.isChecked(), false);
  await page.locator('#f-title').fill('Firewall rule review, signed and filed');
  let r = await submit(page, page.getByRole('button', { name: 'Save' }), `/evidence/${recordId}`);
  assert.equal(r.status(), 303);
  await page.getByRole('heading', { name: 'Firewall rule review, signed and filed' }).waitFor();
  let [, bytes] = await fetchDownload(page, page.getByRole('link', { name: /^firewall review\.pdf / }));
  assert.ok(bytes.equals(first), 'kept');

  // another file: replaced
  await edit();
  await page.locator('#f-file').setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: second });
  r = await submit(page, page.getByRole('button', { name: 'Save' }), `/evidence/${recordId}`);
  assert.equal(r.status(), 303);
  const link = page.getByRole('link', { name: /^screenshot\.png \(3 KiB\)$/ });
  let download;
  [download, bytes] = await fetchDownload(page, link);
  assert.equal(download.suggestedFilename(), 'screenshot.png');
  assert.ok(bytes.equals(second), 'replaced');
  await page.getByText(blake(second), { exact: true }).waitFor();
  assert.equal(await page.getByRole('link', { name: /firewall review\.pdf/ }).count(), 0);

  // "remove it": gone from the page and the record
  await edit();
  await page.getByText('Now:').filter({ hasText: 'screenshot.png' }).waitFor();
  await page.getByLabel('remove it').check();
  r = await submit(page, page.getByRole('button', { name: 'Save' }), `/evidence/${recordId}`);
  assert.equal(r.status(), 303);
  await page.getByRole('status').waitFor();
  assert.equal(await page.locator(`a[href="/api/v1/evidence/${recordId}/files/file"]`).count(), 0);
  await edit();
  assert.equal(await page.getByText('Now:').count(), 0);
  assert.equal(await page.getByLabel('remove it').count(), 0);
  const api = await apiAs(s.server, ISM);
  assert.equal((await api.get(`/api/v1/evidence/${recordId}`)).json.file, null);
  const h = (await api.get(`/api/v1/evidence/${recordId}/history`)).json.items;
  assert.deepEqual(h.map((e) => e.action), ['create', 'update', 'update', 'update']);
  assert.equal(h.at(-1).changes.file[1], null);
  clean(watch);
  await context.close();
});

test('an uploaded HTML page opened directly is a download, not a page; an auditor downloads, staff see nothing', async () => {
  const api = await apiAs(s.server, ISM);
  const ev = (await api.get('/api/v1/evidence?limit=1')).json.items[0];
  const html = Buffer.from('<!doctype html><title>owned</title><script>document.title="ran"</script><h1>owned</h1>');
  const up = await api.req('PUT', `/api/v1/evidence/${ev.id}/files/file?name=page.html`,
    { raw: html, headers: { 'Content-Type': 'text/html' } });
  assert.equal(up.status, 200, up.text);

  const { context, page, watch } = await open(s, { email: AUDITOR });
  await page.goto(`/evidence/${ev.id}`);
  const [download, bytes] = await Promise.all([
    page.waitForEvent('download'),
    page.goto(`/api/v1/evidence/${ev.id}/files/file`).catch((e) => e), // "Download is starting"
  ]).then(async ([d]) => [d, readFileSync(await d.path())]);
  assert.equal(download.suggestedFilename(), 'page.html');
  assert.ok(bytes.equals(html));
  assert.notEqual(await page.title(), 'ran', 'the uploaded script never ran');
  assert.notEqual(await page.title(), 'owned', 'the upload was never shown as a page');
  clean(watch);
  await context.close();

  const staff = await open(s, { email: STAFF });
  assert.equal(await visit(staff.page, `/evidence/${ev.id}`), 403);
  const r = await staff.page.request.get(`/api/v1/evidence/${ev.id}/files/file`);
  assert.equal(r.status(), 403);
  assert.ok(!(await r.body()).includes(html));
  await staff.context.close();
});
