// incidents.test.mjs - information security incidents from the outside, trying to break them:
// the workflow reported -> triaged -> escalated -> investigating -> contained -> resolved ->
// closed role by role (the Support Team triages, escalates, merges and resolves only minor
// incidents; the ISM alone investigates and closes, with a root cause and lessons learned);
// closed and merged reports frozen; nobody reports as someone else; a reporter reads their own
// reports and nobody else's (by id, list, search, filter, count, export, page, history, file);
// the short report form (CSRF, multipart with an attachment stored byte for byte, errors that
// keep what was typed and name the field, a future time refused); the clocks (the personal-data
// deadline aware_at + 72 h or the organisation's notify_hours; triage and escalation overdue
// against the ISM's targets, with aware_at moved back behind the application's back); the
// metrics recomputed here from the API's timestamps; the full report as HTML and PDF; corrective
// actions in their owners' tasks; history for every step; races; `custos audit verify`; e-mail
// through the outbox to a local SMTP sink when that exists.
// Two demo servers: `srv`, which nobody tampers with (audit verify runs on it), and `clk`,
// whose incidents have their times moved back with SQL. Open bugs are kept as todo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Server, cli, PG, PASSWORD, assertProblem } from './harness.mjs';

const PW = 'custos-demo-password';
const WHO = {
  ism: 'daniel.okafor@westcloud.example',
  board: 'amelia.hart@westcloud.example',
  auditor: 'claire.morgan@westcloud.example',
  ops: 'priya.natarajan@westcloud.example',
  hr: 'grace.mensah@westcloud.example',
  head: 'sofia.rossi@westcloud.example', // Product Development (the demo's department 6)
  support: 'aisha.rahman@westcloud.example',
  staff: 'ben.carter@westcloud.example', // Customer Support
  admin: 'admin@westcloud.example', // linked to no person
};
// accounts added for people of the demo: another member of staff in Ben's department, and one
// in Sofia's department
const EXTRA = {
  kwame: 'kwame.asante@westcloud.example',
  david: 'david.kim@westcloud.example',
};
const ALL_READERS = ['ism', 'support', 'board', 'auditor', 'ops'];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MIN = 60 * 1000;
const HOUR = 60 * MIN;

// ---- sessions ----

class Session {
  constructor(srv, email, cookie, csrf, user) {
    Object.assign(this, { srv, email, cookie, csrf, user });
    this.person = user.person_id;
    this.dept = user.department_id;
  }

  async req(method, path, { body, headers = {}, raw, csrf = true } = {}) {
    const h = { Cookie: this.cookie, ...headers };
    if (csrf && !['GET', 'HEAD'].includes(method)) h['X-CSRF-Token'] ??= this.csrf;
    const r = await this.srv.req(method, path, { body, headers: h, raw });
    assert.ok(r.status < 500, `${method} ${path} as ${this.email}: ${r.status} ${r.text.slice(0, 300)}`);
    return r;
  }

  get(path, opts) { return this.req('GET', path, opts); }
  post(path, body, opts = {}) { return this.req('POST', path, { ...opts, body }); }
  patch(path, body, opts = {}) { return this.req('PATCH', path, { ...opts, body }); }
  del(path, opts) { return this.req('DELETE', path, opts); }

  async ok(method, path, body, status = 200) {
    const r = await this.req(method, path, { body });
    assert.equal(r.status, status, `${method} ${path} as ${this.email}: ${r.text}`);
    return r.json;
  }

  // Every record of a register this user may read (at most 500).
  async all(plural, query = '') {
    const j = await this.ok('GET', `/api/v1/${plural}?limit=500${query}`);
    assert.ok(j.total <= 500, `${plural}: ${j.total} records`);
    assert.equal(j.items.length, j.total, `${plural}: the total counts what is listed`);
    return j.items;
  }

  // A browser's form post: multipart (a FormData) or urlencoded (an object or entries).
  form(path, fields, { csrf = true } = {}) {
    if (fields instanceof FormData) {
      if (csrf) fields.append('_csrf', this.csrf);
      return this.req('POST', path, { raw: fields, csrf: false });
    }
    const all = csrf ? [['_csrf', this.csrf], ...Object.entries(fields)] : Object.entries(fields);
    return this.req('POST', path, { raw: new URLSearchParams(all).toString(), csrf: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  }

  // GET with the body as bytes.
  async bytes(path) {
    const res = await fetch(this.srv.base + path, { headers: { Cookie: this.cookie }, redirect: 'manual' });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }
}

async function signIn(srv, email, password = PW) {
  const r = await srv.req('POST', '/api/v1/session', { body: { email, password } });
  assert.equal(r.status, 200, `sign-in of ${email}: ${r.text}`);
  return new Session(srv, email, r.headers.get('set-cookie').split(';')[0], r.json.csrf, r.json.user);
}

// A demo server with a session for every role and for the added accounts.
async function demoServer() {
  const srv = new Server();
  await srv.start(['--demo']);
  const S = {};
  for (const [role, email] of Object.entries(WHO)) S[role] = await signIn(srv, email);
  for (const [name, email] of Object.entries(EXTRA)) {
    srv.addUser(email, 'staff', name);
    S[name] = await signIn(srv, email, PASSWORD);
    assert.ok(S[name].person, `${email} is linked to the demo's person`);
  }
  return { srv, S };
}

// ---- HTML ----

const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const unescapeHtml = (s) => s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => {
  if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  return ENT[e.toLowerCase()] ?? m;
});
const textOf = (html) => unescapeHtml(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
const mainOf = (html) => {
  const m = html.match(/<main id="main">([\s\S]*)<\/main>/);
  assert.ok(m, `no <main> in the page: ${html.slice(0, 300)}`);
  return m[1];
};
const countOf = (html) => {
  const m = html.match(/<p class="count[^"]*">(\d+) /);
  return m ? Number(m[1]) : undefined;
};
// The record page's "Attention" flag, or null.
const flagOf = (html) => {
  const m = mainOf(html).match(/<p class="flag"><span class="badge bad">Attention<\/span>([\s\S]*?)<\/p>/);
  return m ? textOf(m[1]) : null;
};
// The <dd> text of a record page's field.
const ddOf = (html, label) => {
  const m = mainOf(html).match(new RegExp(`<dt>${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</dt><dd>([\\s\\S]*?)</dd>`));
  return m ? textOf(m[1]) : undefined;
};

// ---- time ----

const iso = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const at = (s) => Date.parse(s);
const plusHours = (s, h) => iso(at(s) + h * HOUR);
const today = () => new Date().toISOString().slice(0, 10);
const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
// "1 h 25 min" / "2 d 23 h" as minutes (the server's span(), rounded down to what it shows)
function spanMinutes(text) {
  let m = text.match(/^(\d+) h (\d+) min$/);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = text.match(/^(\d+) d (\d+) h$/);
  assert.ok(m, `not a span: ${text}`);
  return Number(m[1]) * 1440 + Number(m[2]) * 60;
}
// the server's span() of a number of seconds
function span(seconds) {
  const s = Math.abs(seconds);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return d ? `${d} d ${h} h` : `${h} h ${m} min`;
}

// ---- helpers ----

// BLAKE2b-256 of bytes, computed by python3's hashlib, not by us
function blake(bytes) {
  const r = spawnSync('python3', ['-c',
    'import hashlib,sys;print(hashlib.blake2b(sys.stdin.buffer.read(),digest_size=32).hexdigest())'],
  { input: bytes, maxBuffer: 1 << 22 });
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

// A strict enough RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF).
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}
const csvObjects = (text) => {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k]])));
};

