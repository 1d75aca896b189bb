// soa_oscal.test.mjs - the Statement of Applicability as OSCAL (issue 7 item 5): the export from
// the CLI (custos export soa --format oscal) and from the UI (/soa/export.oscal) is validated with
// ajv against NIST's official OSCAL 1.1.3 component-definition schema in ../shared/data/oscal
// (draft-07 with ajv-formats, as VALIDATE.md says), and checked against the SoA's JSON export:
// the same controls, applicability, reasons, statuses, owners and justifications. UUIDs are
// unique; the document's is new on every export, every other one is the same from one export
// to the next: version 5 UUIDs of documented names in the organisation record's namespace (a
// fixed one before there is a record). The organisation record names the organisation in the
// document. A justification with quotes, line breaks and <script> comes back exactly as typed.
// The validator is shown to catch broken documents, so a pass means something. NIST control
// identifiers are checked against NIST's own OSCAL catalogue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Server, cli } from './harness.mjs';

const SHARED = process.env.CUSTOS_SHARED || new URL('../../../shared', import.meta.url).pathname;
const OSCAL = join(SHARED, 'data', 'oscal');
const NS = 'https://custos.example/ns/oscal';
const DEMO_PASSWORD = 'custos-demo-password';
const ISM = 'daniel.okafor@westcloud.example';
const STAFF = 'ben.carter@westcloud.example';
// OSCAL's schema takes version 4 (random) and 5 (name-based) UUIDs only
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// the namespace while there is no organisation record (soa.h): uuid5(URL namespace, NS)
const DEFAULT_NAMESPACE = 'd745a5a8-3ae2-5a97-b4e7-9b8962728c19';
// quotes, a line break, markup and a formula start: all must come back exactly as typed
const NASTY = 'He said "no" & \'maybe\'\nline 2: <script>alert(1)</script>\n=HYPERLINK("x")\t\\end';

// OSCAL's JSON schemas are draft-07: ajv's default class, every format checked (ajv-formats);
// strict mode stays on, as it compiles these schemas without complaint.
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(OSCAL, 'schema', 'oscal_component_schema.json'), 'utf8')));

