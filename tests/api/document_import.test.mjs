// document_import.test.mjs - the customer's own policy (../shared/seed) imported as a document,
// by `custos import document` and by the upload page: its numbered sections come through as
// headings at their depth, its title as the document's title, nothing imported on bad input;
// then two versions compared (the diff page, escaped) and a published version as PDF (read
// back with pdftotext when poppler-utils is installed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, Client, cli, assertProblem } from './harness.mjs';

const SEED_DIR = new URL('../../../shared/seed/', import.meta.url).pathname;
const SEED = join(SEED_DIR, readdirSync(SEED_DIR).find((f) => f.endsWith('.txt')));
const ISM = 'daniel.okafor@westcloud.example';
const PW = 'custos-demo-password';

let srv, tmp, ism, staff, ismCookie;

async function login(email) {
  const r = await srv.req('POST', '/api/v1/session', { body: { email, password: PW } });
  assert.equal(r.status, 200, r.text);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return { client: new Client(srv, { Cookie: cookie, 'X-CSRF-Token': r.json.csrf }), cookie };
}

before(async () => {
  srv = new Server();
  await srv.start(['--demo']);
  tmp = mkdtempSync(join(tmpdir(), 'custos-docimport-'));
  const a = await login(ISM);
  ism = a.client;
  ismCookie = a.cookie;
  staff = (await login('ben.carter@westcloud.example')).client;
});

after(async () => {
  try { await srv?.stop(); } finally { srv?.cleanup(); rmSync(tmp, { recursive: true, force: true }); }
});

// The section lines of the source, found independently of Custos: "1. Title", "3.3 Title".
function sections(text) {
  return text.split(/\r?\n/).map((l) => l.trim())
    .filter((l) => /^\d+(\.\d+)*\.?\s+[A-Z]/.test(l) && l.length < 120 && !/[.,;:!?]$/.test(l));
}

async function formCsrf(path) {
  const r = await srv.req('GET', path, { headers: { Cookie: ismCookie } });
  assert.equal(r.status, 200, r.text);
  return r.text.match(/name="_csrf" value="([^"]+)"/)[1];
}