// Every text of an XLSX's first sheet (inline or shared strings), read with python3's zipfile.
const tmp = mkdtempSync(join(tmpdir(), 'custos-inc-'));
function xlsxTexts(bytes) {
  const path = join(tmp, `read-${Math.random().toString(36).slice(2)}.xlsx`);
  writeFileSync(path, bytes);
  const py = `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = z.namelist()
get = lambda n: z.read(n).decode('utf-8') if n in names else ''
print(json.dumps([get('xl/worksheets/sheet1.xml'), get('xl/sharedStrings.xml')]))`;
  const r = spawnSync('python3', ['-c', py, path], { encoding: 'utf8' });
  rmSync(path, { force: true });
  assert.equal(r.status, 0, r.stderr);
  const out = [];
  for (const src of JSON.parse(r.stdout)) {
    for (const m of src.matchAll(/<t(?: [^>]*)?>([^<]*)<\/t>/g)) out.push(unescapeHtml(m[1]));
  }
  return out;
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

let seq = 0;
const uniq = (word) => `${word} ${process.pid % 1000}-${++seq}`;

// A report made through the API by s (as themselves).
async function report(s, extra = {}) {
  return s.ok('POST', '/api/v1/incidents', { title: uniq('Incident'), category: 'not_sure',
    reporter_id: s.person, ...extra }, 201);
}
const step = (s, id, name, body) => s.req('POST', `/api/v1/incidents/${id}/${name}`, { body });
async function stepOk(s, id, name, body) {
  const r = await step(s, id, name, body);
  assert.equal(r.status, 200, `${name} of incident ${id} as ${s.email}: ${r.text}`);
  return r.json;
}
// Valid inputs for every step (for trying them where they may not start).
const INPUTS = (owner, dup = 1) => ({ triage: { severity: 'low' }, escalate: {}, merge: { duplicate_of_id: dup },
  investigate: { owner_id: owner }, contain: {}, resolve: {}, close: { root_cause: 'x', lessons_learned: 'y' } });
const ref = (id) => `INC-${String(id).padStart(5, '0')}`;

// ---- the servers ----

let srv, S; // untouched: audit verify runs on it
let clk, C; // times moved back with SQL

before(async () => {
  ({ srv, S } = await demoServer());
  ({ srv: clk, S: C } = await demoServer());
});

after(async () => {
  try {
    try { await srv?.stop(); } finally { srv?.cleanup(); }
  } finally {
    try { await clk?.stop(); } finally { clk?.cleanup(); rmSync(tmp, { recursive: true, force: true }); }
  }
});

const inc = (id, s = S.ism) => s.ok('GET', `/api/v1/incidents/${id}`);
const history = async (id, s = S.ism) => (await s.ok('GET', `/api/v1/incidents/${id}/history`)).items;

// ---- the demo ----

test('the demo: targets for four severities, a new report, one under investigation with personal data, one closed', async () => {
  const t = await S.ism.all('incident_targets');
  assert.deepEqual(Object.fromEntries(t.map((x) => [x.severity, [x.triage_minutes, x.escalate_minutes]])),
    { critical: [15, 30], high: [60, 120], medium: [240, 480], low: [480, null] });
  const all = await S.ism.all('incidents', '&sort=id');
  const [one, two, three] = all;
  assert.deepEqual([one.id, two.id, three.id], [1, 2, 3]);
  const people = await S.ism.all('people');
  const pid = (email) => people.find((p) => p.email === email).id;

  assert.equal(one.reporter_id, S.staff.person);
  assert.equal(one.status, 'reported');
  assert.equal(one.severity, null);
  assert.equal(one.department_id, S.staff.dept);

  assert.equal(two.reporter_id, pid('tomasz.nowak@westcloud.example'));
  assert.equal(two.status, 'investigating');
  assert.equal(two.personal_data, true);
  assert.equal(two.owner_id, S.ism.person);
  assert.equal(two.notify_by, plusHours(two.aware_at, 72), 'notify_by is aware_at + 72 h');
  const page = await S.ism.get('/incidents/2');
  assert.equal(page.status, 200);
  const flag = flagOf(page.text);
  const m = flag.match(/^Personal data: notify the supervisory authority by (\S+) \(in (.+)\)\.$/);
  assert.ok(m, flag);
  assert.equal(m[1], two.notify_by);
  assert.ok(Math.abs(spanMinutes(m[2]) - (at(two.notify_by) - Date.now()) / MIN) <= 61, m[2]);

  assert.equal(three.status, 'closed');
  assert.ok(three.root_cause && three.lessons_learned);
  assert.match(three.closed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(flagOf((await S.ism.get('/incidents/3')).text), null, 'a closed incident has no clock');
  // the references
  assert.match(mainOf(page.text), /<h1>INC-00002 Customer list sent to the wrong address<\/h1>/);
});

// ---- the workflow ----

test('a report goes from reported to closed, each step by its roles only and timestamped', async () => {
  const r = await report(S.staff, { title: uniq('Laptop stolen from car'), category: 'physical_breach',
    description: 'Left on the back seat.' });
  assert.equal(r.status, 'reported');
  assert.equal(r.reporter_id, S.staff.person);
  assert.equal(r.department_id, S.staff.dept, 'the department is the reporter\'s');
  assert.equal(r.aware_at, r.created_at, 'the organisation became aware when it was reported');
  assert.ok(Math.abs(at(r.aware_at) - Date.now()) < 5 * MIN);
  for (const k of ['severity', 'personal_data', 'owner_id', 'triaged_at', 'escalated_at', 'resolved_at',
    'closed_at', 'notify_by', 'root_cause', 'lessons_learned']) assert.equal(r[k], null, k);

  // nothing skips a state
  for (const [name, body] of [['escalate'], ['investigate', { owner_id: S.ism.person }], ['contain'], ['resolve'],
    ['close', { root_cause: 'x', lessons_learned: 'y' }]]) assertProblem(await step(S.ism, r.id, name, body), 409, 'status');

  // triage: the Support Team and the ISM; the reporter and the readers may not; severity needed
  for (const role of ['staff', 'board', 'auditor', 'ops']) assertProblem(await step(S[role], r.id, 'triage', { severity: 'low' }), 403);
  for (const role of ['hr', 'head', 'admin', 'kwame']) assertProblem(await step(S[role], r.id, 'triage', { severity: 'low' }), 404);
  assertProblem(await step(S.support, r.id, 'triage', {}), 422, 'severity');
  assertProblem(await step(S.support, r.id, 'triage', { severity: 'huge' }), 422, 'severity');
  assertProblem(await step(S.support, r.id, 'triage', { severity: 'high', category: 'meteor' }), 422, 'category');
  assertProblem(await step(S.support, r.id, 'triage', { severity: 'high', root_cause: 'x' }), 422, 'root_cause');
  assert.equal((await inc(r.id)).status, 'reported', 'refused steps change nothing');
  const tri = await stepOk(S.support, r.id, 'triage', { severity: 'high', category: 'access_violation',
    affected_people: 'Customers of the north region', step_note: 'Called the reporter.' });
  assert.equal(tri.status, 'triaged');
  assert.equal(tri.severity, 'high');
  assert.equal(tri.category, 'access_violation');
  assert.equal(tri.personal_data, false, 'triage decides: no personal data unless said');
  assert.equal(tri.notify_by, null);
  assert.equal(tri.affected_people, 'Customers of the north region');
  assert.equal(tri.step_note, 'Called the reporter.');
  assert.ok(tri.triaged_at >= r.aware_at);
  assertProblem(await step(S.support, r.id, 'triage', { severity: 'low' }), 409, 'status');

  // escalate: the Support Team and the ISM
  for (const role of ['staff', 'board', 'auditor', 'ops']) assertProblem(await step(S[role], r.id, 'escalate'), 403);
  const esc = await stepOk(S.support, r.id, 'escalate');
  assert.equal(esc.status, 'escalated');
  assert.equal(esc.step_note, null, 'a note belongs to its step');
  assert.ok(esc.escalated_at >= tri.triaged_at);

  // investigate: the ISM alone, naming an owner
  for (const role of ['support', 'staff', 'board', 'auditor', 'ops']) {
    assertProblem(await step(S[role], r.id, 'investigate', { owner_id: S.ism.person }), 403);
  }
  assertProblem(await step(S.ism, r.id, 'investigate', {}), 422, 'owner_id');
  assertProblem(await step(S.ism, r.id, 'investigate', { owner_id: 987654 }), 422, 'owner_id');
  const inv = await stepOk(S.ism, r.id, 'investigate', { owner_id: S.kwame.person, step_note: 'Kwame leads.' });
  assert.equal(inv.status, 'investigating');
  assert.equal(inv.owner_id, S.kwame.person);

  // contain: the ISM
  assertProblem(await step(S.support, r.id, 'contain'), 403);
  const con = await stepOk(S.ism, r.id, 'contain', { step_note: 'Accounts locked.' });
  assert.equal(con.status, 'contained');

  // resolve: not the Support Team for a high one (it says why), the ISM
  const sup = await step(S.support, r.id, 'resolve');
  assertProblem(sup, 403, 'severity');
  assert.match(sup.json.detail, /escalate it to the ISM/);
  const res = await stepOk(S.ism, r.id, 'resolve');
  assert.equal(res.status, 'resolved');
  assert.ok(res.resolved_at >= esc.escalated_at);

  // close: the ISM alone, with a root cause and the lessons learned
  for (const role of ['support', 'staff', 'board', 'auditor', 'ops']) {
    assertProblem(await step(S[role], r.id, 'close', { root_cause: 'a', lessons_learned: 'b' }), 403);
  }
  const none = await step(S.ism, r.id, 'close', {});
  assertProblem(none, 422, 'root_cause');
  assertProblem(none, 422, 'lessons_learned');
  assertProblem(await step(S.ism, r.id, 'close', { root_cause: 'Car left unlocked' }), 422, 'lessons_learned');
  assertProblem(await step(S.ism, r.id, 'close', { root_cause: '', lessons_learned: 'x' }), 422, 'root_cause');
  assert.equal((await inc(r.id)).status, 'resolved');
  const closed = await stepOk(S.ism, r.id, 'close', { root_cause: 'The car was left unlocked.',
    lessons_learned: 'Laptops travel in the boot, and are encrypted.' });
  assert.equal(closed.status, 'closed');
  assert.equal(closed.root_cause, 'The car was left unlocked.');
  assert.ok(closed.closed_at >= res.resolved_at);
  for (const k of ['aware_at', 'triaged_at', 'escalated_at', 'resolved_at', 'closed_at']) {
    assert.match(closed[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, k);
  }

  // frozen: no change, no step; nobody deletes incidents at all
  for (const s of [S.ism, S.support]) {
    assertProblem(await s.patch(`/api/v1/incidents/${r.id}`, { title: 'Changed' }), 409, 'status');
    assertProblem(await s.patch(`/api/v1/incidents/${r.id}`, { title: 'Changed' }, { headers: { 'If-Match': `"${closed.version}"` } }), 409, 'status');
  }
  for (const role of Object.keys(WHO)) {
    const d = await S[role].del(`/api/v1/incidents/${r.id}`);
    assert.ok([403, 404, 409].includes(d.status), `${role} DELETE: ${d.status}`);
  }
  for (const [name, body] of Object.entries(INPUTS(S.ism.person))) assertProblem(await step(S.ism, r.id, name, body), 409, 'status');
  assert.deepEqual(await inc(r.id), closed);
  // the edit page says so too
  assert.equal((await S.ism.get(`/incidents/${r.id}/edit`)).status, 409);

  // the reporter follows it: their report is closed
  const mine = await inc(r.id, S.staff);
  assert.equal(mine.status, 'closed');
  const page = await S.staff.get(`/incidents/${r.id}`);
  assert.equal(ddOf(page.text, 'Status'), 'Closed');

  // history: one event per step, under who took it, with the state and the time it set
  const h = await history(r.id);
  assert.deepEqual(h.map((e) => [e.action, e.actor]), [['create', WHO.staff], ['triage', WHO.support],
    ['escalate', WHO.support], ['investigate', WHO.ism], ['contain', WHO.ism], ['resolve', WHO.ism], ['close', WHO.ism]]);
  const states = ['reported', 'triaged', 'escalated', 'investigating', 'contained', 'resolved', 'closed'];
  assert.deepEqual(h[0].changes.status, [null, 'reported']);
  for (let i = 1; i < h.length; i++) assert.deepEqual(h[i].changes.status, [states[i - 1], states[i]], h[i].action);
  assert.deepEqual(h[1].changes.triaged_at, [null, tri.triaged_at]);
  assert.deepEqual(h[1].changes.severity, [null, 'high']);
  assert.deepEqual(h[1].changes.category, ['physical_breach', 'access_violation']);
  assert.deepEqual(h[2].changes.escalated_at, [null, esc.escalated_at]);
  assert.deepEqual(h[3].changes.owner_id, [null, S.kwame.person]);
  assert.deepEqual(h[5].changes.resolved_at, [null, res.resolved_at]);
  assert.deepEqual(h[6].changes.closed_at, [null, closed.closed_at]);
  assert.deepEqual(h[6].changes.root_cause, [null, 'The car was left unlocked.']);
  for (const e of h) assert.match(e.hash, /^[0-9a-f]{64}$/);
  // the reporter reads the history of their own report, nobody else's
  assert.equal((await S.staff.ok('GET', `/api/v1/incidents/${r.id}/history`)).items.length, 7);
  assertProblem(await S.kwame.get(`/api/v1/incidents/${r.id}/history`), 404);
});

test('the Support Team resolves a low incident without personal data itself; anything else is the ISM\'s', async () => {
  const low = await report(S.staff);
  await stepOk(S.support, low.id, 'triage', { severity: 'low' });
  const done = await stepOk(S.support, low.id, 'resolve', { step_note: 'Password reset.' });
  assert.equal(done.status, 'resolved');
  assert.ok(done.resolved_at);
  // closing stays the ISM's even then
  assertProblem(await step(S.support, low.id, 'close', { root_cause: 'a', lessons_learned: 'b' }), 403);
  assert.equal((await stepOk(S.ism, low.id, 'close', { root_cause: 'a', lessons_learned: 'b' })).status, 'closed');

  for (const [severity, personal] of [['low', true], ['medium', false], ['high', false], ['critical', false]]) {
    const x = await report(S.staff);
    await stepOk(S.support, x.id, 'triage', { severity, personal_data: personal });
    const r = await step(S.support, x.id, 'resolve');
    assertProblem(r, 403, 'severity');
    assert.equal((await inc(x.id)).status, 'triaged', `${severity} ${personal}`);
    assert.equal((await stepOk(S.ism, x.id, 'resolve')).status, 'resolved', 'the ISM resolves from triaged');
  }
  // from escalated: investigate first
  const e = await report(S.staff);
  await stepOk(S.support, e.id, 'triage', { severity: 'low' });
  await stepOk(S.support, e.id, 'escalate');
  assertProblem(await step(S.ism, e.id, 'resolve'), 409, 'status');
});

test('merge: a repeated report joins another existing one and is frozen', async () => {
  const first = await report(S.staff, { title: uniq('Phishing mail "Invoice overdue"') });
  const again = await report(S.kwame, { title: uniq('Same phishing mail') });
  assertProblem(await step(S.support, again.id, 'merge', {}), 422, 'duplicate_of_id');
  assertProblem(await step(S.support, again.id, 'merge', { duplicate_of_id: again.id }), 422, 'duplicate_of_id');
  assertProblem(await step(S.support, again.id, 'merge', { duplicate_of_id: 987654 }), 422, 'duplicate_of_id');
  for (const role of ['staff', 'kwame', 'board', 'auditor']) {
    const r = await step(S[role], again.id, 'merge', { duplicate_of_id: first.id });
    assert.ok([403, 404].includes(r.status), `${role}: ${r.status}`);
  }
  const m = await stepOk(S.support, again.id, 'merge', { duplicate_of_id: first.id, step_note: 'Same sender.' });
  assert.equal(m.status, 'merged');
  assert.equal(m.duplicate_of_id, first.id);
  assert.ok(m.closed_at, 'the merge is timestamped');
  assertProblem(await S.ism.patch(`/api/v1/incidents/${again.id}`, { title: 'x' }), 409, 'status');
  assertProblem(await S.ism.del(`/api/v1/incidents/${again.id}`), 403);
  for (const [name, body] of Object.entries(INPUTS(S.ism.person, first.id))) {
    assertProblem(await step(S.ism, again.id, name, body), 409, 'status');
  }
  // its reporter sees it merged; the page names the state
  assert.equal((await inc(again.id, S.kwame)).status, 'merged');
  assert.equal(ddOf((await S.kwame.get(`/incidents/${again.id}`)).text, 'Status'), 'Merged into another report');
  // a triaged report may be merged too; an escalated one no longer
  const tri = await report(S.staff);
  await stepOk(S.support, tri.id, 'triage', { severity: 'medium' });
  assert.equal((await stepOk(S.ism, tri.id, 'merge', { duplicate_of_id: first.id })).status, 'merged');
  const esc = await report(S.staff);
  await stepOk(S.support, esc.id, 'triage', { severity: 'medium' });
  await stepOk(S.support, esc.id, 'escalate');
  assertProblem(await step(S.support, esc.id, 'merge', { duplicate_of_id: first.id }), 409, 'status');
});

test('a report cannot be merged into a report that is itself merged (no cycle loses both)',
  async () => {
    const a = await report(S.staff);
    const b = await report(S.staff);
    await stepOk(S.support, b.id, 'merge', { duplicate_of_id: a.id });
    const r = await step(S.support, a.id, 'merge', { duplicate_of_id: b.id });
    try {
      assertProblem(r, 422, 'duplicate_of_id');
      assert.equal((await inc(a.id)).status, 'reported');
    } finally {
      if (r.status === 200) assert.equal((await inc(a.id)).status, 'merged', 'A is lost: merged into B, merged into A');
    }
  });

test('everyone reports only as themselves; what the server sets cannot be sent', async () => {
  const other = S.kwame.person;
  for (const role of ['staff', 'board', 'auditor', 'ops', 'hr', 'head']) {
    const r = await S[role].post('/api/v1/incidents', { title: uniq('As someone else'), reporter_id: other });
    assertProblem(r, 403);
    // without naming anyone, the report is the reporter's own
    const n = await S[role].post('/api/v1/incidents', { title: uniq('Nobody') });
    assert.equal(n.status, 201, `${role} without reporter_id: ${n.status} ${n.text}`);
    assert.equal(n.json.reporter_id, S[role].person, role);
  }
  // the administrator is no person of the organisation: nothing can name them, and leaving
  // the reporter out says why
  assertProblem(await S.admin.post('/api/v1/incidents', { title: 'x', reporter_id: other }), 403);
  const none = await S.admin.post('/api/v1/incidents', { title: 'x' });
  assertProblem(none, 422, 'reporter_id');
  assert.match(none.json.errors.find((e) => e.field === 'reporter_id').message, /not linked to a person/);
  const form = await S.admin.get('/report');
  assert.equal(form.status, 403);
  assert.match(textOf(mainOf(form.text)), /not linked to a person of the organisation/);
  // fields the steps and the server set: refused on create
  const computed = { status: 'closed', severity: 'low', personal_data: true, owner_id: other, aware_at: '2026-01-01T00:00:00Z',
    triaged_at: '2026-01-01T00:00:00Z', escalated_at: '2026-01-01T00:00:00Z', resolved_at: '2026-01-01T00:00:00Z',
    closed_at: '2026-01-01T00:00:00Z', notify_by: '2030-01-01T00:00:00Z', duplicate_of_id: 1, step_note: 'x',
    root_cause: 'x', lessons_learned: 'x', department_id: 1, affected_people: 'x' };
  for (const [k, v] of Object.entries(computed)) {
    assertProblem(await S.staff.post('/api/v1/incidents', { title: 'x', reporter_id: S.staff.person, [k]: v }), 422, k);
  }
  // ... and on update by those who may update
  const r = await report(S.staff);
  for (const [k, v] of Object.entries(computed)) {
    assertProblem(await S.support.patch(`/api/v1/incidents/${r.id}`, { [k]: v }), 422, k);
  }
  // who reported it is a fact; the reporter themselves does not edit the report
  assertProblem(await S.support.patch(`/api/v1/incidents/${r.id}`, { reporter_id: other }), 422, 'reporter_id');
  assertProblem(await S.ism.patch(`/api/v1/incidents/${r.id}`, { reporter_id: other }), 422, 'reporter_id');
  assertProblem(await S.staff.patch(`/api/v1/incidents/${r.id}`, { title: 'Mine' }), 403);
  // a time in the future is refused; a past one with an offset is kept as UTC
  for (const when of [iso(Date.now() + HOUR), iso(Date.now() + 86400000), '2099-01-01T00:00:00Z']) {
    assertProblem(await S.staff.post('/api/v1/incidents', { title: 'x', reporter_id: S.staff.person, occurred_at: when }), 422, 'occurred_at');
  }
  assertProblem(await S.staff.post('/api/v1/incidents', { title: 'x', reporter_id: S.staff.person, occurred_at: 'yesterday' }), 422, 'occurred_at');
  const past = await report(S.staff, { occurred_at: '2026-03-01T10:30:00+02:00' });
  assert.equal(past.occurred_at, '2026-03-01T08:30:00Z');
  assertProblem(await S.support.patch(`/api/v1/incidents/${past.id}`, { occurred_at: '2099-01-01T00:00:00Z' }), 422, 'occurred_at');
  assertProblem(await S.staff.post('/api/v1/incidents', { reporter_id: S.staff.person }), 422, 'title');
  assertProblem(await S.staff.post('/api/v1/incidents', { title: 'x'.repeat(201), reporter_id: S.staff.person }), 422, 'title');
  assertProblem(await S.staff.post('/api/v1/incidents', { title: 'x', reporter_id: S.staff.person, category: 'aliens' }), 422, 'category');
  // the category defaults to "not sure"
  assert.equal((await report(S.staff, { category: undefined })).category, 'not_sure');
});

test('the Support Team and the ISM cannot file a report in someone else\'s name either',
  async () => {
    for (const role of ['support', 'ism']) {
      const r = await S[role].post('/api/v1/incidents', { title: uniq('Filed for Ben'), reporter_id: S.staff.person });
      assertProblem(r, 403);
    }
  });

// ---- who reads what ----

test('staff read their own reports only: by id, list, search, filter, count, export, page, history and file', async () => {
  const secret = uniq('Zebrafish');
  // Kwame, in Ben's own department, reports through the form, with an attachment
  const fd = new FormData();
  fd.append('title', secret);
  fd.append('description', 'The zebrafish tank controller was reset by someone.');
  fd.append('category', 'malfunction');
  fd.append('attachment', new Blob([Buffer.from('zebra-bytes')], { type: 'text/plain' }), 'zebra.txt');
  const sent = await S.kwame.form('/report', fd);
  assert.equal(sent.status, 303, sent.text.slice(0, 300));
  const kid = Number(sent.headers.get('location').match(/^\/incidents\/(\d+)\?m=reported$/)[1]);
  const theirs = await inc(kid);
  assert.equal(theirs.reporter_id, S.kwame.person);
  assert.equal(theirs.department_id, S.staff.dept, 'same department as Ben');
  const own = await report(S.staff, { title: uniq('Ben\'s own report') });
  const dave = await report(S.david, { title: uniq('Product Development report') });

  const everything = await S.ism.all('incidents');
  const bens = everything.filter((x) => x.reporter_id === S.staff.person).map((x) => x.id).sort((a, b) => a - b);
  assert.ok(bens.includes(own.id) && bens.includes(1), 'Ben reported the demo\'s INC-00001 and this one');
  const ids = (items) => items.map((x) => x.id).sort((a, b) => a - b);

  // by id: 404 for another's, whatever the route
  assertProblem(await S.staff.get(`/api/v1/incidents/${kid}`), 404);
  assertProblem(await S.staff.get(`/api/v1/incidents/${kid}/history`), 404);
  assertProblem(await S.staff.get('/api/v1/incidents/2'), 404);
  const file = await S.staff.get(`/api/v1/incidents/${kid}/files/attachment`);
  assert.equal(file.status, 404);
  assert.doesNotMatch(file.text, /zebra-bytes/);
  // lists, with every filter and search: their own only, the total counting the same
  assert.deepEqual(ids(await S.staff.all('incidents')), bens);
  for (const q of ['', `&q=${encodeURIComponent(secret)}`, '&q=Zebrafish', '&q=zebrafish%20tank', '&q=Customer%20list',
    `&reporter_id=${S.kwame.person}`, `&department_id=${S.staff.dept}`, '&status=reported', '&category=malfunction',
    '&status=investigating', '&severity=high', '&personal_data=true', `&owner_id=${S.ism.person}`, '&sort=-title']) {
    const j = await S.staff.ok('GET', `/api/v1/incidents?limit=500${q}`);
    assert.ok(j.items.every((x) => x.reporter_id === S.staff.person), `q=${q}: ${JSON.stringify(j.items.map((x) => x.id))}`);
    assert.equal(j.total, j.items.length, `q=${q}: the total`);
    assert.ok(!JSON.stringify(j).includes('Zebrafish'), q);
  }
  assert.equal((await S.staff.ok('GET', `/api/v1/incidents?q=Zebrafish`)).total, 0);
  assert.equal((await S.staff.ok('GET', `/api/v1/incidents?limit=1`)).total, bens.length);
  assert.equal((await S.staff.ok('GET', `/api/v1/incidents?reporter_id=${S.kwame.person}`)).total, 0);
  // exports: API and pages, CSV and XLSX
  for (const path of ['/api/v1/incidents/export?format=csv', '/incidents/export.csv']) {
    const r = await S.staff.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
    const rows = csvObjects(r.text);
    assert.deepEqual(rows.map((x) => Number(x.id)).sort((a, b) => a - b), bens, path);
    assert.doesNotMatch(r.text, /Zebrafish|Customer list|Product Development report/, path);
  }
  for (const path of ['/api/v1/incidents/export?format=xlsx', '/incidents/export.xlsx']) {
    const r = await S.staff.bytes(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get('content-type'), XLSX_TYPE);
    const texts = xlsxTexts(r.bytes);
    assert.ok(texts.includes(own.title), `${path} holds Ben's report`);
    assert.ok(!texts.some((t) => /Zebrafish|Customer list|Product Development report/.test(t)), `${path}: ${texts.join('|').slice(0, 300)}`);
  }
  // pages
  const list = await S.staff.get('/incidents');
  assert.equal(list.status, 200);
  assert.equal(countOf(list.text), bens.length);
  assert.doesNotMatch(list.text, /Zebrafish|Customer list/);
  assert.equal(countOf((await S.staff.get('/incidents?q=Zebrafish')).text), 0);
  assert.equal(countOf((await S.staff.get(`/incidents?reporter_id=${S.kwame.person}`)).text), 0);
  for (const path of [`/incidents/${kid}`, `/incidents/${kid}/report.html`, `/incidents/${kid}/report.pdf`, `/incidents/${kid}/edit`,
    '/incidents/2', '/incidents/2/report.html']) {
    const r = await S.staff.get(path);
    assert.ok([403, 404].includes(r.status), `${path}: ${r.status}`);
    assert.doesNotMatch(r.text, /Zebrafish|zebra-bytes|Customer list/, path);
  }
  assert.equal((await S.staff.get('/incidents/metrics')).status, 403);
  assert.doesNotMatch((await S.staff.get('/incidents/metrics')).text, /Zebrafish|<td>\d+<\/td>/);
  // the registers around incidents
  for (const p of ['incident_notes', 'incident_assets', 'incident_targets']) {
    assertProblem(await S.staff.get(`/api/v1/${p}`), 403);
    assertProblem(await S.staff.get(`/api/v1/${p}?incident_id=${kid}`), 403);
  }
  // their own: the page, its status and its file
  const mine = await S.staff.get(`/incidents/${own.id}`);
  assert.equal(mine.status, 200);
  assert.equal(ddOf(mine.text, 'Status'), 'Reported');
  // Kwame, the other way round
  assertProblem(await S.kwame.get(`/api/v1/incidents/${own.id}`), 404);
  const kwames = ids(await S.kwame.all('incidents'));
  assert.ok(kwames.includes(kid));
  assert.deepEqual(kwames, ids(everything.filter((x) => x.reporter_id === S.kwame.person)));
  assert.equal((await S.kwame.bytes(`/api/v1/incidents/${kid}/files/attachment`)).bytes.toString(), 'zebra-bytes');

  // HR and the administrator: their own only (the administrator has none)
  assert.deepEqual(await S.admin.all('incidents'), []);
  assert.deepEqual(await S.admin.all('incidents', '&q=Zebrafish'), []);
  const hrs = await report(S.hr, { title: uniq('HR report') });
  const hrSees = await S.hr.all('incidents');
  assert.ok(ids(hrSees).includes(hrs.id));
  assert.ok(hrSees.every((x) => x.reporter_id === S.hr.person), 'HR sees a report not theirs');
  assert.equal((await S.hr.ok('GET', '/api/v1/incidents?q=Zebrafish')).total, 0);
  // a department head: their department's reports and their own, not others'
  const sofias = await report(S.head, { title: uniq('Head report') });
  const hv = ids(await S.head.all('incidents'));
  assert.ok(hv.includes(dave.id) && hv.includes(sofias.id), 'David works in Sofia\'s department');
  assert.ok(!hv.includes(kid) && !hv.includes(own.id) && !hv.includes(2));
  assert.deepEqual(hv, everything.concat([sofias]).filter((x) => x.department_id === S.head.dept).map((x) => x.id).sort((a, b) => a - b));
  assertProblem(await S.head.get(`/api/v1/incidents/${kid}`), 404);
  assert.equal((await S.head.ok('GET', '/api/v1/incidents?q=Zebrafish')).total, 0);
  const hcsv = await S.head.get('/api/v1/incidents/export?format=csv');
  assert.equal(hcsv.status, 200);
  assert.doesNotMatch(hcsv.text, /Zebrafish/);
  assert.match(hcsv.text, /Product Development report/);
  // those who read them all: the same total as the ISM, and the secret one found
  const total = (await S.ism.ok('GET', '/api/v1/incidents?limit=1')).total;
  for (const role of ALL_READERS) {
    assert.equal((await S[role].ok('GET', '/api/v1/incidents?limit=1')).total, total, role);
    assert.equal((await S[role].ok('GET', '/api/v1/incidents?q=Zebrafish')).total, 1, role);
    assert.equal((await S[role].get(`/incidents/${kid}`)).status, 200, role);
    assert.equal((await S[role].get('/incidents/metrics')).status, 200, role);
  }
  for (const role of ['board', 'auditor', 'ops']) {
    assertProblem(await S[role].patch(`/api/v1/incidents/${kid}`, { title: 'x' }), 403);
  }
  for (const role of ['hr', 'head', 'admin', 'kwame']) assert.equal((await S[role].get('/incidents/metrics')).status, 403, role);
});

// ---- the report form ----

test('the report form: one click from every page, CSRF, multipart with a file, the reference, the Support Team\'s queue', async () => {
  // the header link, on every page, for every role linked to a person
  for (const role of ['staff', 'support', 'ism', 'board', 'hr', 'head', 'auditor', 'ops']) {
    for (const path of ['/', '/account', '/incidents']) {
      const r = await S[role].get(path);
      if (r.status !== 200) continue;
      assert.match(r.text, /<header class="top">[\s\S]*<a class="report" href="\/report">Report an incident<\/a>[\s\S]*<\/header>/, `${role} ${path}`);
    }
  }
  const page = await S.staff.get('/report');
  assert.equal(page.status, 200);
  const main = mainOf(page.text);
  assert.match(main, /<form class="record card" method="post" action="\/report" enctype="multipart\/form-data">/);
  assert.equal(main.match(/name="_csrf" value="([^"]+)"/)[1], S.staff.csrf);
  assert.match(main, /<input type="text" id="f-title" name="title" required maxlength="200"/);
  assert.match(main, /<input type="datetime-local" id="f-occurred_at" name="occurred_at"/);
  assert.match(main, /<input type="file" id="f-attachment" name="attachment">/);
  const options = [...main.matchAll(/<option value="([a-z_]+)"( selected)?>/g)].map((m) => [m[1], !!m[2]]);
  assert.deepEqual(options.map((o) => o[0]), ['loss_of_service', 'malfunction', 'human_error', 'non_compliance',
    'physical_breach', 'access_violation', 'not_sure']);
  assert.deepEqual(options.filter((o) => o[1]).map((o) => o[0]), ['not_sure']);

  const title = uniq('Phishing e-mail opened');
  const bytes = binary(40_000);
  const when = new Date(Date.now() - 26 * HOUR).toISOString().slice(0, 16); // a datetime-local value
  const form = (extra = [], file = { data: bytes, name: 'invoice.eml', type: 'message/rfc822' }) => {
    const fd = new FormData();
    for (const [k, v] of [['title', title], ['description', 'Clicked the link, typed nothing.'],
      ['occurred_at', when], ['category', 'access_violation'], ...extra]) fd.append(k, v);
    if (file) fd.append('attachment', new Blob([file.data], { type: file.type }), file.name);
    return fd;
  };
  const stored = async () => (await S.ism.ok('GET', `/api/v1/incidents?q=${encodeURIComponent(title)}`)).total;
  // without the token, or with another session's: refused, nothing stored
  assert.equal((await S.staff.form('/report', form(), { csrf: false })).status, 403);
  assert.equal((await S.staff.form('/report', form([['_csrf', S.support.csrf]]), { csrf: false })).status, 403);
  assert.equal((await S.staff.form('/report', form([['_csrf', '']]), { csrf: false })).status, 403);
  assert.equal(await stored(), 0);

  // with it: a report by Ben (whatever reporter the form claims), the file byte for byte
  const r = await S.staff.form('/report', form([['reporter_id', String(S.kwame.person)], ['status', 'closed']]));
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const id = Number(r.headers.get('location').match(/^\/incidents\/(\d+)\?m=reported$/)[1]);
  const rec = await inc(id);
  assert.equal(rec.title, title);
  assert.equal(rec.reporter_id, S.staff.person, 'the reporter is who sent the form');
  assert.equal(rec.status, 'reported');
  assert.equal(rec.category, 'access_violation');
  assert.equal(rec.occurred_at, `${when}:00Z`, 'the form\'s time is taken as UTC');
  assert.equal(rec.description, 'Clicked the link, typed nothing.');
  assert.deepEqual(rec.attachment, { name: 'invoice.eml', type: 'message/rfc822', size: bytes.length, hash: blake(bytes) });
  // the confirmation: the reference in the heading and the thanks
  const conf = await S.staff.get(`/incidents/${id}?m=reported`);
  assert.equal(conf.status, 200);
  assert.match(mainOf(conf.text), new RegExp(`<h1>${ref(id)} ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</h1>`));
  assert.match(textOf(mainOf(conf.text)), /your report was received/);
  assert.equal(ddOf(conf.text, 'Status'), 'Reported');
  // the Support Team downloads the file, the reporter too, nobody else who does not read it
  for (const role of ['support', 'ism', 'staff']) {
    const d = await S[role].bytes(`/api/v1/incidents/${id}/files/attachment`);
    assert.equal(d.status, 200, role);
    assert.ok(d.bytes.equals(bytes), `${role}: the bytes came through`);
    assert.match(d.headers.get('content-disposition') || '', /^attachment/);
  }
  assert.equal((await S.kwame.bytes(`/api/v1/incidents/${id}/files/attachment`)).status, 404);
  assert.match((await S.support.get(`/incidents/${id}`)).text, new RegExp(`href="/api/v1/incidents/${id}/files/attachment" download>invoice\\.eml`));
  // the history names the file
  assert.deepEqual((await history(id))[0].changes.attachment, [null, rec.attachment]);
  // the new report waits in the Support Team's tasks, not in Ben's
  const home = await S.support.get('/');
  assert.match(home.text, new RegExp(`Triage: <a href="/incidents/${id}">`));
  assert.doesNotMatch((await S.staff.get('/')).text, new RegExp(`Triage: <a href="/incidents/${id}">`));

  // the file input is optional: an empty one, as browsers send it, and a urlencoded form
  const nofile = multipart([['_csrf', S.staff.csrf], ['title', uniq('No file')],
    ['attachment', { filename: '', type: 'application/octet-stream', data: '' }]]);
  const r2 = await S.staff.req('POST', '/report', { raw: nofile.body, csrf: false, headers: { 'Content-Type': nofile.type } });
  assert.equal(r2.status, 303, r2.text.slice(0, 300));
  const n2 = await inc(Number(r2.headers.get('location').match(/\/incidents\/(\d+)/)[1]));
  assert.equal(n2.attachment, null);
  assert.equal(n2.category, 'not_sure');
  assert.equal(n2.occurred_at, null);
  const r3 = await S.staff.form('/report', { title: uniq('Urlencoded'), category: 'human_error' });
  assert.equal(r3.status, 303, r3.text.slice(0, 300));
});

test('the report form: errors name the field, keep what was typed, and store nothing', async () => {
  const marker = uniq('Kept');
  const before = (await S.ism.ok('GET', '/api/v1/incidents?limit=1')).total;
  const send = (fields) => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    return S.staff.form('/report', fd);
  };
  const cases = [
    [{ title: '', description: `${marker} details <b>&</b>`, occurred_at: '2026-01-02T03:04', category: 'human_error' }, 'What happened', /required/],
    [{ title: `${marker} future`, description: `${marker} details`, occurred_at: '2099-01-02T03:04', category: 'physical_breach' }, 'When it happened', /in the future/],
    [{ title: `${marker} tomorrow`, description: 'x', occurred_at: new Date(Date.now() + 86400000).toISOString().slice(0, 16), category: 'malfunction' }, 'When it happened', /in the future/],
    [{ title: `${marker} not a time`, description: 'x', occurred_at: 'last tuesday', category: 'malfunction' }, 'When it happened', /valid/],
    [{ title: `${marker} bad category`, description: 'x', occurred_at: '', category: 'aliens' }, 'Category', /./],
    [{ title: `${marker} ${'long '.repeat(50)}`, description: 'x', occurred_at: '', category: 'not_sure' }, 'What happened', /./],
  ];
  for (const [fields, label, why] of cases) {
    const r = await send(fields);
    assert.equal(r.status, 422, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
    const main = mainOf(r.text);
    const alert = main.match(/<div role="alert"[^>]*>([\s\S]*?)<\/div>/);
    assert.ok(alert, 'an alert lists the errors');
    const items = [...alert[1].matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => textOf(m[1]));
    assert.ok(items.some((t) => t.startsWith(label) && why.test(t)), `${label}: ${items.join(' | ')}`);
    // what was typed is still there, escaped
    const val = (id) => unescapeHtml((main.match(new RegExp(`id="${id}"[^>]*value="([^"]*)"`)) || [, ''])[1]);
    assert.equal(val('f-title'), fields.title);
    assert.equal(val('f-occurred_at'), fields.occurred_at);
    const ta = main.match(/<textarea id="f-description"[^>]*>([\s\S]*?)<\/textarea>/)[1];
    assert.equal(unescapeHtml(ta), fields.description);
    assert.doesNotMatch(main, /<b>&<\/b>/, 'typed markup comes back escaped');
    if (fields.category !== 'aliens') {
      assert.match(main, new RegExp(`<option value="${fields.category}" selected>`), 'the category stays chosen');
    }
  }
  assert.equal((await S.ism.ok('GET', '/api/v1/incidents?limit=1')).total, before, 'nothing was stored');
  assert.equal((await S.ism.ok('GET', `/api/v1/incidents?q=${encodeURIComponent(marker)}`)).total, 0);
});

// ---- corrective actions, notes, assets ----

test('corrective actions reach their owners\' tasks; notes and affected assets build the record', async () => {
  const r = await report(S.staff, { title: uniq('USB stick found in the car park') });
  await stepOk(S.support, r.id, 'triage', { severity: 'medium' });
  await stepOk(S.support, r.id, 'escalate');
  await stepOk(S.ism, r.id, 'investigate', { owner_id: S.ism.person });
  const due = addDays(today(), 7);
  const act = await S.ism.ok('POST', '/api/v1/incident_actions', { incident_id: r.id, title: uniq('Block USB storage'),
    owner_id: S.kwame.person, due_on: due }, 201);
  assert.equal(act.status, 'open');
  assert.equal(act.department_id, S.kwame.dept, 'the action\'s department is its owner\'s');
  // in Kwame's tasks, not in Ben's
  const home = await S.kwame.get('/');
  assert.match(home.text, new RegExp(`<a href="/incident_actions/${act.id}">${act.title}</a>`));
  assert.doesNotMatch((await S.staff.get('/')).text, new RegExp(`/incident_actions/${act.id}"`));
  // Kwame reads and updates his action, not others'
  assert.equal((await S.kwame.ok('GET', `/api/v1/incident_actions/${act.id}`)).title, act.title);
  assertProblem(await S.staff.get(`/api/v1/incident_actions/${act.id}`), 404);
  const done = await S.kwame.ok('PATCH', `/api/v1/incident_actions/${act.id}`, { status: 'done' });
  assert.equal(done.status, 'done');
  assert.doesNotMatch((await S.kwame.get('/')).text, new RegExp(`/incident_actions/${act.id}"`), 'a done action is no task');
  assertProblem(await S.kwame.patch(`/api/v1/incident_actions/${act.id}`, { owner_id: S.staff.person }), 403);
  // the Support Team adds notes and assets; staff do neither
  const note = await S.support.ok('POST', '/api/v1/incident_notes', { incident_id: r.id, at: iso(Date.now()),
    author_id: S.support.person, note: 'Stick handed to IT, not plugged in.' }, 201);
  assert.equal(note.incident_id, r.id);
  assertProblem(await S.staff.post('/api/v1/incident_notes', { incident_id: r.id, at: iso(Date.now()), author_id: S.staff.person, note: 'x' }), 403);
  const asset = (await S.ism.ok('GET', '/api/v1/assets?limit=1')).items[0];
  const ia = await S.support.ok('POST', '/api/v1/incident_assets', { incident_id: r.id, asset_id: asset.id, note: 'Car park camera' }, 201);
  assert.equal(ia.asset_id, asset.id);
  assertProblem(await S.support.post('/api/v1/incident_assets', { incident_id: r.id, asset_id: asset.id }), 409);
  // the record page offers the forms to those who may use them
  const pg = await S.support.get(`/incidents/${r.id}`);
  assert.match(pg.text, new RegExp(`href="/incident_notes/new\\?incident_id=${r.id}"`));
  assert.doesNotMatch(pg.text, new RegExp(`href="/incident_actions/new\\?incident_id=${r.id}"`), 'the Support Team adds no actions');
  assert.match((await S.ism.get(`/incidents/${r.id}`)).text, new RegExp(`href="/incident_actions/new\\?incident_id=${r.id}"`));
  const own = await S.staff.get(`/incidents/${r.id}`);
  assert.doesNotMatch(own.text, /incident_notes\/new|incident_actions\/new|report\.html|\/step\//);
});

// ---- the full report ----

test('the full report: facts, clock, timeline from the audit trail, notes, actions, root cause and lessons; HTML harmless, PDF read back', async (t) => {
  const title = uniq('Ransom note <img src=x onerror=alert(1)> *stars* [click](javascript:alert(1))');
  const r = await report(S.staff, { title, description: 'Screen said <script>alert(3)</script> & pay', category: 'malfunction' });
  await stepOk(S.support, r.id, 'triage', { severity: 'critical', personal_data: true, step_note: 'Isolated' });
  await stepOk(S.support, r.id, 'escalate');
  await stepOk(S.ism, r.id, 'investigate', { owner_id: S.ism.person });
  await S.ism.ok('POST', '/api/v1/incident_notes', { incident_id: r.id, at: iso(Date.now()), author_id: S.ism.person,
    note: 'Backups **checked** <script>alert(4)</script> [x](javascript:alert(5))' }, 201);
  await S.ism.ok('POST', '/api/v1/incident_actions', { incident_id: r.id, title: 'Offline backups weekly',
    owner_id: S.kwame.person, due_on: addDays(today(), 14) }, 201);
  await stepOk(S.ism, r.id, 'contain');
  await stepOk(S.ism, r.id, 'resolve');
  const closed = await stepOk(S.ism, r.id, 'close', { root_cause: 'Macro in <b>an attachment</b> & no filter',
    lessons_learned: 'Block macros from the internet.' });

  const h = await S.auditor.get(`/incidents/${r.id}/report.html`);
  assert.equal(h.status, 200, h.text.slice(0, 300));
  assert.match(h.headers.get('content-type'), /^text\/html/);
  assert.equal(h.headers.get('content-disposition'), `attachment; filename="${ref(r.id)}.html"`);
  // nothing in it runs: no script, no handler, no javascript: link
  assert.doesNotMatch(h.text, /<(script|img)\b/i);
  assert.doesNotMatch(h.text, /<[^>]*\son[a-z]+\s*=/i);
  assert.doesNotMatch(h.text, /href\s*=\s*"?\s*javascript:/i);
  const text = textOf(h.text);
  for (const want of [`Incident ${ref(r.id)}: ${title}`, `Reference: ${ref(r.id)}`, 'Status: Closed', 'Category: System, software',
    'Severity: Critical', 'Personal data involved: Yes', 'Reported by: Ben Carter', 'Incident owner: Daniel Okafor',
    `Reported (aware): ${closed.aware_at}`, `Triaged: ${closed.triaged_at}`, `Escalated: ${closed.escalated_at}`,
    `Resolved: ${closed.resolved_at}`, `Closed: ${closed.closed_at}`, `Notify the authority by: ${closed.notify_by}`,
    'Screen said <script>alert(3)</script> & pay', 'Backups **checked** <script>alert(4)</script>',
    'Offline backups weekly: Kwame Asante, due', 'Root cause: Macro in <b>an attachment</b> & no filter',
    'Lessons learned: Block macros from the internet.']) {
    assert.ok(text.includes(want), `the report says "${want}": ${text.slice(0, 2000)}`);
  }
  // the timeline: every step, in order, under who took it
  const steps = [...text.matchAll(/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ): ([a-z]+) by (\S+@\S+)/g)].map((m) => [m[2], m[3]]);
  assert.deepEqual(steps, [['create', WHO.staff], ['triage', WHO.support], ['escalate', WHO.support], ['investigate', WHO.ism],
    ['contain', WHO.ism], ['resolve', WHO.ism], ['close', WHO.ism]]);
  assert.match(text, /note by Daniel Okafor: Backups/);

  const pdf = await S.ism.bytes(`/incidents/${r.id}/report.pdf`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.headers.get('content-disposition'), `attachment; filename="${ref(r.id)}.pdf"`);
  assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
  const txt = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf.bytes });
  if (txt.error) t.diagnostic('pdftotext is not installed: the PDF text is not checked');
  else {
    const s = txt.stdout.toString().replace(/\s+/g, ' ');
    for (const want of [ref(r.id), 'Ransom note', 'Closed', 'Daniel Okafor', 'Offline backups weekly',
      'Block macros from the internet.', 'triage by', WHO.support]) assert.ok(s.includes(want), `PDF: ${want}: ${s.slice(0, 1500)}`);
  }
  // who reads it: whoever reads all incidents; others' reports 404 to staff; other formats 404
  for (const role of ALL_READERS) assert.equal((await S[role].get(`/incidents/${r.id}/report.html`)).status, 200, role);
  for (const role of ['kwame', 'hr', 'head', 'admin']) {
    for (const f of ['html', 'pdf']) {
      const x = await S[role].get(`/incidents/${r.id}/report.${f}`);
      assert.ok([403, 404].includes(x.status), `${role} .${f}: ${x.status}`);
      assert.doesNotMatch(x.text, /Ransom note/);
    }
  }
  assert.equal((await S.ism.get(`/incidents/${r.id}/report.txt`)).status, 404);
  assert.equal((await S.ism.get('/incidents/987654/report.html')).status, 404);
  assert.equal((await S.ism.get('/incidents/abc/report.html')).status, 404);
  // the record page links both for those who read all
  const page = await S.support.get(`/incidents/${r.id}`);
  assert.match(page.text, new RegExp(`href="/incidents/${r.id}/report.html"`));
  assert.match(page.text, new RegExp(`href="/incidents/${r.id}/report.pdf"`));
  // the record page and list escape the title too
  assert.doesNotMatch(page.text, /<img src=x/);
  assert.doesNotMatch((await S.ism.get('/incidents')).text, /<img src=x/);
});

test('the full report stays with those who read every incident: a reporter or their head does not read the investigation through it',
  async () => {
    const r = await report(S.david, { title: uniq('Source code on a public share') });
    await stepOk(S.support, r.id, 'triage', { severity: 'high' });
    await stepOk(S.support, r.id, 'escalate');
    await stepOk(S.ism, r.id, 'investigate', { owner_id: S.ism.person });
    const secret = uniq('Suspect: the reporter reused a password');
    await S.ism.ok('POST', '/api/v1/incident_notes', { incident_id: r.id, at: iso(Date.now()), author_id: S.ism.person, note: secret }, 201);
    for (const s of [S.david, S.head]) {
      assertProblem(await s.get(`/api/v1/incident_notes?incident_id=${r.id}`), 403);
      assert.equal((await s.get(`/incidents/${r.id}`)).status, 200, 'the record itself is theirs to read');
      assert.doesNotMatch((await s.get(`/incidents/${r.id}`)).text, /report\.html/, 'and it does not link the report');
    }
    for (const s of [S.david, S.head]) {
      for (const f of ['html', 'pdf']) {
        const x = await s.get(`/incidents/${r.id}/report.${f}`);
        assert.ok([403, 404].includes(x.status), `${s.email} report.${f}: ${x.status}`);
        assert.ok(!x.text.includes(secret), `${s.email} reads the ISM's note`);
      }
    }
  });

// ---- races ----

test('two triages at once: one wins, one event', async () => {
  const r = await report(S.staff);
  const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => step(S.support, r.id, 'triage',
    { severity: ['low', 'medium', 'high'][i % 3] })));
  assert.equal(rs.filter((x) => x.status === 200).length, 1, rs.map((x) => x.status).join(','));
  for (const x of rs.filter((y) => y.status !== 200)) assert.ok([409, 412].includes(x.status), x.text);
  assert.equal((await history(r.id)).filter((e) => e.action === 'triage').length, 1);
  // a step with a stale If-Match
  const cur = await inc(r.id);
  const stale = await S.support.req('POST', `/api/v1/incidents/${r.id}/escalate`, { headers: { 'If-Match': `"${cur.version - 1}"` } });
  assert.equal(stale.status, 412, stale.text);
  assert.equal((await S.support.req('POST', `/api/v1/incidents/${r.id}/escalate`, { headers: { 'If-Match': `"${cur.version}"` } })).status, 200);
});