function assertValid(doc, what) {
  const ok = validate(doc);
  assert.ok(ok, `${what} is not valid OSCAL: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);
}

let srv;
let ism; // {cookie, csrf}
let dir;

// RFC 9562 version 5, written here independently of the server's C code.
function uuid5(ns, name) {
  const h = createHash('sha1').update(Buffer.from(ns.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

async function signIn(email) {
  const r = await srv.req('POST', '/api/v1/session', { body: { email, password: DEMO_PASSWORD } });
  assert.equal(r.status, 200, r.text);
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: r.json.csrf };
}

const get = (who, path) => srv.req('GET', path, { headers: { Cookie: who.cookie } });

function cliExport(format, framework = 'iso27001-2022') {
  const r = cli(['export', 'soa', '--format', format, '--framework', framework, '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'custos-oscal-'));
  srv = new Server();
  await srv.start(['--demo']);
  ism = await signIn(ISM);
});

after(async () => {
  await srv.stop();
  srv.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

// Every "uuid" member and every reference to one, with where it was found.
function uuids(doc) {
  const own = [];
  const refs = [];
  (function walk(o) {
    if (Array.isArray(o)) return o.forEach(walk);
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'uuid') own.push(v);
      else if (k === 'party-uuids') refs.push(...v);
      else if (k === 'source' && typeof v === 'string' && v.startsWith('#')) refs.push(v.slice(1));
      else walk(v);
    }
  })(doc);
  return { own, refs };
}

const props = (o) => Object.fromEntries((o.props || []).filter((p) => p.ns === NS && p.name !== 'inclusion-reason').map((p) => [p.name, p.value]));
const reasonsOf = (o) => (o.props || []).filter((p) => p.ns === NS && p.name === 'inclusion-reason').map((p) => p.value);

// The OSCAL document says what the SoA's JSON export says, control by control.
function assertSameSoa(oscal, soa) {
  const cd = oscal['component-definition'];
  const meta = cd.metadata;
  assert.equal(meta['oscal-version'], '1.1.3');
  assert.equal(meta.version, soa.as_of);
  assert.match(meta.title, new RegExp(soa.framework.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(props(meta)['framework-code'], soa.framework.code);
  const parties = new Map((meta.parties || []).map((p) => [p.uuid, p]));
  assert.equal(cd.components.length, 1);
  const comp = cd.components[0];
  assert.equal(comp.type, 'process-procedure');
  assert.equal(comp['control-implementations'].length, 1);
  const impl = comp['control-implementations'][0];
  const res = cd['back-matter'].resources.find((r) => `#${r.uuid}` === impl.source);
  assert.ok(res, 'the control implementation\'s source is a back-matter resource');
  assert.equal(res.title, soa.framework.name);
  const reqs = impl['implemented-requirements'];
  assert.equal(reqs.length, soa.controls.length, 'one requirement per control');
  soa.controls.forEach((c, i) => {
    const r = reqs[i];
    const p = props(r);
    assert.equal(p['control-label'], c.control_id, 'same order, same controls');
    assert.equal(p['control-title'], c.title);
    assert.equal(p['group-id'], c.group_id);
    assert.equal(p.applicability, !c.assessed ? 'not-assessed' : c.applicable ? 'applicable' : 'not-applicable', c.control_id);
    assert.equal(p['implementation-status'], c.assessed ? c.status : undefined, c.control_id);
    assert.deepEqual(reasonsOf(r), c.reasons, c.control_id);
    assert.equal(p['risk-count'], String(c.risks));
    assert.equal(p['evidence-count'], String(c.evidence));
    assert.equal(p['evidence-expired-count'], String(c.evidence_expired));
    assert.equal(r.remarks, c.justification || undefined, c.control_id);
    const owners = (r['responsible-roles'] || []).flatMap((rr) => {
      assert.equal(rr['role-id'], 'control-owner');
      return rr['party-uuids'].map((u) => parties.get(u)?.name);
    });
    assert.deepEqual(owners, c.owner ? [c.owner] : [], c.control_id);
    assert.ok(r.description.startsWith(`${c.control_id} `), r.description);
  });
  return reqs;
}

test('the CLI export is valid OSCAL and says what the JSON export says', () => {
  const text = cliExport('oscal');
  const doc = JSON.parse(text);
  assertValid(doc, 'custos export soa --format oscal');
  const soa = JSON.parse(cliExport('json'));
  assert.ok(soa.controls.length >= 93, 'ISO 27001:2022 Annex A has 93 controls');
  const reqs = assertSameSoa(doc, soa);
  // the demo's assessed controls, as the demo loads them
  const byLabel = Object.fromEntries(reqs.map((r) => [props(r)['control-label'], r]));
  assert.equal(byLabel['5.1']['control-id'], 'a.5.1', 'ISO 2022 numbers become Annex A tokens');
  assert.equal(props(byLabel['5.1'])['implementation-status'], 'implemented');
  assert.equal(props(byLabel['8.30']).applicability, 'not-applicable');
  assert.equal(props(byLabel['5.24'])['implementation-status'], 'partial');
  assert.equal(props(byLabel['5.2']).applicability, 'not-assessed');
  // --output writes the same kind of document
  const out = join(dir, 'soa.oscal.json');
  const r = cli(['export', 'soa', '--format', 'oscal', '--output', out, '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  assertValid(JSON.parse(readFileSync(out, 'utf8')), '--output file');
});

test('the UI route answers a valid OSCAL file named after the framework and the day', async () => {
  const r = await get(ism, '/soa/export.oscal?framework=iso27001-2022');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const day = JSON.parse(cliExport('json')).as_of;
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="soa-iso27001-2022-${day}.oscal.json"`);
  assertValid(r.json, '/soa/export.oscal');
  const soa = await get(ism, '/soa/export.json?framework=iso27001-2022');
  assert.equal(soa.status, 200);
  assertSameSoa(r.json, soa.json);
  // the page offers it next to the other formats
  const page = await get(ism, '/soa?framework=iso27001-2022');
  assert.equal(page.status, 200);
  assert.match(page.text, /href="\/soa\/export\.oscal\?framework=iso27001-2022">OSCAL<\/a>/);
  // the 2013 catalogue, nothing assessed: still valid, every control "not-assessed"
  const old = await get(ism, '/soa/export.oscal?framework=iso27001-2013');
  assert.equal(old.status, 200);
  assertValid(old.json, 'the 2013 SoA');
  const reqs = old.json['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'];
  assert.equal(reqs.length, 114);
  assert.ok(reqs.every((q) => props(q).applicability === 'not-assessed'));
  assert.equal(reqs[0]['control-id'], 'a.5.1.1');
});

test('the OSCAL export needs what the SoA needs; unknown formats and frameworks are refused', async () => {
  const staff = await signIn(STAFF);
  assert.equal((await get(staff, '/soa/export.oscal')).status, 403);
  assert.equal((await get(ism, '/soa/export.pdf')).status, 404);
  assert.equal((await get(ism, '/soa/export.oscal?framework=nope')).status, 404);
  const bad = cli(['export', 'soa', '--format', 'pdf', '--db', srv.db]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /xlsx, csv, json or oscal/);
  const nofw = cli(['export', 'soa', '--format', 'oscal', '--framework', 'nope', '--db', srv.db]);
  assert.equal(nofw.status, 1);
  assert.match(nofw.stderr, /no framework 'nope'/);
  assert.equal(nofw.stdout, '');
  // the register exports did not learn the SoA's format
  assert.equal(cli(['export', 'assets', '--format', 'oscal', '--db', srv.db]).status, 2);
});

test('UUIDs are valid, unique within a document, resolve; only the document\'s is new on every export', async () => {
  const a = JSON.parse(cliExport('oscal'));
  const b = (await get(ism, '/soa/export.oscal')).json;
  const ua = uuids(a);
  const ub = uuids(b);
  for (const u of [...ua.own, ...ub.own]) assert.match(u, UUID);
  assert.equal(new Set(ua.own).size, ua.own.length, 'no uuid twice in one document');
  for (const ref of ua.refs) assert.ok(ua.own.includes(ref), `reference ${ref} resolves`);
  assert.ok(ua.refs.length > 1, 'owners and the catalogue are referenced');
  // the document is a new instance each time (a random uuid) ...
  const da = a['component-definition'].uuid;
  const db = b['component-definition'].uuid;
  assert.match(da, UUID4);
  assert.match(db, UUID4);
  assert.notEqual(da, db);
  // ... what it describes is not: the same uuids in the same places, CLI or web
  assert.deepEqual(ua.own.slice(1), ub.own.slice(1));
  assert.deepEqual(ua.refs, ub.refs);
  const comp = (d) => d['component-definition'].components[0];
  const reqs = (d) => comp(d)['control-implementations'][0]['implemented-requirements'];
  assert.equal(comp(a).uuid, comp(b).uuid);
  assert.equal(comp(a)['control-implementations'][0].uuid, comp(b)['control-implementations'][0].uuid);
  assert.deepEqual(reqs(a).map((r) => r.uuid), reqs(b).map((r) => r.uuid));
  for (const u of ua.own.slice(1)) assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-5/, 'stable ones are version 5');
});

test('the stable UUIDs are version 5 of documented names in the organisation record\'s namespace', async () => {
  assert.equal(uuid5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    'this test\'s uuid5 is RFC 9562\'s');
  assert.equal(uuid5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', NS), DEFAULT_NAMESPACE);
  const api = (path) => srv.req('GET', path, { headers: { Cookie: ism.cookie } });
  const orgs = (await api('/api/v1/organisations')).json;
  assert.equal(orgs.total, 1, 'the demo has its organisation record');
  const ns = orgs.items[0].uuid;
  assert.match(ns, UUID4);
  const doc = JSON.parse(cliExport('oscal'));
  const cd = doc['component-definition'];
  const comp = cd.components[0];
  const impl = comp['control-implementations'][0];
  assert.equal(comp.uuid, uuid5(ns, 'component/isms'));
  assert.equal(impl.uuid, uuid5(ns, 'control-implementation/iso27001-2022'));
  assert.equal(cd['back-matter'].resources[0].uuid, uuid5(ns, 'resource/framework/iso27001-2022'));
  assert.equal(impl.source, `#${uuid5(ns, 'resource/framework/iso27001-2022')}`);
  const controls = (await api('/api/v1/controls?limit=500')).json.items;
  const byLabel = Object.fromEntries(impl['implemented-requirements'].map((r) => [props(r)['control-label'], r]));
  for (const c of controls) {
    const label = c.name.split(' ')[0];
    assert.equal(byLabel[label].uuid, uuid5(ns, `implemented-requirement/control/${c.id}`), label);
  }
  assert.equal(byLabel['5.2'].uuid, uuid5(ns, 'implemented-requirement/iso27001-2022/5.2'), 'not assessed: by its identifier');
  const parties = cd.metadata.parties;
  assert.equal(parties[0].uuid, uuid5(ns, 'party/organisation'));
  const people = (await api('/api/v1/people?limit=500')).json.items;
  for (const p of parties.slice(1)) {
    const person = people.find((x) => x.name === p.name);
    assert.ok(person, p.name);
    assert.equal(p.uuid, uuid5(ns, `party/person/${person.id}`), p.name);
  }
});

test('the organisation record names the organisation in the export, and renaming it keeps the UUIDs', async () => {
  const api = (method, path, body, headers = {}) => srv.req(method, path, { body,
    headers: { Cookie: ism.cookie, 'X-CSRF-Token': ism.csrf, ...headers } });
  const rec = (await api('GET', '/api/v1/organisations')).json.items[0];
  const nameIn = (d) => {
    const cd = d['component-definition'];
    const org = cd.metadata.parties.filter((p) => p.type === 'organization');
    assert.equal(org.length, 1, 'the organisation is one party');
    assert.ok(cd.metadata.title.endsWith(` - ${org[0].name}`), cd.metadata.title);
    assert.equal(cd.components[0].title, `Information security management system of ${org[0].name}`);
    return org[0].name;
  };
  const before = [JSON.parse(cliExport('oscal')), (await get(ism, '/soa/export.oscal')).json];
  for (const d of before) assert.equal(nameIn(d), rec.name);
  assert.equal(rec.name, 'Westcloud');
  const p = await api('PATCH', `/api/v1/organisations/${rec.id}`, { name: 'Westcloud "Group" <b>' }, { 'If-Match': `"${rec.version}"` });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.uuid, rec.uuid);
  const after = [JSON.parse(cliExport('oscal')), (await get(ism, '/soa/export.oscal')).json];
  for (const d of after) {
    assertValid(d, 'the export after a rename');
    assert.equal(nameIn(d), 'Westcloud "Group" <b>');
    assert.deepEqual(uuids(d).own.slice(1), uuids(before[0]).own.slice(1), 'a rename changes no identity');
  }
  const back = await api('PATCH', `/api/v1/organisations/${rec.id}`, { name: 'Westcloud' });
  assert.equal(back.status, 200, back.text);
});

test('without an organisation record: no organisation party, the fixed default namespace', () => {
  const bare = new Server({ sqlite: true });
  try {
    const imp = cli(['import', 'catalogue', 'iso27001-2022', '--db', bare.db]);
    assert.equal(imp.status, 0, imp.stderr);
    const r = cli(['export', 'soa', '--format', 'oscal', '--db', bare.db]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assertValid(doc, 'the export without an organisation');
    const cd = doc['component-definition'];
    assert.equal(cd.metadata.parties, undefined);
    assert.equal(cd.components[0].title, 'Information security management system');
    assert.equal(cd.components[0].uuid, uuid5(DEFAULT_NAMESPACE, 'component/isms'));
    const again = JSON.parse(cli(['export', 'soa', '--format', 'oscal', '--db', bare.db]).stdout);
    assert.deepEqual(uuids(again).own.slice(1), uuids(doc).own.slice(1));
    assert.notEqual(again['component-definition'].uuid, cd.uuid);
  } finally {
    bare.cleanup();
  }
});

test('a justification with quotes, line breaks and <script> comes back exactly as typed', async () => {
  const list = await srv.req('GET', '/api/v1/controls?limit=500', { headers: { Cookie: ism.cookie } });
  assert.equal(list.status, 200, list.text);
  const c = list.json.items.find((x) => x.name.startsWith('5.24 '));
  assert.ok(c, 'the demo assesses 5.24');
  const p = await srv.req('PATCH', `/api/v1/controls/${c.id}`, {
    body: { justification: NASTY },
    headers: { Cookie: ism.cookie, 'X-CSRF-Token': ism.csrf, 'If-Match': `"${c.version}"` },
  });
  assert.equal(p.status, 200, p.text);
  for (const text of [cliExport('oscal'), (await get(ism, '/soa/export.oscal')).text]) {
    const doc = JSON.parse(text);
    assertValid(doc, 'the export with a hostile justification');
    const reqs = doc['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'];
    const r = reqs.find((q) => props(q)['control-label'] === '5.24');
    assert.equal(r.remarks, NASTY, 'intact: no formula guard, no HTML escaping, no trimming');
    // escaped as JSON: the quote and the line break never appear raw inside the string
    assert.ok(text.includes('"remarks": "He said \\"no\\" & \'maybe\'\\nline 2: <script>alert(1)</script>\\n=HYPERLINK(\\"x\\")\\t\\\\end"'));
    assertSameSoa(doc, JSON.parse(cliExport('json')));
  }
});

test('the validator catches broken documents (so a pass means something)', () => {
  const good = JSON.parse(cliExport('oscal'));
  assertValid(good, 'the unbroken export');
  const req0 = (d) => d['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'][0];
  const mutations = {
    'a bad document uuid': (d) => { d['component-definition'].uuid = 'not-a-uuid'; },
    'a version 1 uuid': (d) => { req0(d).uuid = 'c232ab00-9414-11ec-b3c8-9f6bdeced846'; },
    'no metadata title': (d) => { delete d['component-definition'].metadata.title; },
    'an impossible last-modified': (d) => { d['component-definition'].metadata['last-modified'] = '2026-02-30T10:00:00Z'; },
    'a control-id starting with a digit': (d) => { req0(d)['control-id'] = '5.1'; },
    'a control-id with parentheses': (d) => { req0(d)['control-id'] = 'AC-2(1)'; },
    'a prop value with a line break': (d) => { req0(d).props[0].value = 'two\nlines'; },
    'a prop namespace that is not a URI': (d) => { req0(d).props[0].ns = 'custos'; },
    'an unknown member': (d) => { req0(d).status = 'implemented'; },
    'no implemented requirements': (d) => { d['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'] = []; },
  };
  for (const [what, mutate] of Object.entries(mutations)) {
    const d = structuredClone(good);
    mutate(d);
    assert.equal(validate(d), false, `${what} should be invalid`);
  }
});

test('NIST SP 800-53 control ids become the ids of NIST\'s own OSCAL catalogue', () => {
  const file = join(OSCAL, 'sp800-53-rev5', 'NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json');
  const imp = cli(['import', 'oscal', file, '--code', 'nist-low', '--db', srv.db]);
  assert.equal(imp.status, 0, imp.stderr);
  const doc = JSON.parse(cliExport('oscal', 'nist-low'));
  assertValid(doc, 'the NIST LOW SoA');
  assertSameSoa(doc, JSON.parse(cliExport('json', 'nist-low')));
  const ids = new Set();
  (function walk(o) {
    if (Array.isArray(o)) return o.forEach(walk);
    if (!o || typeof o !== 'object') return;
    if (typeof o.id === 'string' && o.class && o.title) ids.add(o.id);
    Object.values(o).forEach(walk);
  })(JSON.parse(readFileSync(file, 'utf8')).catalog.groups);
  const reqs = doc['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'];
  assert.ok(reqs.length > 100);
  for (const r of reqs) assert.ok(ids.has(r['control-id']), `${r['control-id']} (${props(r)['control-label']}) is in the catalogue`);
  assert.ok(reqs.some((r) => /^[a-z]{2}-\d+\.\d+$/.test(r['control-id'])), 'enhancements as ac-2.1');
});
