// files.test.mjs - uploaded files on records (the evidence register's `file`) from the outside,
// trying to break them: random binary bytes with NULs through PUT and back through GET, byte
// for byte, hashed with BLAKE2b-256 by python3's hashlib; the download's headers (attachment
// with both filename forms, sandbox CSP, nosniff, the hash as ETag, a safe type or
// octet-stream); each upload, replacement and removal as one audited update with If-Match;
// every role's read and write against the role table; empty, oversize (with Content-Length
// and chunked), misdirected and JSON-written files; name cleaning; the upload limit of a small
// `--max-upload-mb 1` server and of the default one, while other routes keep 1 MiB; bytes
// stored once per hash, and only by a write that succeeds; concurrent uploads; `custos audit
// verify` with its files line, and after tampering with the stored bytes or a descriptor
// (verify fails, the download is a 500, nothing else breaks); the web form (multipart with its
// CSRF token, binary files, keep, replace, remove); migrate-data; the OpenAPI document. The
// demo organisation is the server. Open bugs are kept as todo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Server, Client, cli, assertProblem } from './harness.mjs';
import { rawHttp } from './contract.mjs';

const PW = 'custos-demo-password';
const WHO = {
  ism: 'daniel.okafor@westcloud.example',
  board: 'amelia.hart@westcloud.example',
  auditor: 'claire.morgan@westcloud.example',
  ops: 'priya.natarajan@westcloud.example',
  hr: 'grace.mensah@westcloud.example',
  head: 'sofia.rossi@westcloud.example',
  support: 'aisha.rahman@westcloud.example',
  staff: 'ben.carter@westcloud.example',
  admin: 'admin@westcloud.example',
};
// The evidence row of docs/security.md's table, written out here: read and update scope.
const EVIDENCE = {
  ism: 'all', board: 'read', auditor: 'read', ops: 'all', hr: 'own', head: 'own',
  support: 'none', staff: 'none', admin: 'none',
};
const MiB = 1024 * 1024;
const today = () => new Date().toISOString().slice(0, 10);

let srv; // the demo organisation, default upload limit
const as = {}; // role -> Client with session cookie and CSRF token
const people = {}; // role -> the signed-in user ({person_id, department_id, …})
let controlId;

async function signIn(server, email) {
  const r = await server.req('POST', '/api/v1/session', { body: { email, password: PW } });
  assert.equal(r.status, 200, `${email}: ${r.text}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const c = new Client(server, { Cookie: cookie, 'X-CSRF-Token': r.json.csrf });
  c.cookie = cookie;
  c.csrf = r.json.csrf;
  c.user = r.json.user;
  return c;
}

before(async () => {
  srv = new Server();
  await srv.start(['--demo']);
  for (const [role, email] of Object.entries(WHO)) {
    as[role] = await signIn(srv, email);
    people[role] = as[role].user;
  }
  controlId = (await as.ism.get('/api/v1/controls?limit=1')).json.items[0].id;
});

after(async () => {
  try {
    await srv?.stop(); // exits 0: no sanitizer report, no crash
  } finally {
    srv?.cleanup();
  }
});

// ---- helpers ----

// hex BLAKE2b-256, computed by python3 (node's crypto has blake2b512 only)
function blake(bytes) {
  const r = spawnSync('python3', ['-c',
    'import hashlib,sys;print(hashlib.blake2b(sys.stdin.buffer.read(),digest_size=32).hexdigest())'],
  { input: bytes, maxBuffer: 1 << 20 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout.toString().trim();
}

// Random bytes that hold NULs, CR/LF and a multipart-looking boundary line.
function binary(n) {
  const b = randomBytes(n);
  const marks = Buffer.from('\0\0\r\n--boundary\r\n\0\xff\xfe');
  marks.copy(b, 0);
  marks.copy(b, Math.floor(n / 2));
  b[n - 1] = 0;
  return b;
}

const filePath = (id, field = 'file', plural = 'evidence') => `/api/v1/${plural}/${id}/files/${field}`;

// PUT the bytes; type and name optional.
function put(c, id, bytes, { type, name, headers = {}, field, plural } = {}) {
  const q = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
  const h = { ...headers };
  if (type !== undefined) h['Content-Type'] = type;
  return c.req('PUT', filePath(id, field, plural) + q, { raw: bytes, headers: h });
}

// GET with the body as bytes (the harness reads text).
async function download(c, id, field, plural) {
  const res = await fetch(c.s.base + filePath(id, field, plural), { headers: c.h, redirect: 'manual' });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json;
  try { json = JSON.parse(bytes.toString('utf8')); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8'), json };
}

let seq = 0;
async function newEvidence(c = as.ism, extra = {}) {
  const r = await c.post('/api/v1/evidence', { control_id: controlId, title: `File test ${++seq}`,
    collected_on: today(), ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const record = async (id, c = as.ism) => (await c.get(`/api/v1/evidence/${id}`)).json;
const history = async (id, c = as.ism) => (await c.get(`/api/v1/evidence/${id}/history`)).json.items;

// `custos audit verify` on a server's database: {status, stdout, stderr}
const verify = (server) => cli(['audit', 'verify', '--db', server.db]);

// Sets a stored file's bytes to one NUL, behind the application's back.
function tamper(server, hash) {
  server.sql(server.pgName
    ? `UPDATE files SET content = '\\x00'::bytea WHERE hash = '${hash}'`
    : `UPDATE files SET content = X'00' WHERE hash = '${hash}'`);
}

// A multipart/form-data body written by hand, for what FormData will not send (an empty file
// input as browsers send it). parts: [name, value] or [name, {filename, type, data}].
function multipart(parts) {
  const boundary = `----custos${randomBytes(8).toString('hex')}`;
  const chunks = [];
  for (const [name, v] of parts) {
    if (typeof v === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${v.filename}"\r\n` +
        `Content-Type: ${v.type}\r\n\r\n`), Buffer.from(v.data), Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

// The edit form's fields for a record, as a browser would post them (no file chosen).
async function editFields(c, id) {
  const page = await c.get(`/evidence/${id}/edit`);
  assert.equal(page.status, 200, page.text);
  const version = page.text.match(/name="_version" value="(\d+)"/)[1];
  const rec = await record(id, c);
  const out = [['_csrf', c.csrf], ['_version', version]];
  for (const k of ['control_id', 'title', 'link', 'collected_on', 'expires_on', 'collected_by_id', 'notes'])
    out.push([k, rec[k] === null ? '' : String(rec[k])]);
  return out;
}

const uiPost = (c, path, body, type) => c.s.req('POST', path, { raw: body, headers: { Cookie: c.cookie, ...(type ? { 'Content-Type': type } : {}) } });

// ---- the round trip ----

test('random binary bytes with NULs go up with PUT and come back byte for byte, hashed with BLAKE2b-256', async () => {
  const ev = await newEvidence();
  assert.equal(ev.file, null, 'no file until one is uploaded');
  const bytes = binary(200_000);
  const hash = blake(bytes);
  const r = await put(as.ism, ev.id, bytes, { type: 'application/pdf', name: 'Access review Q3.pdf' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.file, { name: 'Access review Q3.pdf', type: 'application/pdf', size: bytes.length, hash });
  assert.deepEqual(Object.keys(r.json.file), ['name', 'type', 'size', 'hash']);
  assert.equal(r.json.version, ev.version + 1);
  assert.equal(r.headers.get('etag'), `"${ev.version + 1}"`);
  assert.equal(r.json.title, ev.title, 'the rest of the record is untouched');
  // the record, the list and the export say the same
  assert.deepEqual((await record(ev.id)).file, r.json.file);
  const listed = (await as.ism.get(`/api/v1/evidence?limit=500`)).json.items.find((x) => x.id === ev.id);
  assert.deepEqual(listed.file, r.json.file);
  const csv = (await as.ism.get('/api/v1/evidence/export?format=csv')).text.split('\r\n');
  const cols = csv[0].split(',');
  const row = csv.find((l) => l.startsWith(`${ev.id},`)).split(',');
  assert.equal(row[cols.indexOf('file')], 'Access review Q3.pdf', 'the CSV export names the file');

  const d = await download(as.ism, ev.id);
  assert.equal(d.status, 200);
  assert.ok(d.bytes.equals(bytes), 'the exact bytes come back');
  assert.equal(d.headers.get('content-length'), String(bytes.length));
  assert.equal(d.headers.get('content-type'), 'application/pdf');
  assert.equal(d.headers.get('content-disposition'),
    'attachment; filename="Access review Q3.pdf"; filename*=UTF-8\'\'Access%20review%20Q3.pdf');
  assert.equal(d.headers.get('content-security-policy'), "default-src 'none'; sandbox");
  assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(d.headers.get('etag'), `"${hash}"`);
  assert.equal(d.headers.get('cache-control'), 'no-store', 'kept by no cache, the browser\'s own included');
  // a text file keeps its type (the charset parameter names text/plain)
  const txt = Buffer.from('line one\nline two\n');
  const t = await put(as.ism, ev.id, txt, { type: 'text/plain; charset=utf-8', name: 'log.txt' });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.file.type, 'text/plain');
  const dt = await download(as.ism, ev.id);
  assert.ok(dt.bytes.equals(txt));
  assert.match(dt.headers.get('content-type'), /^text\/plain/);
  // one byte, and a file that is nothing but NULs
  for (const b of [Buffer.from([0]), Buffer.from('x'), Buffer.alloc(4096)]) {
    const one = await put(as.ism, ev.id, b, { type: 'application/octet-stream', name: 'raw.bin' });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.file.size, b.length);
    assert.equal(one.json.file.hash, blake(b));
    assert.ok((await download(as.ism, ev.id)).bytes.equals(b));
  }
});