// ---- clocks (the clk server: times moved back behind Custos's back) ----

// Moves an incident's times behind the application's back (and its version, so no cached copy
// of the row is served).
function setTimes(id, fields) {
  const sets = Object.entries(fields).map(([k, v]) => `${k} = ${v === null ? 'NULL' : `'${v}'`}`).join(', ');
  clk.sql(`UPDATE incidents SET ${sets}, version = version + 1 WHERE id = ${id}`);
}
const cinc = (id) => C.ism.ok('GET', `/api/v1/incidents/${id}`);
const cflag = async (id) => {
  const r = await C.support.get(`/incidents/${id}`);
  assert.equal(r.status, 200);
  return flagOf(r.text);
};
async function org() { return (await C.ism.all('organisations'))[0]; }

test('personal data starts the notification clock: aware_at + 72 h, or the organisation\'s notify_hours', async () => {
  const a = await report(C.staff);
  const pa = await stepOk(C.support, a.id, 'triage', { severity: 'medium', personal_data: true });
  assert.equal(pa.personal_data, true);
  assert.equal(pa.notify_by, plusHours(pa.aware_at, 72), 'exactly 72 hours from awareness');
  const f = await cflag(a.id);
  const m = f.match(/^Personal data: notify the supervisory authority by (\S+) \(in (.+)\)\.$/);
  assert.ok(m, f);
  assert.equal(m[1], pa.notify_by);
  assert.ok(Math.abs(spanMinutes(m[2]) - (at(pa.notify_by) - Date.now()) / MIN) <= 61, m[2]);
  // the list shows the deadline column
  assert.match((await C.support.get('/incidents')).text, /Notify the authority by/);
  // no personal data: no deadline
  const b = await report(C.staff);
  assert.equal((await stepOk(C.support, b.id, 'triage', { severity: 'medium', personal_data: false })).notify_by, null);

  // the organisation's window: 24 hours for what is triaged from now on
  const o = await org();
  assert.equal(o.notify_hours, null);
  assertProblem(await C.support.patch(`/api/v1/organisations/${o.id}`, { notify_hours: 1 }), 403);
  assertProblem(await C.staff.patch(`/api/v1/organisations/${o.id}`, { notify_hours: 1 }), 403);
  for (const bad of [0, -5, 721, 'soon', 1.5]) {
    assertProblem(await C.ism.patch(`/api/v1/organisations/${o.id}`, { notify_hours: bad }), 422, 'notify_hours');
  }
  assert.equal((await C.ism.ok('PATCH', `/api/v1/organisations/${o.id}`, { notify_hours: 24 })).notify_hours, 24);
  try {
    const c = await report(C.staff);
    const pc = await stepOk(C.support, c.id, 'triage', { severity: 'high', personal_data: true });
    assert.equal(pc.notify_by, plusHours(pc.aware_at, 24));
    const fc = await cflag(c.id);
    assert.match(fc, new RegExp(`by ${pc.notify_by} \\(in (23 h \\d+ min|1 d 0 h)\\)`), fc);
    assert.equal((await cinc(a.id)).notify_by, plusHours(pa.aware_at, 72), 'a deadline already set stays');
    // the window runs from awareness, not from triage: a report made 10 hours ago
    const d = await report(C.staff);
    const aware = iso(Date.now() - 10 * HOUR);
    setTimes(d.id, { aware_at: aware });
    const pd = await stepOk(C.support, d.id, 'triage', { severity: 'high', personal_data: true });
    assert.equal(pd.aware_at, aware);
    assert.equal(pd.notify_by, plusHours(aware, 24));
    assert.match(await cflag(d.id), /\(in 1[34] h \d+ min\)\.$/);
    await C.ism.ok('PATCH', `/api/v1/organisations/${o.id}`, { notify_hours: 720 });
    const e = await report(C.staff);
    const pe = await stepOk(C.support, e.id, 'triage', { severity: 'low', personal_data: true });
    assert.equal(pe.notify_by, plusHours(pe.aware_at, 720));
  } finally {
    await C.ism.ok('PATCH', `/api/v1/organisations/${o.id}`, { notify_hours: null });
  }
  const g = await report(C.staff);
  const pg = await stepOk(C.support, g.id, 'triage', { severity: 'low', personal_data: true });
  assert.equal(pg.notify_by, plusHours(pg.aware_at, 72), 'empty again: 72 hours');
  // a deadline that passed
  const h = await report(C.staff);
  const ph = await stepOk(C.support, h.id, 'triage', { severity: 'high', personal_data: true });
  const due = iso(Date.now() - 2 * HOUR - 5 * MIN);
  setTimes(h.id, { aware_at: iso(at(due) - 72 * HOUR), notify_by: due });
  assert.equal((await cinc(h.id)).notify_by, due);
  const fh = await cflag(h.id);
  // (its escalation is late too, and said first)
  const mh = fh.match(/Personal data: the notification deadline passed (.+) ago \((\S+)\)\.$/);
  assert.ok(mh, fh);
  assert.equal(mh[2], due);
  assert.ok(Math.abs(spanMinutes(mh[1]) - 125) <= 1, mh[1]);
  assert.ok(ph.id);
});

