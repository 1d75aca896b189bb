// oscal.test.mjs - control catalogues from outside, over the real binary: `custos import oscal`
// of NIST's LOW and HIGH baselines and the full SP 800-53 Rev 5 catalog (counts checked against
// a walk of the JSON here), `custos import mapping` of NIST's 800-53 <-> ISO 27001:2013 tables
// with look-ups both ways over the API, POST /api/v1/frameworks/import?format=oscal (201,
// 400/403/409/413/415, CSV still imported without format), the UI upload page with its CSRF
// token, and malformed files that change nothing; the audit trail stays whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, cli, assertProblem } from './harness.mjs';

const SHARED = process.env.CUSTOS_SHARED || new URL('../../../shared', import.meta.url).pathname;
const NIST = join(SHARED, 'data/oscal/sp800-53-rev5');
const LOW = join(NIST, 'NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json');
const HIGH = join(NIST, 'NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json');
const FULL = join(NIST, 'legacy-v5.0.1/NIST_SP-800-53_rev5_catalog.json');
const PROFILE = join(NIST, 'NIST_SP-800-53_rev5_LOW-baseline_profile.json');
const MAPS = join(SHARED, 'data/frameworks/nist-sp800-53r5_iso27001-2013');

let server, ism, staff;

before(async () => {
  server = new Server();
  server.addUser('ism@test.example', 'isms_manager', 'Ism');
  server.addUser('staff@test.example', 'staff', 'Staff');
  await server.start();
  ism = await server.tokenClient('ism@test.example');
  staff = await server.tokenClient('staff@test.example');
});
after(async () => {
  await server.stop();
  server.cleanup();
});

// Controls, enhancements and withdrawn ones, counted here from the JSON itself.
function tally(catalog) {
  const t = { controls: 0, enhancements: 0, withdrawn: 0 };
  const controls = (list, nested) => {
    for (const c of list || []) {
      t.controls++;
      if (nested) t.enhancements++;
      if ((c.props || []).some((p) => p.name === 'status' && p.value === 'withdrawn')) t.withdrawn++;
      controls(c.controls, true);
    }
  };
  const groups = (list) => { for (const g of list || []) { controls(g.controls, false); groups(g.groups); } };
  controls(catalog.catalog.controls, false);
  groups(catalog.catalog.groups);
  return t;
}

const summary = (t) => new RegExp(`: ${t.controls} controls \\(${t.enhancements} enhancements, ${t.withdrawn} withdrawn\\)\\n$`);

async function frameworkByCode(code) {
  const r = await ism.get(`/api/v1/frameworks?code=${encodeURIComponent(code)}`);
  assert.equal(r.status, 200, r.text);
  return r.json.items.find((f) => f.code === code);
}

async function controlsOf(fid) {
  const r = await ism.get(`/api/v1/catalog_controls?framework_id=${fid}&limit=1`);
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}

async function controlId(fid, label) {
  const r = await ism.get(`/api/v1/catalog_controls?framework_id=${fid}&control_id=${encodeURIComponent(label)}`);
  assert.equal(r.status, 200, r.text);
  const c = r.json.items.find((x) => x.control_id === label);
  assert.ok(c, `${label} in framework ${fid}`);
  return c;
}

const frameworksTotal = async () => (await ism.get('/api/v1/frameworks?limit=1')).json.total;
const controlsTotal = async () => (await ism.get('/api/v1/catalog_controls?limit=1')).json.total;