test('upload, replace and remove are each one audited update of the record; the same file again changes nothing', async () => {
  const ev = await newEvidence();
  const a = binary(3000), b = binary(5000);
  const ra = await put(as.ism, ev.id, a, { type: 'image/png', name: 'before.png' });
  assert.equal(ra.status, 200, ra.text);
  let h = await history(ev.id);
  assert.equal(h.length, 2);
  assert.equal(h[1].action, 'update');
  assert.equal(h[1].actor, WHO.ism);
  assert.deepEqual(h[1].changes, { file: [null, { name: 'before.png', type: 'image/png', size: 3000, hash: blake(a) }] });

  // the same bytes under the same name: no change, no event, no new version
  const same = await put(as.ism, ev.id, a, { type: 'image/png', name: 'before.png' });
  assert.equal(same.status, 200, same.text);
  assert.equal(same.json.version, ra.json.version);
  assert.equal((await history(ev.id)).length, 2);

  const rb = await put(as.ops, ev.id, b, { type: 'image/jpeg', name: 'after.jpg' });
  assert.equal(rb.status, 200, rb.text);
  assert.equal(rb.json.version, ra.json.version + 1);
  h = await history(ev.id);
  assert.equal(h.length, 3);
  assert.equal(h[2].actor, WHO.ops);
  assert.deepEqual(h[2].changes, { file: [ra.json.file, rb.json.file] });
  assert.ok((await download(as.ism, ev.id)).bytes.equals(b), 'the new bytes replace the old');

  // DELETE removes the file: an update with its event; the download is gone
  const del = await as.ism.del(filePath(ev.id));
  assert.equal(del.status, 200, del.text);
  assert.equal(del.json.file, null);
  assert.equal(del.json.version, rb.json.version + 1);
  assert.equal(del.json.title, ev.title);
  h = await history(ev.id);
  assert.equal(h.length, 4);
  assert.equal(h[3].action, 'update');
  assert.deepEqual(h[3].changes, { file: [rb.json.file, null] });
  assertProblem(await download(as.ism, ev.id), 404);
  // removing what is not there changes nothing
  const again = await as.ism.del(filePath(ev.id));
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.version, del.json.version);
  assert.equal((await history(ev.id)).length, 4);
  // a record deleted with its file: the history keeps the descriptor
  assert.equal((await put(as.ism, ev.id, a, { name: 'last.bin' })).status, 200);
  assert.equal((await as.ism.del(`/api/v1/evidence/${ev.id}`)).status, 204);
  assertProblem(await download(as.ism, ev.id), 404);
  assertProblem(await put(as.ism, ev.id, a, { name: 'ghost.bin' }), 404);
  h = await history(ev.id);
  assert.equal(h.at(-1).action, 'delete');
  assert.equal(h.at(-2).changes.file[1].name, 'last.bin');
});

test('If-Match on upload and removal: the current version passes, a stale one is 412 and a malformed one 400; nothing changes', async () => {
  const ev = await newEvidence();
  const v1 = binary(100);
  const ok = await put(as.ism, ev.id, v1, { name: 'v1.bin', headers: { 'If-Match': `"${ev.version}"` } });
  assert.equal(ok.status, 200, ok.text);
  const state = JSON.stringify(await record(ev.id));
  const events = (await history(ev.id)).length;
  assertProblem(await put(as.ism, ev.id, binary(100), { name: 'stale.bin', headers: { 'If-Match': `"${ev.version}"` } }), 412);
  assertProblem(await as.ism.del(filePath(ev.id), { headers: { 'If-Match': `"${ev.version}"` } }), 412);
  for (const bad of ['3', '"x"', '"-1"', '""', 'W/', '"1" junk'])
    assertProblem(await put(as.ism, ev.id, binary(100), { name: 'bad.bin', headers: { 'If-Match': bad } }), 400, 'If-Match');
  // a well-formed tag no version has is simply stale
  assertProblem(await put(as.ism, ev.id, binary(100), { name: 'zero.bin', headers: { 'If-Match': '"0"' } }), 412);
  assertProblem(await as.ism.del(filePath(ev.id), { headers: { 'If-Match': 'nope' } }), 400, 'If-Match');
  assert.equal(JSON.stringify(await record(ev.id)), state);
  assert.equal((await history(ev.id)).length, events);
  assert.ok((await download(as.ism, ev.id)).bytes.equals(v1));
  // the weak form and * pass
  const weak = await put(as.ism, ev.id, binary(10), { name: 'w.bin', headers: { 'If-Match': `W/"${ok.json.version}"` } });
  assert.equal(weak.status, 200, weak.text);
  const star = await put(as.ism, ev.id, binary(10), { name: 's.bin', headers: { 'If-Match': '*' } });
  assert.equal(star.status, 200, star.text);
  const rm = await as.ism.del(filePath(ev.id), { headers: { 'If-Match': `"${star.json.version}"` } });
  assert.equal(rm.status, 200, rm.text);
  assert.equal(rm.json.file, null);
});