test('personal data found after triage still starts the clock from awareness',
  async () => {
    const r = await report(C.staff);
    await stepOk(C.support, r.id, 'triage', { severity: 'medium', personal_data: false });
    await stepOk(C.support, r.id, 'escalate');
    await stepOk(C.ism, r.id, 'investigate', { owner_id: C.ism.person });
    try {
      // the PATCH cannot write it (it is the step's); the reassess step does
      assertProblem(await C.ism.patch(`/api/v1/incidents/${r.id}`, { personal_data: true }), 422, 'personal_data');
      const p = await C.ism.post(`/api/v1/incidents/${r.id}/reassess`, { severity: 'high', personal_data: true });
      assert.equal(p.status, 200, p.text);
      assert.equal(p.json.status, 'investigating', 'the state stays');
      assert.equal(p.json.notify_by, plusHours(p.json.aware_at, 72));
    } finally {
      await stepOk(C.ism, r.id, 'resolve'); // no open record left behind for the metrics
    }
  });

test('overdue triage and escalation are flagged against the ISM\'s targets', async () => {
  // before triage the tightest (critical) target applies: 15 minutes
  const a = await report(C.staff);
  assert.equal(await cflag(a.id), null, 'a fresh report is on time');
  setTimes(a.id, { aware_at: iso(Date.now() - 100 * MIN) });
  let f = await cflag(a.id);
  let m = f.match(/^Triage is overdue by (.+) \(target: 15 min\)\.$/);
  assert.ok(m, f);
  assert.ok(Math.abs(spanMinutes(m[1]) - 85) <= 1, m[1]);
  // the reporter sees that flag on their own report too; the full report carries it
  assert.match(flagOf((await C.staff.get(`/incidents/${a.id}`)).text), /^Triage is overdue by/);
  assert.match(textOf((await C.ism.get(`/incidents/${a.id}/report.html`)).text), /Now: Triage is overdue by/);

  // the ISM's targets move the flag: only the ISM changes them
  const targets = Object.fromEntries((await C.ism.all('incident_targets')).map((x) => [x.severity, x]));
  const crit = targets.critical;
  assertProblem(await C.support.patch(`/api/v1/incident_targets/${crit.id}`, { triage_minutes: 200 }), 403);
  assertProblem(await C.ism.patch(`/api/v1/incident_targets/${crit.id}`, { triage_minutes: 0 }), 422, 'triage_minutes');
  assertProblem(await C.ism.patch(`/api/v1/incident_targets/${crit.id}`, { triage_minutes: 40, escalate_minutes: 30 }), 422, 'escalate_minutes');
  assertProblem(await C.ism.post('/api/v1/incident_targets', { severity: 'critical', triage_minutes: 5 }), 422, 'severity');
  await C.ism.ok('PATCH', `/api/v1/incident_targets/${crit.id}`, { triage_minutes: 200, escalate_minutes: 300 });
  try {
    assert.equal(await cflag(a.id), null, 'within the new target');
  } finally {
    await C.ism.ok('PATCH', `/api/v1/incident_targets/${crit.id}`, { triage_minutes: 15, escalate_minutes: 30 });
  }
  assert.match(await cflag(a.id), /^Triage is overdue by 1 h 2[56] min \(target: 15 min\)\.$/);

  // triaged high, not escalated, 3 hours after the report: 60 minutes past the 120-minute target
  const b = await report(C.staff);
  await stepOk(C.support, b.id, 'triage', { severity: 'high' });
  setTimes(b.id, { aware_at: iso(Date.now() - 180 * MIN) });
  f = await cflag(b.id);
  m = f.match(/^Escalation to the ISM is overdue by (.+) \(target: 120 min\)\.$/);
  assert.ok(m, f);
  assert.ok(Math.abs(spanMinutes(m[1]) - 60) <= 1, m[1]);
  // escalated: the clock stops
  await stepOk(C.support, b.id, 'escalate');
  assert.equal(await cflag(b.id), null);

  // low: the Support Team handles it, no escalation clock; medium within 480 minutes
  const c = await report(C.staff);
  await stepOk(C.support, c.id, 'triage', { severity: 'low' });
  setTimes(c.id, { aware_at: iso(Date.now() - 600 * MIN) });
  assert.equal(await cflag(c.id), null);
  const d = await report(C.staff);
  await stepOk(C.support, d.id, 'triage', { severity: 'medium' });
  setTimes(d.id, { aware_at: iso(Date.now() - 300 * MIN) });
  assert.equal(await cflag(d.id), null);
  setTimes(d.id, { aware_at: iso(Date.now() - (480 + 2 * 24 * 60 + 7 * 60) * MIN) });
  assert.match(await cflag(d.id), /^Escalation to the ISM is overdue by 2 d 7 h \(target: 480 min\)\.$/);
  // a triaged severity's own triage target no longer matters, nor does a merged report's
  const e = await report(C.staff);
  setTimes(e.id, { aware_at: iso(Date.now() - 1000 * MIN) });
  await stepOk(C.support, e.id, 'merge', { duplicate_of_id: a.id });
  assert.equal(await cflag(e.id), null);
});

