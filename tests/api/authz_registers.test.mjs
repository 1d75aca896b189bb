// authz_registers.test.mjs - the authorization matrix of every register, derived from the
// running code's declarations: `custos permissions` (role x register -> scopes) x `custos
// registers --json` (plurals, scope columns, file fields, workflow steps) x every account of
// the demo organisation (all roles; staff and heads in two departments; accounts linked to no
// person) x every action: list with its total, a cursor walk, search, filters, the three
// exports, record reads, history, files, writes and workflow steps (each with a stale
// If-Match, so an allowed one answers 412 and nothing changes), creates with an empty body,
// and the web pages. What each account must see is computed from the ground truth read from
// the database behind Custos's back. A register added to the code is covered with no change
// here. The last test shows that no probe changed anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from './harness.mjs';
import { demoOrganisationOrStop, declarations, truth, inScope, checksum, pool, csvIds, xlsxIds, sorted } from './authz_lib.mjs';

// A version no record has: allowed writes answer 412 Precondition Failed and change nothing.
const STALE = '"999999999"';
// If-Match: "0" is a well-formed ETag naming no version (they start at 1): stale like any other.
const ZERO_ETAG_ANSWERS = [412];
// Probes known to fail today, keyed "plural:group" (groups: lists, records, pages) -> the
// reason; such a subtest runs as todo. Empty while the matrix holds.
const KNOWN = {};

const REGS = declarations();
let org, before0, probes = 0;
const answers = {}; // status -> how many probes got it
const T = {};   // plural -> ground truth rows
const ALL = {}; // plural -> id -> the record as a reader of everything sees it

before(async () => {
  org = await demoOrganisationOrStop();
  for (const e of REGS) T[e.plural] = truth(org, e.plural);
  // the auditor reads every register: the records' values, for search words and filters
  for (const e of REGS) {
    const r = await org.accounts.auditor.get(`/api/v1/${e.plural}/export?format=json`);
    assert.equal(r.status, 200, `${e.plural}: ${r.text}`);
    ALL[e.plural] = new Map(r.json.items.map((x) => [x.id, x]));
  }
  before0 = checksum(org);
});

after(async () => {
  if (!org) return;
  try { await org.server.stop(); } finally { org.server.cleanup(); }
});

const accounts = () => Object.values(org.accounts);
const perm = (a, e) => org.perms[a.role][e.plural];
const readable = (a, e, row) => !!row && !row.missing && inScope(perm(a, e).read, a, row);
const frozen = (e, row) => e.frozen_states.includes(row.state);
const visibleIds = (a, e) => T[e.plural].filter((row) => readable(a, e, row)).map((row) => row.id);

// ---- what each request must answer (the rules of src/http/api.c and ui_register.c) ----

function apiRead(a, e, row) {
  if (perm(a, e).read === 'none') return 403;
  return readable(a, e, row) ? 200 : 404;
}
// PATCH, DELETE and file writes with a stale If-Match: permission first, then the record's
// frozen state, then the version.
function apiWrite(a, e, row, action) {
  const p = perm(a, e);
  if (p[action] === 'none') return 403;
  if (!readable(a, e, row)) return 404;
  if (!inScope(p[action], a, row)) return 403;
  return frozen(e, row) ? 409 : 412;
}
// A workflow step with a stale If-Match: a role without the step learns nothing of a record
// it cannot read (404) and is told it may not when it can (403).
// A role that reads the whole register is told so even of an id that does not exist: it could
// list every record anyway.
function apiStep(a, e, row, step) {
  const p = perm(a, e), s = p.steps[step];
  if (s === 'none' && p.read === 'all') return 403;
  if (!readable(a, e, row)) return 404;
  return s !== 'none' && inScope(s, a, row) ? 412 : 403;
}
function uiStep(a, e, row, step) {
  const s = perm(a, e).steps[step];
  if (s === 'none') return 403;
  if (!readable(a, e, row)) return 404;
  return inScope(s, a, row) ? 412 : 403;
}
function uiEdit(a, e, row) {
  const p = perm(a, e);
  if (p.read === 'none' || p.update === 'none') return 403;
  if (!readable(a, e, row)) return 404;
  if (!inScope(p.update, a, row)) return 403;
  return frozen(e, row) ? 409 : 200;
}
// The edit form posted with a stale version: shown again with the conflict (409).
function uiUpdate(a, e, row) {
  const s = apiWrite(a, e, row, 'update');
  return s === 412 ? 409 : s;
}