test('bad uploads: an empty body is 400, a JSON write of file 422, a wrong field, register or record 404; nothing changes', async () => {
  const ev = await newEvidence();
  const bytes = binary(500);
  assert.equal((await put(as.ism, ev.id, bytes, { name: 'kept.bin' })).status, 200);
  const state = JSON.stringify(await record(ev.id));
  const events = (await history(ev.id)).length;
  const total = (await as.ism.get('/api/v1/evidence?limit=1')).json.total;

  assertProblem(await put(as.ism, ev.id, Buffer.alloc(0), { type: 'application/pdf', name: 'empty.pdf' }), 400, 'file');
  assertProblem(await put(as.ism, ev.id, undefined, { name: 'none.pdf' }), 400, 'file');
  for (const body of [{ file: { name: 'x.pdf', type: 'application/pdf', size: 1, hash: 'a'.repeat(64) } },
    { file: null }, { file: 'x.pdf' }, { title: 'changed', file: {} }]) {
    const p = await as.ism.patch(`/api/v1/evidence/${ev.id}`, body);
    assertProblem(p, 422, 'file');
    assert.match(p.json.errors.find((e) => e.field === 'file').message, /is a file: upload it with PUT/);
    assertProblem(await as.ism.post('/api/v1/evidence', { control_id: controlId, title: 'JSON file', collected_on: today(), ...body }), 422, 'file');
  }
  // CSV import checks the column like other read-only ones: a file cannot come in a cell
  const imp = await as.ism.req('POST', '/api/v1/evidence/import', { raw: `control_id,title,collected_on,file\r\n#${controlId},Imported,${today()},x.pdf\r\n`,
    headers: { 'Content-Type': 'text/csv' } });
  assertProblem(imp, 422);
  assert.deepEqual(imp.json.errors.map((e) => [e.row, e.field]), [[2, 'file']], imp.text);
  assert.match(imp.json.errors[0].message, /is a file, which an import cannot bring/);
  // a file is no filter or sort key
  assertProblem(await as.ism.get('/api/v1/evidence?file=kept.bin'), 400, 'file');
  assertProblem(await as.ism.get('/api/v1/evidence?sort=file'), 400, 'sort');
  // no such field, a field that is no file, a register without files, no such record
  const asset = (await as.ism.get('/api/v1/assets?limit=1')).json.items[0];
  for (const [path, what] of [[filePath(ev.id, 'nope'), 'unknown field'], [filePath(ev.id, 'title'), 'text field'],
    [filePath(ev.id, 'FILE'), 'wrong case'], [filePath(asset.id, 'file', 'assets'), 'register without files'],
    [filePath(999999), 'no such record'], [filePath(0), 'id 0'], ['/api/v1/evidence/abc/files/file', 'not an id'],
    ['/api/v1/nosuch/1/files/file', 'no such register']]) {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await as.ism.req(method, path, method === 'PUT' ? { raw: bytes, headers: { 'Content-Type': 'text/plain' } } : {});
      assert.equal(r.status, 404, `${method} ${what}: ${r.status} ${r.text}`);
      assertProblem(r, 404);
    }
  }
  for (const method of ['POST', 'PATCH']) {
    const r = await as.ism.req(method, filePath(ev.id), { raw: bytes });
    assert.equal(r.status, 405, `${method}: ${r.text}`);
  }
  assert.equal(JSON.stringify(await record(ev.id)), state);
  assert.equal((await history(ev.id)).length, events);
  assert.equal((await as.ism.get('/api/v1/evidence?limit=1')).json.total, total);
  assert.ok((await download(as.ism, ev.id)).bytes.equals(bytes));
});

