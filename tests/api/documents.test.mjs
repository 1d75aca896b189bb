// documents.test.mjs - policies and documents from the outside, trying to break them: the
// version workflow role by role (sign-off order ISM then Board, wrong roles 403 or 404, a second
// sign-off by the same role refused, returns need a note), the sign-off hash against python3's
// hashlib BLAKE2b-256 of the exact text, a text that never changes after draft, only drafts
// deleted, a new version that copies the latest text; publication (supersedes the previous
// version and its unread acknowledgements, asks exactly the audience, moves the dates);
// acknowledgements (only oneself, once; counts on the coverage page against the API); what
// staff may not read (documents, versions, others' acknowledgements, not even through search
// or counts); the public trust page (only public published documents, nothing else by id);
// Markdown and markup that must not run on every page that shows a text; change requests;
// reviews; retirement; races; history for every step and sign-off; `custos audit verify`.
// The demo organisation (`serve --demo`) is the server; each test makes documents of its own
// unless it reads the demo's. Open bugs are kept as todo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Server, cli, PG, assertProblem } from './harness.mjs';

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
const today = () => new Date().toISOString().slice(0, 10);

// date + n months, the day kept or, past the month's end, its last day (as the server does)
function addMonths(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  const yy = Math.floor(t / 12), mm = (t % 12) + 1;
  const last = new Date(Date.UTC(yy, mm, 0)).getUTCDate();
  return `${yy}-${String(mm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

// BLAKE2b-256 of the text's UTF-8 bytes, computed by python3's hashlib, not by us
function blake2b(text) {
  const r = spawnSync('python3', ['-c',
    'import hashlib,sys;body=sys.stdin.buffer.read().decode("utf-8");print(hashlib.blake2b(body.encode(),digest_size=32).hexdigest())'],
  { input: Buffer.from(text, 'utf8') });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout.toString().trim();
}

// ---- sessions ----

class Session {
  constructor(srv, email, cookie, csrf, user) {
    Object.assign(this, { srv, email, cookie, csrf, user });
    this.person = user.person_id;
    this.dept = user.department_id;
  }

  async req(method, path, { body, headers = {}, raw, csrf = true, cookie = true } = {}) {
    const h = { ...headers };
    if (cookie) h.Cookie = this.cookie;
    if (csrf && !['GET', 'HEAD'].includes(method)) h['X-CSRF-Token'] ??= this.csrf;
    const r = await this.srv.req(method, path, { body, headers: h, raw });
    assert.ok(r.status < 500, `${method} ${path} as ${this.email}: ${r.status} ${r.text.slice(0, 300)}`);
    return r;
  }

  get(path, opts) { return this.req('GET', path, opts); }
  post(path, body, opts = {}) { return this.req('POST', path, { ...opts, body }); }
  patch(path, body, opts = {}) { return this.req('PATCH', path, { ...opts, body }); }
  del(path, opts) { return this.req('DELETE', path, opts); }

  // A browser's form post (the CSRF token added unless csrf: false).
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
    assert.ok(j.total <= 500, `${plural}: ${j.total} records`);
    assert.equal(j.items.length, j.total, `${plural}: the total counts what is listed`);
    return j.items;
  }
}

async function signIn(srv, email) {
  const r = await srv.req('POST', '/api/v1/session', { body: { email, password: PW } });
  assert.equal(r.status, 200, `sign-in of ${email}: ${r.text}`);
  return new Session(srv, email, r.headers.get('set-cookie').split(';')[0], r.json.csrf, r.json.user);
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
  assert.ok(m, 'no <main> in the page');
  return m[1];
};
const countOf = (html) => {
  const m = html.match(/<p class="count[^"]*">(\d+) /);
  return m ? Number(m[1]) : undefined;
};

// The coverage page: {acknowledged, asked, pct, pending: [{ack, name}]}
function coverageOf(html) {
  const m = html.match(/<p class="coverage"><strong>(\d+) of (\d+)<\/strong>[\s\S]*?<strong>(\d+)%<\/strong>/);
  assert.ok(m, `no coverage line in ${mainOf(html).slice(0, 400)}`);
  const table = (mainOf(html).split('<h2>Not read yet</h2>')[1] || '');
  const pending = [...table.matchAll(/<tr><td><a href="\/acknowledgements\/(\d+)">([^<]*)<\/a><\/td>/g)]
    .map((x) => ({ ack: Number(x[1]), name: unescapeHtml(x[2]) }));
  return { acknowledged: Number(m[1]), asked: Number(m[2]), pct: Number(m[3]), pending };
}

// The links of the home page's "Documents I must read", [] when the section is not there.
function mustRead(html) {
  const sec = (html.match(/<h2 id="read-h">Documents I must read<\/h2>([\s\S]*?)<\/section>/) || [, ''])[1];
  return [...sec.matchAll(/<li><a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => ({ href: m[1], text: unescapeHtml(m[2]) }));
}

// The step forms of a record page: step name -> its hidden fields.
function stepForms(html, plural, id) {
  const out = {};
  const re = new RegExp(`<form class="record[^"]*step" method="post" action="/${plural}/${id}/step/([a-z_]+)">([\\s\\S]*?)</form>`, 'g');
  for (const m of html.matchAll(re)) {
    const fields = {};
    for (const c of m[2].matchAll(/<input\b([^>]*)>/g)) {
      const name = (c[1].match(/name="([^"]*)"/) || [])[1];
      if (name) fields[name] = unescapeHtml((c[1].match(/value="([^"]*)"/) || [, ''])[1]);
    }
    out[m[1]] = fields;
  }
  return out;
}

// Markup from a stored text must not be able to run: in the part of the page that shows the
// version (its <article>, or <main> for a record or comparison page) only known harmless elements, no event
// handler or style attributes, links and form targets only to http(s), mailto or relative
// addresses; in the whole page no script but the application's own.
const SAFE_TAGS = new Set(['article', 'section', 'div', 'span', 'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'ol', 'li', 'a', 'em', 'strong', 'code', 'pre',
  'blockquote', 'del', 's', 'b', 'i', 'sup', 'sub']);
const SAFE_ATTRS = new Set(['class', 'href', 'rel', 'scope', 'start', 'align', 'title', 'id', 'lang']);
// what the generic record page adds around it: its step forms and the record's fields
const PAGE_TAGS = new Set(['main', 'dl', 'dt', 'dd', 'form', 'input', 'button', 'label', 'ins', 'nav', 'small', 'time',
  'select', 'option', 'mark', 'col', 'colgroup', 'caption', 'details', 'summary']);
const PAGE_ATTRS = new Set(['action', 'method', 'name', 'type', 'value', 'role', 'for', 'aria-labelledby',
  'aria-label', 'aria-describedby', 'aria-current', 'datetime', 'selected', 'colspan', 'rowspan']);