// ---- probing ----

// Sends one request, counts it, and returns the answer.
async function send(a, method, path, opts) {
  probes++;
  const r = await a.req(method, path, opts);
  answers[r.status] = (answers[r.status] || 0) + 1;
  return r;
}
async function sendBytes(a, path) {
  probes++;
  const res = await fetch(org.server.base + path, { headers: { Cookie: a.cookie } });
  answers[res.status] = (answers[res.status] || 0) + 1;
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
}

// A failure list per subtest: every mismatch is named, not only the first.
function checker() {
  const bad = [];
  return {
    bad,
    status(what, r, want) {
      const ok = Array.isArray(want) ? want.includes(r.status) : r.status === want;
      if (!ok) bad.push(`${what}: ${r.status}, want ${want} ${r.text ? r.text.slice(0, 160) : ''}`);
      return ok;
    },
    same(what, got, want) {
      const g = JSON.stringify(sorted(got)), w = JSON.stringify(sorted(want));
      if (g !== w) bad.push(`${what}: ids ${g.slice(0, 200)}, want ${w.slice(0, 200)}`);
    },
    ok(what, cond) { if (!cond) bad.push(what); },
    done() { assert.deepEqual(bad.slice(0, 40), [], `${bad.length} failures`); },
  };
}

// The records each account is probed with: one it owns, one of its department it does not
// own, two of neither, one holding a file, and one that does not exist; spread over the
// register by the account's place so that accounts probe different records.
function samples(a, i, e) {
  const rows = T[e.plural];
  const own = rows.filter((r) => e.own_column && a.person && r.own === a.person);
  const dept = rows.filter((r) => e.dept_column && a.dept && r.dept === a.dept && !own.includes(r));
  const other = rows.filter((r) => !own.includes(r) && !dept.includes(r));
  const pick = (list, k = 0) => (list.length ? list[(i + k) % list.length] : null);
  const out = [pick(own), pick(dept), pick(other), pick(other, 1 + (other.length >> 1)),
    rows.find((r) => Object.values(r.files).some(Boolean))];
  const max = rows.reduce((m, r) => Math.max(m, r.id), 0);
  return [...new Set(out.filter(Boolean)), { id: max + 1000, missing: true, own: 0, dept: 0, state: '', files: {} }];
}

// A word of a record that ?q= searches, for looking for the record where it must not be found.
function searchWord(e, rec) {
  for (const f of e.fields) {
    if (!f.flags.includes('search') || typeof rec[f.name] !== 'string') continue;
    const words = rec[f.name].split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3);
    if (words.length) return words.sort((x, y) => y.length - x.length)[0];
  }
  return null;
}

// The filters an out-of-scope record's values make: its scope columns, its state, its label.
function filtersOf(e, rec) {
  const names = new Set([e.own_column, e.dept_column, e.workflow?.state_field, e.label_field, 'id']);
  const out = [];
  for (const n of names) {
    const f = e.fields.find((x) => x.name === n);
    if (!n || (n !== 'id' && (!f || !f.filterable))) continue;
    const v = rec[n];
    if (v === null || v === undefined || typeof v === 'object') continue;
    const text = String(v);
    if (text.includes(',') || text.length > 200) continue; // a comma lists alternatives
    out.push([n, text]);
  }
  return out;
}