test('types: only harmless ones are kept; HTML, SVG, script and unknown types are served as application/octet-stream', async () => {
  const ev = await newEvidence();
  const cases = [
    // declared type, name, stored and served type
    ['text/html', 'page.html', 'application/octet-stream'],
    ['text/html; charset=utf-8', 'page.htm', 'application/octet-stream'],
    ['image/svg+xml', 'logo.svg', 'application/octet-stream'],
    ['application/xhtml+xml', 'x.xhtml', 'application/octet-stream'],
    ['text/xml', 'x.xml', 'application/octet-stream'],
    ['application/javascript', 'x.js', 'application/octet-stream'],
    ['text/javascript', 'x.mjs', 'application/octet-stream'],
    ['application/x-msdownload', 'setup.exe', 'application/octet-stream'],
    ['application/octet-stream', 'data.bin', 'application/octet-stream'],
    ['not a type', 'x', 'application/octet-stream'],
    [undefined, 'nameless', 'application/octet-stream'],
    ['IMAGE/PNG', 'shot.png', 'image/png'],
    ['image/jpeg', 'photo.jpg', 'image/jpeg'],
    ['image/gif', 'a.gif', 'image/gif'],
    ['image/webp', 'a.webp', 'image/webp'],
    ['text/csv', 'a.csv', 'text/csv'],
    ['application/json', 'a.json', 'application/json'],
    ['application/zip', 'a.zip', 'application/zip'],
    ['message/rfc822', 'mail.eml', 'message/rfc822'],
    ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'a.xlsx',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['application/vnd.oasis.opendocument.text', 'a.odt', 'application/vnd.oasis.opendocument.text'],
  ];
  for (const [type, name, want] of cases) {
    const body = Buffer.from(`<html><script>alert(1)</script><svg onload=alert(2)></svg> ${name}`);
    const r = await put(as.ism, ev.id, body, { type, name });
    assert.equal(r.status, 200, `${type} ${name}: ${r.text}`);
    assert.equal(r.json.file.type, want, `${type} ${name} is stored as`);
    const d = await download(as.ism, ev.id);
    assert.equal(d.status, 200);
    assert.equal(d.headers.get('content-type').split(';')[0], want, `${type} ${name} is served as`);
    assert.match(d.headers.get('content-disposition'), /^attachment; /, `${type} is a download`);
    assert.equal(d.headers.get('content-security-policy'), "default-src 'none'; sandbox");
    assert.equal(d.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(d.bytes.equals(body));
  }
});

test('file names: paths, quotes and control characters go, the length is capped at a character boundary, dots alone are "file"', async () => {
  const ev = await newEvidence();
  const cases = [
    ['C:\\x\\y.pdf', 'y.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['/abs/path/report.pdf', 'report.pdf'],
    ['dir\\..\\..\\win.ini', 'win.ini'],
    ['a"b\nc\td\r.txt', 'abcd.txt'],
    ['del\u007f.txt', 'del.txt'],
    ['"quoted".txt', 'quoted.txt'],
    ['..', 'file'],
    ['.', 'file'],
    ['....', 'file'],
    ['../..', 'file'],
    ['x/', 'file'],
    ['', 'file'],
    [undefined, 'file'],
    ['"\n"', 'file'],
    ['.hidden', '.hidden'],
    ['semi; colon, and=equals.txt', 'semi; colon, and=equals.txt'],
    ["it's 100% <i>ok & fine.txt", "it's 100% <i>ok & fine.txt"],
    ['Prüfbericht ✓ 报告.pdf', 'Prüfbericht ✓ 报告.pdf'],
    ['a'.repeat(300), 'a'.repeat(255)],
    ['é'.repeat(200), 'é'.repeat(127)], // 400 bytes: cut to 254, never inside a character
    ['😀'.repeat(70), '😀'.repeat(63)], // 280 bytes: 252
  ];
  for (const [name, want] of cases) {
    const r = await put(as.ism, ev.id, Buffer.from(`name ${JSON.stringify(name)}`), { type: 'text/plain', name });
    assert.equal(r.status, 200, `${JSON.stringify(name)}: ${r.text}`);
    assert.equal(r.json.file.name, want, `${JSON.stringify(name)} is stored as`);
    assert.ok(Buffer.byteLength(r.json.file.name) <= 255);
    const d = await download(as.ism, ev.id);
    const cd = d.headers.get('content-disposition');
    const m = cd.match(/^attachment; filename="([^"\\\x00-\x1f\x7f]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]*)$/);
    assert.ok(m, `${JSON.stringify(name)}: Content-Disposition ${cd}`);
    assert.equal(decodeURIComponent(m[2]), want, 'filename* names the file exactly');
    assert.ok(/^[\x20-\x7e]*$/.test(m[1]), 'the plain filename is ASCII');
    if (/^[\x20-\x7e]*$/.test(want)) assert.equal(m[1], want);
  }
  // a name that is not UTF-8 is no name
  const bad = await as.ism.req('PUT', `${filePath(ev.id)}?name=%FF%FEx.txt`, { raw: Buffer.from('x'), headers: { 'Content-Type': 'text/plain' } });
  assert.equal(bad.status, 200, bad.text);
  assert.equal(bad.json.file.name, 'file');
  // the record page shows a stored name as text, never as markup
  const x = await put(as.ism, ev.id, Buffer.from('x'), { type: 'text/plain', name: '<img src=x onerror=alert(1)>.txt' });
  assert.equal(x.status, 200, x.text);
  const page = (await as.ism.get(`/evidence/${ev.id}`)).text;
  assert.ok(!page.includes('<img src=x'), 'the name is escaped on the record page');
  assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;\.txt/);
});

test('a NUL in the name is removed like the other control characters, not where the name ends', async () => {
  const ev = await newEvidence();
  const r = await as.ism.req('PUT', `${filePath(ev.id)}?name=${encodeURIComponent('evil.html\u0000.pdf')}`,
    { raw: Buffer.from('x'), headers: { 'Content-Type': 'text/plain' } });
  assert.ok([200, 400].includes(r.status), r.text);
  if (r.status === 200) assert.equal(r.json.file.name, 'evil.html.pdf');
});

// ---- who may ----

test('every role: download where the record is readable (404/403 as for the record), upload and remove where it may be updated', async () => {
  const ev = await newEvidence(as.ism, { collected_by_id: people.ism.person_id });
  const bytes = binary(1000);
  assert.equal((await put(as.ism, ev.id, bytes, { type: 'application/pdf', name: 'mine.pdf' })).status, 200);
  for (const [role, scope] of Object.entries(EVIDENCE)) {
    const c = as[role];
    const readWant = { all: 200, read: 200, own: 404, none: 403 }[scope];
    const rec = await c.get(`/api/v1/evidence/${ev.id}`);
    assert.equal(rec.status, readWant, `${role} GET record`);
    const d = await download(c, ev.id);
    assert.equal(d.status, readWant, `${role} GET file: ${d.text.slice(0, 200)}`);
    if (readWant === 200) assert.ok(d.bytes.equals(bytes), `${role} reads the bytes`);
    else {
      assertProblem(d, readWant);
      assert.ok(!d.bytes.includes(bytes.subarray(100, 200)), `${role} gets none of the bytes`);
      assert.ok(!d.text.includes('mine.pdf'), `${role} learns nothing of the file`);
    }
    const writeWant = { all: 200, read: 403, own: 404, none: 403 }[scope];
    const before = JSON.stringify(await record(ev.id));
    const p = await put(c, ev.id, binary(64), { type: 'text/plain', name: `${role}.txt` });
    // the same answer as a PATCH of the record would get
    const patch = await c.patch(`/api/v1/evidence/${ev.id}`, { notes: null });
    assert.equal(patch.status, writeWant, `${role} PATCH`);
    assert.equal(p.status, writeWant, `${role} PUT: ${p.text}`);
    if (writeWant === 200) {
      assert.equal(p.json.file.name, `${role}.txt`);
      const back = await put(c, ev.id, bytes, { type: 'application/pdf', name: 'mine.pdf' });
      assert.equal(back.status, 200, back.text);
      continue;
    }
    assertProblem(p, writeWant);
    assertProblem(await c.del(filePath(ev.id)), writeWant);
    assert.equal(JSON.stringify(await record(ev.id)), before, `${role} changed the record`);
  }
  assert.ok((await download(as.ism, ev.id)).bytes.equals(bytes));

  // HR and heads of department own what they collected: their own evidence is theirs to file
  for (const role of ['hr', 'head']) {
    const own = await newEvidence(as[role], { collected_by_id: people[role].person_id });
    const b = binary(333);
    const up = await put(as[role], own.id, b, { type: 'image/png', name: `${role}.png` });
    assert.equal(up.status, 200, `${role}: ${up.text}`);
    assert.ok((await download(as[role], own.id)).bytes.equals(b));
    assert.ok((await download(as.auditor, own.id)).bytes.equals(b));
    const other = role === 'hr' ? 'head' : 'hr';
    assertProblem(await download(as[other], own.id), 404);
    assertProblem(await put(as[other], own.id, binary(9), { name: 'x' }), 404);
    const rm = await as[role].del(filePath(own.id));
    assert.equal(rm.status, 200, rm.text);
    assert.equal(rm.json.file, null);
  }
});

