// risk.test.mjs - risk management from the outside, trying to break it: scores and levels
// computed by the method and never written; the acceptance workflow step by step for every
// role (wrong role 403, out of scope 404, not the owner 403, wrong state 409, stale If-Match
// 412, inputs checked, unknown steps 404, unknown keys 422); the appetite rule and the Board's
// acceptance; history with who took each step and what they saw; the heat map against the
// API's totals user by user; home-page tasks; the UI's step forms with CSRF and errors; CSV
// exports in scope; risk method versions; expiry by the daily job; `custos audit verify`.
// The demo organisation (`serve --demo`) is the main server; method versions, expiry and races
// each get a fresh server so they do not move the demo's method under the other tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, cli, PG, PASSWORD, assertProblem } from './harness.mjs';

const DEMO_PASSWORD = 'custos-demo-password';
const EMAIL = {
  ism: 'daniel.okafor@westcloud.example',
  board: 'amelia.hart@westcloud.example',
  ops: 'priya.natarajan@westcloud.example',
  hr: 'grace.mensah@westcloud.example',
  head: 'sofia.rossi@westcloud.example', // Head of Engineering
  support: 'aisha.rahman@westcloud.example',
  staff: 'ben.carter@westcloud.example', // Support
  auditor: 'claire.morgan@westcloud.example',
  admin: 'admin@westcloud.example',
};
const READERS = ['ism', 'board', 'ops', 'hr', 'head', 'support', 'staff', 'auditor'];
const LIVE = 'open,awaiting_owner,awaiting_board,accepted,review';
const READONLY = ['inherent_score', 'inherent_level', 'residual_score', 'residual_level', 'method_id',
  'status', 'accepted_until', 'acceptance_note', 'accepted_by', 'accepted_at', 'board_accepted_by',
  'board_accepted_at', 'accepted_state'];

