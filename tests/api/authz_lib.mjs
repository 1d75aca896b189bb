// authz_lib.mjs - what the data-driven authorization tests (authz_registers.test.mjs,
// pickers.test.mjs) share: the registers and the permission table as the running binary
// declares them (`custos registers --json`, `custos permissions`), the demo organisation with
// an account for every role (two departments each for staff and heads, and accounts linked to
// nobody), every register filled, the ground truth of each record's scope columns read from
// the database behind Custos's back, and readers for the CSV and XLSX exports.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { Server, cli, PASSWORD } from './harness.mjs';

export const DEMO_PASSWORD = 'custos-demo-password';

// ---- the declarations ----

// Every register as `custos registers --json` declares it.
export function declarations() {
  const r = cli(['registers', '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// `custos permissions` as role -> plural -> { read, create, update, delete, steps: {step: scope} },
// each scope one of none, own, department, own+department, all.
export function permissions(regs) {
  const r = cli(['permissions']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('|'));
  const cells = (l) => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const titles = cells(lines[0]).slice(1);
  const byTitle = new Map(regs.map((e) => [e.title_plural, e]));
  for (const t of titles) assert.ok(byTitle.has(t), `the permission table names '${t}', no register is called that`);
  assert.equal(titles.length, regs.length, 'the permission table has a column for every register');
  const out = {};
  for (const l of lines.slice(2)) {
    const [role, ...row] = cells(l);
    out[role] = {};
    titles.forEach((t, i) => {
      const e = byTitle.get(t);
      const p = { read: 'none', create: 'none', update: 'none', delete: 'none', steps: {} };
      const steps = new Set((e.workflow?.steps || []).map((s) => s.name));
      for (const item of (row[i] || '').split(/\s+/).filter(Boolean)) {
        const [k, scope] = item.split(':');
        const action = { r: 'read', c: 'create', u: 'update', d: 'delete' }[k];
        if (action) p[action] = scope;
        else {
          assert.ok(steps.has(k), `${role} on ${e.plural}: '${k}' is no step of the register`);
          p.steps[k] = scope;
        }
      }
      for (const s of steps) p.steps[s] ??= 'none';
      out[role][e.plural] = p;
    });
  }
  return out;
}

// Whether a record (its own and department column values) lies in a scope for a subject
// ({ person, dept }, 0 for none): the rule authz_record_in_scope() enforces.
export function inScope(scope, subject, row) {
  if (scope === 'all') return true;
  const own = (scope === 'own' || scope === 'own+department') && subject.person > 0 && row.own === subject.person;
  const dept = (scope === 'department' || scope === 'own+department') && subject.dept > 0 && row.dept === subject.dept;
  return own || dept;
}

// ---- the organisation under test ----

// A signed-in account: API and UI requests with its session cookie and CSRF token.
export class Account {
  constructor(server, { key, role, email, cookie, csrf, person, dept }) {
    Object.assign(this, { s: server, key, role, email, cookie, csrf, person, dept });
  }
  req(method, path, { body, form, raw, headers = {} } = {}) {
    const h = { Cookie: this.cookie, 'X-CSRF-Token': this.csrf, ...headers };
    if (form !== undefined) {
      return this.s.req(method, path, { raw: new URLSearchParams(form).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...h } });
    }
    return this.s.req(method, path, { body, raw, headers: h });
  }
  get(path, opts) { return this.req('GET', path, opts); }
}

async function signIn(server, email, password) {
  const r = await server.req('POST', '/api/v1/session', { body: { email, password } });
  assert.equal(r.status, 200, `${email} signs in: ${r.text}`);
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: r.json.csrf };
}

// Rows of a query run on the database directly, split on '|' (ids and choice values only).
export function sqlRows(server, statement) {
  const out = server.sql(statement);
  return out ? out.split('\n').map((l) => l.split('|')) : [];
}

// A value for a field that the register's declaration allows, for filling an empty register.
function sampleValue(f, n, refs, who) {
  if (f.default !== null) return undefined;
  if (f.choices.length) return f.type === 'integer' ? Number(f.choices[0]) : f.choices[0];
  const today = new Date().toISOString().slice(0, 10);
  switch (f.type) {
    case 'text': case 'longtext': case 'markdown': return `Probe ${f.name} ${n}`;
    case 'email': return `probe${n}@test.example`;
    case 'integer': return f.min ?? 1;
    case 'boolean': return false;
    case 'date': return today;
    case 'timestamp': return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    case 'reference': {
      if (f.ref === 'person' && who.person) return who.person;
      if (f.ref === 'department' && who.dept) return who.dept;
      const ids = refs[f.ref] || [];
      return ids.length ? ids[n % ids.length] : undefined;
    }
    default: return undefined;
  }
}

// The demo organisation (serve --demo) with one account per role and more: `accounts` maps a
// key to an Account; `regs` and `perms` are the declarations; `truth(plural)` the ground truth.
export async function demoOrganisation({ threads, onStart } = {}) {
  const regs = declarations();
  const perms = permissions(regs);
  const server = new Server();
  onStart?.(server);
  await server.start(['--demo', ...(threads ? ['--threads', String(threads)] : [])]);
  const q = (s) => sqlRows(server, s);
  // the demo's own accounts, one per role but external, each with the demo password
  const demo = q(`SELECT u.email, r.role FROM users u JOIN user_roles r ON r.user_id = u.id ORDER BY u.id`);
  const plan = demo.map(([email, role]) => ({ key: role, role, email, password: DEMO_PASSWORD }));
  const linked = new Set(q('SELECT person_id FROM users WHERE person_id IS NOT NULL').map(([p]) => Number(p)));
  const deptOf = (email) => Number(q(`SELECT department_id FROM people WHERE email = '${email}'`)[0]?.[0] || 0);
  // a second head of department and a second staff member, in other departments than the
  // demo's, linked to demo people by e-mail; and accounts linked to no person
  const head1 = plan.find((a) => a.role === 'department_head');
  const staff1 = plan.find((a) => a.role === 'staff');
  const heads = q('SELECT d.id, p.id, p.email FROM departments d JOIN people p ON p.id = d.head_id ORDER BY d.id');
  const head2 = heads.find(([d, p]) => Number(d) !== deptOf(head1.email) && Number(d) !== deptOf(staff1.email) && !linked.has(Number(p)));
  assert.ok(head2, 'the demo has a head of department without an account');
  const headIds = new Set(heads.map(([, p]) => Number(p)));
  // the staff member in the first head's department who owns the most, so own scopes have data
  const owners = regs.filter((e) => e.own_column && e.own_column !== 'id')
    .map((e) => `SELECT ${e.own_column} AS p FROM ${e.plural}`).join(' UNION ALL ');
  const staff2 = q(`SELECT p.id, p.email FROM people p LEFT JOIN (${owners}) o ON o.p = p.id
    WHERE p.department_id = ${deptOf(head1.email)} GROUP BY p.id, p.email ORDER BY count(o.p) DESC, p.id`)
    .find(([p]) => !linked.has(Number(p)) && !headIds.has(Number(p)));
  assert.ok(staff2, 'the demo has a staff member without an account');
  const extra = [
    { key: 'department_head_2', role: 'department_head', email: head2[2] },
    { key: 'staff_2', role: 'staff', email: staff2[1] },
    { key: 'external', role: 'external', email: 'external@test.example' },
    { key: 'staff_nobody', role: 'staff', email: 'staff-nobody@test.example' },
    { key: 'department_head_nobody', role: 'department_head', email: 'head-nobody@test.example' },
  ];
  for (const a of extra) { server.addUser(a.email, a.role, a.key); a.password = PASSWORD; }
  plan.push(...extra);
  for (const role of Object.keys(perms)) assert.ok(plan.some((a) => a.role === role), `an account with the role ${role}`);
  const accounts = {};
  for (const a of plan) {
    const [[person, dept]] = q(`SELECT COALESCE(person_id, 0), COALESCE(department_id, 0) FROM users WHERE email = '${a.email}'`);
    accounts[a.key] = new Account(server, { ...a, ...(await signIn(server, a.email, a.password)),
      person: Number(person), dept: Number(dept) });
  }
  const org = { server, regs, perms, accounts, byPlural: Object.fromEntries(regs.map((e) => [e.plural, e])) };
  await fillEmptyRegisters(org);
  return org;
}

// demoOrganisation(), stopping the server when the set-up fails (a hook that throws leaves
// no `after` to do it).
export async function demoOrganisationOrStop(opts) {
  let started;
  try {
    return await demoOrganisation({ ...opts, onStart: (s) => { started = s; } });
  } catch (err) {
    if (started) { await started.stop().catch(() => {}); started.cleanup(); }
    throw err;
  }
}

// Every register gets records, so every probe has something to find: the ones the demo leaves
// empty are filled through the API by the ISM from their declarations, owned in turn by the
// people of the staff and head accounts; and one record of each register with a file field
// gets a file.
async function fillEmptyRegisters(org) {
  const { server, regs, accounts } = org;
  const ism = accounts.isms_manager;
  const people = ['staff', 'staff_2', 'department_head', 'department_head_2'].map((k) => accounts[k]);
  const idsOf = (plural) => sqlRows(server, `SELECT id FROM ${plural} ORDER BY id`).map(([id]) => Number(id));
  const refs = () => Object.fromEntries(regs.map((e) => [e.name, idsOf(e.plural)]));
  org.seeded = [];
  // registers in the order of their references: a register is filled after what it refers to
  const pending = regs.filter((e) => idsOf(e.plural).length === 0);
  for (let pass = 0; pass < 3 && pending.length; pass++) {
    for (const e of [...pending]) {
      const have = refs();
      let made = 0;
      const why = [];
      for (let n = 0; n < people.length; n++) {
        const who = e.own_column ? people[n] : {};
        const body = {};
        for (const f of e.fields) {
          if (f.flags.includes('readonly') || (!f.flags.includes('required') && f.name !== e.own_column && f.name !== e.dept_column)) continue;
          const v = sampleValue(f, n, have, f.name === e.own_column || f.name === e.dept_column ? who : {});
          if (v !== undefined) body[f.name] = v;
        }
        const r = await ism.req('POST', `/api/v1/${e.plural}`, { body });
        if (r.status === 201) made++;
        else why.push(`${r.status} ${r.text.slice(0, 300)}`);
      }
      if (made) { pending.splice(pending.indexOf(e), 1); org.seeded.push(`${e.plural}: ${made}`); }
      else if (pass === 2) assert.fail(`${e.plural} is empty in the demo and no record could be made from its declaration: ${why.join('; ')}`);
    }
  }
  // a file on the first record of every register that holds files
  for (const e of regs) {
    for (const f of e.fields.filter((x) => x.type === 'file')) {
      const [first] = idsOf(e.plural);
      const etag = (await ism.get(`/api/v1/${e.plural}/${first}`)).headers.get('etag');
      const r = await ism.req('PUT', `/api/v1/${e.plural}/${first}/files/${f.name}?name=probe.txt`,
        { raw: 'probe file\n', headers: { 'Content-Type': 'text/plain', 'If-Match': etag } });
      assert.equal(r.status, 200, `a file for ${e.plural} ${first}: ${r.text}`);
    }
  }
}

// Each record's id and the values that decide scopes: own, dept (0 for none), state, and which
// file fields hold a file; read from the database, not through Custos.
export function truth(org, plural) {
  const e = org.byPlural[plural];
  const files = e.fields.filter((f) => f.type === 'file').map((f) => f.name);
  const cols = ['id', e.own_column ? `COALESCE(${e.own_column}, 0)` : '0', e.dept_column ? `COALESCE(${e.dept_column}, 0)` : '0',
    e.workflow ? `COALESCE(${e.workflow.state_field}, '')` : `''`,
    ...files.map((f) => `CASE WHEN ${f} IS NULL THEN 0 ELSE 1 END`)];
  return sqlRows(org.server, `SELECT ${cols.join(', ')} FROM ${plural} ORDER BY id`).map(([id, own, dept, state, ...f]) => ({
    id: Number(id), own: Number(own), dept: Number(dept), state,
    files: Object.fromEntries(files.map((n, i) => [n, f[i] === '1'])),
  }));
}

// A digest of every register table and the audit trail, to show that nothing changed.
export function checksum(org) {
  const h = createHash('sha256');
  for (const e of org.regs) h.update(`${e.plural}\n${org.server.sql(`SELECT * FROM ${e.plural} ORDER BY id`)}\n`);
  h.update(org.server.sql('SELECT count(*), max(seq) FROM audit_events'));
  return h.digest('hex');
}

// ---- running many probes ----

// Runs the async functions at most `width` at a time; resolves with their results in order.
export async function pool(tasks, width = 6) {
  const out = new Array(tasks.length);
  let next = 0;
  const worker = async () => { while (next < tasks.length) { const i = next++; out[i] = await tasks[i](); } };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return out;
}

// ---- reading exports ----

// RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks) as rows of cells.
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// The ids (first column) of a CSV export.
export function csvIds(text) {
  const [header, ...rows] = parseCsv(text);
  assert.equal(header[0], 'id', `a CSV export starts with the id column: ${header}`);
  return rows.map((r) => Number(r[0]));
}

// One entry of a ZIP archive (stored or deflated), found through the central directory.
export function unzipEntry(bytes, name) {
  const b = Buffer.from(bytes);
  let eocd = b.length - 22;
  while (eocd >= 0 && b.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'not a ZIP archive');
  let p = b.readUInt32LE(eocd + 16);
  for (let n = b.readUInt16LE(eocd + 10); n > 0; n--) {
    assert.equal(b.readUInt32LE(p), 0x02014b50, 'a broken ZIP central directory');
    const method = b.readUInt16LE(p + 10), size = b.readUInt32LE(p + 20);
    const nlen = b.readUInt16LE(p + 28), xlen = b.readUInt16LE(p + 30), clen = b.readUInt16LE(p + 32);
    const local = b.readUInt32LE(p + 42);
    if (b.toString('utf8', p + 46, p + 46 + nlen) === name) {
      const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
      const data = b.subarray(start, start + size);
      return (method === 0 ? data : inflateRawSync(data)).toString('utf8');
    }
    p += 46 + nlen + xlen + clen;
  }
  return null;
}

// The ids (column A below the header row) of an XLSX export's first sheet.
export function xlsxIds(bytes) {
  const sheet = unzipEntry(bytes, 'xl/worksheets/sheet1.xml');
  assert.ok(sheet, 'an XLSX export has a first sheet');
  return [...sheet.matchAll(/<c r="A(\d+)"[^>]*>(?:<v>([^<]*)<\/v>)?/g)].filter((m) => m[1] !== '1').map((m) => Number(m[2]));
}

// Sorted copy of a list of ids, for comparing sets.
export const sorted = (ids) => [...ids].sort((a, b) => a - b);