test('credentials: none is 401, a cookie without its CSRF token cannot upload or remove, a read-only token only downloads', async () => {
  const ev = await newEvidence();
  const bytes = binary(777);
  assert.equal((await put(as.ism, ev.id, bytes, { name: 'secret.bin' })).status, 200);
  const anon = new Client(srv, {});
  assertProblem(await download(anon, ev.id), 401);
  assertProblem(await put(anon, ev.id, binary(5), { name: 'anon' }), 401);
  assertProblem(await anon.del(filePath(ev.id)), 401);
  const noCsrf = new Client(srv, { Cookie: as.ism.cookie });
  assert.ok((await download(noCsrf, ev.id)).bytes.equals(bytes), 'a GET needs no CSRF token');
  assertProblem(await put(noCsrf, ev.id, binary(5), { name: 'csrf' }), 403);
  assertProblem(await noCsrf.del(filePath(ev.id)), 403);
  const wrong = new Client(srv, { Cookie: as.ism.cookie, 'X-CSRF-Token': as.ops.csrf });
  assertProblem(await put(wrong, ev.id, binary(5), { name: 'csrf' }), 403);

  const t = await as.ism.post('/api/v1/tokens', { name: 'evidence reader', permissions: 'evidence:read' });
  assert.equal(t.status, 201, t.text);
  const reader = new Client(srv, { Authorization: `Bearer ${t.json.token}` });
  assert.ok((await download(reader, ev.id)).bytes.equals(bytes));
  assertProblem(await put(reader, ev.id, binary(5), { name: 'token' }), 403);
  assertProblem(await reader.del(filePath(ev.id)), 403);
  const w = await as.ism.post('/api/v1/tokens', { name: 'evidence writer', permissions: 'evidence:read,evidence:update' });
  assert.equal(w.status, 201, w.text);
  const writer = new Client(srv, { Authorization: `Bearer ${w.json.token}` });
  const up = await put(writer, ev.id, binary(5), { name: 'by token' });
  assert.equal(up.status, 200, up.text);
  assert.equal((await history(ev.id)).at(-1).actor, WHO.ism);
  const other = await as.ism.post('/api/v1/tokens', { name: 'assets only', permissions: 'assets:read' });
  const assetsOnly = new Client(srv, { Authorization: `Bearer ${other.json.token}` });
  assertProblem(await download(assetsOnly, ev.id), 403);
  assert.equal((await record(ev.id)).file.name, 'by token');
});

// ---- the record's transaction ----

test('bytes are stored only with a write that succeeds: refused uploads and forms leave no row in files', async () => {
  const ev = await newEvidence(as.ism, { collected_by_id: people.ism.person_id });
  assert.equal((await put(as.ism, ev.id, binary(50), { name: 'first.bin' })).status, 200);
  const rows = () => Number(srv.sql('SELECT count(*) FROM files'));
  const has = (h) => srv.sql(`SELECT count(*) FROM files WHERE hash = '${h}'`) === '1';
  const n = rows();
  const refused = [
    ['stale If-Match', as.ism, { headers: { 'If-Match': `"${ev.version}"` } }, 412],
    ['read-only role', as.auditor, {}, 403],
    ['out of scope', as.hr, {}, 404],
    ['no such record', as.ism, { id: 999999 }, 404],
  ];
  for (const [what, c, o, status] of refused) {
    const b = binary(2048);
    assertProblem(await put(c, o.id ?? ev.id, b, { name: 'refused.bin', headers: o.headers }), status);
    assert.ok(!has(blake(b)), `${what}: the bytes were stored`);
  }
  // a form refused for another field stores neither the record nor the bytes
  const b = binary(4096);
  const fd = new FormData();
  fd.append('_csrf', as.ism.csrf);
  fd.append('control_id', String(controlId));
  fd.append('title', '');
  fd.append('collected_on', today());
  fd.append('file', new Blob([b], { type: 'application/pdf' }), 'orphan.pdf');
  const r = await uiPost(as.ism, '/evidence', fd);
  assert.equal(r.status, 422, r.text.slice(0, 300));
  assert.ok(!has(blake(b)), 'a refused form stored its file');
  assert.equal(rows(), n);
});

test('concurrent uploads: the same new bytes to many records at once are stored once; If-Match lets one of a race win', async () => {
  const evs = [];
  for (let i = 0; i < 12; i++) evs.push(await newEvidence());
  const bytes = binary(256 * 1024);
  const rs = await Promise.all(evs.map((e, i) => put(as.ism, e.id, bytes, { type: 'application/pdf', name: `race-${i}.pdf` })));
  for (const r of rs) assert.equal(r.status, 200, r.text);
  const hash = blake(bytes);
  assert.equal(srv.sql(`SELECT count(*) FROM files WHERE hash = '${hash}'`), '1');
  for (const e of evs) assert.ok((await download(as.ism, e.id)).bytes.equals(bytes));

  const target = evs[0];
  const v = (await record(target.id)).version;
  const racers = Array.from({ length: 8 }, () => binary(1024));
  const out = await Promise.all(racers.map((b, i) => put(i % 2 ? as.ops : as.ism, target.id, b,
    { name: `racer-${i}.bin`, headers: { 'If-Match': `"${v}"` } })));
  const won = out.filter((r) => r.status === 200);
  assert.equal(won.length, 1, out.map((r) => r.status).join(' '));
  for (const r of out) if (r.status !== 200) assertProblem(r, 412);
  const winner = racers[out.indexOf(won[0])];
  assert.ok((await download(as.ism, target.id)).bytes.equals(winner));
  assert.equal((await record(target.id)).version, v + 1);
  assert.equal((await history(target.id)).length, 3);
});

// ---- sizes ----

