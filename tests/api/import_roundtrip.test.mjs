// import_roundtrip.test.mjs - exports that mean the same in another installation: every
// importable register of the demo exported (CSV, and XLSX) and imported into an empty
// installation in one command gives the same rows again, ids aside; references travel as
// natural keys and are found again by them (a person's department by its code, a department's
// head by e-mail, a second pass for the cycle); an unknown or ambiguous key refuses the row
// naming row and column; registers with a workflow are refused; a corrupt workbook is a clean
// 400 or CLI error; `custos import xlsx` is a command with its help.
import { test, before, after } from 'node:test';
import { csvTable } from './csv.mjs';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, Client, cli, assertProblem } from './harness.mjs';

const PW = 'custos-demo-password';
const ISM = 'daniel.okafor@westcloud.example';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SYSTEM = ['id', 'version', 'created_at', 'updated_at'];
// What docs/user-guide.md lists as importable whole (they round-trip); `custos registers` must
// agree, so a new register is classified here on purpose.
const IMPORTABLE = ['departments', 'people', 'assets', 'interested_parties', 'controls', 'evidence',
  'frameworks', 'catalog_controls', 'control_mappings', 'incident_targets'];
// Registers whose records (or those they belong to) move by workflow steps: imported as new
// records in their first state, like a create; a row in another state is refused.
const FIRST_STATE = ['risks', 'risk_actions', 'risk_assets', 'risk_methods', 'control_risks',
  'soa_versions', 'incidents', 'incident_assets', 'incident_notes', 'incident_actions'];