// Follows the cursor from the first page to the last.
async function walk(a, path, limit) {
  const ids = [], totals = [];
  let cursor = null;
  for (let page = 0; page < 200; page++) {
    const r = await send(a, 'GET', `${path}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (r.status !== 200) return { status: r.status, text: r.text };
    ids.push(...r.json.items.map((x) => x.id));
    totals.push(r.json.total);
    cursor = r.json.next;
    if (!cursor) return { status: 200, ids, totals };
  }
  return { status: 0, text: 'the walk did not end' };
}

// ---- lists, totals, searches, filters, exports ----

function listTasks(a, e, c) {
  const p = perm(a, e);
  const base = `/api/v1/${e.plural}`;
  const want = visibleIds(a, e);
  const who = `${a.key} ${e.plural}`;
  const tasks = [];
  if (p.read === 'none') {
    for (const path of [`${base}?limit=5`, `${base}/export?format=csv`, `${base}/export?format=json`,
      `${base}/export?format=xlsx`, `/${e.plural}`, `/${e.plural}/export.csv`]) {
      tasks.push(async () => c.status(`${who} GET ${path}`, await send(a, 'GET', path), 403));
    }
    return tasks;
  }
  tasks.push(async () => {
    const r = await send(a, 'GET', `${base}?limit=500`);
    if (!c.status(`${who} list`, r, 200)) return;
    if (want.length <= 500) c.same(`${who} list`, r.json.items.map((x) => x.id), want);
    c.ok(`${who} list: total ${r.json.total}, want ${want.length}`, r.json.total === want.length);
  });
  tasks.push(async () => {
    const label = e.fields.find((f) => f.name === e.label_field && f.filterable);
    const sort = label ? `-${label.name}` : '-id';
    const limit = Math.max(3, Math.ceil(want.length / 8));
    const w = await walk(a, `${base}?sort=${sort}`, limit);
    if (!c.status(`${who} walk sort=${sort} limit=${limit}`, w, 200)) return;
    c.ok(`${who} walk: an id twice`, new Set(w.ids).size === w.ids.length);
    c.same(`${who} walk sort=${sort} limit=${limit}`, w.ids, want);
    c.ok(`${who} walk: totals ${w.totals}, want ${want.length}`, w.totals.every((t) => t === want.length));
  });
  // records out of scope, looked for by search and by their own values
  const inside = new Set(want);
  const outside = T[e.plural].filter((r) => !inside.has(r.id));
  for (const row of [outside[0], outside[outside.length >> 1]].filter((x, k, l) => x && l.indexOf(x) === k)) {
    const rec = ALL[e.plural].get(row.id);
    const word = rec && searchWord(e, rec);
    const probe = (what, query, mustHave) => tasks.push(async () => {
      const r = await send(a, 'GET', `${base}?${query}&limit=500`);
      if (!c.status(`${who} ${what}`, r, 200)) return;
      const got = r.json.items.map((x) => x.id);
      c.ok(`${who} ${what} finds ${e.plural} ${row.id}, outside its scope`, !got.includes(row.id));
      c.ok(`${who} ${what} answers records outside its scope: ${got.filter((id) => !inside.has(id))}`, got.every((id) => inside.has(id)));
      c.ok(`${who} ${what}: total ${r.json.total} for ${got.length} items`, r.json.total === got.length);
      for (const id of mustHave || []) c.ok(`${who} ${what} misses ${id}`, got.includes(id));
    });
    if (word) probe(`q=${word}`, `q=${encodeURIComponent(word)}`);
    for (const [field, value] of rec ? filtersOf(e, rec) : []) {
      // the records in scope with exactly that value must still be found
      const same = want.filter((id) => String(ALL[e.plural].get(id)?.[field]) === value);
      probe(`${field}=${value}`, `${field}=${encodeURIComponent(value)}`, same);
      if (field === e.label_field) {
        const v = encodeURIComponent(value);
        probe(`${field}.gte=${value}&${field}.lte=${value}`, `${field}.gte=${v}&${field}.lte=${v}`);
      }
    }
  }
  tasks.push(async () => {
    const r = await send(a, 'GET', `${base}/export?format=csv`);
    if (c.status(`${who} export csv`, r, 200)) c.same(`${who} export csv`, csvIds(r.text), want);
  });
  tasks.push(async () => {
    const r = await send(a, 'GET', `${base}/export?format=json`);
    if (!c.status(`${who} export json`, r, 200)) return;
    c.same(`${who} export json`, r.json.items.map((x) => x.id), want);
    c.ok(`${who} export json: total ${r.json.total}`, r.json.total === want.length);
  });
  tasks.push(async () => {
    const r = await sendBytes(a, `${base}/export?format=xlsx`);
    if (c.status(`${who} export xlsx`, r, 200)) c.same(`${who} export xlsx`, xlsxIds(r.bytes), want);
  });
  tasks.push(async () => {
    const r = await send(a, 'GET', `/${e.plural}?limit=500`);
    if (!c.status(`${who} page /${e.plural}`, r, 200) || want.length > 500) return;
    const linked = new Set([...r.text.matchAll(new RegExp(`href="/${e.plural}/(\\d+)"`, 'g'))].map((m) => Number(m[1])));
    c.ok(`${who} page /${e.plural} links records outside its scope: ${[...linked].filter((id) => !inside.has(id))}`,
      [...linked].every((id) => inside.has(id)));
    c.ok(`${who} page /${e.plural} misses records: ${want.filter((id) => !linked.has(id)).slice(0, 10)}`, want.every((id) => linked.has(id)));
  });
  tasks.push(async () => {
    const r = await send(a, 'GET', `/${e.plural}/export.csv`);
    if (c.status(`${who} /${e.plural}/export.csv`, r, 200)) c.same(`${who} /${e.plural}/export.csv`, csvIds(r.text), want);
  });
  return tasks;
}

// Creates: with nothing in it, refused for want of the right (403), as invalid (422) where
// the role creates anywhere, and as outside its scope (403) where the role creates only its
// own or its department's records: an empty record belongs to nobody. (Issue 14 item 13 may
// default a field that names oneself to the acting user, which makes some of those 422.)
// With the scope columns of a record outside the scope: 403 before any check of the values;
// with the account's own person and department: in scope, so 422 for the missing fields.
function createTasks(a, e, c) {
  const scope = perm(a, e).create;
  const empty = scope === 'none' ? 403 : scope === 'all' ? 422 : [403, 422];
  const who = `${a.key} ${e.plural}`;
  const post = (what, body, want) => [
    async () => c.status(`${who} POST /api/v1/${e.plural} ${what}`, await send(a, 'POST', `/api/v1/${e.plural}`, { body }), want),
    async () => c.status(`${who} POST /${e.plural} ${what} (form)`, await send(a, 'POST', `/${e.plural}`, { form: body }), want),
  ];
  const tasks = [...post('{}', {}, empty),
    async () => c.status(`${who} GET /${e.plural}/new`, await send(a, 'GET', `/${e.plural}/new`), scope === 'none' ? 403 : 200)];
  if (scope === 'none' || scope === 'all') return tasks;
  const writable = (col) => col && e.fields.some((f) => f.name === col && !f.flags.includes('readonly'));
  const cols = [['own', e.own_column], ['dept', e.dept_column]].filter(([, col]) => writable(col));
  if (!cols.length) return tasks;
  const out = T[e.plural].find((r) => !inScope(scope, a, r) && cols.every(([k]) => r[k]));
  if (out) tasks.push(...post(`outside (${cols.map(([k, col]) => `${col}=${out[k]}`)})`,
    Object.fromEntries(cols.map(([k, col]) => [col, out[k]])), 403));
  const mine = { own: a.person, dept: a.dept };
  if (cols.every(([k]) => mine[k]) && inScope(scope, a, mine)) {
    tasks.push(...post(`inside (${cols.map(([k, col]) => `${col}=${mine[k]}`)})`,
      Object.fromEntries(cols.map(([k, col]) => [col, mine[k]])), 422));
  }
  return tasks;
}

// ---- records: read, history, files, writes, steps ----

function recordTasks(a, i, e, c) {
  const tasks = [];
  const files = e.fields.filter((f) => f.type === 'file').map((f) => f.name);
  const steps = (e.workflow?.steps || []).map((s) => s.name);
  for (const row of samples(a, i, e)) {
    const api = `/api/v1/${e.plural}/${row.id}`;
    const who = `${a.key} ${row.missing ? 'missing ' : ''}${e.plural} ${row.id} (own ${row.own}, dept ${row.dept}${row.state ? `, ${row.state}` : ''})`;
    const stale = { headers: { 'If-Match': STALE } };
    tasks.push(async () => c.status(`${who} GET`, await send(a, 'GET', api), apiRead(a, e, row)));
    tasks.push(async () => c.status(`${who} history`, await send(a, 'GET', `${api}/history`), apiRead(a, e, row)));
    tasks.push(async () => c.status(`${who} PATCH`, await send(a, 'PATCH', api, { body: {}, ...stale }), apiWrite(a, e, row, 'update')));
    tasks.push(async () => c.status(`${who} DELETE`, await send(a, 'DELETE', api, stale), apiWrite(a, e, row, 'delete')));
    if (apiWrite(a, e, row, 'update') === 412) {
      tasks.push(async () => c.status(`${who} PATCH If-Match "0"`, await send(a, 'PATCH', api, { body: {}, headers: { 'If-Match': '"0"' } }),
        ZERO_ETAG_ANSWERS));
    }
    for (const f of files) {
      tasks.push(async () => {
        const r = await send(a, 'GET', `${api}/files/${f}`);
        const want = apiRead(a, e, row) !== 200 ? apiRead(a, e, row) : row.files[f] ? 200 : 404;
        if (c.status(`${who} GET file ${f}`, r, want) && want === 404) {
          const detail = readable(a, e, row) ? 'the record has no file' : 'no such record';
          c.ok(`${who} GET file ${f}: '${r.json?.detail}', want '${detail}'`, r.json?.detail === detail);
        }
      });
      tasks.push(async () => c.status(`${who} PUT file ${f}`, await send(a, 'PUT', `${api}/files/${f}?name=x.txt`,
        { raw: 'x', headers: { 'Content-Type': 'text/plain', 'If-Match': STALE } }), apiWrite(a, e, row, 'update')));
      tasks.push(async () => c.status(`${who} DELETE file ${f}`, await send(a, 'DELETE', `${api}/files/${f}`, stale), apiWrite(a, e, row, 'update')));
    }
    for (const s of steps) {
      tasks.push(async () => c.status(`${who} step ${s}`, await send(a, 'POST', `${api}/${s}`, stale), apiStep(a, e, row, s)));
    }
  }
  return tasks;
}

// ---- the web pages of records ----

// A record's writable values as its edit form posts them (a ticked box, a cleared one absent).
function formOf(e, rec) {
  const form = {};
  for (const f of e.fields) {
    const v = rec?.[f.name];
    if (f.type === 'file' || f.flags.includes('readonly') || v === null || v === undefined || v === false) continue;
    form[f.name] = String(v);
  }
  return form;
}

function pageTasks(a, i, e, c) {
  const tasks = [];
  const steps = (e.workflow?.steps || []).map((s) => s.name);
  for (const row of samples(a, i, e)) {
    const page = `/${e.plural}/${row.id}`;
    const who = `${a.key} ${row.missing ? 'missing ' : ''}${e.plural} ${row.id} (own ${row.own}, dept ${row.dept}${row.state ? `, ${row.state}` : ''})`;
    const stale = { form: { _version: STALE.replace(/"/g, '') } };
    // the edit form as the page fills it: a field left out of a form is emptied
    const edit = { form: { ...formOf(e, ALL[e.plural].get(row.id)), ...stale.form } };
    tasks.push(async () => c.status(`${who} GET ${page}`, await send(a, 'GET', page), apiRead(a, e, row)));
    tasks.push(async () => c.status(`${who} GET ${page}/edit`, await send(a, 'GET', `${page}/edit`), uiEdit(a, e, row)));
    tasks.push(async () => c.status(`${who} POST ${page}`, await send(a, 'POST', page, edit), uiUpdate(a, e, row)));
    tasks.push(async () => c.status(`${who} POST ${page}/delete`, await send(a, 'POST', `${page}/delete`, stale), apiWrite(a, e, row, 'delete')));
    for (const s of steps) {
      tasks.push(async () => c.status(`${who} POST ${page}/step/${s}`, await send(a, 'POST', `${page}/step/${s}`, stale), uiStep(a, e, row, s)));
    }
  }
  return tasks;
}

test('the permission table and the declarations agree, and the ground truth is what a reader of everything sees', () => {
  assert.ok(REGS.length >= 28, `${REGS.length} registers`);
  // --json declares what the text output lists: every register, its fields and steps
  const text = cli(['registers']).stdout;
  const plain = [...text.matchAll(/^([a-z_]+) \(/gm)].map((m) => m[1]);
  assert.deepEqual(REGS.map((e) => e.plural), plain);
  for (const e of REGS) {
    const block = text.slice(text.indexOf(`${e.plural} (`)).split(/\n(?=[a-z_]+ \()/)[0];
    for (const f of e.fields) assert.match(block, new RegExp(`^  ${f.name} +${f.type}`, 'm'), `${e.plural}.${f.name}`);
    if (e.workflow) assert.match(block, new RegExp(`steps: ${e.workflow.steps.map((x) => x.name).join(' ')}$`, 'm'));
  }
  for (const e of REGS) {
    assert.ok(T[e.plural].length > 0, `${e.plural} has records to probe`);
    assert.deepEqual(sorted(ALL[e.plural].keys()), T[e.plural].map((r) => r.id), `${e.plural}: the auditor reads every record`);
    for (const col of [e.own_column, e.dept_column]) {
      if (col && col !== 'id') assert.ok(e.fields.some((f) => f.name === col && f.type === 'reference'), `${e.plural}.${col}`);
    }
  }
  for (const role of Object.keys(org.perms)) assert.equal(Object.keys(org.perms[role]).length, REGS.length, role);
  // the accounts the matrix needs: every role, staff and heads in two departments, and nobody's
  const a = org.accounts;
  assert.notEqual(a.staff.dept, a.staff_2.dept);
  assert.notEqual(a.department_head.dept, a.department_head_2.dept);
  assert.ok(a.staff.person && a.staff_2.person && a.department_head.person && a.department_head_2.person);
  assert.equal(a.staff_nobody.person, 0);
  assert.equal(a.department_head_nobody.person, 0);
});

for (const e of REGS) {
  const groups = {
    lists: (a, i, c) => [...listTasks(a, e, c), ...createTasks(a, e, c)],
    records: (a, i, c) => recordTasks(a, i, e, c),
    pages: (a, i, c) => pageTasks(a, i, e, c),
  };
  for (const [group, make] of Object.entries(groups)) {
    const todo = KNOWN[`${e.plural}:${group}`];
    test(`${e.plural}: ${group}, for every account`, todo ? { todo } : {}, async () => {
      const c = checker();
      const tasks = accounts().flatMap((a, i) => make(a, i, c));
      await pool(tasks, 8);
      c.done();
    });
  }
}

test('no probe changed anything', () => {
  assert.equal(checksum(org), before0, 'a register table or the audit trail changed');
  const s = org.server.stderr.match(/runtime error|AddressSanitizer|LeakSanitizer/);
  assert.equal(s, null, org.server.stderr.slice(-2000));
  const by = Object.entries(answers).map(([k, n]) => `${n} x ${k}`).join(', ');
  console.log(`# authorization probes: ${probes} requests (${by}), ${accounts().length} accounts x ${REGS.length} registers` +
    (org.seeded.length ? `; filled from the declarations: ${org.seeded.join(', ')}` : ''));
});