test('custos import document: the seed policy with its sections as headings', async () => {
  // the CLI writes to the database the server uses (SQLite: the same file; PostgreSQL: same db)
  const r = cli(['import', 'document', SEED, '--code', 'POL-SEED', '--owner', ISM, '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^imported POL-SEED as document \d+, draft version \d+/);
  const doc = (await ism.get('/api/v1/documents?code=POL-SEED')).json.items[0];
  assert.equal(doc.title, 'West Cloud Contact Services Information Security Policy');
  assert.equal(doc.kind, 'policy');
  assert.equal(doc.approval, 'board');
  const v = (await ism.get(`/api/v1/document_versions?document_id=${doc.id}`)).json.items;
  assert.equal(v.length, 1);
  assert.equal(v[0].status, 'draft');
  const body = v[0].body;
  const src = readFileSync(SEED, 'utf8');
  const want = sections(src);
  assert.ok(want.length >= 20, `sections found in the seed: ${want.length}`);
  for (const s of want) {
    const depth = s.match(/^(\d+(\.\d+)*)/)[1].split('.').length;
    const line = `${'#'.repeat(depth + 1)} ${s.replace(/[\\`*_[\]<>#]/g, (c) => `\\${c}`)}`;
    assert.ok(body.split('\n').includes(line), `heading for "${s}" as "${line}"`);
  }
  // the title is the document's, not a heading of its own text
  assert.ok(!body.includes('# West Cloud Contact Services Information Security Policy\n'));
  // bullets became list items
  assert.ok(/^- to protect the organization/m.test(body));
  // the page shows the headings as headings
  const page = await srv.req('GET', `/document_versions/${v[0].id}`, { headers: { Cookie: ismCookie } });
  // (a record page's text starts its headings below the page's own)
  const h1 = page.text.match(/<h(\d)>1\. Security Policy Overview<\/h\d>/);
  const h11 = page.text.match(/<h(\d)>1\.1 Information Security Policy<\/h\d>/);
  assert.ok(h1 && h11, 'both headings rendered as headings');
  assert.equal(Number(h11[1]), Number(h1[1]) + 1, 'one level deeper');
});

test('custos import document refuses bad input and imports nothing', async () => {
  const before = (await ism.get('/api/v1/documents?limit=1')).json.total;
  const bin = join(tmp, 'bin.txt');
  writeFileSync(bin, Buffer.from([0x50, 0x4b, 0x00, 0xff, 0xfe, 0x00]));
  const cases = [
    [['import', 'document', SEED, '--code', 'POL-SEED', '--owner', ISM], /code is already used/],
    [['import', 'document', SEED, '--code', 'X-1', '--owner', 'nobody@example.org'], /--owner: nobody/],
    [['import', 'document', bin, '--code', 'X-2', '--owner', ISM], /not UTF-8/],
    [['import', 'document', SEED, '--code', 'X-3', '--owner', ISM, '--kind', 'poem'], /kind/],
    [['import', 'document', join(tmp, 'missing.txt'), '--code', 'X-4', '--owner', ISM], /missing\.txt/],
  ];
  for (const [args, why] of cases) {
    const r = cli([...args, '--db', srv.db]);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, why);
  }
  assert.equal(cli(['import', 'document', SEED, '--owner', ISM, '--db', srv.db]).status, 2);
  assert.equal((await ism.get('/api/v1/documents?limit=1')).json.total, before);
});

test('the upload page imports a text file; errors keep what was typed; staff may not', async () => {
  const csrf = await formCsrf('/documents/upload');
  const text = '1. Purpose\n\nWhy backups matter.\n\n2. Rules\n\n• Daily <b>copies</b>\n• Tested restores\n';
  const post = (fields, file = text) => {
    const f = new FormData();
    f.set('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    if (file !== null) f.set('file', new Blob([file], { type: 'text/plain' }), 'backup.txt');
    return fetch(srv.base + '/documents/upload', { method: 'POST', body: f, redirect: 'manual', headers: { Cookie: ismCookie } });
  };
  // no title line in the text and none given: refused, the reference typed kept
  let r = await post({ code: 'PRO-BAK', kind: 'procedure', classification: 'internal', owner_id: '4' });
  assert.equal(r.status, 422);
  let html = await r.text();
  assert.match(html, /Title is required/);
  assert.match(html, /value="PRO-BAK"/);
  r = await post({ code: 'PRO-BAK', kind: 'procedure', classification: 'internal', owner_id: '4' }, null);
  assert.equal(r.status, 422);
  assert.match(await r.text(), /File is required/);
  r = await post({ code: 'PRO-BAK', title: 'Backup procedure', kind: 'procedure', classification: 'internal', owner_id: '4' });
  assert.equal(r.status, 303, await r.text());
  const loc = r.headers.get('location');
  assert.match(loc, /^\/document_versions\/\d+\?m=created$/);
  const vid = loc.match(/\d+/)[0];
  const v = (await ism.get(`/api/v1/document_versions/${vid}`)).json;
  assert.equal(v.name, 'PRO-BAK v1');
  assert.match(v.body, /^## 1\. Purpose$/m);
  assert.match(v.body, /^- Daily .*copies.*$/m, v.body);
  const shown = await srv.req('GET', loc.replace('?m=created', ''), { headers: { Cookie: ismCookie } });
  assert.ok(shown.text.includes('<li>Daily &lt;b&gt;copies&lt;/b&gt;</li>'), 'the markup typed reads as text');
  // the same reference again: refused, nothing more stored
  r = await post({ code: 'PRO-BAK', title: 'Again', kind: 'procedure', classification: 'internal', owner_id: '4' });
  assert.equal(r.status, 422);
  assert.equal((await ism.get('/api/v1/documents?code=PRO-BAK')).json.total, 1);
  // staff have no documents to create
  assertProblem(await staff.get('/api/v1/documents'), 403);
  const s = await srv.req('GET', '/documents/upload', { headers: { Cookie: staff.h.Cookie } });
  assert.equal(s.status, 403);
});

test('compare two versions: a diff of the lines that changed, escaped', async () => {
  const doc = (await ism.get('/api/v1/documents?code=PRO-BAK')).json.items[0];
  const v1 = (await ism.get(`/api/v1/document_versions?document_id=${doc.id}`)).json.items[0];
  for (const step of ['submit', 'approve', 'publish']) {
    const r = await ism.post(`/api/v1/document_versions/${v1.id}/${step}`, {});
    assert.equal(r.status, 200, `${step}: ${r.text}`);
  }
  const v2 = await ism.post('/api/v1/document_versions', { document_id: doc.id });
  assert.equal(v2.status, 201, v2.text);
  const body = v2.json.body.replace('Why backups matter.', 'Why <script>alert(1)</script> backups matter.');
  assert.equal((await ism.patch(`/api/v1/document_versions/${v2.json.id}`, { body })).status, 200);
  const page = await srv.req('GET', `/documents/${doc.id}/compare?from=1&to=2`, { headers: { Cookie: ismCookie } });
  assert.equal(page.status, 200);
  assert.match(page.text, /1 line added, 1 line removed/);
  assert.match(page.text, /<tr class="del">/);
  assert.match(page.text, /<tr class="ins">/);
  assert.ok(!page.text.includes('<script>alert(1)'), 'the text is escaped');
  assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  for (const q of ['from=0&to=2', 'from=1&to=9', 'from=x']) {
    const bad = await srv.req('GET', `/documents/${doc.id}/compare?${q}`, { headers: { Cookie: ismCookie } });
    assert.equal(bad.status, 400, q);
  }
  const same = await srv.req('GET', `/documents/${doc.id}/compare?from=1&to=1`, { headers: { Cookie: ismCookie } });
  assert.match(same.text, /the same text/);
});

test('a published version as PDF: the version, its sign-offs and hash, the text', async () => {
  const doc = (await ism.get('/api/v1/documents?code=PRO-BAK')).json.items[0];
  const v1 = (await ism.get(`/api/v1/document_versions?document_id=${doc.id}&number=1`)).json.items[0];
  const res = await fetch(`${srv.base}/document_versions/${v1.id}/export.pdf`, { headers: { Cookie: ismCookie } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.match(res.headers.get('content-disposition'), /attachment; filename="PRO-BAK-v1\.pdf"/);
  const pdf = Buffer.from(await res.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const file = join(tmp, 'v1.pdf');
  writeFileSync(file, pdf);
  const t = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  if (t.error) return; // poppler-utils not installed: the bytes were checked above
  assert.match(t.stdout, /Backup procedure/);
  assert.ok(t.stdout.replace(/\s+/g, '').includes('daniel.okafor@westcloud.example'), 'the signer');
  assert.ok(t.stdout.replace(/\s+/g, '').includes(v1.body_hash), 'the hash of the approved text');
  assert.match(t.stdout, /Why backups matter/);
  // and the HTML copy
  const h = await srv.req('GET', `/document_versions/${v1.id}/export.html`, { headers: { Cookie: ismCookie } });
  assert.equal(h.status, 200);
  assert.match(h.headers.get('content-disposition'), /PRO-BAK-v1\.html/);
  assert.ok(h.text.includes(v1.body_hash));
  // staff read neither
  const s = await srv.req('GET', `/document_versions/${v1.id}/export.pdf`, { headers: { Cookie: staff.h.Cookie } });
  assert.equal(s.status, 403);
});