test('a personal-data incident late for escalation is flagged overdue too',
  async () => {
    const r = await report(C.staff);
    const p = await stepOk(C.support, r.id, 'triage', { severity: 'high', personal_data: true });
    const aware = iso(Date.now() - 180 * MIN);
    setTimes(r.id, { aware_at: aware, notify_by: plusHours(aware, 72) });
    const flag = await cflag(r.id);
    // leave no open, late record behind for the metrics test, whatever happens here
    try {
      assert.match(flag || '', /Escalation to the ISM is overdue by 1 h 0 min/, flag);
    } finally {
      await stepOk(C.ism, r.id, 'resolve');
      assert.ok(p.notify_by);
    }
  });

// The metrics as recomputed here from what the API says, with the rules the docs give.
function expectedMetrics(incidents, targets, now) {
  const months = [];
  const d = new Date(now);
  for (let i = 11; i >= 0; i--) {
    const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1));
    months.push(x.toISOString().slice(0, 7));
  }
  const cats = ['loss_of_service', 'malfunction', 'human_error', 'non_compliance', 'physical_breach', 'access_violation', 'not_sure'];
  const sevs = ['low', 'medium', 'high', 'critical'];
  const out = { months, byCategory: months.map(() => Array(7).fill(0)), bySeverity: months.map(() => Array(5).fill(0)),
    total: 0, open: 0, overdue: 0, mean: {} };
  const sums = { triaged_at: [0, 0], escalated_at: [0, 0], resolved_at: [0, 0] };
  const tg = Object.fromEntries(targets.map((t) => [t.severity, t]));
  for (const x of incidents) {
    if (x.status === 'merged') continue;
    out.total++;
    if (!['closed', 'resolved'].includes(x.status)) out.open++;
    for (const k of Object.keys(sums)) {
      if (x[k] && x.aware_at && at(x[k]) >= at(x.aware_at)) {
        sums[k][0] += Math.floor((at(x[k]) - at(x.aware_at)) / MIN);
        sums[k][1]++;
      }
    }
    const mi = months.indexOf(x.aware_at.slice(0, 7));
    if (mi >= 0) {
      out.byCategory[mi][cats.indexOf(x.category)]++;
      const si = sevs.indexOf(x.severity);
      out.bySeverity[mi][si < 0 ? 4 : si]++;
    }
    // late: the notification deadline passed; triage past the (critical) target; escalation
    // past the severity's target, low excepted
    if (['closed', 'merged', 'resolved'].includes(x.status)) continue;
    const since = (now - at(x.aware_at)) / MIN;
    const t = tg[x.severity || 'critical'] || {};
    // (a late triage or escalation counts whether or not personal data is involved)
    const late = (x.status === 'reported' && t.triage_minutes && since > t.triage_minutes)
      || (x.status === 'triaged' && x.severity !== 'low' && t.escalate_minutes && since > t.escalate_minutes);
    if (late || (x.notify_by && at(x.notify_by) < now)) out.overdue++;
  }
  for (const k of Object.keys(sums)) out.mean[k] = sums[k][1] ? Math.floor(sums[k][0] / sums[k][1]) : -1;
  return out;
}
// as the page prints them: minutes below two hours, else hours with one decimal (printf's
// "%.1f": an exact tie, m % 6 == 3, rounds to even)
function showMinutes(m) {
  if (m < 0) return '—';
  if (m < 120) return `${m} min`;
  const tenths = Math.floor((m + 3) / 6); // tenths of an hour, half up
  return `${Math.floor(tenths / 10)}.${tenths % 10} h`;
}