let demo, ism, dir;
const registers = new Map(); // plural -> { importable, key, refs: [field] }

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'custos-roundtrip-'));
  demo = new Server();
  await demo.start(['--demo']);
  const r = await demo.req('POST', '/api/v1/session', { body: { email: ISM, password: PW } });
  assert.equal(r.status, 200, r.text);
  ism = new Client(demo, { Cookie: r.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': r.json.csrf });
  let cur = null;
  for (const line of cli(['registers']).stdout.split('\n')) {
    const m = line.match(/^(\w+) \(/);
    if (m) registers.set(cur = m[1], { refs: [] });
    const i = line.match(/^ {2}import: (yes|first-state|no); key: (\S+)$/);
    if (i && cur) Object.assign(registers.get(cur), { importable: i[1] === 'yes', firstState: i[1] === 'first-state', key: i[2] });
    const f = line.match(/^ {2}(\w+)\s+reference\b/);
    if (f && cur) registers.get(cur).refs.push(f[1]);
  }
});

after(async () => {
  try { await demo?.stop(); } finally { demo?.cleanup(); rmSync(dir, { recursive: true, force: true }); }
});

const csvObjects = csvTable;

// The rows without their ids and bookkeeping, in an order that does not depend on ids.
function comparable(csv) {
  return csvObjects(csv).rows.map((r) => {
    const o = { ...r };
    for (const s of SYSTEM) delete o[s];
    return JSON.stringify(o);
  }).sort();
}

async function exportOf(plural, format) {
  const res = await fetch(`${demo.base}/api/v1/${plural}/export?format=${format}`, { headers: ism.h });
  assert.equal(res.status, 200, `${plural}.${format}`);
  return Buffer.from(await res.arrayBuffer());
}

function freshInstallation(name) {
  const db = `sqlite:${join(dir, `${name}.db`)}`;
  const r = cli(['init', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  return db;
}

// Exports every importable register, imports them all into an empty installation in one
// command (in reverse order: the import orders them), exports again and compares.
async function roundTrip(format) {
  const before = new Map(), args = [];
  for (const plural of [...IMPORTABLE].reverse()) {
    const bytes = await exportOf(plural, format);
    const path = join(dir, `${plural}.${format}`);
    writeFileSync(path, bytes);
    args.push(plural, path);
    before.set(plural, format === 'csv' ? bytes.toString('utf8') : (await exportOf(plural, 'csv')).toString('utf8'));
  }
  const db = freshInstallation(`empty-${format}`);
  const r = cli(['import', format, ...args, '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^imported \d+ incident targets, .* and \d+ departments\n$/);
  for (const plural of IMPORTABLE) {
    const again = cli(['export', plural, '--format', 'csv', '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    const want = comparable(before.get(plural)), got = comparable(again.stdout);
    assert.ok(want.length > 0, `the demo has ${plural}`);
    assert.deepEqual(got, want, `${plural}: the same rows after the round trip`);
  }
  const v = cli(['audit', 'verify', '--db', db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
}

test('the importable registers are the documented ones; every other is refused saying why', () => {
  assert.ok(registers.size >= 28, [...registers.keys()].join(' '));
  assert.deepEqual([...registers].filter(([, r]) => r.importable).map(([p]) => p).sort(), [...IMPORTABLE].sort());
  assert.deepEqual([...registers].filter(([, r]) => r.firstState).map(([p]) => p).sort(), [...FIRST_STATE].sort());
  const db = freshInstallation('refusals');
  const f = join(dir, 'one.csv');
  writeFileSync(f, 'title\r\nx\r\n');
  for (const [plural, r] of registers) {
    if (r.importable || r.firstState) continue;
    const res = cli(['import', 'csv', plural, f, '--db', db]);
    assert.equal(res.status, 1, plural);
    assert.match(res.stderr, /^custos: .+ cannot be imported: .+/, plural);
  }
});

test('every importable register of the demo, exported as CSV, imports into an empty installation as the same rows', async () => {
  // references by key, never by id: the ISM reads every record they name
  for (const plural of IMPORTABLE) {
    const { rows } = csvObjects((await exportOf(plural, 'csv')).toString('utf8'));
    const refs = registers.get(plural).refs;
    for (const row of rows) for (const h of refs) assert.doesNotMatch(row[h], /^#?\d+$/, `${plural}.${h}: ${row[h]}`);
  }
  await roundTrip('csv');
});

test('the same through XLSX exports and custos import xlsx', async () => {
  await roundTrip('xlsx');
});

test('the API imports by key: departments, then people by their department\'s code; unknown and ambiguous keys are refused naming row and column', async () => {
  const other = new Server();
  try {
    other.addUser('ism@other.example', 'isms_manager', 'Other ISM');
    await other.start();
    const c = await other.tokenClient('ism@other.example');
    const post = (plural, text, ct = 'text/csv', q = '') => c.req('POST', `/api/v1/${plural}/import${q}`, { raw: text, headers: { 'Content-Type': ct } });
    let r = await post('departments', 'name,code\r\nOperations,OPS\r\nFinance,\r\n');
    assert.equal(r.status, 200, r.text);
    r = await post('people', 'name,email,department_id\r\nAnn,ann@other.example,OPS\r\nBob,bob@other.example,Finance\r\n'
      + 'Cy,cy@other.example,Nowhere\r\nDee,dee@other.example,12\r\n');
    assertProblem(r, 422, 'department_id');
    assert.deepEqual(r.json.errors.map((e) => [e.row, e.field]), [[4, 'department_id'], [5, 'department_id']]);
    assert.match(r.json.errors[0].message, /^no Department has the code or name 'Nowhere'$/);
    assert.match(r.json.errors[1].message, /a number is read as a key; #12 is the record with that id here/);
    r = await post('people', 'name,email,department_id\r\nAnn,ann@other.example,OPS\r\nBob,bob@other.example,Finance\r\n', 'text/csv', '');
    assert.equal(r.status, 200, r.text);
    const people = (await c.get('/api/v1/people?sort=name')).json.items;
    const depts = Object.fromEntries((await c.get('/api/v1/departments')).json.items.map((d) => [d.name, d.id]));
    assert.deepEqual(people.map((p) => [p.name, p.department_id]), [['Ann', depts.Operations], ['Bob', depts.Finance]]);
    // a head by e-mail; #ID for a record of this installation by its id
    r = await post('departments', `name,code,head_id\r\nSales,SAL,ann@other.example\r\nLegal,LEG,#${people[1].id}\r\n`);
    assert.equal(r.status, 200, r.text);
    // ambiguous: a code given twice in one import (its second row refused for it too)
    const d2 = join(dir, 'dup-departments.csv'), p2 = join(dir, 'dup-people.csv');
    writeFileSync(d2, 'name,code\r\nDup one,DUP\r\nDup two,DUP\r\n');
    writeFileSync(p2, 'name,email,department_id\r\nEve,eve@other.example,DUP\r\n');
    const res = cli(['import', 'csv', 'people', p2, 'departments', d2, '--db', other.db]);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /^departments row 3, code: is already used by another record$/m);
    assert.match(res.stderr, /^people row 2, department_id: 'DUP' is the code of 2 departments: write one that names a single record$/m);
    // the XLSX export of one installation, through the API of another
    const x = await exportOf('interested_parties', 'xlsx');
    r = await post('interested_parties', x, XLSX);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.created > 0 && r.json.failed === 0, r.text);
    // a register with a workflow: records in their first state, never a step taken by a file
    const demoRisks = csvObjects((await exportOf('risks', 'csv')).toString('utf8'));
    const open = demoRisks.rows.find((x) => x.status === 'open');
    const accepted = demoRisks.rows.find((x) => x.status === 'accepted');
    assert.ok(open && accepted, 'the demo has an open and an accepted risk');
    const risky = (x, owner) => `title,owner_id,department_id,inherent_likelihood,inherent_impact,status\r\n`
      + `"${x.title}",${owner},OPS,${x.inherent_likelihood},${x.inherent_impact},${x.status}\r\n`;
    // the demo's method, as a new draft: its writable columns only
    const m0 = csvObjects((await exportOf('risk_methods', 'csv')).toString('utf8')).rows[0];
    const cols = ['name', 'likelihood_scale', 'impact_scale', 'combination', 'matrix', 'bands', 'appetite'];
    const q = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
    r = await post('risk_methods', `${cols.join(',')}\r\n${cols.map((k) => q(m0[k])).join(',')}\r\n`);
    assert.equal(r.status, 200, r.text);
    const method = (await c.get('/api/v1/risk_methods')).json.items[0];
    assert.equal((await c.post(`/api/v1/risk_methods/${method.id}/activate`, {})).status, 200);
    r = await post('risks', risky(accepted, 'ann@other.example'));
    assertProblem(r, 422, 'status');
    assert.match(r.json.errors[0].message, /the import makes it 'open', not 'accepted'/);
    assert.equal((await c.get('/api/v1/risks')).json.total, 0);
    r = await post('risks', risky(open, 'ann@other.example'));
    assert.equal(r.status, 200, r.text);
    const made = (await c.get('/api/v1/risks')).json.items[0];
    assert.equal(made.status, 'open');
    assert.equal(made.title, open.title);
  } finally {
    await other.stop();
    other.cleanup();
  }
});

test('a corrupt workbook is a 400 and a CLI error, and nothing is imported', async () => {
  const good = await exportOf('departments', 'xlsx');
  const db = freshInstallation('corrupt');
  const other = new Server();
  try {
    other.addUser('ism@corrupt.example', 'isms_manager', 'ISM');
    await other.start();
    const c = await other.tokenClient('ism@corrupt.example');
    const damaged = Buffer.from(good);
    for (let i = 200; i < 400; i += 5) damaged[i] ^= 0x55;
    for (const [what, bytes] of [['cut short', good.subarray(0, good.length >> 1)], ['damaged', damaged],
      ['not a zip', Buffer.from('name,code\r\nX,Y\r\n')]]) {
      const r = await c.req('POST', '/api/v1/departments/import', { raw: bytes, headers: { 'Content-Type': XLSX } });
      assertProblem(r, 400);
      assert.match(r.json.detail, /not an XLSX workbook that can be read/, what);
      assert.equal(r.json.errors.length, 1, what);
      assert.equal(r.json.errors[0].field, null, what);
      const path = join(dir, `bad-${what.replace(/ /g, '-')}.xlsx`);
      writeFileSync(path, bytes);
      const res = cli(['import', 'xlsx', 'departments', path, '--db', db]);
      assert.equal(res.status, 1, what);
      assert.match(res.stderr, /custos: nothing was imported\n$/, what);
      assert.match(res.stderr, /is not an XLSX workbook|damaged|malformed XML/, what);
    }
    assert.equal((await c.get('/api/v1/departments')).json.total, 0);
    // a workbook's bytes as text/csv are no CSV, and CSV as a workbook is no workbook
    assert.equal((await c.req('POST', '/api/v1/departments/import', { raw: good, headers: { 'Content-Type': 'text/csv' } })).status, 422);
  } finally {
    await other.stop();
    other.cleanup();
  }
  assert.equal(cli(['export', 'departments', '--format', 'csv', '--db', db]).stdout, 'id,name,code,head_id,description,version,created_at,updated_at\r\n');
});

test('custos import xlsx is a command: its help, its usage errors', () => {
  let r = cli(['help', 'import', 'xlsx']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^usage: custos import xlsx ENTITY FILE \[ENTITY FILE \.\.\.\] \[--partial\] \[--db URL\]/);
  assert.match(r.stdout, /--partial/);
  r = cli(['import', 'xlsx']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing argument\nusage: custos import xlsx ENTITY FILE/);
  assert.doesNotMatch(r.stderr, /unknown command/);
  r = cli(['import', 'xlsx', 'departments', join(dir, 'none.xlsx')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot read .*none\.xlsx/);
  r = cli(['help', 'import']);
  assert.match(r.stdout, /import csv ENTITY FILE/);
  assert.match(r.stdout, /import xlsx ENTITY FILE/);
  r = cli(['help', 'import', 'csv']);
  assert.match(r.stdout, /natural key/);
  assert.match(r.stdout, /#12 is the record with id 12/);
});
