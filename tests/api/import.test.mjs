// import.test.mjs - register imports from the outside: `custos import csv` (its report, exit
// codes and usage errors, standard input, an export imported into another installation),
// POST /api/v1/{entity}/import (all or nothing, partial, the caller's create scope row by row,
// 400/403/405/413/415/422 answers with the rows named), and the web UI's import page (a
// multipart upload with its CSRF token, the report, pasted text); the audit trail stays whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, cli, assertProblem, assetBody } from './harness.mjs';

let server, ism, head, staff, dir;
const rec = {};
const CSV = { 'Content-Type': 'text/csv' };
const COLS = 'name,type,owner_id,department_id,confidentiality,integrity,availability';

before(async () => {
  server = new Server();
  server.addUser('ism@test.example', 'isms_manager', 'Ism');
  await server.start();
  ism = await server.tokenClient('ism@test.example');
  const mk = async (plural, body) => {
    const r = await ism.post(`/api/v1/${plural}`, body);
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  rec.ops = await mk('departments', { name: 'Operations', code: 'OPS' });
  rec.fin = await mk('departments', { name: 'Finance', code: 'FIN' });
  // accounts find their person by e-mail, so the people come first
  rec.head = await mk('people', { name: 'Hana Head', email: 'head@test.example', department_id: rec.ops.id });
  rec.staff = await mk('people', { name: 'Sam Staff', email: 'staff@test.example', department_id: rec.ops.id });
  rec.other = await mk('people', { name: 'Olu Other', email: 'other@test.example', department_id: rec.fin.id });
  server.addUser('head@test.example', 'department_head', 'Hana Head');
  server.addUser('staff@test.example', 'staff', 'Sam Staff');
  head = await server.tokenClient('head@test.example');
  staff = await server.tokenClient('staff@test.example');
  dir = mkdtempSync(join(tmpdir(), 'custos-import-'));
});
after(async () => {
  await server.stop();
  server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

// references by natural key: a person's e-mail, a department's code; #ID for a record by id
const ref = (r) => r.email ?? r.code ?? `#${r.id}`;
const row = (name, owner, dept, c = 1) => `${name},server,${ref(owner)},${ref(dept)},${c},1,1`;
const file = (name, text) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
async function assetNames(prefix) {
  const r = await ism.get(`/api/v1/assets?limit=500&sort=name`);
  assert.equal(r.status, 200, r.text);
  return r.json.items.map((a) => a.name).filter((n) => n.startsWith(prefix));
}

// ---- the command line ----

test('custos import csv: imported, refused row by row (exit 1), --partial, standard input', async () => {
  const ok = file('ok.csv', `${COLS}\r\n${row('CLI laptop', rec.staff, rec.ops)}\r\n"CLI ""quoted"", one",server,#${rec.head.id},Operations,2,2,2\r\n`);
  let r = cli(['import', 'csv', 'assets', ok, '--db', server.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'imported 2 assets\n');
  assert.deepEqual(await assetNames('CLI '), ['CLI "quoted", one', 'CLI laptop']);

  const bad = file('bad.csv', `${COLS}\n${row('CLI good', rec.staff, rec.ops)}\n${row('CLI dangling', { id: 999999 }, rec.ops)}\nCLI kind,spaceship,${ref(rec.staff)},${ref(rec.ops)},1,1,1\n`);
  r = cli(['import', 'csv', 'assets', bad, '--db', server.db]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^row 3, owner_id: refers to a Person that does not exist\nrow 4, type: must be one of: /);
  assert.match(r.stderr, /nothing was imported: 2 of 3 rows were refused \(--partial keeps the valid ones\)/);
  assert.deepEqual(await assetNames('CLI good'), []);

  r = cli(['import', 'csv', 'assets', bad, '--partial', '--db', server.db]);
  assert.equal(r.status, 1, 'rows were refused');
  assert.equal(r.stdout, 'imported 1 asset; 2 rows were refused\n');
  assert.deepEqual(await assetNames('CLI good'), ['CLI good']);

  // standard input, a byte order mark, LF line ends
  r = cli(['import', 'csv', 'departments', '-', '--db', server.db], '\ufeffname,code\nFrom stdin,STDIN\n');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'imported 1 department\n');

  // a header the register cannot take: row 1, nothing read further
  r = cli(['import', 'csv', 'departments', '-', '--db', server.db], 'name,Code,colour\nx,1,red\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^row 1, Code: is not a field name: did you mean code\?\nrow 1, colour: is not a field of Departments\n/);
  // a register whose records come from other records' steps is refused whole, saying why
  r = cli(['import', 'csv', 'documents', '-', '--db', server.db], 'code,title\nX,x\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^custos: Policies and documents cannot be imported: their state comes/);
});

test('custos import csv: usage errors exit 2, a missing database 1, help', () => {
  const ok = file('usage.csv', 'name\nx\n');
  let r = cli(['import', 'csv', 'nosuch', ok, '--db', server.db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no register 'nosuch' \(registers: departments, people, organisations, interested_parties, assets/);
  assert.match(r.stderr, /usage: custos import csv ENTITY FILE \[ENTITY FILE \.\.\.\]/);
  r = cli(['import', 'csv', 'assets', join(dir, 'missing.csv'), '--db', server.db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot read .*missing\.csv: No such file or directory/);
  r = cli(['import', 'csv', 'assets', dir, '--db', server.db]);
  assert.equal(r.status, 2, 'a directory is no file');
  r = cli(['import', 'csv', 'assets', '--db', server.db]);
  assert.equal(r.status, 2);
  r = cli(['import', 'csv', 'assets', ok, ok, '--db', server.db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /each register needs its file/);
  r = cli(['import', 'csv', 'assets', ok, '--partial=yes', '--db', server.db]);
  assert.equal(r.status, 2);
  r = cli(['import', 'csv', 'assets', ok, '--db', `sqlite:${join(dir, 'nowhere.db')}`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /there is no database/);
  r = cli(['help', 'import', 'csv']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: custos import csv ENTITY FILE \[ENTITY FILE \.\.\.\] \[--partial\] \[--db URL\]/);
  assert.match(r.stdout, /--partial/);
  assert.match(cli(['help']).stdout, /import csv/);
});

test('an export imported into another installation gives the same rows', async () => {
  // a head of department: departments and people refer to each other
  const p = await ism.patch(`/api/v1/departments/${rec.ops.id}`, { head_id: rec.head.id });
  assert.equal(p.status, 200, p.text);
  const a = cli(['export', 'people', '--format', 'csv', '--db', server.db]);
  assert.equal(a.status, 0, a.stderr);
  const deps = cli(['export', 'departments', '--format', 'csv', '--db', server.db]);
  assert.match(deps.stdout, /,OPS,head@test\.example,/, 'the head by e-mail, not by id');
  const other = new Server();
  try {
    const p1 = file('departments.csv', deps.stdout);
    const p2 = file('people.csv', a.stdout);
    cli(['init', '--db', other.db]);
    // a reference cannot name a record of another installation by its id
    let r = cli(['import', 'csv', 'people', p2, '--db', other.db]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^row 2, department_id: no Department has the code or name '[A-Z]+'/);
    // both files at once, in any order: departments first, their heads set afterwards
    r = cli(['import', 'csv', 'people', p2, 'departments', p1, '--db', other.db]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^imported \d+ people and \d+ departments\n$/);
    const strip = (csv) => csv.split('\r\n').map((l) => l.split(',').slice(1, -3).join(',')).sort();
    assert.deepEqual(strip(cli(['export', 'people', '--format', 'csv', '--db', other.db]).stdout), strip(a.stdout));
    assert.deepEqual(strip(cli(['export', 'departments', '--format', 'csv', '--db', other.db]).stdout), strip(deps.stdout));
    const v = cli(['audit', 'verify', '--db', other.db]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
  } finally {
    other.cleanup();
  }
});

// ---- the API ----

test('POST /api/v1/{entity}/import: all or nothing, partial, the report', async () => {
  const body = `${COLS}\r\n${row('API one', rec.staff, rec.ops)}\r\n${row('API two', rec.head, rec.ops, 9)}\r\n${row('API three', rec.other, rec.fin)}\r\n`;
  let r = await ism.post('/api/v1/assets/import', undefined, { raw: body, headers: CSV });
  assertProblem(r, 422, 'confidentiality');
  assert.deepEqual(r.json.errors, [{ row: 3, field: 'confidentiality', message: 'must be a level from 1 to 4' }]);
  assert.equal(r.json.rows, 3);
  assert.equal(r.json.created, 0);
  assert.equal(r.json.failed, 1);
  assert.match(r.json.detail, /1 of 3 rows were refused/);
  assert.deepEqual(await assetNames('API '), []);

  r = await ism.post('/api/v1/assets/import?partial=true', undefined, { raw: body, headers: { 'Content-Type': 'text/csv; charset=utf-8' } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(r.json, { rows: 3, created: 2, failed: 1, truncated: false,
    errors: [{ row: 3, field: 'confidentiality', message: 'must be a level from 1 to 4' }] });
  assert.deepEqual(await assetNames('API '), ['API one', 'API three']);

  // each record has its create event, by the importing user
  const list = await ism.get(`/api/v1/assets?name=${encodeURIComponent('API one')}`);
  const h = await ism.get(`/api/v1/assets/${list.json.items[0].id}/history`);
  assert.equal(h.status, 200);
  assert.deepEqual(h.json.items.map((e) => [e.action, e.actor]), [['create', 'ism@test.example']]);

  // every row refused: nothing imported even with partial
  const bad = `${COLS}\n${row('API bad', rec.staff, { id: 999999 })}\n${row('API worse', rec.staff, rec.ops, 0)}\n`;
  r = await ism.post('/api/v1/assets/import?partial=true', undefined, { raw: bad, headers: CSV });
  assertProblem(r, 422, 'department_id');
  assert.equal(r.json.failed, 2);
  assert.match(r.json.detail, /all 2 rows were refused/);
  assert.deepEqual(r.json.errors.map((e) => [e.row, e.field]), [[2, 'department_id'], [3, 'confidentiality']]);
  assert.deepEqual(await assetNames('API '), ['API one', 'API three']);
});

test('a head of department imports into her own department only, row by row', async () => {
  const body = `${COLS}\n${row('Head own', rec.head, rec.ops)}\n${row('Head other', rec.other, rec.fin)}\n`;
  let r = await head.post('/api/v1/assets/import', undefined, { raw: body, headers: CSV });
  assertProblem(r, 422, 'department_id');
  // keys are found among the records she may list: another department's person is none of
  // them, as if it did not exist; the other department she may list, but not create in
  assert.deepEqual(r.json.errors.map((e) => [e.row, e.field]), [[3, 'owner_id'], [3, 'department_id']]);
  assert.match(r.json.errors[0].message, /^no Person has the e-mail 'other@test\.example'/);
  assert.match(r.json.errors[1].message, /outside what you may create/);
  r = await head.post('/api/v1/assets/import?partial=true', undefined, { raw: body, headers: CSV });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, 1);
  assert.deepEqual(await assetNames('Head '), ['Head own']);
  // registers she may not create in at all are refused before the body is read
  assertProblem(await head.post('/api/v1/departments/import', undefined, { raw: 'name\nX\n', headers: CSV }), 403);
  assertProblem(await staff.post('/api/v1/assets/import', undefined, { raw: body, headers: CSV }), 403);
  assert.deepEqual(await assetNames('Head '), ['Head own']);
});

test('bad requests: 400, 405, 413, 415, 422 with the rows named; 401 and CSRF', async () => {
  const p = '/api/v1/departments/import';
  for (const ct of ['application/json', 'text/plain', 'text/csvx', 'text/csv; charset=latin1', 'multipart/form-data; boundary=x']) {
    assertProblem(await ism.post(p, undefined, { raw: 'name\nX\n', headers: { 'Content-Type': ct } }), 415);
  }
  assertProblem(await ism.req('POST', p, { raw: 'name\nX\n' }), 415);
  // not CSV: the row where it breaks
  let r = await ism.post(p, undefined, { raw: 'name\nFine\n"never closed\n', headers: CSV });
  assertProblem(r, 400);
  assert.deepEqual(r.json.errors, [{ row: 3, field: null, message: 'has a quoted cell that is never closed' }]);
  for (const q of ['partial=yes', 'partial=true&partial=true', 'format=csv']) {
    assertProblem(await ism.post(`${p}?${q}`, undefined, { raw: 'name\nX\n', headers: CSV }), 400);
  }
  // the header
  r = await ism.post(p, undefined, { raw: 'id,name,Code,colour\n1,X,Y,Z\n', headers: CSV });
  assertProblem(r, 422, 'colour');
  assert.deepEqual(r.json.errors.map((e) => [e.row, e.field]), [[1, 'Code'], [1, 'colour']]);
  assert.match(r.json.detail, /header/);
  assertProblem(await ism.post(p, undefined, { raw: '', headers: CSV }), 422);
  // larger than the server reads
  const big = 'name\n' + 'x'.repeat(1 << 20) + '\n';
  assertProblem(await ism.post(p, undefined, { raw: big, headers: CSV }), 413);
  // the method and the route
  const g = await ism.get(p);
  assert.equal(g.status, 405);
  assert.equal(g.headers.get('allow'), 'POST');
  assertProblem(await ism.post('/api/v1/nosuch/import', undefined, { raw: 'name\n', headers: CSV }), 404);
  // credentials: none, and a cookie session without its CSRF token
  assertProblem(await server.req('POST', p, { raw: 'name\nAnon\n', headers: CSV }), 401);
  const s = await server.login('ism@test.example');
  r = await server.req('POST', p, { raw: 'name\nNo token\n', headers: { ...CSV, Cookie: s.cookie } });
  assertProblem(r, 403);
  r = await server.req('POST', p, { raw: 'name\nWith token\n', headers: { ...CSV, Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
  assert.equal(r.status, 200, r.text);
  const names = (await ism.get('/api/v1/departments?limit=500')).json.items.map((d) => d.name);
  assert.ok(names.includes('With token') && !names.includes('No token') && !names.includes('Anon'));
});

// ---- the web UI ----

// What every page must keep (see ui.test.mjs): a strict CSP, no inline code or style, ids
// unique, labels pointing at controls that exist.
function checkPage(r, what) {
  assert.match(r.headers.get('content-security-policy') || '', /default-src 'none'; script-src 'self'; style-src 'self'/, what);
  assert.match(r.headers.get('content-type') || '', /^text\/html/, what);
  assert.doesNotMatch(r.text, /\sstyle=|\son[a-z]+=|<script>|<script [^>]*>[^<]/i, what);
  const ids = [...r.text.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, `${what}: duplicate ids`);
  for (const m of r.text.matchAll(/<label for="([^"]+)"/g)) assert.ok(ids.includes(m[1]), `${what}: label for ${m[1]}`);
}

function upload(fields) {
  const fd = new FormData();
  for (const [k, v] of fields) {
    if (k === 'file') fd.append('file', new Blob([v], { type: 'text/csv' }), 'upload.csv');
    else if (k === 'workbook') fd.append('file', new Blob([v], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), 'upload.xlsx');
    else fd.append(k, v);
  }
  return fd;
}

test('the import page: a link where the user may create, the form, the upload with its CSRF token', async () => {
  const s = await server.login('ism@test.example');
  const page = async (path, who = s) => server.req('GET', path, { headers: { Cookie: who.cookie } });
  let r = await page('/assets');
  assert.equal(r.status, 200);
  assert.match(r.text, /<a class="button plain" href="\/assets\/import">Import CSV<\/a>/);
  r = await page('/assets/import');
  assert.equal(r.status, 200);
  checkPage(r, 'the import page');
  assert.match(r.text, /<form class="record card" method="post" enctype="multipart\/form-data" action="\/assets\/import">/);
  assert.match(r.text, /<input type="hidden" name="_csrf" value="[^"]+">/);
  assert.match(r.text, /<input type="file" id="f-file" name="file"/);
  assert.match(r.text, /<input type="checkbox" id="f-partial" name="partial" value="true"/);
  assert.match(r.text, /<code>owner_id<\/code> <span class="req">\*<\/span>/);
  assert.doesNotMatch(r.text, /<code>id<\/code>/);
  // staff may not create assets: no link, and the page is refused
  const st = await server.login('staff@test.example');
  assert.doesNotMatch((await page('/assets', st)).text, /Import CSV/);
  assert.equal((await page('/assets/import', st)).status, 403);

  const post = (fields, who = s) => server.req('POST', '/assets/import', { raw: upload(fields), headers: { Cookie: who.cookie } });
  const csv = `${COLS}\r\n${row('UI one', rec.staff, rec.ops)}\r\n${row('UI two', rec.head, rec.ops)}\r\n`;
  // without the token, or with another session's, nothing happens
  for (const fields of [[['file', csv]], [['_csrf', ''], ['file', csv]], [['_csrf', st.csrf], ['file', csv]]]) {
    r = await post(fields);
    assert.equal(r.status, 403);
    assert.match(r.text, /The form has expired or did not come from this site/);
  }
  assert.deepEqual(await assetNames('UI '), []);
  // with it: stored, back to the list with a message
  r = await post([['_csrf', s.csrf], ['file', csv], ['csv', '']]);
  assert.equal(r.status, 303, r.text);
  assert.equal(r.headers.get('location'), '/assets?m=imported');
  assert.match((await page('/assets?m=imported')).text, /<p role="status">The CSV file was imported: every row was stored\.<\/p>/);
  assert.deepEqual(await assetNames('UI '), ['UI one', 'UI two']);
  // the same form posted as application/x-www-form-urlencoded (pasted text) works too
  r = await server.req('POST', '/assets/import', { raw: new URLSearchParams({ _csrf: s.csrf, csv: `${COLS}\n${row('UI pasted', rec.staff, rec.ops)}\n` }),
    headers: { Cookie: s.cookie } });
  assert.equal(r.status, 303, r.text);
  // a workbook through the same form: the XLSX export of the UI assets, deleted, then imported
  const names = await assetNames('UI ');
  const xlsx = Buffer.from(await (await fetch(`${server.base}/api/v1/assets/export?format=xlsx&q=UI`, { headers: ism.h })).arrayBuffer());
  assert.equal(xlsx.subarray(0, 2).toString(), 'PK');
  for (const a of (await ism.get('/api/v1/assets?q=UI&limit=100')).json.items) assert.equal((await ism.del(`/api/v1/assets/${a.id}`)).status, 204);
  assert.deepEqual(await assetNames('UI '), []);
  r = await post([['_csrf', s.csrf], ['workbook', xlsx]]);
  assert.equal(r.status, 303, r.text.slice(0, 500));
  assert.deepEqual(await assetNames('UI '), names);
  // a damaged workbook: a clean refusal, nothing stored
  r = await post([['_csrf', s.csrf], ['workbook', xlsx.subarray(0, 200)]]);
  assert.equal(r.status, 400);
  assert.match(r.text, /not an XLSX workbook Custos can read/);
  assert.deepEqual(await assetNames('UI '), names);
  // multipart is for upload forms only: another form post refuses it
  r = await server.req('POST', '/assets', { raw: upload([['_csrf', s.csrf], ['name', 'Not here']]), headers: { Cookie: s.cookie } });
  assert.equal(r.status, 415);
});

test('the import page reports refused rows, keeps pasted text, and keeps the valid rows when asked', async () => {
  const s = await server.login('ism@test.example');
  const post = (fields) => server.req('POST', '/assets/import', { raw: upload([['_csrf', s.csrf], ...fields]), headers: { Cookie: s.cookie } });
  const csv = `${COLS},<b>odd</b>\n${row('Report one', rec.staff, rec.ops)},\n${row('Report two', rec.staff, { id: 424242 })},\n`;
  // the header names a column the register does not have: escaped in the report
  let r = await post([['csv', csv]]);
  assert.equal(r.status, 422);
  checkPage(r, 'the report');
  assert.match(r.text, /Nothing was imported: the first row \(the header\) has problems\./);
  assert.match(r.text, /<tr><td>1<\/td><td><code>&lt;b&gt;odd&lt;\/b&gt;<\/code><\/td><td>is not a field of Assets<\/td><\/tr>/);
  assert.doesNotMatch(r.text, /<b>odd<\/b>/);
  // the pasted text is kept for correcting
  assert.match(r.text, /<textarea id="f-csv" name="csv" rows="8">name,type,owner_id.*&lt;b&gt;odd/s);
  const fixed = csv.replace(',<b>odd</b>', '');
  r = await post([['file', fixed]]);
  assert.equal(r.status, 422);
  assert.match(r.text, /Nothing was imported: 1 of 2 rows was refused\. Correct them, or keep the valid rows\./);
  assert.match(r.text, /<tr><td>3<\/td><td>Department <code>department_id<\/code><\/td><td>refers to a Department that does not exist<\/td><\/tr>/);
  assert.match(r.text, /<textarea id="f-csv" name="csv" rows="8"><\/textarea>/, 'a file is fixed in the file');
  assert.deepEqual(await assetNames('Report '), []);
  r = await post([['file', fixed], ['partial', 'true']]);
  assert.equal(r.status, 200);
  checkPage(r, 'the partial report');
  assert.match(r.text, /<div role="status"><p>Imported 1 asset\. 1 row was refused:<\/p><\/div>/);
  assert.match(r.text, /<input type="checkbox" id="f-partial" name="partial" value="true" aria-describedby="f-partial-help" checked>/);
  assert.deepEqual(await assetNames('Report '), ['Report one']);
  // neither a file nor text; a file that is not text; a body that is not multipart
  r = await post([['file', ''], ['csv', '']]);
  assert.equal(r.status, 422);
  assert.match(r.text, /Choose a CSV file or an XLSX workbook, or paste CSV text\./);
  r = await post([['file', 'name\n\0\n']]);
  assert.equal(r.status, 400);
  r = await server.req('POST', '/assets/import', { raw: `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.csrf}\r\n`,
    headers: { Cookie: s.cookie, 'Content-Type': 'multipart/form-data; boundary=x' } });
  assert.equal(r.status, 400, 'an unclosed body');
});

test('the import page names references by key; a workflow register imports in its first state, documents not at all', async () => {
  const s = await server.login('ism@test.example');
  const page = async (path) => server.req('GET', path, { headers: { Cookie: s.cookie } });
  let r = await page('/assets/import');
  assert.equal(r.status, 200);
  assert.match(r.text, /<code>owner_id<\/code>.*?the e-mail of a Person record, as an export writes it \(#12: the record with id 12\)/s);
  assert.match(r.text, /<code>department_id<\/code>.*?the code or name of a Department record/s);
  // risks move by workflow steps: imported as new records in their first state, as the page says
  r = await page('/risks/import');
  assert.equal(r.status, 200);
  assert.match(r.text, /a new record in its first state/);
  // documents come from their versions' steps: no import link, and the page says why
  r = await page('/documents');
  assert.equal(r.status, 200);
  assert.doesNotMatch(r.text, /Import CSV/);
  assert.match((await page('/assets')).text, /Import CSV/);
  r = await page('/documents/import');
  assert.equal(r.status, 422);
  assert.match(r.text, /Policies and documents cannot be imported/);
  r = await server.req('POST', '/documents/import', { raw: new URLSearchParams({ _csrf: s.csrf, csv: 'code,title\nX,x\n' }), headers: { Cookie: s.cookie } });
  assert.equal(r.status, 422);
});

test('the audit trail holds after every import', () => {
  const r = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok \d+ events/);
});