function readMetrics(html) {
  const main = mainOf(html);
  const dd = (label) => textOf(main.match(new RegExp(`<dt>${label}</dt><dd>([\\s\\S]*?)</dd>`))[1]);
  const table = (h) => {
    const part = main.split(`<h2>${h}</h2>`)[1].split('</table>')[0];
    return [...part.matchAll(/<tr><th scope="row">(\d{4}-\d\d)<\/th>([\s\S]*?)<\/tr>/g)]
      .map((r) => [r[1], [...r[2].matchAll(/<td>(\d+)<\/td>/g)].map((c) => Number(c[1]))]);
  };
  return { total: Number(dd('Incidents recorded')), open: Number(dd('Open')), overdue: Number(dd('Overdue now')),
    triage: dd('Mean time to triage'), escalate: dd('Mean time to escalate'), resolve: dd('Mean time to resolve'),
    byCategory: table('By category'), bySeverity: table('By severity') };
}

test('the metrics: counts by category and severity per month, open, overdue, mean times, all recomputed from the API', async () => {
  // an incident reported 2 months ago, triaged 90 minutes after one reported today, resolved
  // 250 minutes after another; a merged one that counts nowhere
  const old = await report(C.staff, { category: 'loss_of_service' });
  const now0 = Date.now();
  const twoAgo = new Date(Date.UTC(new Date(now0).getUTCFullYear(), new Date(now0).getUTCMonth() - 2, 10, 9, 0, 0));
  setTimes(old.id, { aware_at: iso(twoAgo.getTime()) });
  await stepOk(C.support, old.id, 'triage', { severity: 'critical' });
  await stepOk(C.support, old.id, 'escalate');
  const t90 = await report(C.staff, { category: 'non_compliance' });
  setTimes(t90.id, { aware_at: iso(Date.now() - 90 * MIN - 20 * 1000) });
  await stepOk(C.support, t90.id, 'triage', { severity: 'low' });
  const r250 = await report(C.staff, { category: 'non_compliance' });
  setTimes(r250.id, { aware_at: iso(Date.now() - 250 * MIN - 20 * 1000) });
  await stepOk(C.support, r250.id, 'triage', { severity: 'medium' });
  await stepOk(C.support, r250.id, 'escalate');
  await stepOk(C.ism, r250.id, 'investigate', { owner_id: C.ism.person });
  await stepOk(C.ism, r250.id, 'resolve');
  const dup = await report(C.staff, { category: 'human_error' });
  await stepOk(C.support, dup.id, 'merge', { duplicate_of_id: t90.id });

  const page = await C.board.get('/incidents/metrics');
  assert.equal(page.status, 200);
  const now = Date.now();
  const got = readMetrics(page.text);
  const incidents = await C.ism.all('incidents');
  const want = expectedMetrics(incidents, await C.ism.all('incident_targets'), now);
  assert.equal(got.total, want.total, 'incidents recorded (merged ones left out)');
  assert.equal(got.total, incidents.length - incidents.filter((x) => x.status === 'merged').length);
  assert.equal(got.open, want.open, 'open');
  assert.equal(got.overdue, want.overdue, 'overdue now');
  assert.ok(got.overdue >= 3, `the late ones of the clock tests: ${got.overdue} ${JSON.stringify(incidents.filter((x) => !['closed', 'resolved', 'merged'].includes(x.status)).map((x) => [x.id, x.status, x.severity, x.aware_at, x.notify_by]))}`);
  assert.equal(got.triage, showMinutes(want.mean.triaged_at), 'mean time to triage');
  assert.equal(got.escalate, showMinutes(want.mean.escalated_at), 'mean time to escalate');
  assert.equal(got.resolve, showMinutes(want.mean.resolved_at), 'mean time to resolve');
  assert.deepEqual(got.byCategory.map((r) => r[0]), want.months);
  assert.deepEqual(got.byCategory.map((r) => r[1]), want.byCategory);
  assert.deepEqual(got.bySeverity.map((r) => r[1]), want.bySeverity);
  // the hand-made ones where they belong
  const back = got.byCategory.find((r) => r[0] === iso(twoAgo.getTime()).slice(0, 7));
  assert.ok(back[1][0] >= 1, 'two months ago: a loss of service');
  assert.ok(got.bySeverity.find((r) => r[0] === iso(twoAgo.getTime()).slice(0, 7))[1][3] >= 1, 'and critical');
  // the means move by what was added: recompute without the two timed incidents
  const without = expectedMetrics(incidents.filter((x) => ![t90.id, r250.id, old.id].includes(x.id)),
    await C.ism.all('incident_targets'), now);
  const ti = incidents.filter((x) => x.triaged_at && x.status !== 'merged');
  assert.ok(want.mean.triaged_at > without.mean.triaged_at || ti.length === 0);
  const r = incidents.find((x) => x.id === r250.id);
  assert.equal(Math.floor((at(r.resolved_at) - at(r.aware_at)) / MIN), 250, 'resolved 250 minutes after the report');
  const t = incidents.find((x) => x.id === t90.id);
  assert.equal(Math.floor((at(t.triaged_at) - at(t.aware_at)) / MIN), 90);
  // the metrics are for those who read every incident
  for (const role of ['staff', 'hr', 'head', 'admin', 'kwame']) {
    const x = await C[role].get('/incidents/metrics');
    assert.equal(x.status, 403, role);
  }
  // the link is on the list page for them only
  assert.match((await C.support.get('/incidents')).text, /href="\/incidents\/metrics"/);
  assert.doesNotMatch((await C.staff.get('/incidents')).text, /href="\/incidents\/metrics"/);
});