// A date n days from today (UTC, as the server counts).
const day = (n) => new Date(Date.now() + n * 86400e3).toISOString().slice(0, 10);

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

  // A browser's form post: the fields as given (add _csrf yourself, or csrf: true adds it).
  form(path, fields, { csrf = true } = {}) {
    const all = csrf ? { _csrf: this.csrf, ...fields } : fields;
    return this.req('POST', path, { raw: new URLSearchParams(all).toString(), csrf: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  }

  async ok(method, path, body, status = 200) {
    const r = await this.req(method, path, { body });
    assert.equal(r.status, status, `${method} ${path} as ${this.email}: ${r.text}`);
    return r.json;
  }

  // Every record of a register this user may read (at most 500).
  async all(plural, query = '') {
    const j = await this.ok('GET', `/api/v1/${plural}?limit=500${query}`);
    assert.ok(j.total <= 500);
    return j.items;
  }
}

async function signIn(srv, email, password = DEMO_PASSWORD) {
  const r = await srv.req('POST', '/api/v1/session', { body: { email, password } });
  assert.equal(r.status, 200, `sign-in of ${email}: ${r.text}`);
  return new Session(srv, email, r.headers.get('set-cookie').split(';')[0], r.json.csrf, r.json.user);
}

// ---- HTML ----

const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeHtml = (s) => s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => {
  if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  return ENT[e.toLowerCase()] ?? m;
});
const textOf = (html) => unescapeHtml(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
const alertOf = (html) => {
  const m = html.match(/<div role="alert"[^>]*>([\s\S]*?)<\/div>/);
  return m ? textOf(m[1]) : undefined;
};
const countOf = (html) => {
  const m = html.match(/<p class="count[^"]*">(\d+) /);
  return m ? Number(m[1]) : undefined;
};
// The step forms of a record page: step name -> the names and values of its fields.
function stepForms(html, plural, id) {
  const out = {};
  const re = new RegExp(`<form class="record step" method="post" action="/${plural}/${id}/step/([a-z_]+)">([\\s\\S]*?)</form>`, 'g');
  for (const m of html.matchAll(re)) {
    const fields = {};
    for (const c of m[2].matchAll(/<(input|textarea)\b([^>]*)>/g)) {
      const name = (c[2].match(/name="([^"]*)"/) || [])[1];
      if (name) fields[name] = unescapeHtml((c[2].match(/value="([^"]*)"/) || [, ''])[1]);
    }
    out[m[1]] = fields;
  }
  return out;
}
// The links of the "My tasks" list on the home page, with the text before each.
function tasksOf(html) {
  const sec = (html.match(/<h2 id="tasks-h">My tasks<\/h2>([\s\S]*?)<\/section>/) || [, ''])[1];
  return [...sec.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => ({
    text: textOf(m[1]), href: (m[1].match(/href="([^"]*)"/) || [])[1] }));
}

// ---- CSV (RFC 4180) ----

function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false, i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { q = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"') { q = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
    field += ch; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// ---- the demo server ----

let srv;
const S = {}; // role -> Session
let method; // the demo's active risk method

before(async () => {
  srv = new Server();
  await srv.start(['--demo']);
  for (const role of [...READERS, 'admin']) S[role] = await signIn(srv, EMAIL[role]);
  const risks = await S.ism.all('risks');
  assert.equal(risks.length, 9, 'the demo has 9 risks');
  const methods = await S.ism.all('risk_methods');
  assert.equal(methods.length, 1);
  method = methods[0];
  assert.equal(method.status, 'active');
  assert.equal(method.appetite, 8);
});

const fresh = []; // servers started by freshServer, stopped by their tests or at the end

after(async () => {
  await srv.stop();
  srv.cleanup();
  for (const s of fresh) {
    if (s.proc) await s.stop().catch(() => {});
    s.cleanup();
  }
});

// A risk assessed by the ISM for owner (a Session or {person, dept}), with extra on top.
async function newRisk(owner, extra = {}) {
  return S.ism.ok('POST', '/api/v1/risks', {
    title: `Risk of ${owner.email || 'someone'}`, owner_id: owner.person, department_id: owner.dept,
    inherent_likelihood: 4, inherent_impact: 4, treatment: 'modify',
    residual_likelihood: 2, residual_impact: 3, ...extra,
  }, 201);
}

const step = (s, id, name, body, headers) =>
  s.req('POST', `/api/v1/risks/${id}/${name}`, { body, headers });

async function stepOk(s, id, name, body) {
  const r = await step(s, id, name, body);
  assert.equal(r.status, 200, `${name} of risk ${id} as ${s.email}: ${r.text}`);
  return r.json;
}

async function riskOf(id) {
  return S.ism.ok('GET', `/api/v1/risks/${id}`);
}

test('scores and levels are computed by the method and cannot be written', async () => {
  const r = await newRisk(S.staff);
  assert.equal(r.inherent_score, 16);
  assert.equal(r.inherent_level, 'high');
  assert.equal(r.residual_score, 6);
  assert.equal(r.residual_level, 'medium');
  assert.equal(r.method_id, method.id);
  assert.equal(r.status, 'open');
  for (const [l, i, score, level] of [[1, 1, 1, 'low'], [1, 4, 4, 'low'], [1, 5, 5, 'medium'],
    [3, 3, 9, 'medium'], [2, 5, 10, 'high'], [4, 4, 16, 'high'], [3, 6, null, null], [5, 5, 25, 'critical']]) {
    const body = { title: 'Scale', owner_id: S.staff.person, department_id: S.staff.dept,
      inherent_likelihood: l, inherent_impact: i };
    const c = await S.ism.post('/api/v1/risks', body);
    if (score === null) { assertProblem(c, 422, 'inherent_impact'); assert.match(c.text, /1 to 5 on risk method version 1/); continue; }
    assert.equal(c.status, 201, c.text);
    assert.equal(c.json.inherent_score, score);
    assert.equal(c.json.inherent_level, level);
    assert.equal(c.json.residual_score, null);
    assert.equal(c.json.residual_level, null);
  }
  // nothing computed or set by steps can be sent, on create or on change
  for (const key of READONLY) {
    const value = /score|_id$/.test(key) ? 1 : key === 'accepted_until' ? day(30) : key === 'status' ? 'accepted' : 'x';
    const c = await S.ism.post('/api/v1/risks', { title: 'T', owner_id: S.staff.person,
      department_id: S.staff.dept, inherent_likelihood: 1, inherent_impact: 1, [key]: value });
    assertProblem(c, 422, key);
    assert.match(c.text, /computed and cannot be written/);
    const p = await S.ism.patch(`/api/v1/risks/${r.id}`, { [key]: value });
    assertProblem(p, 422, key);
  }
  assert.deepEqual(await riskOf(r.id), { ...r });
  // wrong types, half a residual rating, ratings beyond the scales
  assertProblem(await S.ism.patch(`/api/v1/risks/${r.id}`, { inherent_likelihood: '4' }), 422, 'inherent_likelihood');
  assertProblem(await S.ism.patch(`/api/v1/risks/${r.id}`, { inherent_likelihood: 6 }), 422, 'inherent_likelihood');
  assertProblem(await S.ism.patch(`/api/v1/risks/${r.id}`, { inherent_impact: 0 }), 422, 'inherent_impact');
  assertProblem(await S.ism.patch(`/api/v1/risks/${r.id}`, { inherent_impact: 2.5 }), 422, 'inherent_impact');
  assertProblem(await S.ism.patch(`/api/v1/risks/${r.id}`, { residual_impact: null }), 422, 'residual_impact');
  assertProblem(await S.ism.patch(`/api/v1/risks/${r.id}`, { treatment: 'ignore' }), 422, 'treatment');
  // a change of rating recomputes both scores; the list carries the same values
  const up = await S.ism.ok('PATCH', `/api/v1/risks/${r.id}`, { residual_likelihood: 5, residual_impact: 4 });
  assert.equal(up.residual_score, 20);
  assert.equal(up.residual_level, 'critical');
  const listed = (await S.ism.all('risks', '&residual_score=20')).find((x) => x.id === r.id);
  assert.equal(listed.residual_level, 'critical');
  const none = await S.ism.ok('PATCH', `/api/v1/risks/${r.id}`, { residual_likelihood: null, residual_impact: null });
  assert.equal(none.residual_score, null);
  assert.equal(none.residual_level, null);
});

test('the acceptance workflow over the API, role by role', async () => {
  const r = await newRisk(S.staff, { title: 'Support laptop theft' });
  const id = r.id;
  // submit: whoever assesses (ISM, operations, the department's head), nobody else
  for (const role of ['staff', 'board', 'auditor']) {
    const x = await step(S[role], id, 'submit');
    assertProblem(x, 403);
    assert.match(x.json.detail, /you may not submit Risks/);
  }
  for (const role of ['hr', 'support', 'head']) assertProblem(await step(S[role], id, 'submit'), 404); // cannot read it
  assertProblem(await step(S.admin, id, 'submit'), 404);
  assert.equal((await riskOf(id)).status, 'open');
  // wrong state: accept, board_accept, reject, review, reopen do not start from open
  for (const [role, name] of [['staff', 'accept'], ['board', 'board_accept'], ['ism', 'review'], ['ism', 'reopen']]) {
    const x = await step(S[role], id, name, name === 'reject' ? { acceptance_note: 'no' } : undefined);
    assertProblem(x, 409, 'status');
    assert.match(x.text, /is 'open'/);
  }
  const sub = await stepOk(S.ops, id, 'submit');
  assert.equal(sub.status, 'awaiting_owner');
  assertProblem(await step(S.ops, id, 'submit'), 409, 'status');

  // accept: the owner only
  for (const role of ['ism', 'ops', 'board']) assertProblem(await step(S[role], id, 'accept'), 403);
  const au = await step(S.auditor, id, 'accept');
  assertProblem(au, 403);
  assert.match(au.json.detail, /you may not accept Risks/);
  for (const role of ['head', 'hr', 'support']) assertProblem(await step(S[role], id, 'accept'), 404);
  // the owner's inputs are checked, and nothing else may come with the step
  const ben = S.staff;
  const bad = [
    [{ accepted_until: 'next year' }, 'accepted_until'],
    [{ accepted_until: '2026-02-30' }, 'accepted_until'],
    [{ accepted_until: day(0) }, 'accepted_until'],
    [{ accepted_until: day(-1) }, 'accepted_until'],
    [{ accepted_until: 20270101 }, 'accepted_until'],
    [{ acceptance_note: 5 }, 'acceptance_note'],
    [{ status: 'accepted' }, 'status'],
    [{ accepted_by: 'someone@else' }, 'accepted_by'],
    [{ residual_score: 1 }, 'residual_score'],
    [{ title: 'renamed on the way' }, 'title'],
    [{ nonsense: 1 }, 'nonsense'],
  ];
  for (const [body, field] of bad) {
    const x = await step(ben, id, 'accept', body);
    assertProblem(x, 422, field);
  }
  const future = await step(ben, id, 'accept', { accepted_until: day(-3) });
  assert.match(future.text, /must be in the future/);
  assertProblem(await ben.req('POST', `/api/v1/risks/${id}/accept`, { raw: 'accepted_until=2030-01-01',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415);
  assertProblem(await ben.req('POST', `/api/v1/risks/${id}/accept`, { raw: '{"acceptance_note":',
    headers: { 'Content-Type': 'application/json' } }), 400);
  assertProblem(await ben.req('POST', `/api/v1/risks/${id}/accept`, { raw: '["x"]',
    headers: { 'Content-Type': 'application/json' } }), 400);
  assertProblem(await ben.req('POST', `/api/v1/risks/${id}/accept`, { raw: '{"acceptance_note":"a","acceptance_note":"b"}',
    headers: { 'Content-Type': 'application/json' } }), 400, 'acceptance_note');
  // without the CSRF token a cookie session takes no step
  assertProblem(await ben.req('POST', `/api/v1/risks/${id}/accept`, { csrf: false }), 403);
  // a stale or malformed If-Match
  const cur = await ben.get(`/api/v1/risks/${id}`);
  assert.equal(cur.status, 200);
  const etag = cur.headers.get('etag');
  assert.match(etag, /^"\d+"$/);
  assertProblem(await step(ben, id, 'accept', undefined, { 'If-Match': '"1"' }), 412);
  assertProblem(await step(ben, id, 'accept', undefined, { 'If-Match': 'soon' }), 400, 'If-Match');
  assert.equal((await riskOf(id)).status, 'awaiting_owner');
  // unknown steps, unknown records
  assertProblem(await step(S.ism, id, 'approve'), 404);
  assertProblem(await step(S.ism, id, 'activate'), 404); // a step of risk methods
  assertProblem(await step(S.ism, id, 'ACCEPT'), 404);
  assertProblem(await step(S.ism, 987654, 'submit'), 404);
  assertProblem(await step(S.ism, 0, 'submit'), 404);

  // the owner accepts, with the version read
  const acc = await step(ben, id, 'accept', { acceptance_note: 'Fine with the new lock' }, { 'If-Match': etag });
  assert.equal(acc.status, 200, acc.text);
  assert.equal(acc.json.status, 'accepted');
  assert.equal(acc.json.accepted_by, ben.email);
  assert.equal(acc.json.accepted_until, day(365));
  assert.equal(acc.json.acceptance_note, 'Fine with the new lock');
  assert.equal(acc.json.board_accepted_by, null);
  assert.match(acc.json.accepted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(acc.json.accepted_state, `Inherent 4 x 4 = 16 (High); residual 2 x 3 = 6 (Medium); treatment: modify; risk method #${method.id}`);
  assert.notEqual(acc.headers.get('etag'), etag);
  assertProblem(await step(ben, id, 'accept', undefined, { 'If-Match': etag }), 412);
  assertProblem(await step(ben, id, 'accept'), 409, 'status');
  assertProblem(await step(S.board, id, 'board_accept'), 409, 'status');

  // review: the ISM (and a head in their department); close and reopen: the ISM
  assertProblem(await step(ben, id, 'review'), 403);
  assertProblem(await step(S.head, id, 'review'), 404);
  assertProblem(await step(S.ops, id, 'close'), 403);
  assert.equal((await stepOk(S.ism, id, 'review')).status, 'review');
  assert.equal((await stepOk(S.ops, id, 'submit')).status, 'awaiting_owner'); // from review
  assert.equal((await stepOk(S.ism, id, 'close')).status, 'closed');
  for (const name of ['submit', 'accept', 'review', 'close']) assertProblem(await step(S.ism, id, name), name === 'accept' ? 403 : 409);
  assertProblem(await step(S.ops, id, 'reopen'), 403);
  assert.equal((await stepOk(S.ism, id, 'reopen')).status, 'open');

  // a head of department assesses and submits in their own department only
  const eng = await newRisk(S.head, { title: 'Engineering secrets in a public repository' });
  assert.equal((await stepOk(S.head, eng.id, 'submit')).status, 'awaiting_owner');
  const sec = (await S.ism.all('risks', '&status=open')).find((x) => x.department_id !== S.head.dept && x.owner_id !== S.head.person);
  assert.ok(sec, 'an open risk outside Engineering');
  assertProblem(await step(S.head, sec.id, 'submit'), 404);
  // and the head owns this one, so accepts it
  assert.equal((await stepOk(S.head, eng.id, 'accept')).status, 'accepted');
  // a bearer token limited to reading cannot take steps
  const tok = await S.ism.ok('POST', '/api/v1/tokens', { name: 'read risks', permissions: 'risks:read' }, 201);
  const t = await srv.req('POST', `/api/v1/risks/${id}/close`, { headers: { Authorization: `Bearer ${tok.token}` } });
  assertProblem(t, 403);
});

// Was a bug (fixed in 0e44905): the 403 came from the write guard and named nothing.
test('a step refused to someone who is not the owner names owner_id',
  async () => {
    const r = await newRisk(S.staff, { title: 'Owner check' });
    await stepOk(S.ism, r.id, 'submit');
    for (const role of ['ism', 'ops', 'board']) {
      const x = await step(S[role], r.id, 'accept');
      assertProblem(x, 403, 'owner_id');
    }
  });

test('the appetite rule: above it the owner accepts first, then only the Board', async () => {
  const priya = S.ops;
  // at the appetite (2 x 4 = 8) the owner's acceptance is enough
  const at = await newRisk(priya, { title: 'At appetite', residual_likelihood: 2, residual_impact: 4 });
  await stepOk(S.ism, at.id, 'submit');
  const a = await stepOk(priya, at.id, 'accept');
  assert.equal(a.status, 'accepted');
  assert.equal(a.residual_score, method.appetite);
  // above it (3 x 3 = 9, 3 x 4 = 12) the Board must accept too
  for (const [l, i] of [[3, 3], [3, 4]]) {
    const r = await newRisk(priya, { title: `Above appetite ${l}x${i}`, residual_likelihood: l, residual_impact: i });
    await stepOk(S.ism, r.id, 'submit');
    const o = await stepOk(priya, r.id, 'accept', { accepted_until: day(90) });
    assert.equal(o.status, 'awaiting_board');
    assert.equal(o.accepted_by, priya.email);
    assert.equal(o.accepted_until, day(90));
    // the Board's step: not the owner, not the ISM, not the auditor
    for (const role of ['ops', 'ism', 'auditor', 'staff', 'head']) {
      const x = await step(S[role], r.id, 'board_accept');
      assertProblem(x, ['staff', 'head'].includes(role) ? 404 : 403);
    }
    assertProblem(await step(priya, r.id, 'accept'), 409, 'status');
    assertProblem(await step(S.board, r.id, 'board_accept', { acceptance_note: 'ok' }), 422, 'acceptance_note');
    const b = await stepOk(S.board, r.id, 'board_accept');
    assert.equal(b.status, 'accepted');
    assert.equal(b.board_accepted_by, EMAIL.board);
    assert.match(b.board_accepted_at, /Z$/);
    assert.equal(b.accepted_by, priya.email);
    assert.equal(b.accepted_until, day(90));
  }
  // the owner may refuse (a note needed); others may not refuse for the owner
  const r = await newRisk(priya, { title: 'Refused by the owner', residual_likelihood: 4, residual_impact: 4 });
  await stepOk(S.ism, r.id, 'submit');
  assertProblem(await step(priya, r.id, 'reject'), 422, 'acceptance_note');
  assertProblem(await step(S.ism, r.id, 'reject', { acceptance_note: 'not mine' }), 403);
  assertProblem(await step(S.staff, r.id, 'reject', { acceptance_note: 'not mine' }), 404);
  const own = await stepOk(priya, r.id, 'reject', { acceptance_note: 'Needs a plan' });
  assert.equal(own.status, 'open');
  assert.equal(own.acceptance_note, 'Needs a plan');
  // the Board may refuse instead, saying why; the owner's acceptance is then cleared
  const br = await newRisk(priya, { title: 'Refused by the Board', residual_likelihood: 4, residual_impact: 4 });
  await stepOk(S.ism, br.id, 'submit');
  await stepOk(priya, br.id, 'accept');
  assertProblem(await step(S.board, br.id, 'reject'), 422, 'acceptance_note');
  assertProblem(await step(S.board, br.id, 'reject', { acceptance_note: null }), 422, 'acceptance_note');
  const no = await stepOk(S.board, br.id, 'reject', { acceptance_note: 'Treat it further first' });
  assert.equal(no.status, 'open');
  assert.equal(no.accepted_by, null);
  assert.equal(no.accepted_until, null);
  assert.equal(no.accepted_state, null);
  assert.equal(no.acceptance_note, 'Treat it further first');
  // reassessing a risk waiting for the Board sends it back to open, acceptance cleared
  await stepOk(S.ism, br.id, 'submit');
  await stepOk(priya, br.id, 'accept');
  const re = await S.ism.ok('PATCH', `/api/v1/risks/${br.id}`, { residual_impact: 2 });
  assert.equal(re.status, 'open');
  assert.equal(re.accepted_by, null);
  assert.equal(re.residual_score, 8);
  // nothing to accept without a treatment and a residual rating
  const bare = await S.ism.ok('POST', '/api/v1/risks', { title: 'Unassessed', owner_id: priya.person,
    department_id: priya.dept, inherent_likelihood: 2, inherent_impact: 2 }, 201);
  const x = await step(S.ism, bare.id, 'submit');
  assertProblem(x, 422, 'treatment');
  assertProblem(x, 422, 'residual_likelihood');
});

// Was a bug (fixed in 0e44905): the owner's acceptance note, or an empty one, passed for a reason.
test('a refusal needs its own note, not an empty one or the one left by the acceptance',
  async () => {
    const problems = [];
    const r = await newRisk(S.ops, { title: 'Reject without reason', residual_likelihood: 3, residual_impact: 4 });
    await stepOk(S.ism, r.id, 'submit');
    await stepOk(S.ops, r.id, 'accept', { acceptance_note: 'I accept this' });
    const a = await step(S.board, r.id, 'reject');
    if (a.status !== 422) problems.push(`reject with no note after an accepted one: ${a.status}, note "${a.json.acceptance_note}"`);
    const e = await newRisk(S.ops, { title: 'Reject with an empty reason', residual_likelihood: 3, residual_impact: 4 });
    await stepOk(S.ism, e.id, 'submit');
    await stepOk(S.ops, e.id, 'accept');
    for (const note of ['', '   ']) {
      const x = await step(S.board, e.id, 'reject', { acceptance_note: note });
      if (x.status !== 422) {
        problems.push(`reject with acceptance_note ${JSON.stringify(note)}: ${x.status}`);
        await stepOk(S.ism, e.id, 'submit');
        await stepOk(S.ops, e.id, 'accept');
      }
    }
    assert.deepEqual(problems, []);
  });

// Was a bug (fixed in 4d84efb): an input equal to the stored value was taken for none.
test('a value given with a step counts even when it equals the one stored',
  async () => {
    const problems = [];
    const r = await newRisk(S.ops, { title: 'Accepted until the same day again' });
    await stepOk(S.ism, r.id, 'submit');
    await stepOk(S.ops, r.id, 'accept', { accepted_until: day(20) });
    await stepOk(S.ism, r.id, 'review');
    await stepOk(S.ism, r.id, 'submit');
    const again = await step(S.ops, r.id, 'accept', { accepted_until: day(20) });
    if (again.status !== 200 || again.json.accepted_until !== day(20))
      problems.push(`accept until ${day(20)} again: ${again.status}, accepted_until ${again.json?.accepted_until}`);
    const b = await newRisk(S.ops, { title: 'Refused twice for one reason', residual_likelihood: 3, residual_impact: 4 });
    for (let round = 0; round < 2; round++) {
      await stepOk(S.ism, b.id, 'submit');
      await stepOk(S.ops, b.id, 'accept');
      const x = await step(S.board, b.id, 'reject', { acceptance_note: 'Treat it first' });
      if (x.status !== 200) { problems.push(`refusal ${round + 1} with the same reason: ${x.status} ${x.text}`); break; }
    }
    assert.deepEqual(problems, []);
  });

// Was a bug (fixed in 0e44905): step inputs skipped field validation (200,000 characters, ESC, BEL).
test('step inputs are checked like any field: length and control characters',
  async () => {
    const problems = [];
    for (const note of ['x'.repeat(200000), 'ok \u001b[2J\u0007 ok']) {
      const r = await newRisk(S.staff, { title: 'Long note' });
      await stepOk(S.ism, r.id, 'submit');
      const x = await step(S.staff, r.id, 'accept', { acceptance_note: note });
      if (x.status !== 422 || !x.json.errors?.some((e) => e.field === 'acceptance_note'))
        problems.push(`${note.length} characters, ${JSON.stringify(note.slice(0, 12))}…: ${x.status}`);
    }
    assert.deepEqual(problems, []);
  });

test('history shows each step with who took it and the state they accepted', async () => {
  const r = await newRisk(S.ops, { title: 'History', residual_likelihood: 3, residual_impact: 3 });
  await stepOk(S.ism, r.id, 'submit');
  await stepOk(S.ops, r.id, 'accept', { acceptance_note: 'Accepted for now' });
  await stepOk(S.board, r.id, 'board_accept');
  await stepOk(S.ism, r.id, 'review');
  const h = await S.auditor.ok('GET', `/api/v1/risks/${r.id}/history`);
  assert.deepEqual(h.items.map((e) => [e.action, e.actor]), [['create', EMAIL.ism], ['submit', EMAIL.ism],
    ['accept', EMAIL.ops], ['board_accept', EMAIL.board], ['review', EMAIL.ism]]);
  const [, sub, acc, board, rev] = h.items;
  assert.deepEqual(sub.changes, { status: ['open', 'awaiting_owner'] });
  const state = `Inherent 4 x 4 = 16 (High); residual 3 x 3 = 9 (Medium); treatment: modify; risk method #${method.id}`;
  assert.deepEqual(acc.changes.accepted_state, [null, state]);
  assert.deepEqual(acc.changes.accepted_by, [null, EMAIL.ops]);
  assert.deepEqual(acc.changes.status, ['awaiting_owner', 'awaiting_board']);
  assert.deepEqual(acc.changes.acceptance_note, [null, 'Accepted for now']);
  assert.equal(acc.changes.accepted_until[1], day(365));
  assert.deepEqual(board.changes.board_accepted_by, [null, EMAIL.board]);
  assert.deepEqual(board.changes.status, ['awaiting_board', 'accepted']);
  assert.equal(board.changes.accepted_state, undefined);
  assert.deepEqual(rev.changes, { status: ['accepted', 'review'] });
  for (const e of h.items) assert.match(e.hash, /^[0-9a-f]{64}$/);
  // the owner reads it; someone who cannot read the risk cannot read its history
  assert.equal((await S.ops.ok('GET', `/api/v1/risks/${r.id}/history`)).items.length, 5);
  assertProblem(await S.staff.get(`/api/v1/risks/${r.id}/history`), 404);
  assertProblem(await S.admin.get(`/api/v1/risks/${r.id}/history`), 403);
  // the record page shows the same, with the accepted state
  const page = await S.auditor.get(`/risks/${r.id}`);
  assert.equal(page.status, 200);
  assert.ok(textOf(page.text).includes(state), 'the accepted state on the record page');
  for (const action of ['submit', 'accept', 'board_accept', 'review']) assert.match(page.text, new RegExp(`<td>${action}</td>`));
});

test('home page tasks: acceptances for the owner and the Board, treatment actions due soon', async () => {
  // the owner of a risk awaiting acceptance sees it; others do not
  const mine = await newRisk(S.hr, { title: 'Payroll data sent to the wrong bank' });
  await stepOk(S.ism, mine.id, 'submit');
  const accept = (t) => t.some((x) => x.href === `/risks/${mine.id}` && x.text.startsWith('Approve the plan and accept the residual risk:'));
  assert.ok(accept(tasksOf((await S.hr.get('/')).text)), 'the owner is asked to accept');
  for (const role of ['ism', 'board', 'ops', 'auditor']) assert.ok(!accept(tasksOf((await S[role].get('/')).text)), `${role} is not asked`);
  // the demo's risk awaiting the ISM's acceptance
  const demo = (await S.ism.all('risks', '&status=awaiting_owner')).filter((x) => x.owner_id === S.ism.person);
  assert.ok(demo.length >= 1);
  const ismTasks = tasksOf((await S.ism.get('/')).text);
  for (const d of demo) assert.ok(ismTasks.some((x) => x.href === `/risks/${d.id}` && x.text.includes(d.title)), d.title);
  // above appetite: after the owner, the Board's task (for any Board member), not the owner's
  const hi = await newRisk(S.hr, { title: 'Salary file on a shared drive', residual_likelihood: 4, residual_impact: 3 });
  await stepOk(S.ism, hi.id, 'submit');
  await stepOk(S.hr, hi.id, 'accept');
  const boardTask = (t) => t.some((x) => x.href === `/risks/${hi.id}` && x.text.startsWith('Accept for the Board:'));
  assert.ok(boardTask(tasksOf((await S.board.get('/')).text)), 'the Board is asked');
  assert.ok(!tasksOf((await S.hr.get('/')).text).some((x) => x.href === `/risks/${hi.id}`), 'no longer the owner\'s task');
  for (const role of ['ism', 'ops', 'auditor']) assert.ok(!boardTask(tasksOf((await S[role].get('/')).text)), role);
  await stepOk(S.board, hi.id, 'board_accept');
  assert.ok(!boardTask(tasksOf((await S.board.get('/')).text)), 'done');
  // treatment actions of Priya's: due within 30 days and not done or cancelled
  const acts = {};
  for (const [k, due, status] of [['soon', day(10), 'planned'], ['going', day(29), 'in_progress'],
    ['late', day(-3), 'planned'], ['far', day(45), 'planned'], ['done', day(5), 'done'],
    ['cancelled', day(5), 'cancelled'], ['undated', null, 'planned']]) {
    acts[k] = await S.ism.ok('POST', '/api/v1/risk_actions', { title: `Action ${k}`, risk_id: mine.id,
      owner_id: S.ops.person, due_on: due, status }, 201);
  }
  const pt = tasksOf((await S.ops.get('/')).text);
  const has = (k) => pt.some((x) => x.href === `/risk_actions/${acts[k].id}`);
  for (const k of ['soon', 'going', 'late']) assert.ok(has(k), `${k} is a task`);
  for (const k of ['far', 'done', 'cancelled', 'undated']) assert.ok(!has(k), `${k} is no task`);
  const late = pt.find((x) => x.href === `/risk_actions/${acts.late.id}`);
  assert.match(late.text, /overdue/);
  assert.ok(!pt.find((x) => x.href === `/risk_actions/${acts.soon.id}`).text.includes('overdue'));
  // someone else's home does not list them; marking one done removes it
  assert.ok(!tasksOf((await S.hr.get('/')).text).some((x) => x.href === `/risk_actions/${acts.soon.id}`));
  await S.ops.ok('PATCH', `/api/v1/risk_actions/${acts.soon.id}`, { status: 'done' });
  assert.ok(!tasksOf((await S.ops.get('/')).text).some((x) => x.href === `/risk_actions/${acts.soon.id}`));
  // a risk due for review within 30 days is its owner's task
  const rv = await newRisk(S.hr, { title: 'Review me', review_on: day(7) });
  assert.ok(tasksOf((await S.hr.get('/')).text).some((x) => x.href === `/risks/${rv.id}` && x.text.startsWith('Review Risk')));
});

// Was a bug (fixed in 0e44905): closed risks with a review date stayed in their owners' tasks.
test('a closed risk is no review task',
  async () => {
    const r = await newRisk(S.hr, { title: 'Closed but dated', review_on: day(5) });
    await stepOk(S.ism, r.id, 'close');
    assert.ok(!tasksOf((await S.hr.get('/')).text).some((x) => x.href === `/risks/${r.id}`));
  });

test('UI step forms: shown to who may take them, posted with the CSRF token and the version', async () => {
  const sofia = S.head;
  const r = await newRisk(sofia, { title: 'Build server compromised' });
  await stepOk(S.ism, r.id, 'submit');
  const page = await sofia.get(`/risks/${r.id}`);
  assert.equal(page.status, 200);
  const forms = stepForms(page.text, 'risks', r.id);
  assert.deepEqual(Object.keys(forms).sort(), ['accept', 'reject']);
  assert.deepEqual(Object.keys(forms.accept).sort(), ['_csrf', '_version', 'acceptance_note', 'accepted_until']);
  assert.equal(forms.accept._csrf, sofia.csrf);
  const version = Number(forms.accept._version);
  assert.equal(version, (await riskOf(r.id)).version);
  // what others see on the same page
  assert.deepEqual(Object.keys(stepForms((await S.ism.get(`/risks/${r.id}`)).text, 'risks', r.id)).sort(), ['close']);
  assert.deepEqual(Object.keys(stepForms((await S.auditor.get(`/risks/${r.id}`)).text, 'risks', r.id)), []);
  assert.deepEqual(Object.keys(stepForms((await S.board.get(`/risks/${r.id}`)).text, 'risks', r.id)).sort(), ['reject']);

  const url = `/risks/${r.id}/step/accept`;
  // without the token, or with another one: refused, nothing changes
  let x = await sofia.form(url, { _version: version }, { csrf: false });
  assert.equal(x.status, 403);
  x = await sofia.form(url, { _csrf: S.ism.csrf, _version: version }, { csrf: false });
  assert.equal(x.status, 403);
  x = await sofia.req('POST', url, { csrf: false, raw: `_csrf=${sofia.csrf}&_version=${version}`, headers: { 'Content-Type': 'text/plain' } });
  assert.ok(x.status >= 400, `text/plain form: ${x.status}`);
  assert.equal((await riskOf(r.id)).status, 'awaiting_owner');
  // errors name the field, keep what was typed, and change nothing
  x = await sofia.form(url, { _version: version, accepted_until: day(-2), acceptance_note: 'kept' });
  assert.equal(x.status, 422);
  assert.match(alertOf(x.text), /Accepted until must be in the future/);
  assert.equal(stepForms(x.text, 'risks', r.id).accept.accepted_until, day(-2));
  x = await sofia.form(url, { _version: version, accepted_until: 'tomorrow' });
  assert.equal(x.status, 422);
  assert.match(alertOf(x.text), /^The step was not taken\. Accepted until /);
  x = await sofia.form(`/risks/${r.id}/step/reject`, { _version: version, acceptance_note: '' });
  assert.equal(x.status, 422);
  assert.match(alertOf(x.text), /Acceptance note is needed/);
  x = await sofia.form(url, { _version: version - 1 });
  assert.equal(x.status, 412);
  assert.match(alertOf(x.text), /changed by someone else/);
  assert.equal((await riskOf(r.id)).status, 'awaiting_owner');
  // not the owner, not the role, not a step, not readable
  x = await S.ism.form(url, { _version: version });
  assert.equal(x.status, 403);
  x = await S.auditor.form(url, { _version: version });
  assert.equal(x.status, 403);
  x = await sofia.form(`/risks/${r.id}/step/board_accept`, { _version: version });
  assert.equal(x.status, 403);
  x = await sofia.form(`/risks/${r.id}/step/approve`, { _version: version });
  assert.equal(x.status, 404);
  const sec = (await S.ism.all('risks')).find((y) => y.owner_id === S.ism.person && y.status === 'awaiting_owner');
  x = await sofia.form(`/risks/${sec.id}/step/accept`, {});
  assert.equal(x.status, 404);
  // the step itself: back to the record with a message, the state moved
  x = await sofia.form(url, { _version: version, accepted_until: day(200), acceptance_note: 'Rotate keys yearly' });
  assert.equal(x.status, 303, alertOf(x.text));
  assert.equal(x.headers.get('location'), `/risks/${r.id}?m=step`);
  const done = await riskOf(r.id);
  assert.equal(done.status, 'accepted');
  assert.equal(done.accepted_by, sofia.email);
  assert.equal(done.accepted_until, day(200));
  assert.equal(done.acceptance_note, 'Rotate keys yearly');
  // again: the state has moved on
  x = await sofia.form(url, { _version: done.version });
  assert.equal(x.status, 409);
  assert.match(alertOf(x.text), /no longer in a state this step starts from/);
  const after = await sofia.get(`/risks/${r.id}?m=step`);
  assert.deepEqual(Object.keys(stepForms(after.text, 'risks', r.id)), ['review']); // her department's
});

test('heat map: counts per cell equal the API\'s filtered totals for the same user', async () => {
  // something for everyone to see: a live risk of Ben's, and a closed one that must not count
  const ben = await newRisk(S.staff, { title: 'Ben on the heat map', inherent_likelihood: 5, inherent_impact: 2,
    residual_likelihood: 1, residual_impact: 2 });
  const closed = await newRisk(S.staff, { title: 'Closed, off the map', inherent_likelihood: 5, inherent_impact: 1 });
  await stepOk(S.ism, closed.id, 'close');
  for (const role of READERS) {
    const s = S[role];
    const r = await s.get('/risks/heatmap');
    assert.equal(r.status, 200, `${role}: ${r.text.slice(0, 200)}`);
    const figs = r.text.split('<figure class="heatmap">').slice(1);
    assert.equal(figs.length, 2, role);
    const live = await s.all('risks', `&status=${LIVE}`);
    if (role === 'staff') {
      assert.ok(live.every((x) => x.owner_id === s.person), 'staff see their own');
      assert.ok(live.some((x) => x.id === ben.id));
    }
    assert.ok(!live.some((x) => x.id === closed.id));
    for (const [fig, lf, imf] of [[figs[0], 'inherent_likelihood', 'inherent_impact'],
      [figs[1], 'residual_likelihood', 'residual_impact']]) {
      const cells = [...fig.matchAll(/<a href="([^"]*)"><title>(\d+) risks?: likelihood (\d+), impact (\d+), score (\d+)<\/title>/g)];
      assert.equal(cells.length, 25, `${role} ${lf}`);
      let sum = 0;
      for (const [, href, n, l, i, score] of cells) {
        const want = live.filter((x) => x[lf] === Number(l) && x[imf] === Number(i)).length;
        assert.equal(Number(n), want, `${role}: ${lf} ${l}, ${imf} ${i}`);
        assert.equal(Number(score), Number(l) * Number(i));
        assert.equal(unescapeHtml(href), `/risks?${lf}=${l}&${imf}=${i}&status=${LIVE}`);
        sum += Number(n);
      }
      assert.equal(sum, live.filter((x) => x[lf] !== null).length, `${role}: every live risk once on the ${lf} map`);
      // each non-empty cell opens a list with that many risks, and the API agrees
      if (['ism', 'staff', 'head'].includes(role)) {
        for (const [, href, n] of cells.filter((c) => Number(c[2]) > 0)) {
          const link = unescapeHtml(href);
          const list = await s.get(link);
          assert.equal(list.status, 200);
          assert.equal(countOf(list.text), Number(n), `${role}: ${link}`);
          const api = await s.ok('GET', `/api/v1${link}&limit=1`);
          assert.equal(api.total, Number(n), `${role}: API ${link}`);
        }
      }
    }
  }
  assert.equal((await S.admin.get('/risks/heatmap')).status, 403);
  assert.equal((await srv.req('GET', '/risks/heatmap')).status, 303); // signed out: to sign-in
});

test('CSV exports of risks (UI and API) honour the reader\'s scope and filters', async () => {
  for (const role of READERS) {
    const s = S[role];
    const want = (await s.all('risks')).map((x) => x.id).sort((a, b) => a - b);
    for (const path of ['/risks/export.csv', '/api/v1/risks/export?format=csv']) {
      const r = await s.get(path);
      assert.equal(r.status, 200, `${role} ${path}: ${r.text.slice(0, 200)}`);
      assert.match(r.headers.get('content-type'), /^text\/csv/);
      assert.match(r.headers.get('content-disposition'), /filename="risks\.csv"/);
      const rows = parseCsv(r.text);
      const head = rows[0];
      for (const col of ['id', 'title', 'owner_id', 'inherent_score', 'inherent_level', 'residual_score', 'status', 'method_id', 'accepted_state'])
        assert.ok(head.includes(col), `${path}: column ${col}`);
      const ids = rows.slice(1).map((row) => Number(row[head.indexOf('id')])).sort((a, b) => a - b);
      assert.deepEqual(ids, want, `${role} ${path}`);
      // references by natural key: the owner's e-mail
      if (role === 'staff') {
        const email = (await s.get(`/api/v1/people/${s.person}`)).json.email;
        for (const row of rows.slice(1)) assert.equal(row[head.indexOf('owner_id')], email);
      }
    }
  }
  // filters narrow the file as they narrow the list; computed values are exported as stored
  const acc = await S.ism.all('risks', '&status=accepted');
  for (const path of ['/risks/export.csv?status=accepted', '/api/v1/risks/export?format=csv&status=accepted']) {
    const rows = parseCsv((await S.ism.get(path)).text);
    const head = rows[0];
    assert.equal(rows.length - 1, acc.length, path);
    for (const row of rows.slice(1)) {
      const rec = acc.find((x) => x.id === Number(row[head.indexOf('id')]));
      assert.ok(rec, path);
      assert.equal(row[head.indexOf('status')], 'accepted');
      assert.equal(row[head.indexOf('residual_score')], rec.residual_score === null ? '' : String(rec.residual_score));
      assert.equal(row[head.indexOf('accepted_state')], rec.accepted_state ?? '');
    }
  }
  assert.equal((await S.admin.get('/risks/export.csv')).status, 403);
  assertProblem(await S.admin.get('/api/v1/risks/export?format=csv'), 403);
  assertProblem(await S.ism.get('/api/v1/risks/export?format=csv&inherent_score=x'), 400);
});

test('custos audit verify holds after every step taken above', async () => {
  const r = cli(['audit', 'verify', '--db', srv.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok \d+ events\nok \d+ records match their audit history\nok \d+ accounts, \d+ API tokens and the security settings match their audit history\nok \d+ files match their hashes\n$/);
});

// ---- a fresh installation: the method and its versions ----

const ISM = 'ism@test.example';

async function freshServer(extra = [], users = []) {
  const s = new Server();
  fresh.push(s);
  s.addUser(ISM, 'isms_manager', 'Ism');
  for (const [email, role] of users) s.addUser(email, role, role);
  await s.start(extra);
  const ism = await signIn(s, ISM, PASSWORD);
  const dept = await ism.ok('POST', '/api/v1/departments', { name: 'Operations', code: 'OPS' }, 201);
  const person = await ism.ok('POST', '/api/v1/people', { name: 'Olive Owner', email: 'owner@test.example', department_id: dept.id }, 201);
  return { s, ism, dept, person, owner: { person: person.id, dept: dept.id, email: 'owner@test.example' } };
}

const METHOD4 = {
  name: 'Four by four',
  likelihood_scale: 'Rare\nPossible\nLikely\nCertain',
  impact_scale: 'Minor | a nuisance\nModerate\nMajor\nSevere | survival',
  combination: 'product',
  bands: 'low | 1 | 3 | #2e7d32\nmedium | 4 | 6 | #f9a825\nhigh | 7 | 11 | #ef6c00\ncritical | 12 | 16 | #c62828',
  appetite: 6,
};

let M; // the fresh server of the method tests

test('risk method versions over the API: the default with the first risk, drafts, activation', async (t) => {
  M = await freshServer([], [['ops@test.example', 'operations_manager'], ['board@test.example', 'board']]);
  const { ism, owner } = M;
  const ops = await signIn(M.s, 'ops@test.example', PASSWORD);
  const board = await signIn(M.s, 'board@test.example', PASSWORD);
  assert.deepEqual(await ism.all('risk_methods'), []);
  assertProblem(await ism.post('/api/v1/risk_methods', { ...METHOD4, number: 7 }), 422, 'number');
  // the first risk creates and activates the default method in its transaction
  const mk = (extra) => ism.ok('POST', '/api/v1/risks', { title: 'First', owner_id: owner.person,
    department_id: owner.dept, inherent_likelihood: 5, inherent_impact: 5, treatment: 'modify',
    residual_likelihood: 2, residual_impact: 2, ...extra }, 201);
  const first = await mk();
  let methods = await ism.all('risk_methods');
  assert.equal(methods.length, 1);
  const v1 = methods[0];
  assert.equal(v1.number, 1);
  assert.equal(v1.status, 'active');
  assert.equal(v1.activated_by, 'custos');
  assert.equal(first.method_id, v1.id);
  assert.equal(first.inherent_score, 25);
  const h1 = await ism.ok('GET', `/api/v1/risk_methods/${v1.id}/history`);
  assert.deepEqual(h1.items.map((e) => [e.action, e.actor]), [['create', 'custos'], ['activate', 'custos']]);
  const doc = await ism.get(`/risk_methods/${v1.id}/document`);
  assert.equal(doc.status, 200);
  assert.match(textOf(doc.text), /The risk appetite is a residual score of 8\./);

  // only the ISM writes methods; nothing computed or set by steps can be sent
  assertProblem(await ops.post('/api/v1/risk_methods', METHOD4), 403);
  assertProblem(await board.post('/api/v1/risk_methods', METHOD4), 403);
  for (const [key, value] of [['number', 2], ['status', 'active'], ['activated_by', 'me'], ['activated_at', '2026-01-01T00:00:00Z']])
    assertProblem(await ism.post('/api/v1/risk_methods', { ...METHOD4, [key]: value }), 422, key);
  // an incoherent method is refused naming the field
  for (const [change, field] of [
    [{ bands: 'low | 1 | 3 | #2e7d32\nhigh | 4 | 15 | #c62828' }, 'bands'],
    [{ bands: 'low | 1 | 3 | #2e7d32\nlow | 4 | 16 | #c62828' }, 'bands'],
    [{ bands: 'low | 1 | 3 | green\nhigh | 4 | 16 | #c62828' }, 'bands'],
    [{ likelihood_scale: 'Only' }, 'likelihood_scale'],
    [{ impact_scale: Array.from({ length: 11 }, (_, i) => `L${i}`).join('\n') }, 'impact_scale'],
    [{ appetite: 17 }, 'appetite'],
    [{ appetite: 0 }, 'appetite'],
    [{ combination: 'matrix' }, 'matrix'],
    [{ combination: 'matrix', matrix: '1 2 3 4\n2 4 6 8\n3 6 9' }, 'matrix'],
    [{ combination: 'sum' }, 'combination'],
  ]) {
    const x = await ism.post('/api/v1/risk_methods', { ...METHOD4, ...change });
    assertProblem(x, 422, field);
  }
  assert.equal((await ism.all('risk_methods')).length, 1);
  // a draft: numbered next, changeable, not used yet
  const v2 = await ism.ok('POST', '/api/v1/risk_methods', { ...METHOD4, appetite: 5 }, 201);
  assert.equal(v2.number, 2);
  assert.equal(v2.status, 'draft');
  const v2b = await ism.ok('PATCH', `/api/v1/risk_methods/${v2.id}`, { appetite: 6, notes: 'Agreed with the Board' });
  assert.equal(v2b.appetite, 6);
  assert.equal((await mk({ title: 'Still on version 1' })).method_id, v1.id);
  // what people type into a method is text on its pages, never markup
  const xss = await ism.ok('POST', '/api/v1/risk_methods', { ...METHOD4, name: '<script>alert(1)</script>',
    likelihood_scale: '<img src=x onerror=alert(2)> | "quoted" & <b>bold</b>\nB\nC\nD' }, 201);
  const xdoc = await ism.get(`/risk_methods/${xss.id}/document`);
  assert.equal(xdoc.status, 200);
  for (const raw of ['<script>alert(1)', '<img src=x', '<b>bold']) assert.ok(!xdoc.text.includes(raw), raw);
  assert.ok(textOf(xdoc.text).includes('<img src=x onerror=alert(2)>'));
  assert.equal((await ism.del(`/api/v1/risk_methods/${xss.id}`)).status, 204);
  // the active version does not change
  const frozen = await ism.patch(`/api/v1/risk_methods/${v1.id}`, { appetite: 9 });
  assertProblem(frozen, 422, 'status');
  assert.match(frozen.text, /is not draft/);
  // activation: the ISM's step only, from a draft only
  assertProblem(await ops.post(`/api/v1/risk_methods/${v2.id}/activate`), 403);
  assertProblem(await board.post(`/api/v1/risk_methods/${v2.id}/activate`), 403);
  assertProblem(await ism.post(`/api/v1/risk_methods/${v1.id}/activate`), 409, 'status');
  assertProblem(await ism.post(`/api/v1/risk_methods/${v2.id}/activate`, undefined, { headers: { 'If-Match': '"1"' } }), 412);
  assertProblem(await ism.post(`/api/v1/risk_methods/${v2.id}/activate`, { appetite: 3 }), 422, 'appetite');
  const act = await ism.ok('POST', `/api/v1/risk_methods/${v2.id}/activate`);
  assert.equal(act.status, 'active');
  assert.equal(act.activated_by, ISM);
  methods = await ism.all('risk_methods');
  assert.deepEqual(methods.map((m) => [m.number, m.status]).sort(), [[1, 'superseded'], [2, 'active']]);
  assertProblem(await ism.post(`/api/v1/risk_methods/${v2.id}/activate`), 409, 'status');
  assertProblem(await ism.patch(`/api/v1/risk_methods/${v1.id}`, { name: 'Rename the old one' }), 422, 'status');
  assertProblem(await ism.patch(`/api/v1/risk_methods/${v2.id}`, { appetite: 7 }), 422, 'status');
  const h1b = await ism.ok('GET', `/api/v1/risk_methods/${v1.id}/history`);
  assert.deepEqual(h1b.items.at(-1).changes, { status: ['active', 'superseded'] });
  assert.equal(h1b.items.at(-1).actor, ISM);
  // old risks keep version 1 until reassessed; then version 2's scales apply
  const kept = await ism.ok('PATCH', `/api/v1/risks/${first.id}`, { title: 'First, renamed', review_on: day(100) });
  assert.equal(kept.method_id, v1.id);
  assert.equal(kept.inherent_score, 25);
  assert.equal(kept.inherent_level, 'critical');
  const re = await ism.patch(`/api/v1/risks/${first.id}`, { treatment: 'share' });
  assertProblem(re, 422, 'inherent_likelihood');
  assert.match(re.text, /must be 1 to 4 on risk method version 2/);
  const moved = await ism.ok('PATCH', `/api/v1/risks/${first.id}`, { treatment: 'share', inherent_likelihood: 4, inherent_impact: 3 });
  assert.equal(moved.method_id, v2.id);
  assert.equal(moved.inherent_score, 12);
  assert.equal(moved.inherent_level, 'critical');
  assert.equal(moved.residual_score, 4);
  assert.equal(moved.residual_level, 'medium');
  // a new risk uses version 2 and its appetite (6): 2 x 3 is at it, 3 x 3 above
  const fresh = await mk({ inherent_likelihood: 4, inherent_impact: 4, residual_likelihood: 3, residual_impact: 3 });
  assert.equal(fresh.method_id, v2.id);
  assert.equal(fresh.inherent_level, 'critical');
  assertProblem(await ism.post('/api/v1/risks', { title: 'Too big', owner_id: owner.person, department_id: owner.dept,
    inherent_likelihood: 5, inherent_impact: 1 }), 422, 'inherent_likelihood');
  // the heat map follows the active version's scales
  const hm = await ism.get('/risks/heatmap');
  assert.equal(hm.status, 200);
  assert.match(textOf(hm.text), /risk method version 2/);
  // 4 x 4, widened to 5 x 5 while a live risk is still rated 5 on version 1
  assert.equal([...hm.text.split('<figure class="heatmap">')[1].matchAll(/<title>/g)].length, 25);
  assert.match(hm.text, /5 \(older scale\)<\/text>/);
  const v = cli(['audit', 'verify', '--db', M.s.db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  t.diagnostic(v.stdout.trim().split('\n')[0]);
});

// Was a bug (fixed in 0e44905): risks rated on a larger, older scale were in no cell.
test('the heat map shows every live risk, also those assessed on a larger scale',
  async () => {
    const { ism } = M;
    const live = await ism.all('risks', `&status=${LIVE}`);
    assert.ok(live.some((x) => x.inherent_likelihood > 4 || x.inherent_impact > 4), 'a live risk rated 5 on version 1');
    const figs = (await ism.get('/risks/heatmap')).text.split('<figure class="heatmap">').slice(1);
    for (const [fig, lf, imf] of [[figs[0], 'inherent_likelihood', 'inherent_impact'],
      [figs[1], 'residual_likelihood', 'residual_impact']]) {
      const cells = [...fig.matchAll(/<a href="([^"]*)"><title>(\d+) risks?: likelihood (\d+), impact (\d+), score (\d+)<\/title>/g)];
      let sum = 0;
      for (const [, href, n, l, i] of cells) {
        assert.equal(Number(n), live.filter((x) => x[lf] === Number(l) && x[imf] === Number(i)).length, `${lf} ${l}, ${imf} ${i}`);
        if (Number(n)) assert.equal((await ism.ok('GET', `/api/v1${unescapeHtml(href)}&limit=1`)).total, Number(n));
        sum += Number(n);
      }
      assert.equal(sum, live.filter((x) => x[lf] !== null).length, `every live risk on the ${lf} map`);
    }
  });

// Was a bug (fixed in 0e44905): the active version could be deleted, leaving no method.
test('a method in use cannot be deleted',
  async () => {
    const { ism, owner } = M;
    const v3 = await ism.ok('POST', '/api/v1/risk_methods', { ...METHOD4, name: 'Version 3' }, 201);
    await ism.ok('POST', `/api/v1/risk_methods/${v3.id}/activate`);
    const del = await ism.del(`/api/v1/risk_methods/${v3.id}`);
    assertProblem(del, 409, 'status');
    const methods = await ism.all('risk_methods');
    for (const m of methods.filter((x) => x.status === 'superseded')) assertProblem(await ism.del(`/api/v1/risk_methods/${m.id}`), 409);
    assert.equal(methods.filter((x) => x.status === 'active').length, 1);
    // a draft may go
    const d = await ism.ok('POST', '/api/v1/risk_methods', { ...METHOD4, name: 'Abandoned draft' }, 201);
    assert.equal((await ism.del(`/api/v1/risk_methods/${d.id}`)).status, 204);
    await ism.ok('POST', '/api/v1/risks', { title: 'After', owner_id: owner.person, department_id: owner.dept,
      inherent_likelihood: 1, inherent_impact: 1 }, 201);
  });

test('the method tests\' server stops cleanly', async () => {
  await M.s.stop();
  M.s.cleanup();
});

// ---- races: several requests at once ----

test('a new owner has accepted nothing: changing the owner of an awaiting or accepted risk reopens it', async () => {
  const r = await newRisk(S.staff);
  await stepOk(S.ism, r.id, 'submit');
  // the ISM may edit the risk; making himself its owner must not let him accept it in its place
  const moved = await S.ism.ok('PATCH', `/api/v1/risks/${r.id}`, { owner_id: S.ism.person }, 200);
  assert.equal(moved.status, 'open');
  assertProblem(await step(S.ism, r.id, 'accept', {}), 409);
  // the same for an accepted risk: the acceptance is cleared, the history keeps it
  const k = await newRisk(S.staff);
  await stepOk(S.ism, k.id, 'submit');
  await stepOk(S.staff, k.id, 'accept', { acceptance_note: 'ok' });
  const again = await S.ism.ok('PATCH', `/api/v1/risks/${k.id}`, { owner_id: S.ism.person }, 200);
  assert.equal(again.status, 'open');
  assert.equal(again.accepted_by, null);
  const hist = await S.ism.ok('GET', `/api/v1/risks/${k.id}/history`);
  assert.ok(hist.items.some((e) => e.action === 'accept'));
});

let R; // the fresh server of the race tests (and, last, of the band bounds)

test('risks created at once on a fresh installation share one default method',
  async () => {
    R = await freshServer();
    // a fresh start each round: without any method, the first risk makes the default one
    for (let round = 0; round < 4; round++) {
      const body = (i) => ({ title: `Risk ${round}.${i}`, owner_id: R.owner.person, department_id: R.owner.dept,
        inherent_likelihood: 2, inherent_impact: 3 });
      const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => R.ism.post('/api/v1/risks', body(i))));
      assert.deepEqual(rs.map((r) => r.status), Array(8).fill(201), `round ${round}: ${rs.find((r) => r.status !== 201)?.text}`);
      const methods = await R.ism.all('risk_methods');
      assert.equal(methods.length, 1);
      assert.ok(rs.every((r) => r.json.method_id === methods[0].id));
      R.s.sql('DELETE FROM risks; DELETE FROM risk_methods'); // behind Custos's back: a new start
    }
  });

test('activations at once leave exactly one active method',
  async () => {
    await R.ism.ok('POST', '/api/v1/risks', { title: 'Seed', owner_id: R.owner.person, department_id: R.owner.dept,
      inherent_likelihood: 1, inherent_impact: 1 }, 201);
    for (let round = 0; round < 4; round++) {
      const drafts = [];
      for (let i = 0; i < 3; i++) drafts.push(await R.ism.ok('POST', '/api/v1/risk_methods', { ...METHOD4, name: `R${round}.${i}` }, 201));
      const rs = await Promise.all(drafts.map((d) => R.ism.post(`/api/v1/risk_methods/${d.id}/activate`)));
      for (const r of rs) assert.ok([200, 409].includes(r.status), r.text);
      const active = await R.ism.all('risk_methods', '&status=active');
      assert.equal(active.length, 1, `round ${round}: versions ${active.map((m) => m.number)} active`);
    }
  });

// ---- expiry ----

let E; // the fresh server of the expiry tests: the scheduler looks for due jobs every second

test('expiry: the daily job moves an accepted risk past its date to review, as the system', async () => {
  E = await freshServer(['--jobs-poll', '1']);
  {
    const { s, ism, owner } = E;
    s.addUser('owner@test.example', 'staff', 'Olive Owner');
    const olive = await signIn(s, 'owner@test.example', PASSWORD);
    assert.equal(olive.person, owner.person);
    E.olive = olive;
    const mk = (title) => ism.ok('POST', '/api/v1/risks', { title, owner_id: owner.person, department_id: owner.dept,
      inherent_likelihood: 3, inherent_impact: 3, treatment: 'retain', residual_likelihood: 2, residual_impact: 2 }, 201);
    const due = await mk('Due');
    const later = await mk('Later');
    const open = await mk('Open');
    for (const r of [due, later]) {
      await stepOk(ism, r.id, 'submit');
      const a = await stepOk(olive, r.id, 'accept');
      assert.equal(a.status, 'accepted');
    }
    // only the database's clock can pass a year: move the date back, and make the job due
    s.sql(`UPDATE risks SET accepted_until = '2020-01-01' WHERE id = ${due.id}`);
    s.sql("UPDATE jobs SET next_run = '2000-01-01T00:00:00Z' WHERE name = 'risk_acceptance_expiry'");
    let cur;
    for (let i = 0; i < 50; i++) {
      cur = await ism.ok('GET', `/api/v1/risks/${due.id}`);
      if (cur.status !== 'accepted') break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(cur.status, 'review');
    const h = await ism.ok('GET', `/api/v1/risks/${due.id}/history`);
    const last = h.items.at(-1);
    assert.equal(last.action, 'expire');
    assert.equal(last.actor, 'custos');
    assert.deepEqual(last.changes, { status: ['accepted', 'review'] });
    assert.equal((await ism.ok('GET', `/api/v1/risks/${later.id}`)).status, 'accepted');
    assert.equal((await ism.ok('GET', `/api/v1/risks/${open.id}`)).status, 'open');
    // the chain holds; the date changed behind Custos's back is the one record that differs
    const v = cli(['audit', 'verify', '--db', s.db]);
    assert.equal(v.status, 1, v.stdout + v.stderr);
    assert.match(v.stdout, /FAILED: 1 record\(s\) do not match the audit trail/);
    // it is accepted again through the same steps (with a new date: see the next test)
    await stepOk(ism, due.id, 'submit');
    assert.equal((await stepOk(olive, due.id, 'accept', { accepted_until: day(30) })).status, 'accepted');
  }
});

// Was a bug (fixed in 0e44905): the expired date was read back (422 "must be in the future").
test('after an acceptance expired, the owner accepts again without giving a date',
  async () => {
    try {
      const { s, ism, owner, olive } = E;
      const r = await ism.ok('POST', '/api/v1/risks', { title: 'Again', owner_id: owner.person, department_id: owner.dept,
        inherent_likelihood: 3, inherent_impact: 3, treatment: 'retain', residual_likelihood: 2, residual_impact: 2 }, 201);
      // withdrawn for review while the date still lies ahead: a new acceptance lasts a new year
      await stepOk(ism, r.id, 'submit');
      await stepOk(olive, r.id, 'accept', { accepted_until: day(20) });
      await stepOk(ism, r.id, 'review');
      await stepOk(ism, r.id, 'submit');
      const again = await step(olive, r.id, 'accept');
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.accepted_until, day(365));
      // expired: accepting again works without a date
      s.sql(`UPDATE risks SET accepted_until = '2020-01-01' WHERE id = ${r.id}`);
      s.sql("UPDATE jobs SET next_run = '2000-01-01T00:00:00Z' WHERE name = 'risk_acceptance_expiry'");
      for (let i = 0; i < 50 && (await ism.ok('GET', `/api/v1/risks/${r.id}`)).status === 'accepted'; i++)
        await new Promise((res) => setTimeout(res, 200));
      await stepOk(ism, r.id, 'submit');
      const x = await step(olive, r.id, 'accept');
      assert.equal(x.status, 200, x.text);
    } finally {
      await E.s.stop();
      E.s.cleanup();
    }
  });

// ---- band bounds beyond an int ----

// Was a bug (fixed in 0e44905): bounds were cast to int; 9223372036854775807 overflowed.
test('band bounds far beyond the scores are refused, not truncated',
  async () => {
    const f = R;
    const problems = [];
    try {
      for (const hi of ['4294967300', '9223372036854775807']) {
        try {
          const x = await f.ism.post('/api/v1/risk_methods', { ...METHOD4, bands: `low | 1 | 3 | #2e7d32\nhigh | 4 | ${hi} | #c62828` });
          if (x.status !== 422 || !x.json.errors.some((e) => e.field === 'bands')) problems.push(`${hi}: ${x.status} ${x.text}`);
        } catch (err) {
          problems.push(`${hi}: ${err.message}`);
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      await f.s.stop().catch(() => {});
      f.s.cleanup();
    }
  });