test('the default server takes files over 1 MiB (up to 16 MiB), while other routes keep their 1 MiB', async () => {
  const ev = await newEvidence();
  const big = binary(3 * MiB + 17);
  const r = await put(as.ism, ev.id, big, { type: 'application/zip', name: 'export.zip' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.file.size, big.length);
  assert.equal(r.json.file.hash, blake(big));
  const d = await download(as.ism, ev.id);
  assert.ok(d.bytes.equals(big), '3 MiB come back exactly');

  const state = JSON.stringify(await record(ev.id));
  const over = await put(as.ism, ev.id, Buffer.alloc(16 * MiB + 1, 7), { type: 'application/zip', name: 'too.zip' });
  assertProblem(over, 413);
  assert.match(over.json.detail, /16 MiB/);
  // the JSON routes, even of the same register, keep 1 MiB
  assertProblem(await as.ism.patch(`/api/v1/evidence/${ev.id}`, { notes: 'n'.repeat(MiB + 10) }), 413);
  assertProblem(await as.ism.post('/api/v1/evidence', { control_id: controlId, title: 'big', collected_on: today(), notes: 'n'.repeat(MiB + 10) }), 413);
  // and a file route of a register without file fields answers as that register would
  const asset = (await as.ism.get('/api/v1/assets?limit=1')).json.items[0];
  const a = await put(as.ism, asset.id, Buffer.alloc(2 * MiB, 1), { plural: 'assets', name: 'x' });
  assert.ok([404, 413].includes(a.status), `assets: ${a.status}`);
  assert.equal(JSON.stringify(await record(ev.id)), state);
  assert.ok((await download(as.ism, ev.id)).bytes.equals(big));

  // the web form too: a 2 MiB file through the evidence form
  const fd = new FormData();
  fd.append('_csrf', as.ism.csrf);
  fd.append('control_id', String(controlId));
  fd.append('title', 'Two MiB through the form');
  fd.append('collected_on', today());
  const two = binary(2 * MiB);
  fd.append('file', new Blob([two], { type: 'application/pdf' }), 'two.pdf');
  const ui = await uiPost(as.ism, '/evidence', fd);
  assert.equal(ui.status, 303, ui.text.slice(0, 500));
  const id = Number(ui.headers.get('location').match(/^\/evidence\/(\d+)/)[1]);
  assert.equal((await record(id)).file.size, two.length);
  assert.ok((await download(as.ism, id)).bytes.equals(two));
});

test('serve --max-upload-mb takes 1 to 64', () => {
  for (const bad of ['0', '65', '-1', 'x', '1.5', '']) {
    const r = cli(['serve', '--db', `sqlite:/nonexistent-dir-${process.pid}/x.db`, '--listen', '127.0.0.1:0', '--max-upload-mb', bad]);
    assert.equal(r.status, 2, `--max-upload-mb ${JSON.stringify(bad)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /max-upload-mb/);
  }
  assert.match(cli(['help', 'serve']).stdout, /--max-upload-mb N/);
});

// ---- a small server: limits, storage once per hash, audit verify and tampering ----

test('a --max-upload-mb 1 server: 1 MiB is taken, a byte more is 413 (with Content-Length, chunked, or in a form); bytes stored once per hash; audit verify; tampering', async (t) => {
  const small = new Server();
  await small.start(['--demo', '--max-upload-mb', '1']);
  try {
    const ism = await signIn(small, WHO.ism);
    const cid = (await ism.get('/api/v1/controls?limit=1')).json.items[0].id;
    const mk = async (title) => {
      const r = await ism.post('/api/v1/evidence', { control_id: cid, title, collected_on: today() });
      assert.equal(r.status, 201, r.text);
      return r.json;
    };
    const e1 = await mk('Exactly one MiB'), e2 = await mk('Same bytes'), e3 = await mk('Other bytes');
    const exact = binary(MiB);
    const r1 = await put(ism, e1.id, exact, { type: 'application/pdf', name: 'one.pdf' });
    assert.equal(r1.status, 200, r1.text);
    assert.ok((await download(ism, e1.id)).bytes.equals(exact));

    await t.test('a byte over the limit is 413 and changes nothing', async () => {
      const state = JSON.stringify((await ism.get(`/api/v1/evidence/${e1.id}`)).json);
      const over = await put(ism, e1.id, binary(MiB + 1), { type: 'application/pdf', name: 'over.pdf' });
      assertProblem(over, 413);
      assert.match(over.json.detail, /1 MiB/);
      // chunked, without Content-Length
      const body = binary(MiB + 1);
      let chunked = Buffer.alloc(0);
      for (let k = 0; k < body.length; k += 65536) {
        const part = body.subarray(k, k + 65536);
        chunked = Buffer.concat([chunked, Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]);
      }
      const head = `PUT ${filePath(e1.id)}?name=chunked.bin HTTP/1.1\r\nHost: x\r\nCookie: ${ism.cookie}\r\nX-CSRF-Token: ${ism.csrf}\r\n` +
        'Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
      const raw = await rawHttp(small.base, Buffer.concat([Buffer.from(head), chunked, Buffer.from('0\r\n\r\n')]));
      assert.equal(raw.status, 413, raw.body.toString());
      assert.equal(JSON.parse(raw.body).status, 413);
      // a form over the limit
      const fd = new FormData();
      fd.append('_csrf', ism.csrf);
      fd.append('control_id', String(cid));
      fd.append('title', 'Too big a form');
      fd.append('collected_on', today());
      fd.append('file', new Blob([binary(MiB + 10)]), 'big.bin');
      const ui = await uiPost(ism, '/evidence', fd);
      assert.equal(ui.status, 413);
      assert.match(ui.text, /larger than 1 MiB/);
      assert.equal((await ism.get('/api/v1/evidence?q=Too%20big%20a%20form')).json.total, 0);
      assert.equal(JSON.stringify((await ism.get(`/api/v1/evidence/${e1.id}`)).json), state);
      // the server serves on
      assert.ok((await download(ism, e1.id)).bytes.equals(exact));
    });

    const other = binary(4096);
    await t.test('the same bytes on two records are stored once', async () => {
      const before = Number(small.sql('SELECT count(*) FROM files'));
      assert.equal(before, 1);
      const r2 = await put(ism, e2.id, exact, { type: 'application/zip', name: 'copy.zip' });
      assert.equal(r2.status, 200, r2.text);
      assert.equal(r2.json.file.hash, r1.json.file.hash);
      assert.equal(r2.json.file.name, 'copy.zip', 'each record keeps its own name and type');
      assert.equal(r2.json.file.type, 'application/zip');
      assert.equal(small.sql(`SELECT count(*) FROM files WHERE hash = '${r1.json.file.hash}'`), '1');
      assert.equal(Number(small.sql('SELECT count(*) FROM files')), 1);
      assert.equal(small.sql(`SELECT size FROM files WHERE hash = '${r1.json.file.hash}'`), String(MiB));
      const r3 = await put(ism, e3.id, other, { type: 'text/plain', name: 'other.txt' });
      assert.equal(r3.status, 200, r3.text);
      assert.equal(Number(small.sql('SELECT count(*) FROM files')), 2);
      // removing the file from one record leaves the other's
      assert.equal((await ism.del(filePath(e2.id))).status, 200);
      assert.ok((await download(ism, e1.id)).bytes.equals(exact));
      assert.equal((await put(ism, e2.id, exact, { type: 'application/zip', name: 'copy.zip' })).status, 200);
      assert.equal(Number(small.sql('SELECT count(*) FROM files')), 2);
    });

    await t.test('audit verify checks the files: ok, then FAILED after the bytes were changed behind the application', async () => {
      const v = verify(small);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      const lines = v.stdout.trim().split('\n');
      assert.equal(lines.length, 4, v.stdout);
      assert.match(lines[0], /^ok \d+ events$/);
      assert.match(lines[1], /^ok \d+ records match their audit history$/);
      assert.match(lines[2], /^ok \d+ accounts, \d+ API tokens and the security settings match their audit history$/);
      assert.equal(lines[3], 'ok 2 files match their hashes');

      // a record pointed at other stored bytes behind the application's back: its audit
      // history says otherwise
      const desc = small.sql(`SELECT file FROM evidence WHERE id = ${e3.id}`);
      const forged = JSON.stringify({ ...JSON.parse(desc), hash: r1.json.file.hash, size: MiB });
      small.sql(`UPDATE evidence SET file = '${forged}' WHERE id = ${e3.id}`);
      const moved = verify(small);
      assert.equal(moved.status, 1, moved.stdout + moved.stderr);
      assert.match(moved.stdout, /FAILED: 1 record\(s\) do not match the audit trail/);
      assert.match(moved.stdout, new RegExp(`evidence ${e3.id}: field file differs`));
      small.sql(`UPDATE evidence SET file = '${desc}' WHERE id = ${e3.id}`);
      assert.equal(verify(small).status, 0);

      tamper(small, r1.json.file.hash);
      const bad = verify(small);
      assert.equal(bad.status, 1, bad.stdout + bad.stderr);
      assert.match(bad.stdout, /^FAILED: 1 file\(s\) no longer match their hash or are missing \(2 stored\)$/m);
      assert.doesNotMatch(bad.stdout, /files match their hashes/);
      // the download of the changed bytes is refused, for both records that name them
      for (const id of [e1.id, e2.id]) {
        const d = await download(ism, id);
        assertProblem(d, 500);
        assert.ok(!(d.bytes.length === 1 && d.bytes[0] === 0), 'not the tampered byte');
      }
      assert.match(small.stderr, /no longer matches its hash/);
      // nothing else breaks: other files, records, lists, pages, writes
      assert.ok((await download(ism, e3.id)).bytes.equals(other));
      assert.equal((await ism.get(`/api/v1/evidence/${e1.id}`)).status, 200);
      assert.equal((await ism.get('/api/v1/evidence')).status, 200);
      assert.equal((await ism.get(`/evidence/${e1.id}`)).status, 200);
      assert.equal((await small.req('GET', '/healthz')).status, 200);
      const fresh = binary(100);
      const up = await put(ism, e3.id, fresh, { name: 'fresh.bin' });
      assert.equal(up.status, 200, up.text);
      assert.ok((await download(ism, e3.id)).bytes.equals(fresh));
      // uploading the original bytes again never makes the server serve the wrong ones
      const again = await put(ism, e1.id, exact, { type: 'application/pdf', name: 'again.pdf' });
      assert.equal(again.status, 200, again.text);
      const d = await download(ism, e1.id);
      assert.ok(d.status === 500 || (d.status === 200 && d.bytes.equals(exact)), `after re-upload: ${d.status}`);
    });
  } finally {
    try { await small.stop(); } finally { small.cleanup(); }
  }
});

// Tampering the application cannot repair but must notice, each on a demo server of its own.
async function tamperServer(fn) {
  const s = new Server();
  await s.start(['--demo']);
  try {
    const ism = await signIn(s, WHO.ism);
    const id = (await ism.get('/api/v1/evidence?limit=1')).json.items[0].id;
    const bytes = binary(2000);
    const up = await put(ism, id, bytes, { type: 'application/pdf', name: 'kept.pdf' });
    assert.equal(up.status, 200, up.text);
    assert.equal(verify(s).status, 0);
    await fn(s, ism, id, up.json.file);
  } finally {
    try { await s.stop(); } finally { s.cleanup(); }
  }
}

test('stored bytes deleted behind the application: audit verify fails, the download is no 200', async () => {
    await tamperServer(async (s, ism, id) => {
      s.sql('DELETE FROM files');
      const d = await download(ism, id);
      assert.ok([404, 500].includes(d.status), `download: ${d.status}`);
      const v = verify(s);
      assert.equal(v.status, 1, `verify says: ${v.stdout}`);
      assert.match(v.stdout, /FAILED/);
    });
  });

test('a record\'s descriptor changed behind the application never reaches an answer as JSON of its own', async () => {
    await tamperServer(async (s, ism, id) => {
      const title = (await ism.get(`/api/v1/evidence/${id}`)).json.title;
      s.sql(`UPDATE evidence SET file = '{"name":"x"},"title":"forged"' WHERE id = ${id}`);
      for (const path of [`/api/v1/evidence/${id}`, '/api/v1/evidence?limit=500']) {
        const r = await ism.get(path);
        if (r.status === 500) continue;
        assert.equal(r.status, 200, r.text);
        assert.equal((r.text.match(/"title":/g) || []).length, path.includes('?') ? r.json.items.length : 1,
          `${path}: a key of the stored text became a field: ${r.text.slice(0, 300)}`);
        const rec = path.includes('?') ? r.json.items.find((x) => x.id === id) : r.json;
        assert.equal(rec.title, title);
      }
      s.sql(`UPDATE evidence SET file = 'not json' WHERE id = ${id}`);
      for (const path of [`/api/v1/evidence/${id}`, '/api/v1/evidence?limit=500', '/api/v1/evidence/export?format=json']) {
        const r = await ism.get(path);
        assert.ok(r.status === 500 || (r.status === 200 && r.json !== undefined), `${path}: ${r.status} ${r.text.slice(0, 200)}`);
      }
      assert.equal(verify(s).status, 1);
    });
  });

// ---- the web form ----

test('the evidence form: multipart with a file input, its CSRF token, binary files; keep, replace and remove on edit', async () => {
  const s = as.ism;
  const page = await s.get('/evidence/new');
  assert.equal(page.status, 200);
  assert.match(page.text, /<form class="record card" method="post" novalidate enctype="multipart\/form-data" action="\/evidence">/);
  assert.match(page.text, /<input type="file" id="f-file" name="file"/);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  assert.equal(csrf, s.csrf);

  const bytes = binary(70_000);
  const form = (fields, file) => {
    const fd = new FormData();
    for (const [k, v] of fields) fd.append(k, v);
    if (file) fd.append('file', new Blob([file.data], { type: file.type }), file.name);
    return fd;
  };
  const title = `Scanned firewall review ${Date.now()}`;
  const fields = [['control_id', String(controlId)], ['title', title], ['collected_on', today()]];
  const count = async () => (await s.get(`/api/v1/evidence?q=${encodeURIComponent(title)}`)).json.total;
  // without the token, or with another session's, nothing is stored
  for (const extra of [[], [['_csrf', '']], [['_csrf', as.ops.csrf]]]) {
    const r = await uiPost(s, '/evidence', form([...extra, ...fields], { data: bytes, type: 'image/png', name: 'scan.png' }));
    assert.equal(r.status, 403, r.text.slice(0, 300));
  }
  assert.equal(await count(), 0);
  // with it: created with the file, binary bytes intact
  let r = await uiPost(s, '/evidence', form([['_csrf', csrf], ...fields], { data: bytes, type: 'image/png', name: 'scan.png' }));
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const id = Number(r.headers.get('location').match(/^\/evidence\/(\d+)\?m=created$/)[1]);
  let rec = await record(id);
  assert.equal(rec.title, title);
  assert.deepEqual(rec.file, { name: 'scan.png', type: 'image/png', size: bytes.length, hash: blake(bytes) });
  assert.ok((await download(s, id)).bytes.equals(bytes), 'the form carried the NUL bytes through');
  assert.deepEqual((await history(id))[0].changes.file, [null, rec.file], 'the create event holds the file');

  // the record page: a download link with the name and size, and the hash
  const show = await s.get(`/evidence/${id}`);
  assert.equal(show.status, 200);
  assert.match(show.text, new RegExp(`<a href="/api/v1/evidence/${id}/files/file" download>scan\\.png \\(69 KiB\\)</a>`));
  assert.ok(show.text.includes(rec.file.hash), 'the page shows the hash');
  // a reader sees the link too
  assert.match((await as.auditor.get(`/evidence/${id}`)).text, new RegExp(`/api/v1/evidence/${id}/files/file`));

  // the edit form: what is stored now, and a box to remove it
  const edit = await s.get(`/evidence/${id}/edit`);
  assert.equal(edit.status, 200);
  assert.match(edit.text, /enctype="multipart\/form-data"/);
  assert.match(edit.text, /Now: <strong>scan\.png<\/strong>/);
  assert.match(edit.text, /<input type="checkbox" name="_remove_file" value="true">/);
  assert.match(edit.text, /<input type="file" id="f-file" name="file"/);

  // no file chosen (an empty file part, as browsers send it): the stored one stays
  let f = await editFields(s, id);
  f = f.map(([k, v]) => [k, k === 'title' ? `${title} (checked)` : v]);
  let mp = multipart([...f, ['file', { filename: '', type: 'application/octet-stream', data: '' }]]);
  r = await uiPost(s, `/evidence/${id}`, mp.body, mp.type);
  assert.equal(r.status, 303, r.text.slice(0, 500));
  rec = await record(id);
  assert.equal(rec.title, `${title} (checked)`);
  assert.equal(rec.file.name, 'scan.png');
  assert.ok((await download(s, id)).bytes.equals(bytes));
  // the same form sent urlencoded (no multipart) keeps it too
  f = await editFields(s, id);
  r = await uiPost(s, `/evidence/${id}`, new URLSearchParams(f.map(([k, v]) => [k, k === 'link' ? 'https://x.example/r' : v])));
  assert.equal(r.status, 303, r.text.slice(0, 500));
  assert.equal((await record(id)).file.name, 'scan.png');

  // an empty file chosen: refused on the form, nothing changes
  const before = JSON.stringify(await record(id));
  f = await editFields(s, id);
  r = await uiPost(s, `/evidence/${id}`, form(f, { data: new Uint8Array(0), type: 'text/plain', name: 'empty.txt' }));
  assert.equal(r.status, 422, r.text.slice(0, 300));
  assert.match(r.text, /empty file/);
  assert.equal(JSON.stringify(await record(id)), before);

  // a new file replaces it
  const next = binary(1500);
  f = await editFields(s, id);
  r = await uiPost(s, `/evidence/${id}`, form(f, { data: next, type: 'application/pdf', name: 'C:\\Users\\me\\second.pdf' }));
  assert.equal(r.status, 303, r.text.slice(0, 500));
  rec = await record(id);
  assert.deepEqual(rec.file, { name: 'second.pdf', type: 'application/pdf', size: next.length, hash: blake(next) });
  assert.ok((await download(s, id)).bytes.equals(next));

  // a stale form (its version) is a conflict and keeps the file
  const stale = f;
  r = await uiPost(s, `/evidence/${id}`, form([...stale, ['_remove_file', 'true']]));
  assert.equal(r.status, 409, r.text.slice(0, 300));
  assert.equal((await record(id)).file.name, 'second.pdf');

  // "remove it" ticked: gone, audited
  f = await editFields(s, id);
  r = await uiPost(s, `/evidence/${id}`, form([...f, ['_remove_file', 'true']]));
  assert.equal(r.status, 303, r.text.slice(0, 500));
  rec = await record(id);
  assert.equal(rec.file, null);
  assert.deepEqual((await history(id)).at(-1).changes, { file: [{ name: 'second.pdf', type: 'application/pdf', size: next.length, hash: blake(next) }, null] });
  assertProblem(await download(s, id), 404);
  const after = await s.get(`/evidence/${id}/edit`);
  assert.doesNotMatch(after.text, /Now: <strong>|_remove_file/);
  assert.doesNotMatch((await s.get(`/evidence/${id}`)).text, /\/files\/file/);
  // remove ticked on a new record means nothing
  r = await uiPost(s, '/evidence', form([['_csrf', csrf], ['control_id', String(controlId)], ['title', `${title} 2`], ['collected_on', today()], ['_remove_file', 'true']]));
  assert.equal(r.status, 303, r.text.slice(0, 500));

  // a form for a record the user may not change is refused, file and all
  const staffForm = form([['_csrf', as.staff.csrf], ...fields], { data: bytes, type: 'image/png', name: 'x.png' });
  assert.equal((await uiPost(as.staff, '/evidence', staffForm)).status, 403);
  assert.equal((await as.staff.get('/evidence/new')).status, 403);
  // other registers' forms still refuse multipart
  const dept = form([['_csrf', csrf], ['name', 'Multipart dept']], { data: bytes, type: 'image/png', name: 'x.png' });
  assert.equal((await uiPost(s, '/departments', dept)).status, 415);
});

// ---- moving and describing ----

test('migrate-data carries the files: the copy serves the same bytes and verifies', async () => {
  const src = new Server({ sqlite: true });
  await src.start(['--demo']);
  const ism = await signIn(src, WHO.ism);
  const id = (await ism.get('/api/v1/evidence?limit=1')).json.items[0].id;
  const bytes = binary(300_000);
  const up = await put(ism, id, bytes, { type: 'application/pdf', name: 'moved.pdf' });
  assert.equal(up.status, 200, up.text);
  await src.stop();
  const dst = new Server(); // the engine under test
  try {
    const m = cli(['migrate-data', '--from', src.db, '--to', dst.db]);
    assert.equal(m.status, 0, m.stdout + m.stderr);
    assert.match(m.stdout, /^files +1 rows$/m);
    const v = verify(dst);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ok 1 files match their hashes$/m);
    await dst.start();
    const c = await signIn(dst, WHO.ism);
    const d = await download(c, id);
    assert.equal(d.status, 200, d.text.slice(0, 200));
    assert.ok(d.bytes.equals(bytes));
    assert.deepEqual((await c.get(`/api/v1/evidence/${id}`)).json.file, up.json.file);
    await dst.stop();
  } finally {
    src.cleanup();
    dst.cleanup();
  }
});

test('the OpenAPI document describes the file routes, every path parameter declared', async () => {
  const doc = (await as.ism.get('/api/v1/openapi.json')).json;
  const p = doc.paths['/api/v1/evidence/{id}/files/file'];
  assert.ok(p, 'the file path is described');
  assert.deepEqual(Object.keys(p).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'put']);
  const file = doc.components.schemas.Evidence.properties.file;
  assert.ok(JSON.stringify(file).includes('"readOnly":true'), 'file is read-only in the schema');
  for (const [path, item] of Object.entries(doc.paths)) {
    const vars = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const declared = [...(item.parameters || []), ...(op.parameters || [])].filter((x) => x.in === 'path').map((x) => x.name);
      for (const v of vars) assert.ok(declared.includes(v), `${method.toUpperCase()} ${path} does not declare {${v}}`);
    }
  }
});

test('the demo server is whole at the end: audit verify passes with every file', () => {
  const v = verify(srv);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const n = Number(srv.sql('SELECT count(*) FROM files'));
  assert.ok(n > 10);
  assert.match(v.stdout, new RegExp(`^ok ${n} files match their hashes$`, 'm'));
  assert.doesNotMatch(srv.stderr, /AddressSanitizer|runtime error/);
});
