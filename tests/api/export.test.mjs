// export.test.mjs - register exports from the outside: `custos export` (CSV, XLSX, JSON, to
// stdout or atomically to a file, and its usage errors) and GET /api/v1/{entity}/export (the
// list's filters and sort, the caller's read scope, bad parameters, the formula guard end to
// end, XLSX as a real workbook read back with python3's zipfile).
import { test, before, after } from 'node:test';
import { parseCsv, csvTable } from './csv.mjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, cli, assertProblem, assetBody } from './harness.mjs';

const FORMULA = '=HYPERLINK("http://x")';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let server, ism, staff, head, external, dir;
const rec = {};

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
  rec.staff = await mk('people', { name: 'Sam Staff', email: 'staff@test.example', department_id: rec.ops.id });
  rec.head = await mk('people', { name: 'Hana Head', email: 'head@test.example', department_id: rec.fin.id });
  rec.other = await mk('people', { name: 'Olu Other', email: 'other@test.example', department_id: rec.ops.id });
  rec.assets = [];
  const add = async (name, owner, dept, extra) => rec.assets.push(await mk('assets', assetBody(owner.id, dept.id, { name, ...extra })));
  await add('Staff laptop', rec.staff, rec.ops, { type: 'pc_laptop', confidentiality: 3 });
  await add('Staff phone, spare', rec.staff, rec.ops, { type: 'mobile_device', description: 'Line 1\nLine "2"' });
  await add('Mail server', rec.other, rec.ops, { type: 'server', location: 'Rack 4' });
  await add('Ledger server', rec.head, rec.fin, { type: 'server', integrity: 4 });
  await add('Payroll export', rec.head, rec.fin, { type: 'electronic_data', review_on: '2027-01-31' });
  server.addUser('staff@test.example', 'staff', 'Sam Staff');
  server.addUser('head@test.example', 'department_head', 'Hana Head');
  server.addUser('external@test.example', 'external', 'Ext');
  staff = await server.tokenClient('staff@test.example');
  head = await server.tokenClient('head@test.example');
  external = await server.tokenClient('external@test.example');
  dir = mkdtempSync(join(tmpdir(), 'custos-export-'));
});
after(async () => {
  await server.stop();
  server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

// CSV rows as objects keyed by the header.
const csvObjects = (text) => csvTable(text).rows;

// Reads an XLSX with python3's zipfile: its entries, the first sheet, the workbook and the
// shared strings (if the writer used them).
function readXlsx(bytes) {
  const path = join(dir, `read-${Math.random().toString(36).slice(2)}.xlsx`);
  writeFileSync(path, bytes);
  const py = `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
names = z.namelist()
get = lambda n: z.read(n).decode('utf-8') if n in names else None
print(json.dumps({'bad': bad, 'names': names, 'sheet': get('xl/worksheets/sheet1.xml'),
  'workbook': get('xl/workbook.xml'), 'shared': get('xl/sharedStrings.xml')}))`;
  const r = spawnSync('python3', ['-c', py, path], { encoding: 'utf8' });
  rmSync(path, { force: true });
  assert.equal(r.status, 0, r.stderr);
  const x = JSON.parse(r.stdout);
  assert.equal(x.bad, null, 'a corrupt zip entry');
  return x;
}

// Every text a sheet holds, inline or shared, unescaped.
function sheetTexts(x) {
  const out = [];
  for (const src of [x.sheet, x.shared || '']) {
    for (const m of src.matchAll(/<t(?: [^>]*)?>([^<]*)<\/t>/g)) {
      out.push(m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    }
  }
  return out;
}

async function download(client, query) {
  const res = await fetch(`${server.base}/api/v1/assets/export?${query}`, { headers: client.h });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const ids = (items) => items.map((x) => Number(x.id));

test('custos export writes CSV and JSON to stdout, the same records as the list', async () => {
  const list = (await ism.get('/api/v1/assets?limit=500')).json;
  assert.equal(list.total, rec.assets.length);

  const csv = cli(['export', 'assets', '--format', 'csv', '--db', server.db]);
  assert.equal(csv.status, 0, csv.stderr);
  const [header] = parseCsv(csv.stdout);
  assert.deepEqual(header, Object.keys(list.items[0]));
  assert.deepEqual(header.slice(0, 2), ['id', 'name']);
  assert.deepEqual(header.slice(-3), ['version', 'created_at', 'updated_at']);
  const rows = csvObjects(csv.stdout);
  assert.deepEqual(ids(rows), ids(list.items), 'same records in the same (default) order');
  // references by their records' natural keys: a person's e-mail, a department's code
  const people = Object.fromEntries([rec.staff, rec.head, rec.other].map((p) => [p.id, p.email]));
  const depts = Object.fromEntries([rec.ops, rec.fin].map((d) => [d.id, d.code]));
  for (const [k, item] of list.items.entries()) {
    for (const [f, v] of Object.entries(item)) {
      const want = f === 'owner_id' ? people[v] : f === 'department_id' ? depts[v] : v === null ? '' : String(v);
      assert.equal(rows[k][f], want, `${item.name}: ${f}`);
    }
  }

  const json = cli(['export', 'assets', '--format', 'json', '--db', server.db]);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { items: list.items, total: list.total });
});

test('custos export --output writes the file atomically with mode 0640; XLSX is a workbook', async () => {
  const sub = mkdtempSync(join(dir, 'out-'));
  const out = join(sub, 'assets.xlsx');
  writeFileSync(out, 'an older export');
  const r = cli(['export', 'assets', '--format', 'xlsx', '--output', out, '--db', server.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.deepEqual(readdirSync(sub), ['assets.xlsx'], 'no temporary file is left behind');
  assert.equal(statSync(out).mode & 0o777, 0o640);
  const bytes = readFileSync(out);
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  const x = readXlsx(bytes);
  assert.ok(x.names.includes('xl/worksheets/sheet1.xml'), x.names.join(' '));
  assert.match(x.workbook, /<sheet name="Assets"/);
  const texts = sheetTexts(x);
  for (const a of rec.assets) assert.ok(texts.includes(a.name), `${a.name} is not in the sheet`);
  // field names in the header, as in CSV (labels are not unique, and import reads names);
  // labels for the choices, for people
  for (const name of ['id', 'name', 'owner_id', 'confidentiality', 'review_on', 'updated_at']) assert.ok(texts.includes(name), name);
  assert.ok(!texts.includes('Owner') && !texts.includes('Next review'), 'no labels in the header');
  assert.ok(texts.includes('PC / laptop') && texts.includes('Confidential') && texts.includes('In use'));
  assert.ok(!texts.includes('pc_laptop'), 'an enum is shown by its value, not its label');

  const j = cli(['export', 'people', '--format', 'json', '--output', join(sub, 'people.json'), '--db', server.db]);
  assert.equal(j.status, 0, j.stderr);
  assert.equal(JSON.parse(readFileSync(join(sub, 'people.json'), 'utf8')).total, 3);
});

test('custos export: a wrong register or format says what is wrong and exits 2', () => {
  const cases = [
    [['export', 'nonsense', '--format', 'csv'], /no register 'nonsense'.*assets/],
    [['export', 'assets', '--format', 'xls'], /--format: 'xls' is not csv, xlsx or json/],
    [['export', 'assets'], /--format is required/],
    [['export', '--format', 'csv'], /missing argument/],
    [['export', 'assets', 'people', '--format', 'csv'], /unexpected argument 'people'/],
  ];
  for (const [args, msg] of cases) {
    const r = cli([...args, '--db', server.db]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
    assert.match(r.stderr, /usage: custos export ENTITY\|soa --format csv\|xlsx\|json/);
    assert.equal(r.stdout, '');
  }
  const missing = cli(['export', 'assets', '--format', 'csv', '--db', `sqlite:${join(dir, 'nowhere.db')}`]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no database/);
  const unwritable = cli(['export', 'assets', '--format', 'csv', '--output', join(dir, 'no', 'such', 'dir.csv'), '--db', server.db]);
  assert.equal(unwritable.status, 1);
  assert.match(unwritable.stderr, /cannot write/);
  const help = cli(['help', 'export']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--output FILE/);
  assert.match(cli(['help']).stdout, /export +export a register/);
});

test('the API export answers a file with the list\'s filters and sort', async () => {
  const q = 'type=server,pc_laptop&sort=-name';
  const list = (await ism.get(`/api/v1/assets?${q}&limit=500`)).json;
  assert.equal(list.items.length, 3);

  const csv = await download(ism, `format=csv&${q}`);
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(csv.headers.get('content-disposition'), 'attachment; filename="assets.csv"');
  assert.equal(csv.headers.get('cache-control'), 'no-store');
  assert.deepEqual(ids(csvObjects(csv.bytes.toString('utf8'))), ids(list.items));
  // a text with a comma, quotes and a line break survives the round trip
  const all = csvObjects((await download(ism, 'format=csv&q=spare')).bytes.toString('utf8'));
  assert.equal(all.length, 1);
  assert.equal(all[0].name, 'Staff phone, spare');
  assert.equal(all[0].description, 'Line 1\nLine "2"');

  const json = await download(ism, `format=json&${q}`);
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type'), /^application\/json/);
  assert.equal(json.headers.get('content-disposition'), 'attachment; filename="assets.json"');
  assert.deepEqual(JSON.parse(json.bytes), { items: list.items, total: 3 });

  const xlsx = await download(ism, `format=xlsx&${q}`);
  assert.equal(xlsx.status, 200);
  assert.equal(xlsx.headers.get('content-type'), XLSX_TYPE);
  assert.equal(xlsx.headers.get('content-disposition'), 'attachment; filename="assets.xlsx"');
  const x = readXlsx(xlsx.bytes);
  // header row bold and frozen, an autofilter over the header and the three rows
  assert.match(x.sheet, /<pane [^>]*ySplit="1"[^>]*state="frozen"/);
  assert.match(x.sheet, /<autoFilter ref="A1:[A-Z]+4"\/>/);
  assert.match(x.sheet, /<row r="1"[^>]*><c r="A1" s="\d+"/);
  assert.doesNotMatch(x.sheet, /<row r="5"/);
  // ids are numbers; references the records' keys, as in CSV
  for (const a of list.items) assert.match(x.sheet, new RegExp(`<c r="A\\d+"[^>]*><v>${a.id}</v></c>`));
  const names = sheetTexts(x);
  assert.ok(names.includes('head@test.example') && names.includes('FIN'), 'references by key');
  assert.deepEqual(list.items.map((a) => a.name).filter((n) => names.includes(n)), list.items.map((a) => a.name));
});

test('the API export honours the caller\'s read scope, like the list', async () => {
  const staffCsv = csvObjects((await download(staff, 'format=csv')).bytes.toString('utf8'));
  const mine = rec.assets.filter((a) => a.owner_id === rec.staff.id);
  assert.equal(mine.length, 2);
  assert.deepEqual(ids(staffCsv).sort(), ids(mine).sort(), 'staff export only the assets they own');
  for (const [client, who] of [[staff, 'staff'], [head, 'department head'], [ism, 'ISM']]) {
    const list = (await client.get('/api/v1/assets?limit=500')).json;
    const exp = JSON.parse((await download(client, 'format=json')).bytes);
    assert.deepEqual(ids(exp.items), ids(list.items), who);
    assert.equal(exp.total, list.total, who);
    // filters narrow within the scope, never beyond it
    const servers = JSON.parse((await download(client, 'format=json&type=server')).bytes);
    assert.deepEqual(ids(servers.items), ids(list.items.filter((a) => a.type === 'server')), `${who} servers`);
  }
  const headItems = JSON.parse((await download(head, 'format=json')).bytes).items;
  assert.ok(headItems.length === 2 && headItems.every((a) => a.department_id === rec.fin.id));
  const x = readXlsx((await download(staff, 'format=xlsx')).bytes);
  const texts = sheetTexts(x);
  assert.ok(texts.includes('Staff laptop') && !texts.includes('Mail server') && !texts.includes('Ledger server'));
  // no read permission at all: 403, as for the list
  assertProblem(await external.get('/api/v1/assets/export?format=csv'), 403);
  assertProblem(await external.get('/api/v1/assets?limit=1'), 403);
  assertProblem(await server.req('GET', '/api/v1/assets/export?format=csv'), 401);
});

test('bad export parameters are 400 problems naming the parameter', async () => {
  const cases = [
    ['', 'format'], ['format=', 'format'], ['format=xls', 'format'], ['format=CSV', 'format'],
    ['format=csv&format=json', 'format'], ['format=csv&limit=5', 'limit'], ['format=csv&cursor=x', 'cursor'],
    ['format=csv&bogus=1', 'bogus'], ['format=csv&sort=nope', 'sort'], ['format=csv&confidentiality=9x', 'confidentiality'],
  ];
  for (const [q, field] of cases) {
    const r = await ism.get(`/api/v1/assets/export?${q}`);
    assertProblem(r, 400, field);
    assert.ok(r.json.detail.includes(field), `${q}: ${r.text}`);
  }
  assertProblem(await ism.get('/api/v1/nonsense/export?format=csv'), 404);
  assertProblem(await ism.req('POST', '/api/v1/assets/export?format=csv', { body: {} }), 405);
});

test('text a spreadsheet would run is exported with a leading apostrophe', async () => {
  const made = await ism.post('/api/v1/assets', assetBody(rec.other.id, rec.ops.id, {
    name: FORMULA, location: '@SUM(A1)', description: '-2+3', identifier: '+44 1234',
  }));
  assert.equal(made.status, 201, made.text);
  try {
    const csv = (await download(ism, `format=csv&q=${encodeURIComponent('HYPERLINK')}`)).bytes.toString('utf8');
    assert.ok(csv.includes(`"'=HYPERLINK(""http://x"")"`), csv);
    const [row] = csvObjects(csv);
    assert.equal(row.name, `'${FORMULA}`);
    assert.equal(row.location, "'@SUM(A1)");
    assert.equal(row.description, "'-2+3");
    assert.equal(row.identifier, "'+44 1234");
    assert.equal(row.id, String(made.json.id), 'numbers are never prefixed');
    assert.equal(row.confidentiality, '2');

    const x = readXlsx((await download(ism, 'format=xlsx&q=HYPERLINK')).bytes);
    assert.doesNotMatch(x.sheet, /<f>|<f /, 'the sheet must hold no formula');
    const texts = sheetTexts(x);
    for (const t of [`'${FORMULA}`, "'@SUM(A1)", "'-2+3", "'+44 1234"]) assert.ok(texts.includes(t), `${t} not in ${texts}`);

    // JSON is data, not a sheet: the value exactly as stored
    const json = JSON.parse((await download(ism, 'format=json&q=HYPERLINK')).bytes);
    assert.equal(json.items[0].name, FORMULA);
  } finally {
    assert.equal((await ism.del(`/api/v1/assets/${made.json.id}`)).status, 204);
  }
});

test('the export route is in the OpenAPI document with its format parameter', async () => {
  const doc = (await ism.get('/api/v1/openapi.json')).json;
  const op = doc.paths['/api/v1/assets/export']?.get;
  assert.ok(op, 'GET /api/v1/assets/export is not documented');
  const fmt = op.parameters.find((p) => p.name === 'format');
  assert.equal(fmt.required, true);
  assert.deepEqual(fmt.schema.enum, ['csv', 'xlsx', 'json']);
  const names = op.parameters.map((p) => p.name);
  assert.ok(names.includes('q') && names.includes('sort') && names.includes('type'));
  assert.ok(!names.includes('limit') && !names.includes('cursor'));
  assert.deepEqual(Object.keys(op.responses['200'].content).sort(), ['application/json', 'text/csv', XLSX_TYPE].sort());
});