// ---- e-mail ----

// The outbox and its sender come with the mail change (src/core/mail.c, `serve --smtp-url`,
// tests/api/smtp.mjs, a sink the test starts). Until they are there, this test is skipped and
// says what it checks; it runs once smtp.mjs exports startSink() -> {url, messages, stop(),
// restart()} and serve takes --smtp-url.
const SMTP = new URL('./smtp.mjs', import.meta.url);
const smtpLib = existsSync(SMTP) ? await import(SMTP.href).catch(() => null) : null;
const serveHelp = cli(['help', 'serve']);
const MAIL_SKIP = !smtpLib ? 'the mail change has not landed: no tests/api/smtp.mjs'
  : typeof smtpLib.startSink !== 'function' ? 'tests/api/smtp.mjs exports no startSink(): adapt this test to the sink it offers'
    : !/--smtp-url/.test(serveHelp.stdout + serveHelp.stderr) ? 'custos serve takes no --smtp-url yet' : false;

test('e-mail: new report -> the Support Team, escalation -> the ISM, assignment -> the owner; a sink that is down loses nothing',
  { skip: MAIL_SKIP && `${MAIL_SKIP}. To test: start a sink, serve --demo --smtp-url to it; a report made by Ben mails aisha.rahman@ (support), escalate mails daniel.okafor@ (ISM), investigate with an owner mails the owner's people.email; with the sink stopped the rows stay in mail_outbox (status queued, attempts > 0) and arrive once it is back` },
  async () => {
    const sink = await smtpLib.startSink();
    const s = new Server();
    process.env.CUSTOS_MAIL_RETRY_SECONDS = '1'; // a retry a second after a failure, not a minute
    try {
      await s.start(['--demo', '--smtp-url', sink.url, '--jobs-poll', '1']);
      const ben = await signIn(s, WHO.staff), sup = await signIn(s, WHO.support), ism = await signIn(s, WHO.ism);
      const to = (addr) => sink.messages.filter((m) => JSON.stringify(m).includes(addr));
      const waitFor = async (cond, what) => {
        for (let i = 0; i < 200; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 100)); }
        assert.fail(`no mail: ${what}`);
      };
      const title = uniq('Mailed incident');
      const r = await ben.ok('POST', '/api/v1/incidents', { title, reporter_id: ben.person }, 201);
      await waitFor(() => to(WHO.support).some((m) => JSON.stringify(m).includes(ref(r.id))), 'new report to support');
      await stepOk(sup, r.id, 'triage', { severity: 'high' });
      await stepOk(sup, r.id, 'escalate');
      await waitFor(() => to(WHO.ism).some((m) => JSON.stringify(m).includes('escalated')), 'escalation to the ISM');
      await stepOk(ism, r.id, 'investigate', { owner_id: ben.person });
      await waitFor(() => to(WHO.staff).some((m) => JSON.stringify(m).includes(ref(r.id))), 'the owner');
      // the sink down: queued, with attempts; back: delivered
      await sink.stop();
      const r2 = await ben.ok('POST', '/api/v1/incidents', { title: uniq('While down'), reporter_id: ben.person }, 201);
      await new Promise((res) => setTimeout(res, 3000));
      const row = s.sql(`SELECT status || ' ' || attempts FROM mail_outbox WHERE subject LIKE '%${ref(r2.id)}%' ORDER BY id LIMIT 1`);
      assert.match(row, /^queued [1-9]/, row);
      await sink.restart();
      await waitFor(() => to(WHO.support).some((m) => JSON.stringify(m).includes(ref(r2.id))), 'delivered after the sink came back');
    } finally {
      delete process.env.CUSTOS_MAIL_RETRY_SECONDS;
      await s.stop().catch(() => {});
      s.cleanup();
      await sink.stop?.().catch?.(() => {});
    }
  });

// ---- the audit chain ----

test('custos audit verify holds after every step taken above', async () => {
  const r = cli(['audit', 'verify', '--db', srv.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok \d+ events\nok \d+ records match their audit history\nok \d+ accounts, \d+ API tokens and the security settings match their audit history\nok \d+ files match their hashes\n$/);
  assert.ok(PG === undefined || srv.pgName, 'on PostgreSQL when the suite runs there');
});