test('custos import oscal: the LOW and HIGH baselines and the full catalog, counted against the file', async () => {
  for (const [file, code] of [[LOW, 'nist-low'], [HIGH, null], [FULL, 'nist-800-53r5']]) {
    const want = tally(JSON.parse(readFileSync(file, 'utf8')));
    const args = ['import', 'oscal', file, '--db', server.db, ...(code ? ['--code', code] : [])];
    const r = cli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^imported NIST Special Publication 800-53 Revision 5/);
    assert.match(r.stdout, summary(want));
    // not a terminal: no progress lines in a log
    assert.doesNotMatch(r.stderr, /controls: \d+\/\d+/);
    const fcode = code || 'nist-sp-800-53-rev5-high-baseline-resolved-profile-catalog-min';
    const fw = await frameworkByCode(fcode);
    assert.ok(fw, fcode);
    assert.equal(fw.kind, 'nist80053');
    assert.equal(await controlsOf(fw.id), want.controls);
  }
  assert.deepEqual([149, 370], [tally(JSON.parse(readFileSync(LOW, 'utf8'))).controls, tally(JSON.parse(readFileSync(HIGH, 'utf8'))).controls]);
  // an enhancement names the control it enhances; a withdrawn one says so
  const full = await frameworkByCode('nist-800-53r5');
  const ac2 = await controlId(full.id, 'AC-2'), ac2_10 = await controlId(full.id, 'AC-2(10)');
  assert.equal(ac2_10.parent_id, ac2.id);
  assert.equal(ac2_10.withdrawn, true);
  assert.equal(ac2.group_id, 'AC');
  assert.equal(ac2.group_title, 'Access Control');
  const ac1 = await controlId(full.id, 'AC-1');
  assert.match(ac1.statement, /^- \*\*a\.\*\* Develop, document, and disseminate to \[Assignment: organization-defined personnel or roles\]:/);
  assert.match(ac1.statement, /\[Selection \(one or more\): Organization-level; Mission\/business process-level; System-level\]/);
  assert.doesNotMatch(ac1.statement, /\{\{/);
  assert.match(ac1.guidance, /^Access control policy and procedures address/);

  // the same code again, a profile, a missing file: exit 1 and nothing more stored
  const before = [await frameworksTotal(), await controlsTotal()];
  let r = cli(['import', 'oscal', LOW, '--code', 'nist-low', '--db', server.db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nothing was imported: a framework with the code 'nist-low' exists already/);
  r = cli(['import', 'oscal', PROFILE, '--db', server.db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not an OSCAL catalog but a profile/);
  r = cli(['import', 'oscal', join(NIST, 'nope.json'), '--db', server.db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /No such file/);
  r = cli(['import', 'oscal', '--db', server.db]);
  assert.equal(r.status, 2);
  assert.deepEqual([await frameworksTotal(), await controlsTotal()], before);
});

test('custos import mapping: NIST 800-53 <-> ISO 27001:2013, looked up both ways over the API', async () => {
  let r = cli(['import', 'catalogue', 'iso27001-2013', '--db', server.db]);
  assert.equal(r.status, 0, r.stderr);
  r = cli(['import', 'mapping', join(MAPS, 'sp800-53r5_to_iso27001-2013.csv'), '--from', 'nist-800-53r5',
    '--to', 'iso27001-2013', '--db', server.db]);
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/^imported (\d+) mappings nist-800-53r5 -> iso27001-2013 from 739 rows \(nist_control_id -> iso27001_2013_ref\); 0 mapped already, 161 rows without a mapping, (\d+) identifiers not found\n$/);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) > 300, r.stdout);
  // the clauses 4-10 are reported once each and skipped
  assert.match(r.stderr, /^skipped, no control of iso27001-2013 \(column iso27001_2013_ref\): [^\n]*\b5\.2 \(\d+ rows\)/m);

  const nist = await frameworkByCode('nist-800-53r5'), iso = await frameworkByCode('iso27001-2013');
  const ac2 = await controlId(nist.id, 'AC-2'), a921 = await controlId(iso.id, 'A.9.2.1');
  // from the NIST control: its ISO equivalents
  r = await ism.get(`/api/v1/control_mappings?from_id=${ac2.id}&limit=500`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.some((x) => x.to_id === a921.id && x.name === 'AC-2 \u2192 A.9.2.1 (intersects)'), r.text);
  assert.ok(r.json.items.every((x) => x.from_id === ac2.id && x.relationship === 'intersects'));
  // to the ISO control: the NIST controls mapped onto it
  r = await ism.get(`/api/v1/control_mappings?to_id=${a921.id}&limit=500`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.some((x) => x.from_id === ac2.id), r.text);
  // SC-38 -> A.12.x: every A.12 control
  const sc38 = await controlId(nist.id, 'SC-38');
  r = await ism.get(`/api/v1/control_mappings?from_id=${sc38.id}&limit=500`);
  assert.equal(r.json.total, 14);
  assert.ok(r.json.items.every((x) => /^SC-38 \u2192 A\.12\./.test(x.name)));

  // NIST's second table, ISO -> NIST: the other direction, from the ISO control
  r = cli(['import', 'mapping', join(MAPS, 'iso27001-2013_to_sp800-53r5.csv'), '--from', 'iso27001-2013',
    '--to', 'nist-800-53r5', '--db', server.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /All XX-1 controls \(\d+ rows\)/);
  r = await ism.get(`/api/v1/control_mappings?from_id=${a921.id}&limit=500`);
  assert.ok(r.json.items.some((x) => x.to_id === ac2.id), r.text);

  // the wrong way round, an unknown framework, a bad relationship: exit 1, nothing stored
  const total = (await ism.get('/api/v1/control_mappings?limit=1')).json.total;
  for (const [args, msg] of [
    [['--from', 'iso27001-2013', '--to', 'nist-800-53r5'], /right way round/],
    [['--from', 'nist-800-53r5', '--to', 'iso27001-2099'], /no framework with the code 'iso27001-2099'/],
    [['--from', 'nist-800-53r5', '--to', 'iso27001-2013', '--relationship', 'same'], /relationship must be/],
  ]) {
    r = cli(['import', 'mapping', join(MAPS, 'sp800-53r5_to_iso27001-2013.csv'), ...args, '--db', server.db]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, msg);
  }
  assert.equal((await ism.get('/api/v1/control_mappings?limit=1')).json.total, total);
  r = cli(['import', 'mapping', join(MAPS, 'sp800-53r5_to_iso27001-2013.csv'), '--db', server.db]);
  assert.equal(r.status, 2);
});

// The AC family of the LOW baseline: a real catalog under the API's 1 MiB.
function smallCatalog() {
  const doc = JSON.parse(readFileSync(LOW, 'utf8'));
  doc.catalog.groups = doc.catalog.groups.filter((g) => g.id === 'ac' || g.id === 'at');
  delete doc.catalog['back-matter'];
  doc.catalog.metadata.title = 'Small probe catalogue';
  return doc;
}

test('POST /api/v1/frameworks/import?format=oscal: 201 with the counts; refusals change nothing', async () => {
  const doc = smallCatalog();
  const text = JSON.stringify(doc);
  assert.ok(text.length < 1 << 20, `${text.length} bytes`);
  const want = tally(doc);
  const JSONCT = { 'Content-Type': 'application/json' };
  let r = await ism.req('POST', '/api/v1/frameworks/import?format=oscal&code=probe-api', { raw: text, headers: JSONCT });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual({ ...r.json, framework_id: 0 }, { framework_id: 0, code: 'probe-api', name: 'Small probe catalogue',
    edition: doc.catalog.metadata.version, ...want });
  assert.equal(r.headers.get('location'), `/api/v1/frameworks/${r.json.framework_id}`);
  assert.equal(await controlsOf(r.json.framework_id), want.controls);
  const fw = (await ism.get(`/api/v1/frameworks/${r.json.framework_id}`)).json;
  assert.equal(fw.source, 'OSCAL import (upload)');
  // without a code: made from the title
  r = await ism.req('POST', '/api/v1/frameworks/import?format=oscal', { raw: text, headers: JSONCT });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.code, 'small-probe-catalogue');

  const before = [await frameworksTotal(), await controlsTotal()];
  const post = (body, qs = '?format=oscal', headers = JSONCT, who = ism) =>
    who.req('POST', `/api/v1/frameworks/import${qs}`, { raw: body, headers });
  const untitled = structuredClone(doc);
  delete untitled.catalog.groups[0].controls[3].title;
  const wrongType = structuredClone(doc);
  wrongType.catalog.groups[1].controls = { id: 'x' };
  const cases = [
    [text.slice(0, text.length / 2), 400, /nothing was imported: not JSON/],
    [readFileSync(PROFILE, 'utf8'), 400, /not an OSCAL catalog but a profile/],
    [JSON.stringify(untitled), 400, /catalog\.groups\[0\]\.controls\[3\]: control 'ac-\d+' has no title/],
    [JSON.stringify(wrongType), 400, /catalog\.groups\[1\]\.controls must be an array/],
    ['['.repeat(100000), 400, /not JSON/],
    [text, 409, /code 'probe-api' exists already/, '?format=oscal&code=probe-api'],
    [readFileSync(LOW), 413, /custos import oscal FILE/],
    [text, 415, /application\/json/, '?format=oscal', { 'Content-Type': 'text/plain' }],
    [text, 400, null, '?format=xml'],
    [text, 400, null, '?format=oscal&partial=true'],
    [text, 403, null, '?format=oscal', JSONCT, staff],
  ];
  for (const [body, status, detail, qs, headers, who] of cases) {
    r = await post(body, qs, headers, who);
    assertProblem(r, status);
    if (detail) assert.match(r.json.detail, detail);
  }
  assert.deepEqual([await frameworksTotal(), await controlsTotal()], before);

  // without format the route is the frameworks register's CSV import, as before
  r = await ism.req('POST', '/api/v1/frameworks/import', { raw: 'code,name,kind\ncsv-fw,From CSV,other\n',
    headers: { 'Content-Type': 'text/csv' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, 1);
});

function upload(fields) {
  const fd = new FormData();
  for (const [k, v] of fields) {
    if (k === 'file') fd.append('file', new Blob([v], { type: 'application/json' }), 'catalog.json');
    else fd.append(k, v);
  }
  return fd;
}

test('the UI: "Import OSCAL catalog" from the frameworks list, the upload with its CSRF token', async () => {
  const s = await server.login('ism@test.example');
  const page = (path, who = s) => server.req('GET', path, { headers: { Cookie: who.cookie } });
  let r = await page('/frameworks');
  assert.equal(r.status, 200);
  assert.match(r.text, /<a class="button plain" href="\/frameworks\/oscal">Import OSCAL catalog<\/a>/);
  r = await page('/frameworks/oscal');
  assert.equal(r.status, 200);
  assert.match(r.text, /<form class="record card" method="post" enctype="multipart\/form-data" action="\/frameworks\/oscal">/);
  assert.match(r.text, /<input type="hidden" name="_csrf" value="[^"]+">/);
  assert.match(r.text, /<input type="file" id="f-file" name="file" required/);
  assert.match(r.text, /custos import oscal FILE/);
  const st = await server.login('staff@test.example');
  assert.equal((await page('/frameworks/oscal', st)).status, 403);

  const doc = smallCatalog();
  doc.catalog.metadata.title = 'Uploaded <b>catalogue</b>';
  const text = JSON.stringify(doc);
  const post = (fields, who = s) => server.req('POST', '/frameworks/oscal', { raw: upload(fields), headers: { Cookie: who.cookie } });
  const before = await frameworksTotal();
  for (const fields of [[['file', text]], [['_csrf', ''], ['file', text]], [['_csrf', st.csrf], ['file', text]]]) {
    r = await post(fields);
    assert.equal(r.status, 403);
    assert.match(r.text, /The form has expired or did not come from this site/);
  }
  assert.equal(await frameworksTotal(), before);
  r = await post([['_csrf', s.csrf], ['file', text], ['code', 'ui-upload']]);
  assert.equal(r.status, 200, r.text);
  const want = tally(doc);
  assert.match(r.text, new RegExp(`Imported <a href="/frameworks/\\d+">Uploaded &lt;b&gt;catalogue&lt;/b&gt;</a> [^<]* as <code>ui-upload</code>: ${want.controls} controls \\(${want.enhancements} enhancements?, ${want.withdrawn} withdrawn\\)`));
  assert.equal(await frameworksTotal(), before + 1);
  // malformed and refused uploads: the reason, the code kept, nothing stored
  for (const [fields, status, msg] of [
    [[['file', text.slice(0, 5000)], ['code', 'ui-bad']], 400, /Nothing was imported: not JSON/],
    [[['file', text], ['code', 'ui-upload']], 409, /exists already/],
    [[['code', 'ui-none']], 422, /Choose an OSCAL catalog file/],
  ]) {
    r = await post([['_csrf', s.csrf], ...fields]);
    assert.equal(r.status, status, r.text);
    assert.match(r.text, msg);
    assert.match(r.text, /<div role="alert"/);
  }
  assert.match(r.text, /value="ui-none"/);
  assert.equal(await frameworksTotal(), before + 1);
});

test('the audit trail holds after every import', () => {
  const r = cli(['audit', 'verify', '--db', server.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok \d+ events/);
});