function assertHarmless(html, where, { region = 'article' } = {}) {
  for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script\s*>|<script\b[^>]*>/gi)) {
    assert.match(m[0], /^<script src="\/static\/[a-z0-9._-]+\?v=[0-9a-f]+" defer><\/script>$/,
      `${where}: a script that is not the application's own: ${m[0].slice(0, 200)}`);
  }
  const m = region === 'article' ? html.match(/<article class="document">([\s\S]*?)<\/article>/)
    : html.match(/<main id="main">([\s\S]*?)<\/main>/);
  assert.ok(m, `${where}: no ${region}`);
  const tags = region === 'article' ? SAFE_TAGS : new Set([...SAFE_TAGS, ...PAGE_TAGS]);
  const attrs = region === 'article' ? SAFE_ATTRS : new Set([...SAFE_ATTRS, ...PAGE_ATTRS]);
  let n = 0;
  for (const t of m[0].matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    n++;
    const tag = t[1].toLowerCase();
    assert.ok(tags.has(tag), `${where}: <${tag}> got through: ${t[0].slice(0, 200)}`);
    for (const a of t[2].matchAll(/([^\s=/"']+)(?:\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
      const name = a[1].toLowerCase();
      assert.ok(attrs.has(name), `${where}: attribute ${name} on <${tag}>: ${t[0].slice(0, 200)}`);
      if (name === 'href' || name === 'action') {
        // what the browser would follow: entities decoded, controls and spaces gone
        const url = unescapeHtml(a[3] ?? a[4] ?? a[5] ?? '').replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
        assert.ok(/^(https?:|mailto:)/.test(url) || !/^[a-z][a-z0-9+.-]*:/.test(url),
          `${where}: a link to ${url}`);
      }
    }
  }
  assert.ok(n > 5, `${where}: the region has markup`);
}

// A change to a text past draft is refused: as a record that no longer changes (409 naming
// status) or as a text fixed from review on (422 naming body).
function assertFixed(r) {
  if (r.status === 409) assertProblem(r, 409, 'status');
  else assertProblem(r, 422, 'body');
}

// ---- the demo server ----

let srv;
const S = {}; // role -> Session
let people = []; // every person, as the ISM reads them
let seq = 0;
const code = (p = 'T') => `${p}-${process.pid % 1000}-${++seq}`;

before(async () => {
  srv = new Server();
  await srv.start(['--demo']);
  for (const [role, email] of Object.entries(WHO)) S[role] = await signIn(srv, email);
  people = await S.ism.all('people');
});

after(async () => {
  try { await srv?.stop(); } finally { srv?.cleanup(); }
});

// A document of the ISM's (or the given owner's), with extra fields on top.
async function newDoc(extra = {}) {
  return S.ism.ok('POST', '/api/v1/documents', {
    code: code(extra.kind === 'policy' ? 'POL' : 'DOC'), title: 'A document under test', kind: 'procedure',
    owner_id: S.ism.person, audience: 'none', ...extra,
  }, 201);
}

async function newVersion(doc, body, extra = {}, s = S.ism) {
  const b = { document_id: doc.id, ...extra };
  if (body !== undefined) b.body = body;
  return s.ok('POST', '/api/v1/document_versions', b, 201);
}

const step = (s, plural, id, name, body, headers) =>
  s.req('POST', `/api/v1/${plural}/${id}/${name}`, { body, headers });
const vstep = (s, id, name, body) => step(s, 'document_versions', id, name, body);

async function stepOk(s, plural, id, name, body) {
  const r = await step(s, plural, id, name, body);
  assert.equal(r.status, 200, `${name} of ${plural} ${id} as ${s.email}: ${r.text}`);
  return r.json;
}

// Takes a version from draft to published: the ISM signs, the Board too when the document needs it.
async function publish(doc, ver) {
  await stepOk(S.ism, 'document_versions', ver.id, 'submit');
  let v = await stepOk(S.ism, 'document_versions', ver.id, 'approve');
  if (v.status === 'in_review') v = await stepOk(S.board, 'document_versions', ver.id, 'approve');
  assert.equal(v.status, 'approved');
  return stepOk(S.ism, 'document_versions', ver.id, 'publish');
}

async function publishedDoc(extra = {}, body = 'The text.\n') {
  const doc = await newDoc(extra);
  const ver = await publish(doc, await newVersion(doc, body));
  return { doc: await S.ism.ok('GET', `/api/v1/documents/${doc.id}`), ver };
}

const docOf = (id) => S.ism.ok('GET', `/api/v1/documents/${id}`);
const verOf = (id) => S.ism.ok('GET', `/api/v1/document_versions/${id}`);
const acksOf = (ver, query = '') => S.ism.all('acknowledgements', `&version_id=${ver.id}${query}`);
const history = async (plural, id) => (await S.ism.ok('GET', `/api/v1/${plural}/${id}/history`)).items;

// Who is in an audience today (people who have left are not asked).
function audience(kinds, dept) {
  return people.filter((p) => (!p.end_date || p.end_date >= today()) &&
    (dept ? p.department_id === dept : true) && (kinds ? kinds.includes(p.employment_type) : true))
    .map((p) => p.id).sort((a, b) => a - b);
}
const EVERYONE = ['employee', 'contractor', 'agent'];

// ---- the demo's documents ----

test('the demo ships its policy set in every state, the policy approved by the ISM and the Board', async () => {
  const docs = await S.ism.all('documents');
  const by = Object.fromEntries(docs.map((d) => [d.code, d]));
  for (const [c, cls, st] of [['POL-001', 'public', 'published'], ['PRO-ACC', 'internal', 'published'],
    ['PRO-INC', 'public', 'published'], ['GUI-AUP', 'internal', 'draft'], ['STD-CRY', 'confidential', 'draft']]) {
    assert.ok(by[c], `the demo has ${c}`);
    assert.equal(by[c].classification, cls, c);
    assert.equal(by[c].status, st, c);
  }
  const pol = by['POL-001'];
  assert.equal(pol.kind, 'policy');
  assert.equal(pol.approval, 'board');
  assert.equal(pol.current_number, 1);
  const v = await verOf(pol.current_version_id);
  assert.equal(v.status, 'published');
  assert.equal(v.name, 'POL-001 v1');
  assert.equal(v.body_hash, blake2b(v.body));
  const so = await S.auditor.all('document_signoffs', `&version_id=${v.id}`);
  assert.deepEqual(so.map((x) => [x.role, x.signed_by, x.number, x.body_hash]).sort(),
    [['board', WHO.board, 1, v.body_hash], ['isms_manager', WHO.ism, 1, v.body_hash]]);
  const cry = (await S.ism.all('document_versions', `&document_id=${by['STD-CRY'].id}`));
  assert.deepEqual(cry.map((x) => x.status), ['in_review']);
  const aup = (await S.ism.all('document_versions', `&document_id=${by['GUI-AUP'].id}`));
  assert.deepEqual(aup.map((x) => x.status), ['draft']);
  // about 70% of those asked have read the policy
  const acks = await acksOf(v);
  const read = acks.filter((a) => a.status === 'acknowledged').length;
  assert.deepEqual(acks.map((a) => a.person_id).sort((a, b) => a - b), audience(EVERYONE));
  assert.ok(read / acks.length > 0.6 && read / acks.length < 0.75, `${read} of ${acks.length}`);
});

// ---- the workflow ----

test('a policy is signed off by the ISM, then the Board; wrong roles and a second sign-off are refused', async () => {
  const doc = await newDoc({ kind: 'policy', audience: 'none' });
  assert.equal(doc.approval, 'board', 'a policy is approved by the Board unless said otherwise');
  // an exact text: non-ASCII, CRLF, trailing blanks and tabs are all part of what is signed
  const body = '## Scope\r\n\r\nÜber alles — “quoted” 😀  \n\n\tindented\n- item\n';
  const v = await newVersion(doc, body, { change_summary: 'First issue' });
  assert.equal(v.body, body);
  assert.equal(v.status, 'draft');
  assert.equal(v.number, 1);
  assert.equal(v.name, `${doc.code} v1`);
  assert.equal(v.owner_id, S.ism.person);

  // nothing is signed off before it is sent for approval
  assertProblem(await vstep(S.ism, v.id, 'approve'), 409, 'status');
  assertProblem(await vstep(S.ism, v.id, 'publish'), 409, 'status');
  // submit: the ISM and owners; nobody who may not read it learns it exists
  assertProblem(await vstep(S.auditor, v.id, 'submit'), 403);
  assertProblem(await vstep(S.board, v.id, 'submit'), 403);
  assertProblem(await vstep(S.hr, v.id, 'submit'), 403);
  assertProblem(await vstep(S.staff, v.id, 'submit'), 404);
  const sub = await stepOk(S.ism, 'document_versions', v.id, 'submit');
  assert.equal(sub.status, 'in_review');

  // the Board before the ISM, and everyone who signs nothing: refused, nothing recorded
  const board1 = await vstep(S.board, v.id, 'approve');
  assertProblem(board1, 403, 'status');
  assert.match(board1.json.detail, /Information Security Manager, then the Board/);
  for (const role of ['auditor', 'ops', 'hr', 'head']) assertProblem(await vstep(S[role], v.id, 'approve'), 403);
  for (const role of ['staff', 'support', 'admin']) assert.ok([403, 404].includes((await vstep(S[role], v.id, 'approve')).status), role);
  assertProblem(await vstep(S.staff, v.id, 'approve'), 404);
  assert.deepEqual(await S.ism.all('document_signoffs', `&version_id=${v.id}`), []);

  // the ISM signs: still in review, the Board to sign
  const ism = await stepOk(S.ism, 'document_versions', v.id, 'approve');
  assert.equal(ism.status, 'in_review');
  assert.match(ism.signoffs, /Information Security Manager signed; the Board to sign/);
  assert.equal(ism.body_hash, null);
  assert.equal(ism.approved_at, null);
  // the ISM twice: refused
  assertProblem(await vstep(S.ism, v.id, 'approve'), 403, 'status');
  // the text is fixed while in review
  assertFixed(await S.ism.patch(`/api/v1/document_versions/${v.id}`, { body: 'changed' }));
  // the ISM cannot publish what the Board has not signed
  assertProblem(await vstep(S.ism, v.id, 'publish'), 409, 'status');

  // the Board signs: approved, with the hash of the exact text
  const app = await stepOk(S.board, 'document_versions', v.id, 'approve');
  assert.equal(app.status, 'approved');
  assert.equal(app.signoffs, 'Information Security Manager and Board signed');
  const hash = blake2b(body);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(app.body_hash, hash, 'body_hash is BLAKE2b-256 of the exact text (python3 hashlib)');
  assert.match(app.approved_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assertProblem(await vstep(S.board, v.id, 'approve'), 409, 'status');
  assertProblem(await vstep(S.ism, v.id, 'approve'), 409, 'status');

  const so = await S.board.all('document_signoffs', `&version_id=${v.id}`);
  so.sort((a, b) => a.id - b.id);
  assert.deepEqual(so.map((x) => [x.role, x.signed_by, x.number, x.body_hash]),
    [['isms_manager', WHO.ism, 1, hash], ['board', WHO.board, 1, hash]]);
  for (const x of so) assert.match(x.signed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(so[0].signed_at <= so[1].signed_at);
  // sign-offs are written by the step alone: nobody creates, changes or deletes one
  assertProblem(await S.ism.post('/api/v1/document_signoffs', { version_id: v.id, role: 'board',
    signed_by: 'x@example.com', signed_at: '2026-01-01T00:00:00Z', number: 1, body_hash: hash }), 403);
  assertProblem(await S.ism.patch(`/api/v1/document_signoffs/${so[0].id}`, { signed_by: WHO.board }), 403);
  assertProblem(await S.ism.del(`/api/v1/document_signoffs/${so[0].id}`), 403);
  for (const role of ['staff', 'support']) assertProblem(await S[role].get('/api/v1/document_signoffs'), 403);

  // publishing: the ISM only
  for (const role of ['board', 'ops', 'auditor']) assertProblem(await vstep(S[role], v.id, 'publish'), 403);
  const pub = await stepOk(S.ism, 'document_versions', v.id, 'publish');
  assert.equal(pub.status, 'published');
  assert.equal(pub.published_by, WHO.ism);
  assert.equal(pub.body_hash, hash);
  const d = await docOf(doc.id);
  assert.equal(d.status, 'published');
  assert.equal(d.current_version_id, v.id);
  assert.equal(d.current_number, 1);
  assert.equal(d.approved_on, app.approved_at.slice(0, 10));
  assert.equal(d.published_on, today());
  assert.equal(d.next_review_on, addMonths(today(), 12));
  assertProblem(await vstep(S.ism, v.id, 'publish'), 409, 'status');

  // the reading page shows both sign-offs with the hash
  const page = await S.auditor.get(`/documents/${doc.id}/read`);
  assert.equal(page.status, 200);
  const main = textOf(mainOf(page.text));
  assert.equal((main.match(new RegExp(`BLAKE2b-256 of the text: ${hash}`, 'g')) || []).length, 2);
  assert.match(main, new RegExp(`Information Security Manager: ${WHO.ism.replace(/\./g, '\\.')}`));
  assert.match(main, new RegExp(`Board: ${WHO.board.replace(/\./g, '\\.')}`));
  assert.match(main, /Über alles — “quoted” 😀/);
});

test('approval by the ISM alone: one sign-off approves; the Board has none to give', async () => {
  const proc = await newDoc({ kind: 'procedure' });
  assert.equal(proc.approval, 'isms_manager', 'anything but a policy is approved by the ISM');
  const pol = await newDoc({ kind: 'policy', approval: 'isms_manager' });
  assert.equal(pol.approval, 'isms_manager', 'the record may say otherwise for a policy');
  assertProblem(await S.ism.post('/api/v1/documents', { code: code(), title: 'x', owner_id: S.ism.person, approval: 'ceo' }), 422, 'approval');
  for (const doc of [proc, pol]) {
    const v = await newVersion(doc, `Text of ${doc.code}\n`);
    await stepOk(S.ism, 'document_versions', v.id, 'submit');
    const b = await vstep(S.board, v.id, 'approve');
    assertProblem(b, 403, 'status');
    assert.match(b.json.detail, /needs sign-off by the Information Security Manager;/);
    const a = await stepOk(S.ism, 'document_versions', v.id, 'approve');
    assert.equal(a.status, 'approved');
    assert.equal(a.signoffs, 'Information Security Manager signed');
    assert.equal(a.body_hash, blake2b(`Text of ${doc.code}\n`));
    const so = await S.ism.all('document_signoffs', `&version_id=${v.id}`);
    assert.deepEqual(so.map((x) => [x.role, x.signed_by, x.body_hash]), [['isms_manager', WHO.ism, a.body_hash]]);
  }
});

test('sending a version back needs a note; the draft changes and goes for approval again', async () => {
  const doc = await newDoc({ kind: 'policy' });
  const v = await newVersion(doc, 'First text\n');
  await stepOk(S.ism, 'document_versions', v.id, 'submit');
  assertProblem(await vstep(S.board, v.id, 'return'), 422, 'decision_note');
  assertProblem(await vstep(S.board, v.id, 'return', { decision_note: '' }), 422, 'decision_note');
  for (const role of ['auditor', 'ops', 'hr']) assertProblem(await vstep(S[role], v.id, 'return', { decision_note: 'no' }), 403);
  assertProblem(await vstep(S.staff, v.id, 'return', { decision_note: 'no' }), 404);
  assertProblem(await vstep(S.ism, v.id, 'return', { decision_note: 'no', body: 'sneaked in' }), 422, 'body');
  const back = await stepOk(S.board, 'document_versions', v.id, 'return', { decision_note: 'Say who reviews it' });
  assert.equal(back.status, 'draft');
  assert.equal(back.decision_note, 'Say who reviews it');
  assertProblem(await vstep(S.board, v.id, 'return', { decision_note: 'again' }), 409, 'status');
  const edited = await S.ism.ok('PATCH', `/api/v1/document_versions/${v.id}`, { body: 'Second text\n' });
  assert.equal(edited.body, 'Second text\n');
  await stepOk(S.ism, 'document_versions', v.id, 'submit');
  await stepOk(S.ism, 'document_versions', v.id, 'approve');
  const a = await stepOk(S.board, 'document_versions', v.id, 'approve');
  assert.equal(a.status, 'approved');
  assert.equal(a.body_hash, blake2b('Second text\n'));
  // the history keeps the sign-off given for the first text too, with its own hash
  const so = await S.ism.all('document_signoffs', `&version_id=${v.id}`);
  assert.deepEqual(so.map((x) => x.body_hash).sort(), [blake2b('Second text\n'), blake2b('Second text\n')].sort());
  // an empty draft is not sent
  const doc2 = await newDoc();
  const empty = await newVersion(doc2);
  assert.equal(empty.body, null);
  assertProblem(await vstep(S.ism, empty.id, 'submit'), 422, 'body');
});

test('sign-offs given before a version is sent back are withdrawn (the return step says so)',
  async () => {
    const doc = await newDoc({ kind: 'policy' });
    const v = await newVersion(doc, 'Unchanged text\n');
    await stepOk(S.ism, 'document_versions', v.id, 'submit');
    await stepOk(S.ism, 'document_versions', v.id, 'approve');
    await stepOk(S.board, 'document_versions', v.id, 'return', { decision_note: 'The ISM should look at 3.2 again' });
    await stepOk(S.ism, 'document_versions', v.id, 'submit');
    // the ISM has not signed since the return: the Board has nothing to sign yet
    assertProblem(await vstep(S.board, v.id, 'approve'), 403, 'status');
  });

test('a text never changes after draft, only drafts are deleted, a new version copies the latest text', async () => {
  const doc = await newDoc({ classification: 'internal' });
  const v1 = await newVersion(doc, 'Version one\n', { change_summary: 'First' });
  // a second version while one is in progress: refused, whatever its state
  const busy = async () => {
    const r = await S.ism.post('/api/v1/document_versions', { document_id: doc.id });
    assertProblem(r, 422, 'document_id');
    assert.match(r.text, /already has version 1 in progress/);
  };
  await busy();
  // what the server computes cannot be sent
  for (const [k, val] of [['status', 'published'], ['body_hash', 'ab'], ['number', 7], ['name', 'X v9'],
    ['approved_at', '2026-01-01T00:00:00Z'], ['published_by', 'me'], ['signoffs', 'all'], ['owner_id', S.ism.person]]) {
    const r = await S.ism.post('/api/v1/document_versions', { document_id: doc.id, [k]: val });
    assert.ok([403, 422].includes(r.status), `${k}: ${r.status}`);
    const p = await S.ism.patch(`/api/v1/document_versions/${v1.id}`, { [k]: val });
    assertProblem(p, 422, k);
  }
  const other = await newDoc();
  assertProblem(await S.ism.patch(`/api/v1/document_versions/${v1.id}`, { document_id: other.id }), 422, 'document_id');

  await stepOk(S.ism, 'document_versions', v1.id, 'submit');
  await busy();
  for (const patch of [{ body: 'Changed\n' }, { change_summary: 'Changed' }]) {
    assertFixed(await S.ism.patch(`/api/v1/document_versions/${v1.id}`, patch));
  }
  assertProblem(await S.ism.del(`/api/v1/document_versions/${v1.id}`), 409);
  await stepOk(S.ism, 'document_versions', v1.id, 'approve');
  await busy();
  assertFixed(await S.ism.patch(`/api/v1/document_versions/${v1.id}`, { body: 'Changed\n' }));
  assertProblem(await S.ism.del(`/api/v1/document_versions/${v1.id}`), 409);
  await stepOk(S.ism, 'document_versions', v1.id, 'publish');
  // published: immutable
  const pubd = await verOf(v1.id);
  assertFixed(await S.ism.patch(`/api/v1/document_versions/${v1.id}`, { body: 'Changed\n' }));
  assertFixed(await S.ism.patch(`/api/v1/document_versions/${v1.id}`, { body: 'Changed\n' },
    { headers: { 'If-Match': `"${pubd.version}"` } }));
  assertProblem(await S.ism.del(`/api/v1/document_versions/${v1.id}`), 409);
  assertProblem(await S.ism.del(`/api/v1/documents/${doc.id}`), 409);
  assert.deepEqual(await verOf(v1.id), pubd);

  // a new version starts as a copy of the latest text, numbered on
  const v2 = await newVersion(doc, undefined, { change_summary: 'Second' });
  assert.equal(v2.body, 'Version one\n');
  assert.equal(v2.number, 2);
  assert.equal(v2.name, `${doc.code} v2`);
  assert.equal(v2.status, 'draft');
  assert.equal(v2.body_hash, null);
  assert.equal(v2.approved_at, null);
  assertProblem(await S.ism.post('/api/v1/document_versions', { document_id: doc.id }), 422, 'document_id');
  const e2 = await S.ism.ok('PATCH', `/api/v1/document_versions/${v2.id}`, { body: 'Version two\n' });
  assert.equal(e2.body, 'Version two\n');
  assert.equal((await verOf(v1.id)).body, 'Version one\n', 'the published text stays');
  // a draft may go
  const del = await S.ism.del(`/api/v1/document_versions/${v2.id}`);
  assert.equal(del.status, 204, del.text);
  assertProblem(await S.ism.get(`/api/v1/document_versions/${v2.id}`), 404);
  // the next copies the latest kept text (the published one)
  const v3 = await newVersion(doc);
  assert.equal(v3.body, 'Version one\n');
  assert.ok(v3.number >= 2);
  // a document without versions may be deleted; a published one is retired instead
  const bare = await newDoc();
  assert.equal((await S.ism.del(`/api/v1/documents/${bare.id}`)).status, 204);
  // versions of documents that do not exist
  assertProblem(await S.ism.post('/api/v1/document_versions', { document_id: 987654 }), 422, 'document_id');
  assertProblem(await S.ism.post('/api/v1/document_versions', {}), 422, 'document_id');
});

test('publishing supersedes the previous version and its unread acknowledgements, and asks anew', async () => {
  const { doc, ver: v1 } = await publishedDoc({ audience: 'everyone', classification: 'internal' }, 'One\n');
  const first = await acksOf(v1);
  assert.deepEqual(first.map((a) => a.person_id).sort((a, b) => a - b), audience(EVERYONE));
  for (const a of first) {
    assert.equal(a.status, 'pending');
    assert.equal(a.document_id, doc.id);
    assert.equal(a.requested_on, today());
    assert.equal(a.due_on, addMonths(today(), 1));
    assert.equal(a.acknowledged_at, null);
  }
  const mine = first.find((a) => a.person_id === S.staff.person);
  assert.equal(mine.name, `${doc.code} v1 — Ben Carter`);
  await stepOk(S.staff, 'acknowledgements', mine.id, 'acknowledge');

  const v2 = await newVersion(doc, 'Two\n');
  // while v2 is being approved, v1 stays current and its requests stand
  await stepOk(S.ism, 'document_versions', v2.id, 'submit');
  await stepOk(S.ism, 'document_versions', v2.id, 'approve');
  assert.equal((await acksOf(v1, '&status=pending')).length, first.length - 1);
  assert.equal((await docOf(doc.id)).current_version_id, v1.id);
  await stepOk(S.ism, 'document_versions', v2.id, 'publish');

  assert.equal((await verOf(v1.id)).status, 'superseded');
  assert.equal((await verOf(v2.id)).status, 'published');
  const d = await docOf(doc.id);
  assert.equal(d.current_version_id, v2.id);
  assert.equal(d.current_number, 2);
  const old = await acksOf(v1);
  assert.equal(old.filter((a) => a.status === 'superseded').length, first.length - 1);
  assert.deepEqual(old.filter((a) => a.status === 'acknowledged').map((a) => a.id), [mine.id]);
  assert.equal(old.filter((a) => a.status === 'pending').length, 0);
  const second = await acksOf(v2);
  assert.deepEqual(second.map((a) => a.person_id).sort((a, b) => a - b), audience(EVERYONE));
  assert.ok(second.every((a) => a.status === 'pending'));
  // a superseded request can no longer be acknowledged; the new one can
  const stale = old.find((a) => a.status === 'superseded' && a.person_id === S.support.person);
  assertProblem(await step(S.support, 'acknowledgements', stale.id, 'acknowledge'), 409, 'status');
  // the superseded version is as frozen as a published one
  assertFixed(await S.ism.patch(`/api/v1/document_versions/${v1.id}`, { body: 'x' }));
  assertProblem(await vstep(S.ism, v1.id, 'retire'), 409, 'status');
});

test('the audience decides who is asked to read: employees, contractors and agents, a department, no one', async () => {
  const sup = people.find((p) => p.email === WHO.staff).department_id;
  for (const [aud, kinds, dept] of [['employees', ['employee']], ['contractors', ['contractor', 'agent']],
    ['department', null, sup], ['none', []], ['everyone', EVERYONE]]) {
    const { ver } = await publishedDoc({ audience: aud, audience_department_id: dept ?? null });
    const acks = await acksOf(ver);
    const want = aud === 'none' ? [] : audience(kinds, dept);
    assert.deepEqual(acks.map((a) => a.person_id).sort((a, b) => a - b), want, aud);
    if (aud !== 'none') assert.ok(want.length > 0, `${aud}: someone is asked`);
  }
  // those who have left are never asked
  const left = people.filter((p) => p.end_date && p.end_date < today());
  assert.ok(left.length > 0, 'the demo has a leaver');
  assertProblem(await S.ism.post('/api/v1/documents', { code: code(), title: 'x', owner_id: S.ism.person, audience: 'department' }),
    422, 'audience_department_id');
});

test('a department audience asks the department\'s staff, not third parties filed under it',
  async () => {
    const fin = people.find((p) => p.employment_type === 'third_party' && p.department_id &&
      (!p.end_date || p.end_date >= today()));
    assert.ok(fin, 'the demo has a third party in a department');
    const { ver } = await publishedDoc({ audience: 'department', audience_department_id: fin.department_id, classification: 'confidential' });
    const acks = await acksOf(ver);
    assert.deepEqual(acks.map((a) => a.person_id).sort((a, b) => a - b), audience(EVERYONE, fin.department_id));
  });

// ---- acknowledgements and coverage ----

test('the coverage page counts what the API counts, and lists who has not read it', async () => {
  const pol = (await S.ism.all('documents', '&code=POL-001'))[0];
  const { doc, ver } = await publishedDoc({ audience: 'everyone' });
  for (const d of [pol, doc]) {
    const v = { id: d.current_version_id };
    if (d === doc) {
      // some read it: the page follows
      const acks = await acksOf(v);
      for (const role of ['staff', 'support', 'head']) {
        await stepOk(S[role], 'acknowledgements', acks.find((a) => a.person_id === S[role].person).id, 'acknowledge');
      }
    }
    const acks = await acksOf(v);
    const read = acks.filter((a) => a.status === 'acknowledged');
    const pending = acks.filter((a) => a.status === 'pending');
    // the API's totals agree with the lists
    const t = (await S.ism.ok('GET', `/api/v1/acknowledgements?limit=1&version_id=${v.id}&status=acknowledged`)).total;
    assert.equal(t, read.length);
    const page = await S.ism.get(`/documents/${d.id}/coverage`);
    assert.equal(page.status, 200, page.text);
    const cov = coverageOf(page.text);
    assert.equal(cov.acknowledged, read.length, d.code);
    assert.equal(cov.asked, read.length + pending.length, d.code);
    assert.equal(cov.pct, Math.floor((read.length * 100) / (read.length + pending.length)), `${d.code}: rounded down`);
    assert.deepEqual(cov.pending.map((p) => p.ack).sort((a, b) => a - b), pending.map((a) => a.id).sort((a, b) => a - b));
    const names = Object.fromEntries(people.map((p) => [p.id, p.name]));
    assert.deepEqual(cov.pending.map((p) => p.name).sort(), pending.map((a) => names[a.person_id]).sort());
    assert.ok(!cov.pending.some((p) => read.some((a) => a.id === p.ack)), 'nobody who has read it is listed');
  }
  assert.ok(ver);
  // who may see it: the owner, and whoever reads every acknowledgement
  const acc = (await S.ism.all('documents', '&code=PRO-ACC'))[0];
  assert.equal(acc.owner_id, S.ops.person);
  assert.equal((await S.ops.get(`/documents/${acc.id}/coverage`)).status, 200);
  for (const role of ['board', 'auditor']) assert.equal((await S[role].get(`/documents/${pol.id}/coverage`)).status, 200, role);
  for (const role of ['ops', 'hr', 'head']) assert.equal((await S[role].get(`/documents/${pol.id}/coverage`)).status, 403, role);
  for (const role of ['staff', 'support', 'admin']) assert.equal((await S[role].get(`/documents/${pol.id}/coverage`)).status, 403, role);
  // an unpublished document has no coverage; an unknown one is not found
  const draft = (await S.ism.all('documents', '&code=GUI-AUP'))[0];
  assert.equal((await S.ism.get(`/documents/${draft.id}/coverage`)).status, 404);
  assert.equal((await S.ism.get('/documents/987654/coverage')).status, 404);
  assert.equal((await S.ism.get('/documents/x/coverage')).status, 404);
});

test('only the person asked acknowledges, and only once', async () => {
  const { doc, ver } = await publishedDoc({ audience: 'everyone' });
  const acks = await acksOf(ver);
  const ben = acks.find((a) => a.person_id === S.staff.person);
  const aisha = acks.find((a) => a.person_id === S.support.person);
  const daniel = acks.find((a) => a.person_id === S.ism.person);
  // someone else's: unknown to staff, refused to the ISM and the Board
  assertProblem(await step(S.staff, 'acknowledgements', aisha.id, 'acknowledge'), 404);
  assertProblem(await step(S.staff, 'acknowledgements', daniel.id, 'acknowledge'), 404);
  for (const role of ['ism', 'board', 'auditor']) assertProblem(await step(S[role], 'acknowledgements', ben.id, 'acknowledge'), 403);
  // nor through a change of the record
  for (const s of [S.staff, S.ism]) {
    const p = await s.patch(`/api/v1/acknowledgements/${ben.id}`, { status: 'acknowledged' });
    assert.ok([403, 422].includes(p.status), `${s.email}: ${p.status}`);
  }
  assertProblem(await S.ism.patch(`/api/v1/acknowledgements/${ben.id}`, { person_id: S.support.person }), 422, 'person_id');
  assertProblem(await S.staff.post('/api/v1/acknowledgements', { document_id: doc.id, version_id: ver.id,
    person_id: S.staff.person, requested_on: today() }), 403);
  assert.equal((await S.ism.ok('GET', `/api/v1/acknowledgements/${ben.id}`)).status, 'pending');

  const r = await stepOk(S.staff, 'acknowledgements', ben.id, 'acknowledge');
  assert.equal(r.status, 'acknowledged');
  assert.match(r.acknowledged_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assertProblem(await step(S.staff, 'acknowledgements', ben.id, 'acknowledge'), 409, 'status');
  // acknowledged is final
  const p = await S.ism.patch(`/api/v1/acknowledgements/${ben.id}`, { due_on: '2030-01-01' });
  assert.ok([409, 422].includes(p.status), p.text);

  // the page's form: the CSRF token and the version it was read at
  const page = await S.support.get(`/acknowledgements/${aisha.id}/read`);
  assert.equal(page.status, 200);
  const m = page.text.match(new RegExp(`<form class="record card step" method="post" action="/acknowledgements/${aisha.id}/step/acknowledge">([\\s\\S]*?)</form>`));
  assert.ok(m, 'the reading page has the acknowledge form');
  assert.match(m[1], /<button type="submit">I have read and understood it<\/button>/);
  const version = (m[1].match(/name="_version" value="(\d+)"/) || [])[1];
  assert.equal(Number(version), aisha.version);
  assert.equal((await S.support.form(`/acknowledgements/${aisha.id}/step/acknowledge`, { _version: version }, { csrf: false })).status, 403);
  assert.equal((await S.support.form(`/acknowledgements/${aisha.id}/step/acknowledge`, { _csrf: 'forged', _version: version }, { csrf: false })).status, 403);
  assert.equal((await S.ism.ok('GET', `/api/v1/acknowledgements/${aisha.id}`)).status, 'pending');
  const ok = await S.support.form(`/acknowledgements/${aisha.id}/step/acknowledge`, { _version: version });
  assert.equal(ok.status, 303, ok.text);
  assert.equal((await S.ism.ok('GET', `/api/v1/acknowledgements/${aisha.id}`)).status, 'acknowledged');
  // the page no longer offers the form, and says when
  const again = await S.support.get(`/acknowledgements/${aisha.id}/read`);
  assert.doesNotMatch(again.text, /step\/acknowledge/);
  assert.match(textOf(mainOf(again.text)), /Acknowledged \d{4}-\d\d-\d\dT/);
  // the ISM sees Ben's request but no form to acknowledge it for him
  const ismView = await S.ism.get(`/acknowledgements/${daniel.id === ben.id ? aisha.id : ben.id}/read`);
  assert.equal(ismView.status, 200);
  assert.doesNotMatch(ismView.text, /step\/acknowledge/);
});

test('staff read no documents, no versions, and nobody else\'s acknowledgements, not even by search or count', async () => {
  const { doc, ver } = await publishedDoc({ audience: 'everyone', title: 'Quokka handling rules' }, 'Quokkas are to be fed daily.\n');
  const all = await acksOf(ver);
  const ben = all.find((a) => a.person_id === S.staff.person);
  const other = all.find((a) => a.person_id === S.support.person);
  for (const s of [S.staff, S.support]) {
    for (const p of ['documents', 'document_versions', 'document_signoffs', 'document_reviews', 'document_controls']) {
      assertProblem(await s.get(`/api/v1/${p}`), 403);
      assertProblem(await s.get(`/api/v1/${p}?q=Quokka`), 403);
    }
    assertProblem(await s.get(`/api/v1/documents/${doc.id}`), 403);
    assertProblem(await s.get(`/api/v1/document_versions/${ver.id}`), 403);
    assertProblem(await s.get(`/api/v1/document_versions/${ver.id}/history`), 403);
    assertProblem(await s.get('/api/v1/documents/export?format=csv'), 403);
    for (const path of [`/documents`, `/documents/${doc.id}`, `/documents/${doc.id}/read`, `/documents/${doc.id}/coverage`,
      `/document_versions`, `/document_versions/${ver.id}`, `/document_versions/${ver.id}/export.html`]) {
      const r = await s.get(path);
      assert.equal(r.status, 403, `${s.email} ${path}`);
      assert.doesNotMatch(r.text, /Quokka/);
    }
  }
  // acknowledgements: their own only, by id, in lists, searches, filters, counts and exports
  const mine = await S.staff.all('acknowledgements');
  assert.ok(mine.length >= 1);
  assert.ok(mine.every((a) => a.person_id === S.staff.person));
  assert.deepEqual(mine.map((a) => a.id).sort((a, b) => a - b),
    (await S.ism.all('acknowledgements', `&person_id=${S.staff.person}`)).map((a) => a.id).sort((a, b) => a - b));
  assertProblem(await S.staff.get(`/api/v1/acknowledgements/${other.id}`), 404);
  assertProblem(await S.staff.get(`/api/v1/acknowledgements/${other.id}/history`), 404);
  assert.equal((await S.staff.get(`/acknowledgements/${other.id}`)).status, 404);
  assert.equal((await S.staff.get(`/acknowledgements/${other.id}/read`)).status, 404);
  assert.doesNotMatch((await S.staff.get(`/acknowledgements/${other.id}/read`)).text, /Quokka/);
  for (const q of ['Aisha', 'Rahman', 'Daniel', encodeURIComponent(doc.code), 'Quokka']) {
    const r = await S.staff.ok('GET', `/api/v1/acknowledgements?q=${q}&limit=500`);
    assert.ok(r.items.every((a) => a.person_id === S.staff.person), `q=${q}`);
    assert.equal(r.total, r.items.length, `q=${q}`);
  }
  assert.equal((await S.staff.ok('GET', `/api/v1/acknowledgements?q=Aisha`)).total, 0);
  assert.equal((await S.staff.ok('GET', `/api/v1/acknowledgements?person_id=${S.support.person}`)).total, 0);
  assert.equal((await S.staff.ok('GET', `/api/v1/acknowledgements?version_id=${ver.id}`)).total, 1);
  assert.equal((await S.staff.ok('GET', `/api/v1/acknowledgements?version_id=${ver.id}&status=pending&limit=1`)).total, 1);
  // the list page's count and its search
  const list = await S.staff.get('/acknowledgements');
  assert.equal(list.status, 200);
  assert.equal(countOf(list.text), mine.length);
  assert.doesNotMatch(list.text, /Aisha Rahman/);
  const search = await S.staff.get('/acknowledgements?q=Aisha');
  assert.equal(countOf(search.text), 0);
  // the export: their own rows
  const csv = await S.staff.get('/api/v1/acknowledgements/export?format=csv');
  if (csv.status === 200) {
    assert.doesNotMatch(csv.text, /Aisha Rahman|Daniel Okafor/);
    assert.match(csv.text, /Ben Carter/);
  } else assertProblem(csv, 403);
  // their own request shows the text, even though they cannot read the document register
  const own = await S.staff.get(`/acknowledgements/${ben.id}/read`);
  assert.equal(own.status, 200);
  assert.match(textOf(mainOf(own.text)), /Quokkas are to be fed daily\./);
  assert.match(textOf(mainOf(own.text)), /Quokka handling rules/);
  // the home page lists theirs only
  const home = await S.staff.get('/');
  assert.ok(mustRead(home.text).some((l) => l.href === `/acknowledgements/${ben.id}/read`));
  assert.ok(mustRead(home.text).every((l) => / — Ben Carter$/.test(l.text)), JSON.stringify(mustRead(home.text)));
});

// ---- the public trust page ----

test('the trust page lists public published documents only, and shows nothing else by id', async () => {
  const anon = (path) => srv.req('GET', path);
  const pub = await publishedDoc({ classification: 'public', title: 'Public and published' }, 'PUBLISHED TEXT\n');
  // every other kind: drafts, in review, approved, internal, confidential
  const draft = await newDoc({ classification: 'public', title: 'Public draft' });
  await newVersion(draft, 'DRAFT TEXT\n');
  const review = await newDoc({ classification: 'public', title: 'Public in review' });
  await stepOk(S.ism, 'document_versions', (await newVersion(review, 'REVIEW TEXT\n')).id, 'submit');
  const approved = await newDoc({ classification: 'public', title: 'Public approved' });
  const av = await newVersion(approved, 'APPROVED TEXT\n');
  await stepOk(S.ism, 'document_versions', av.id, 'submit');
  await stepOk(S.ism, 'document_versions', av.id, 'approve');
  const internal = await publishedDoc({ classification: 'internal', title: 'Internal published' }, 'INTERNAL TEXT\n');
  const conf = await publishedDoc({ classification: 'confidential', title: 'Confidential published' }, 'CONFIDENTIAL TEXT\n');
  // a public document whose newer version is only a draft: the published text is shown
  const newer = await newVersion(pub.doc, 'UNPUBLISHED NEWER TEXT\n');
  assert.equal(newer.status, 'draft');

  const r = await anon('/trust');
  assert.equal(r.status, 200);
  assert.doesNotMatch(r.text, /Sign out/);
  const listed = [...r.text.matchAll(/<a href="\/trust\/(\d+)">/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const docs = await S.ism.all('documents');
  const want = docs.filter((d) => d.classification === 'public' && d.status === 'published').map((d) => d.id).sort((a, b) => a - b);
  assert.deepEqual(listed, want);
  for (const c of ['POL-001', 'PRO-INC']) assert.ok(listed.includes(docs.find((d) => d.code === c).id), c);
  for (const c of ['PRO-ACC', 'GUI-AUP', 'STD-CRY']) assert.ok(!listed.includes(docs.find((d) => d.code === c).id), c);
  assert.ok(listed.includes(pub.doc.id));
  for (const t of ['Public draft', 'Public in review', 'Public approved', 'Internal published', 'Confidential published']) {
    assert.ok(!r.text.includes(t), `${t} is on the trust page`);
  }
  // by id: only the listed ones
  const one = await anon(`/trust/${pub.doc.id}`);
  assert.equal(one.status, 200);
  assert.match(one.text, /PUBLISHED TEXT/);
  assert.doesNotMatch(one.text, /UNPUBLISHED NEWER TEXT/);
  assert.doesNotMatch(one.text, /Daniel Okafor/, 'the owner is not named to the public');
  for (const d of [draft, review, approved, internal.doc, conf.doc,
    ...docs.filter((x) => ['PRO-ACC', 'GUI-AUP', 'STD-CRY'].includes(x.code))]) {
    const x = await anon(`/trust/${d.id}`);
    assert.equal(x.status, 404, `/trust/${d.id} (${d.title})`);
    assert.doesNotMatch(x.text, /DRAFT TEXT|REVIEW TEXT|APPROVED TEXT|INTERNAL TEXT|CONFIDENTIAL TEXT/);
  }
  for (const p of ['/trust/0', '/trust/987654', '/trust/abc', '/trust/-1', `/trust/${pub.doc.id}x`]) {
    assert.equal((await anon(p)).status, 404, p);
  }
  // signed in it is the same page
  assert.equal((await S.staff.get(`/trust/${conf.doc.id}`)).status, 404);
  // the versions' pages themselves stay behind sign-in
  assert.notEqual((await anon(`/document_versions/${pub.ver.id}/export.html`)).status, 200);
  assert.notEqual((await anon(`/documents/${pub.doc.id}/read`)).status, 200);
  // reclassified, it leaves the page
  await S.ism.ok('PATCH', `/api/v1/documents/${pub.doc.id}`, { classification: 'confidential' });
  assert.equal((await anon(`/trust/${pub.doc.id}`)).status, 404);
  assert.ok(!(await anon('/trust')).text.includes(`/trust/${pub.doc.id}"`));
});

// ---- markup in a text ----

const XSS = [
  '# Heading <script>alert(1)</script>',
  '',
  '<script>alert(1)</script>',
  '',
  '[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](  javascript:alert(1)) [w](java\tscript:alert(1))',
  '[e](&#106;avascript:alert(1)) [h](&#x6A;avascript:alert(1)) [c](javascript&colon;alert(1))',
  '[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [v](vbscript:msgbox(1))',
  '<javascript:alert(1)> <data:text/html,<script>alert(1)</script>>',
  '[ref][1]',
  '',
  '[1]: javascript:alert(1)',
  '',
  '<img src=x onerror=alert(1)>',
  '',
  '![img](x" onerror="alert(1))',
  '![img2](javascript:alert(1))',
  '',
  '<div onclick="alert(1)">',
  '<iframe src="javascript:alert(1)"></iframe>',
  '</div>',
  '',
  '<table><tr><td onmouseover="alert(1)">cell</td></tr></table>',
  '',
  'Inline <b onmouseover=alert(1)>bold</b>, <a href="javascript:alert(1)">anchor</a>, <svg onload=alert(1)>.',
  '',
  '<style>body{display:none}</style>',
  '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
  '<form action="https://evil.example/"><input name="x"></form>',
  '',
  '```html',
  '<script>alert(1)</script>',
  '```',
  '',
  '[a safe link](https://example.com/?a="b"&c=<d>) and `<code>`',
  '',
].join('\n');

test('markup in a text cannot run: the reading, trust, acknowledgement, comparison and record pages and the HTML export', async () => {
  const { doc, ver } = await publishedDoc({ classification: 'public', audience: 'everyone',
    title: '<script>alert("title")</script> Policy', summary: '<img src=x onerror=alert(1)>' }, XSS);
  assert.equal(ver.body, XSS);
  // change_summary too
  const ben = (await acksOf(ver)).find((a) => a.person_id === S.staff.person);
  const pages = [
    ['read', await S.ism.get(`/documents/${doc.id}/read`)],
    ['trust', await srv.req('GET', `/trust/${doc.id}`)],
    ['acknowledgement', await S.staff.get(`/acknowledgements/${ben.id}/read`)],
  ];
  const exp = await S.ism.get(`/document_versions/${ver.id}/export.html`);
  assert.equal(exp.status, 200);
  for (const [where, r] of pages) {
    assert.equal(r.status, 200, where);
    assertHarmless(r.text, where);
    // the text is still shown, as text
    const t = textOf(r.text.match(/<article class="document">([\s\S]*?)<\/article>/)[1]);
    assert.match(t, /Heading <script>alert\(1\)<\/script>/, where);
    assert.match(t, /<script>alert\("title"\)<\/script> Policy/, where);
    assert.match(r.text, /<a [^>]*href="https:\/\/example\.com\/\?a=(%22|&quot;)b(%22|&quot;)&amp;c=(%3C|&lt;)d(%3E|&gt;)"[^>]*>a safe link<\/a>/, where);
    assert.match(r.headers.get('content-security-policy') || '', /script-src 'self'/, where);
    assert.doesNotMatch(r.headers.get('content-security-policy') || '', /unsafe-inline/, where);
  }
  // the export is a document of its own: no script at all, served as an attachment
  assert.doesNotMatch(exp.text, /<script/i);
  assertHarmless(exp.text, 'export.html');
  assert.match(exp.headers.get('content-disposition') || '', /^attachment; filename="[^"]+\.html"$/);
  assert.match(exp.headers.get('content-type') || '', /^text\/html/);
  assert.equal(exp.headers.get('x-content-type-options'), 'nosniff');
  assert.match(exp.headers.get('content-security-policy') || '', /default-src 'none'/);
  // the comparison of two versions shows both texts' lines, escaped
  const v2 = await newVersion(doc, `${XSS}\n<img src=y onerror=alert(2)>\n[n](javascript:alert(2))\n`);
  const cmp = await S.ism.get(`/documents/${doc.id}/compare?from=1&to=${v2.number}`);
  assert.equal(cmp.status, 200, cmp.text.slice(0, 300));
  assertHarmless(cmp.text, 'compare', { region: 'main' });
  assert.match(textOf(mainOf(cmp.text)), /<img src=y onerror=alert\(2\)>/);
  assert.equal((await S.staff.get(`/documents/${doc.id}/compare?from=1&to=${v2.number}`)).status, 403);
  // the record page shows the raw text escaped
  const rec = await S.ism.get(`/document_versions/${ver.id}`);
  assert.equal(rec.status, 200);
  assertHarmless(rec.text, 'record page', { region: 'main' });
});

// ---- exports ----

test('a version is exported as one HTML file with its sign-offs; as PDF when that exists', async (t) => {
  const body = '## Purpose\n\nExported text with **bold**.\n';
  const { doc, ver } = await publishedDoc({ kind: 'policy', title: 'Export policy' }, body);
  const r = await S.auditor.get(`/document_versions/${ver.id}/export.html`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="${doc.code}-v1.html"`);
  assert.match(r.text, /^<!doctype html>/i);
  assert.match(r.text, /<strong>bold<\/strong>/);
  assert.equal((r.text.match(new RegExp(blake2b(body), 'g')) || []).length, 2, 'both sign-offs with the hash');
  assert.match(r.text, /Export policy/);
  assert.equal((await S.ism.get(`/document_versions/${ver.id}/export.txt`)).status, 404);
  assert.equal((await S.ism.get(`/document_versions/987654/export.html`)).status, 404);
  for (const role of ['staff', 'support', 'admin']) assert.equal((await S[role].get(`/document_versions/${ver.id}/export.html`)).status, 403, role);
  const pdf = await S.auditor.get(`/document_versions/${ver.id}/export.pdf`);
  assert.equal(pdf.status, 200);
  assert.match(pdf.headers.get('content-type') || '', /^application\/pdf/);
  assert.equal(pdf.headers.get('content-disposition'), `attachment; filename="${doc.code}-v1.pdf"`);
  assert.ok(pdf.text.startsWith('%PDF-'));
  // its text, read back by poppler's pdftotext when it is there: the title, the text, the hash
  const raw = await fetch(srv.base + `/document_versions/${ver.id}/export.pdf`, { headers: { Cookie: S.auditor.cookie } });
  const bytes = Buffer.from(await raw.arrayBuffer());
  const txt = spawnSync('pdftotext', ['-', '-'], { input: bytes });
  if (txt.error) t.diagnostic('pdftotext is not installed: the PDF text is not checked');
  else {
    assert.equal(txt.status, 0, String(txt.stderr));
    const text = txt.stdout.toString();
    assert.match(text, /Export policy/);
    assert.match(text, /Exported text with bold\./);
    assert.ok(text.replace(/\s+/g, '').includes(blake2b(body)), 'the sign-off hash is in the PDF');
  }
  for (const role of ['staff', 'support']) assert.equal((await S[role].get(`/document_versions/${ver.id}/export.pdf`)).status, 403, role);
});

// ---- change requests ----

test('change requests: anyone raises one for themselves; the owner decides; accepted ones go into the next version', async () => {
  const acc = (await S.ism.all('documents', '&code=PRO-ACC'))[0]; // owned by the operations manager
  assert.equal(acc.owner_id, S.ops.person);
  const cr = (s, extra = {}) => s.post('/api/v1/change_requests', { document_id: acc.id, title: `Change by ${s.email}`,
    reason: 'Because', raised_by_id: s.person, ...extra });
  // staff raise one for themselves, never in someone else's name
  const mine = await cr(S.staff);
  assert.equal(mine.status, 201, mine.text);
  assert.equal(mine.json.status, 'open');
  assert.equal(mine.json.raised_by_id, S.staff.person);
  assertProblem(await cr(S.staff, { raised_by_id: S.support.person }), 403);
  assertProblem(await cr(S.staff, { status: 'accepted' }), 422, 'status');
  assertProblem(await cr(S.staff, { version_id: acc.current_version_id }), 422, 'version_id');
  assertProblem(await cr(S.staff, { reason: '' }), 422, 'reason');
  const hers = (await cr(S.support)).json;
  // staff see their own only
  const list = await S.staff.all('change_requests');
  assert.ok(list.some((x) => x.id === mine.json.id));
  assert.ok(list.every((x) => x.raised_by_id === S.staff.person));
  assertProblem(await S.staff.get(`/api/v1/change_requests/${hers.id}`), 404);
  assert.equal((await S.staff.ok('GET', `/api/v1/change_requests?q=${encodeURIComponent(S.support.email)}`)).total, 0);
  assert.equal((await S.staff.ok('GET', `/api/v1/change_requests?raised_by_id=${S.support.person}`)).total, 0);
  // nor decide, nor edit someone else's
  assertProblem(await step(S.staff, 'change_requests', mine.json.id, 'accept'), 403);
  assertProblem(await step(S.staff, 'change_requests', hers.id, 'accept'), 404);
  assertProblem(await S.staff.patch(`/api/v1/change_requests/${hers.id}`, { title: 'x' }), 404);

  // no version in progress: accepting leaves it for the next one
  assertProblem(await step(S.hr, 'change_requests', mine.json.id, 'accept'), 403, 'status'); // not the owner
  assertProblem(await step(S.auditor, 'change_requests', mine.json.id, 'accept'), 403);
  const a1 = await stepOk(S.ops, 'change_requests', mine.json.id, 'accept');
  assert.equal(a1.status, 'accepted');
  assert.equal(a1.version_id, null);
  assert.equal(a1.decided_by, WHO.ops);
  assertProblem(await step(S.ops, 'change_requests', mine.json.id, 'accept'), 409, 'status');
  assertProblem(await step(S.ops, 'change_requests', mine.json.id, 'reject', { decision_note: 'x' }), 409, 'status');
  // reject: a reason is required
  assertProblem(await step(S.ops, 'change_requests', hers.id, 'reject'), 422, 'decision_note');
  assertProblem(await step(S.ops, 'change_requests', hers.id, 'reject', { decision_note: '' }), 422, 'decision_note');
  const rej = await stepOk(S.ops, 'change_requests', hers.id, 'reject', { decision_note: 'Covered by 3.4 already' });
  assert.equal(rej.status, 'rejected');
  assert.equal(rej.decision_note, 'Covered by 3.4 already');
  // the person who asked sees the decision
  assert.equal((await S.support.ok('GET', `/api/v1/change_requests/${hers.id}`)).decision_note, 'Covered by 3.4 already');

  // a draft in progress: accepting links to it; the one accepted earlier joins it when it is sent
  const draft = await newVersion(acc); // the ISM starts it
  const third = (await cr(S.staff, { title: 'Third change' })).json;
  const a3 = await stepOk(S.ops, 'change_requests', third.id, 'accept');
  assert.equal(a3.version_id, draft.id);
  assert.equal((await S.staff.ok('GET', `/api/v1/change_requests/${mine.json.id}`)).version_id, null);
  await stepOk(S.ism, 'document_versions', draft.id, 'submit');
  assert.equal((await S.staff.ok('GET', `/api/v1/change_requests/${mine.json.id}`)).version_id, draft.id);
  assert.equal((await S.ism.ok('GET', `/api/v1/change_requests/${hers.id}`)).version_id, null, 'a rejected one joins nothing');
  // the ISM decides on any document; an accepted request is frozen
  const fourth = (await cr(S.head)).json;
  const a4 = await stepOk(S.ism, 'change_requests', fourth.id, 'accept');
  assert.equal(a4.version_id, draft.id, 'in review is still in progress');
  const frozen = await S.ism.patch(`/api/v1/change_requests/${fourth.id}`, { title: 'Renamed' });
  assert.ok([409, 422].includes(frozen.status), frozen.text);
  const moved = await S.ism.patch(`/api/v1/change_requests/${fourth.id}`, { document_id: 1 });
  assert.ok([409, 422].includes(moved.status), moved.text);
  const open = (await cr(S.staff, { title: 'Still open' })).json;
  assertProblem(await S.ism.patch(`/api/v1/change_requests/${open.id}`, { document_id: 1 }), 422, 'document_id');
  // clean up: the draft goes through so PRO-ACC is as it was (published, nothing in progress)
  await stepOk(S.ism, 'document_versions', draft.id, 'approve');
  await stepOk(S.ism, 'document_versions', draft.id, 'publish');
});

test('the owner of a document (operations, HR, a head) starts its new versions',
  async () => {
    const doc = await S.ops.ok('POST', '/api/v1/documents', { code: code('OPS'), title: 'Operations procedure', owner_id: S.ops.person }, 201);
    const v = await S.ops.post('/api/v1/document_versions', { document_id: doc.id, body: 'Steps\n' });
    assert.equal(v.status, 201, v.text);
    assert.equal(v.json.owner_id, S.ops.person);
  });

test('what owners do with their own documents, and nothing more', async () => {
  // operations: creates and changes its own documents only
  assertProblem(await S.ops.post('/api/v1/documents', { code: code(), title: 'x', owner_id: S.ism.person }), 403);
  const own = await S.ops.ok('POST', '/api/v1/documents', { code: code('OPS'), title: 'Ops own', owner_id: S.ops.person }, 201);
  await S.ops.ok('PATCH', `/api/v1/documents/${own.id}`, { title: 'Ops own, renamed' });
  const pol = (await S.ism.all('documents', '&code=POL-001'))[0];
  assertProblem(await S.ops.patch(`/api/v1/documents/${pol.id}`, { title: 'x' }), 403);
  assertProblem(await S.hr.patch(`/api/v1/documents/${pol.id}`, { title: 'x' }), 403);
  for (const role of ['board', 'auditor']) {
    assertProblem(await S[role].post('/api/v1/documents', { code: code(), title: 'x', owner_id: S[role].person }), 403);
    assertProblem(await S[role].patch(`/api/v1/documents/${pol.id}`, { title: 'x' }), 403);
  }
  // a version the ISM started for them: theirs to edit and send, not someone else's
  const v = await newVersion(own, 'Ops text\n');
  assert.equal(v.owner_id, S.ops.person);
  await S.ops.ok('PATCH', `/api/v1/document_versions/${v.id}`, { body: 'Ops text, edited\n' });
  assertProblem(await vstep(S.hr, v.id, 'submit'), 403);
  const sub = await stepOk(S.ops, 'document_versions', v.id, 'submit');
  assert.equal(sub.status, 'in_review');
  assertProblem(await vstep(S.ops, v.id, 'approve'), 403);
  assertProblem(await vstep(S.ops, v.id, 'return', { decision_note: 'x' }), 403);
  // the ISM approves, the owner may not publish
  await stepOk(S.ism, 'document_versions', v.id, 'approve');
  assertProblem(await vstep(S.ops, v.id, 'publish'), 403);
  // everyone who reads documents reads them all
  for (const role of ['board', 'auditor', 'ops', 'hr', 'head']) {
    assert.equal((await S[role].ok('GET', `/api/v1/documents/${own.id}`)).id, own.id, role);
    assert.equal((await S[role].ok('GET', `/api/v1/document_versions/${v.id}`)).id, v.id, role);
  }
});

// ---- reviews ----

test('a review moves the review dates: "no change" by the interval, "change needed" only the last review', async () => {
  const { doc } = await publishedDoc({ review_months: 1 });
  assert.equal(doc.next_review_on, addMonths(today(), 1));
  // (reviews are dated in the past: one dated after today is refused)
  const r1 = await S.ism.ok('POST', '/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2026-01-31',
    reviewer_id: S.ism.person, outcome: 'no_change', notes: 'Still right.' }, 201);
  let d = await docOf(doc.id);
  assert.equal(d.last_reviewed_on, '2026-01-31');
  assert.equal(d.next_review_on, '2026-02-28', 'one month after 31 January is the end of February');
  assert.equal(d.current_version_id, doc.current_version_id);
  const r2 = await S.ism.ok('POST', '/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2026-03-15',
    reviewer_id: S.ism.person, outcome: 'change_needed' }, 201);
  d = await docOf(doc.id);
  assert.equal(d.last_reviewed_on, '2026-03-15');
  assert.equal(d.next_review_on, '2026-02-28', 'a change needed keeps the date until a new version is published');
  const twelve = await publishedDoc({ review_months: 12 });
  await S.ism.ok('POST', '/api/v1/document_reviews', { document_id: twelve.doc.id, reviewed_on: '2024-02-29',
    reviewer_id: S.ism.person, outcome: 'no_change' }, 201);
  assert.equal((await docOf(twelve.doc.id)).next_review_on, '2025-02-28');
  // correcting a review's notes moves nothing again
  await S.ism.ok('PATCH', `/api/v1/document_reviews/${r1.id}`, { notes: 'Still right, checked twice.' });
  assert.deepEqual(await docOf(doc.id), d);
  assert.ok(r2.id);
  // bad input
  assertProblem(await S.ism.post('/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2027-02-30',
    reviewer_id: S.ism.person, outcome: 'no_change' }), 422, 'reviewed_on');
  assertProblem(await S.ism.post('/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2027-02-01',
    reviewer_id: S.ism.person, outcome: 'maybe' }), 422, 'outcome');
  // reviewers record their own reviews; staff none
  assertProblem(await S.ops.post('/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2027-02-01',
    reviewer_id: S.ism.person, outcome: 'no_change' }), 403);
  assertProblem(await S.staff.post('/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2027-02-01',
    reviewer_id: S.staff.person, outcome: 'no_change' }), 403);
  assertProblem(await S.auditor.post('/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2027-02-01',
    reviewer_id: S.auditor.person, outcome: 'no_change' }), 403);
  // a review of a document someone else owns is not the operations manager's to record
  assertProblem(await S.ops.post('/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2026-04-01',
    reviewer_id: S.ops.person, outcome: 'no_change' }), 403);
});

test('the review\'s change of the document is recorded under the reviewer',
  async () => {
    // the operations manager reviews a document she owns; one she does not own is not hers to
    // review, and a review dated after today is refused
    const { doc } = await publishedDoc({ owner_id: S.ops.person });
    const other = (await publishedDoc()).doc;
    assertProblem(await S.ops.post('/api/v1/document_reviews', { document_id: other.id, reviewed_on: '2026-06-01',
      reviewer_id: S.ops.person, outcome: 'no_change' }), 403);
    assertProblem(await S.ops.post('/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2099-06-01',
      reviewer_id: S.ops.person, outcome: 'no_change' }), 422, 'reviewed_on');
    await S.ops.ok('POST', '/api/v1/document_reviews', { document_id: doc.id, reviewed_on: '2026-06-01',
      reviewer_id: S.ops.person, outcome: 'no_change' }, 201);
    const h = await history('documents', doc.id);
    const last = h[h.length - 1];
    assert.deepEqual(Object.keys(last.changes).sort(), ['last_reviewed_on', 'next_review_on']);
    assert.equal(last.actor, WHO.ops);
  });

// ---- retirement ----

test('retiring supersedes the unread acknowledgements and takes the document off the trust page', async () => {
  const { doc, ver } = await publishedDoc({ classification: 'public', audience: 'everyone', title: 'To be retired' }, 'Retired text\n');
  assert.ok((await srv.req('GET', '/trust')).text.includes(`/trust/${doc.id}"`));
  const acks = await acksOf(ver);
  const ben = acks.find((a) => a.person_id === S.staff.person);
  const aisha = acks.find((a) => a.person_id === S.support.person);
  await stepOk(S.support, 'acknowledgements', aisha.id, 'acknowledge');
  assert.ok(mustRead((await S.staff.get('/')).text).some((l) => l.href === `/acknowledgements/${ben.id}/read`));
  for (const role of ['board', 'ops', 'auditor']) assertProblem(await vstep(S[role], ver.id, 'retire'), 403);
  assertProblem(await vstep(S.staff, ver.id, 'retire'), 404);
  const r = await stepOk(S.ism, 'document_versions', ver.id, 'retire');
  assert.equal(r.status, 'retired');
  const d = await docOf(doc.id);
  assert.equal(d.status, 'retired');
  const after = await acksOf(ver);
  assert.equal(after.find((a) => a.id === aisha.id).status, 'acknowledged', 'what was read stays read');
  assert.equal(after.filter((a) => a.status === 'pending').length, 0);
  assert.equal(after.filter((a) => a.status === 'superseded').length, acks.length - 1);
  assertProblem(await step(S.staff, 'acknowledgements', ben.id, 'acknowledge'), 409, 'status');
  assert.ok(!mustRead((await S.staff.get('/')).text).some((l) => l.href === `/acknowledgements/${ben.id}/read`));
  // off the trust page, and not found there by id
  assert.ok(!(await srv.req('GET', '/trust')).text.includes(`/trust/${doc.id}"`));
  assert.equal((await srv.req('GET', `/trust/${doc.id}`)).status, 404);
  // no new versions; nothing to retire twice; the text stays as it was
  const nv = await S.ism.post('/api/v1/document_versions', { document_id: doc.id });
  assertProblem(nv, 422, 'document_id');
  assertProblem(await vstep(S.ism, ver.id, 'retire'), 409, 'status');
  assertProblem(await vstep(S.ism, ver.id, 'publish'), 409, 'status');
  assertFixed(await S.ism.patch(`/api/v1/document_versions/${ver.id}`, { body: 'x' }));
  assertProblem(await S.ism.del(`/api/v1/document_versions/${ver.id}`), 409);
  assertProblem(await S.ism.del(`/api/v1/documents/${doc.id}`), 409);
  // and nobody is asked to read it any more: the coverage page has nobody waiting
  const cov = coverageOf((await S.ism.get(`/documents/${doc.id}/coverage`)).text);
  assert.deepEqual(cov.pending, []);
});

// ---- races ----

test('races: one new version of a document at a time',
  async () => {
    for (let round = 0; round < 5; round++) {
      const doc = await newDoc();
      const made = await Promise.all(Array.from({ length: 8 }, () => S.ism.post('/api/v1/document_versions', { document_id: doc.id, body: 'Race\n' })));
      assert.equal(made.filter((r) => r.status === 201).length, 1, made.map((r) => r.status).join(','));
      for (const r of made.filter((x) => x.status !== 201)) assert.ok([409, 422].includes(r.status), r.text);
      const vs = await S.ism.all('document_versions', `&document_id=${doc.id}`);
      assert.deepEqual(vs.map((v) => [v.number, v.status]), [[1, 'draft']]);
    }
  });

test('races: one sign-off per role, one publication, one acknowledgement', async () => {
  const doc = await newDoc({ kind: 'policy', audience: 'everyone' });
  const v = await newVersion(doc, 'Race\n');
  await stepOk(S.ism, 'document_versions', v.id, 'submit');
  const signs = await Promise.all(Array.from({ length: 6 }, () => vstep(S.ism, v.id, 'approve')));
  assert.equal(signs.filter((r) => r.status === 200).length, 1, signs.map((r) => r.status).join(','));
  for (const r of signs.filter((x) => x.status !== 200)) assert.ok([403, 409, 412].includes(r.status), r.text);
  const boards = await Promise.all(Array.from({ length: 6 }, () => vstep(S.board, v.id, 'approve')));
  assert.equal(boards.filter((r) => r.status === 200).length, 1, boards.map((r) => r.status).join(','));
  for (const r of boards.filter((x) => x.status !== 200)) assert.ok([403, 409, 412].includes(r.status), r.text);
  assert.equal((await S.ism.all('document_signoffs', `&version_id=${v.id}`)).length, 2);
  const pubs = await Promise.all(Array.from({ length: 6 }, () => vstep(S.ism, v.id, 'publish')));
  assert.equal(pubs.filter((r) => r.status === 200).length, 1, pubs.map((r) => r.status).join(','));
  const acks = await acksOf(v);
  assert.deepEqual(acks.map((a) => a.person_id).sort((a, b) => a - b), audience(EVERYONE), 'each asked once');
  const ben = acks.find((a) => a.person_id === S.staff.person);
  const ackd = await Promise.all(Array.from({ length: 6 }, () => step(S.staff, 'acknowledgements', ben.id, 'acknowledge')));
  assert.equal(ackd.filter((r) => r.status === 200).length, 1, ackd.map((r) => r.status).join(','));
  for (const r of ackd.filter((x) => x.status !== 200)) assert.ok([409, 412].includes(r.status), r.text);
  assert.equal((await history('acknowledgements', ben.id)).filter((e) => e.action === 'acknowledge').length, 1);
});

// ---- history and the audit chain ----

test('history has an event for every step and every sign-off, under who took it', async () => {
  const doc = await newDoc({ kind: 'policy', audience: 'everyone', classification: 'public' });
  const v = await newVersion(doc, 'Audited text\n');
  await stepOk(S.ism, 'document_versions', v.id, 'submit');
  await stepOk(S.board, 'document_versions', v.id, 'return', { decision_note: 'Not yet' });
  await stepOk(S.ism, 'document_versions', v.id, 'submit');
  await stepOk(S.ism, 'document_versions', v.id, 'approve');
  await stepOk(S.board, 'document_versions', v.id, 'approve');
  await stepOk(S.ism, 'document_versions', v.id, 'publish');
  const ben = (await acksOf(v)).find((a) => a.person_id === S.staff.person);
  await stepOk(S.staff, 'acknowledgements', ben.id, 'acknowledge');
  await stepOk(S.ism, 'document_versions', v.id, 'retire');

  const vh = await history('document_versions', v.id);
  assert.deepEqual(vh.map((e) => [e.action, e.actor]), [['create', WHO.ism], ['submit', WHO.ism], ['return', WHO.board],
    ['submit', WHO.ism], ['approve', WHO.ism], ['approve', WHO.board], ['publish', WHO.ism], ['retire', WHO.ism]]);
  assert.deepEqual(vh[1].changes.status, ['draft', 'in_review']);
  assert.deepEqual(vh[2].changes.status, ['in_review', 'draft']);
  assert.deepEqual(vh[2].changes.decision_note, [null, 'Not yet']);
  assert.equal(vh[4].changes.status, undefined, 'the first sign-off leaves it in review');
  assert.deepEqual(vh[5].changes.status, ['in_review', 'approved']);
  assert.deepEqual(vh[5].changes.body_hash, [null, blake2b('Audited text\n')]);
  assert.deepEqual(vh[6].changes.status, ['approved', 'published']);
  assert.deepEqual(vh[7].changes.status, ['published', 'retired']);
  for (const e of vh) assert.match(e.hash, /^[0-9a-f]{64}$/);
  // each sign-off is its own audited record, created under the signer
  const so = await S.ism.all('document_signoffs', `&version_id=${v.id}`);
  assert.equal(so.length, 2);
  for (const s of so) {
    const h = await history('document_signoffs', s.id);
    assert.deepEqual(h.map((e) => [e.action, e.actor]), [['create', s.signed_by]]);
    assert.deepEqual(h[0].changes.body_hash, [null, blake2b('Audited text\n')]);
    assert.deepEqual(h[0].changes.role, [null, s.role]);
  }
  // publication and retirement changed the document, under the ISM
  const dh = await history('documents', doc.id);
  assert.deepEqual(dh.map((e) => [e.action, e.actor]), [['create', WHO.ism], ['update', WHO.ism], ['update', WHO.ism]]);
  assert.deepEqual(dh[1].changes.status, ['draft', 'published']);
  assert.deepEqual(dh[1].changes.current_version_id, [null, v.id]);
  assert.deepEqual(dh[2].changes.status, ['published', 'retired']);
  // each acknowledgement: asked by the publisher, acknowledged by its person, superseded by the retirement
  const bh = await history('acknowledgements', ben.id);
  assert.deepEqual(bh.map((e) => [e.action, e.actor]), [['create', WHO.ism], ['acknowledge', WHO.staff]]);
  assert.deepEqual(bh[1].changes.status, ['pending', 'acknowledged']);
  const other = (await acksOf(v)).find((a) => a.person_id === S.support.person);
  const oh = await history('acknowledgements', other.id);
  assert.deepEqual(oh.map((e) => [e.action, e.actor]), [['create', WHO.ism], ['update', WHO.ism]]);
  assert.deepEqual(oh[1].changes.status, ['pending', 'superseded']);
  // the person reads their own acknowledgement's history, not the version's
  assert.equal((await S.staff.ok('GET', `/api/v1/acknowledgements/${ben.id}/history`)).items.length, 2);
  // change requests and reviews too
  const cr = await S.staff.ok('POST', '/api/v1/change_requests', { document_id: doc.id, title: 'x', reason: 'y', raised_by_id: S.staff.person }, 201);
  await stepOk(S.ism, 'change_requests', cr.id, 'reject', { decision_note: 'Retired' });
  const ch = await history('change_requests', cr.id);
  assert.deepEqual(ch.map((e) => [e.action, e.actor]), [['create', WHO.staff], ['reject', WHO.ism]]);
  assert.deepEqual(ch[1].changes.decision_note, [null, 'Retired']);
});

test('custos audit verify holds after every step taken above', async () => {
  const r = cli(['audit', 'verify', '--db', srv.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok \d+ events\nok \d+ records match their audit history\nok \d+ accounts, \d+ API tokens and the security settings match their audit history\nok \d+ files match their hashes\n$/);
});
