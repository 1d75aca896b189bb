// rejects.test.mjs - every class of bad input on every register, on create and on patch: 400/413/415/422 problems naming the field, never a 500, and nothing stored changes (register total, the record, its history).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, seedBasics } from './harness.mjs';
import { problem, errorFields, REGISTERS, validBody, snapshot, rawHttp } from './contract.mjs';

let server, ism, basics;
const target = {}; // per register: a record the PATCH cases aim at
before(async () => {
  ({ server, ism } = await startWithUsers());
  basics = await seedBasics(ism);
  for (const [i, p] of REGISTERS.entries()) {
    const r = await ism.post(`/api/v1/${p}`, validBody(p, basics, i));
    assert.equal(r.status, 201, r.text);
    target[p] = r.json;
  }
});
after(async () => {
  await server.stop(); // exits 0: no sanitizer report, no crash
  const bad = server.stderr.split('\n').filter((l) => / (warn|error) |AddressSanitizer|runtime error|LeakSanitizer/.test(l));
  server.cleanup();
  assert.deepEqual(bad, [], 'the server complained on stderr');
});

// The registers' fields as the contract describes them (written here, not read from the server):
// type, and required (without a default) / max length / unique / enum values / referenced register.
const FIELDS = {
  departments: {
    name: { type: 'text', required: true, max: 120, unique: true },
    code: { type: 'text', max: 16, unique: true },
    head_id: { type: 'ref' },
    description: { type: 'markdown', max: 20000 },
  },
  people: {
    name: { type: 'text', required: true, max: 200 },
    email: { type: 'email', required: true, unique: true },
    department_id: { type: 'ref', required: true },
    job_title: { type: 'text', max: 120 },
    employment_type: { type: 'enum', values: ['employee', 'contractor', 'agent', 'third_party'] },
    start_date: { type: 'date' },
    end_date: { type: 'date' },
    notes: { type: 'longtext', max: 20000 },
  },
  assets: {
    name: { type: 'text', required: true, max: 200 },
    identifier: { type: 'text', max: 64, unique: true },
    type: { type: 'enum', required: true, values: ['server', 'paper', 'software'] },
    description: { type: 'markdown', max: 20000 },
    owner_id: { type: 'ref', required: true },
    department_id: { type: 'ref', required: true },
    confidentiality: { type: 'level', required: true },
    integrity: { type: 'level', required: true },
    availability: { type: 'level', required: true },
    location: { type: 'text', max: 200 },
    status: { type: 'enum', values: ['planned', 'in_use', 'retired', 'disposed'] },
    acquired_on: { type: 'date' },
    review_on: { type: 'date' },
  },
  interested_parties: {
    name: { type: 'text', required: true, max: 200, unique: true },
    category: { type: 'enum', required: true, values: ['customer', 'supplier', 'regulator'] },
    requirements: { type: 'markdown', required: true, max: 20000 },
    how_addressed: { type: 'markdown', max: 20000 },
    contact: { type: 'text', max: 200 },
    in_scope: { type: 'bool' },
    review_on: { type: 'date' },
  },
};

// Values of the wrong JSON type, and values of the right type that are still wrong, per field type.
const WRONG_TYPE = {
  text: [42, true, {}, ['x']], email: [42, false, ['a@b.test']], markdown: [1.5, true, { a: 1 }], longtext: [7, [], false],
  enum: [1, true, ['server']], date: [20240101, true, { y: 2024 }], ref: ['1', 1.5, true, [1], {}],
  level: ['2', 2.5, true, [2]], bool: ['true', 1, 0, 'false', []],
};
const WRONG_VALUE = {
  text: [' leading space', 'trailing space ', 'line\nbreak', 'bell\u0007'],
  email: ['not-an-email', 'two@@example.test', 'a@b', 'a b@example.test', '@example.test'],
  markdown: [], longtext: [],
  enum: ['no-such-value', 'SERVER', ''],
  date: ['2023-02-29', '2024-13-01', '2024-00-10', '2024-04-31', '2024-1-01', '24-01-01', '2024-01-01T00:00:00Z', '31/01/2024', '0999-12-31', ''],
  ref: [999999, 0, -3],
  level: [0, 5, -1, 100],
  bool: [],
};

// All the invalid bodies for one register: [label, body, field the answer must name]. A create
// body is a valid one with one thing wrong; a patch body has only the wrong thing.
function fieldCases(plural, forPatch) {
  const base = forPatch ? {} : validBody(plural, basics, 900);
  const out = [];
  const fields = FIELDS[plural];
  for (const [name, f] of Object.entries(fields)) {
    for (const v of WRONG_TYPE[f.type]) out.push([`${name}=${JSON.stringify(v)} (wrong type)`, { ...base, [name]: v }, name]);
    for (const v of WRONG_VALUE[f.type]) out.push([`${name}=${JSON.stringify(v)}`, { ...base, [name]: v }, name]);
    if (f.max) out.push([`${name} over ${f.max} characters`, { ...base, [name]: 'é'.repeat(f.max + 1) }, name]);
    if (f.type === 'email') out.push([`${name} over 254 characters`, { ...base, [name]: `${'a'.repeat(250)}@example.test` }, name]);
    if (f.required) {
      out.push([`${name} null`, { ...base, [name]: null }, name]);
      if (!forPatch) { const b = { ...base }; delete b[name]; out.push([`${name} missing`, b, name]); }
      if (['text', 'markdown', 'email'].includes(f.type)) out.push([`${name} empty`, { ...base, [name]: '' }, name]);
    }
    if (f.unique) out.push([`${name} already used`, { ...base, [name]: uniqueTaken(plural, name) }, name]);
  }
  for (const ro of ['id', 'version', 'created_at', 'updated_at']) out.push([`read-only ${ro}`, { ...base, [ro]: ro.endsWith('_at') ? '2020-01-01T00:00:00Z' : 7 }, ro]);
  for (const unknown of ['bogus', 'Name', 'NAME', '', 'name ', 'owner', 'departmentId']) out.push([`unknown field "${unknown}"`, { ...base, [unknown]: 'x' }, unknown]);
  return out;
}

// A value of a unique field that another record holds already (the seeded ones).
function uniqueTaken(plural, name) {
  if (plural === 'departments') return name === 'name' ? basics.dept.name : basics.dept.code;
  if (plural === 'people') return basics.person.email;
  return target[plural][name];
}

async function expectRejected(plural, method, path, body, status, field, label) {
  const r = await ism.req(method, path, body);
  try {
    problem(r, status, field);
  } catch (e) {
    e.message = `${plural} ${method} ${label}: ${e.message}`;
    throw e;
  }
  return r;
}

const cheapState = async (plural) => {
  const l = await ism.get(`/api/v1/${plural}?limit=1`);
  const rec = await ism.get(`/api/v1/${plural}/${target[plural].id}`);
  return `${l.json.total} ${rec.headers.get('etag')}`;
};

for (const plural of REGISTERS) {
  test(`${plural}: every invalid field is 422 naming it, on create and on patch, and nothing is stored`, async () => {
    const snap = await snapshot(ism, plural, target[plural].id);
    const state = await cheapState(plural);
    for (const forPatch of [false, true]) {
      const method = forPatch ? 'PATCH' : 'POST';
      const path = forPatch ? `/api/v1/${plural}/${target[plural].id}` : `/api/v1/${plural}`;
      for (const [label, body, field] of fieldCases(plural, forPatch)) {
        // a patch that sets a unique field to its own current value is no conflict: skip that one
        if (forPatch && label.endsWith('already used') && target[plural][field] === body[field]) continue;
        await expectRejected(plural, method, path, { body }, 422, field, label);
        assert.equal(await cheapState(plural), state, `${plural} ${method} ${label} changed something`);
      }
    }
    assert.equal(await snapshot(ism, plural, target[plural].id), snap);
  });
}

test('the field limits themselves are accepted: exactly the maximum length, in characters', async () => {
  for (const [plural, fields] of Object.entries(FIELDS)) {
    for (const [name, f] of Object.entries(fields)) {
      if (!f.max || f.unique) continue;
      const r = await ism.patch(`/api/v1/${plural}/${target[plural].id}`, { [name]: 'é'.repeat(f.max) });
      assert.equal(r.status, 200, `${plural}.${name}: ${r.text}`);
      assert.equal(r.json[name].length, f.max);
      target[plural] = r.json;
    }
  }
});

test('several errors in one body are all reported, each naming its field', async () => {
  const cases = {
    departments: [{ name: '', code: 'x'.repeat(17), head_id: 'boss', bogus: 1 }, ['bogus', 'code', 'head_id', 'name']],
    people: [{ email: 'nope', employment_type: 'intern', start_date: '2023-02-29', id: 3 }, ['department_id', 'email', 'employment_type', 'id', 'name', 'start_date']],
    assets: [{ name: 42, type: 'spaceship', confidentiality: 9, integrity: '2', availability: null, extra: true },
      ['availability', 'confidentiality', 'department_id', 'extra', 'integrity', 'name', 'owner_id', 'type']],
    interested_parties: [{ category: 'alien', in_scope: 'yes', review_on: '2027-02-30' }, ['category', 'in_scope', 'name', 'requirements', 'review_on']],
  };
  for (const [plural, [body, fields]] of Object.entries(cases)) {
    const state = await cheapState(plural);
    const r = await ism.post(`/api/v1/${plural}`, body);
    problem(r, 422);
    assert.deepEqual(errorFields(r), fields, `${plural}: ${r.text}`);
    assert.equal(await cheapState(plural), state);
  }
});

test('errors found in the database (dangling reference, taken unique value) are reported with the field errors', async () => {
  const body = { ...validBody('assets', basics, 950), owner_id: 999999, identifier: target.assets.identifier, type: 'nope' };
  const r = await ism.post('/api/v1/assets', body);
  problem(r, 422);
  assert.deepEqual(errorFields(r), ['identifier', 'owner_id', 'type']);
});

test('a body that is not one JSON object is 400/413/415, on every register, on create and on patch', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
  const ct = { 'Content-Type': 'application/json' };
  const cases = [
    ['body over 1 MiB', { raw: big, headers: ct }, 413],
    ['Content-Type text/plain', { raw: '{"name":"a"}', headers: { 'Content-Type': 'text/plain' } }, 415],
    ['Content-Type form', { raw: 'name=a', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, 415],
    ['Content-Type application/jsonx', { raw: '{"name":"a"}', headers: { 'Content-Type': 'application/jsonx' } }, 415],
    ['no Content-Type', { raw: '{"name":"a"}' }, 415],
    ['empty body', { raw: '', headers: ct }, 400],
    ['whitespace', { raw: ' \n ', headers: ct }, 400],
    ['truncated', { raw: '{"name": "a"', headers: ct }, 400],
    ['trailing comma', { raw: '{"name":"a",}', headers: ct }, 400],
    ['single quotes', { raw: "{'name':'a'}", headers: ct }, 400],
    ['trailing garbage', { raw: '{"name":"a"} x', headers: ct }, 400],
    ['two objects', { raw: '{"name":"a"}{"name":"b"}', headers: ct }, 400],
    ['array', { raw: '[{"name":"a"}]', headers: ct }, 400],
    ['string', { raw: '"name"', headers: ct }, 400],
    ['number', { raw: '42', headers: ct }, 400],
    ['null', { raw: 'null', headers: ct }, 400],
    ['invalid UTF-8', { raw: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), headers: ct }, 400],
    ['overlong UTF-8', { raw: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), headers: ct }, 400],
    ['UTF-16 surrogate bytes', { raw: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), headers: ct }, 400],
    ['Latin-1 byte', { raw: Buffer.from('{"name":"caf\xe9"}', 'latin1'), headers: ct }, 400],
    ['NUL escape', { raw: '{"name":"a\\u0000b"}', headers: ct }, 400],
    ['lone surrogate escape', { raw: '{"name":"\\ud800"}', headers: ct }, 400],
    ['byte order mark', { raw: '\ufeff{"name":"a"}', headers: ct }, 400],
    ['nesting 100000 deep', { raw: '['.repeat(100000) + ']'.repeat(100000), headers: ct }, 400],
    ['integer beyond 64 bits', { raw: '{"name":99999999999999999999999}', headers: ct }, 400],
    ['number overflow', { raw: '{"name":1e999}', headers: ct }, 400],
  ];
  for (const plural of REGISTERS) {
    const snap = await snapshot(ism, plural, target[plural].id);
    for (const [method, path] of [['POST', `/api/v1/${plural}`], ['PATCH', `/api/v1/${plural}/${target[plural].id}`]]) {
      for (const [label, opts, status] of cases) await expectRejected(plural, method, path, opts, status, undefined, label);
      // a key given twice is named
      await expectRejected(plural, method, path, { raw: '{"name":"a","name":"b"}', headers: ct }, 400, 'name', 'duplicate key');
      await expectRejected(plural, method, path, { raw: '{"description":"a","name":"x","description":"b"}', headers: ct }, 400, 'description', 'duplicate key');
    }
    assert.equal(await snapshot(ism, plural, target[plural].id), snap, plural);
  }
});

test('a body over 1 MiB sent in chunks, without Content-Length, is 413 too', async () => {
  const body = JSON.stringify({ name: 'y'.repeat(1024 * 1024 + 10) });
  let chunked = '';
  for (let k = 0; k < body.length; k += 65536) {
    const part = body.slice(k, k + 65536);
    chunked += `${part.length.toString(16)}\r\n${part}\r\n`;
  }
  const state = await cheapState('departments');
  const r = await rawHttp(server.base, `POST /api/v1/departments HTTP/1.1\r\nHost: x\r\nAuthorization: ${ism.h.Authorization}\r\n` +
    `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}0\r\n\r\n`);
  assert.equal(r.status, 413, r.body.toString());
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  assert.equal(JSON.parse(r.body).status, 413);
  assert.equal(await cheapState('departments'), state);
});

test('exactly 1 MiB is not too large (the cap is inclusive), and charset parameters are fine', async () => {
  const shell = JSON.stringify({ name: 'One MiB', description: '' });
  const body = JSON.stringify({ name: 'One MiB', description: 'z'.repeat(1024 * 1024 - shell.length) });
  assert.equal(Buffer.byteLength(body), 1024 * 1024);
  const r = await ism.req('POST', '/api/v1/departments', { raw: body, headers: { 'Content-Type': 'application/json' } });
  problem(r, 422, 'description'); // judged on its content, not refused for size
  for (const ct of ['application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON']) {
    const ok = await ism.req('PATCH', `/api/v1/departments/${target.departments.id}`, { raw: JSON.stringify({ description: ct }), headers: { 'Content-Type': ct } });
    assert.equal(ok.status, 200, `${ct}: ${ok.text}`);
  }
});

test('cross-field rules and references are checked on patch against the stored record', async () => {
  const p = target.people;
  const snap = await snapshot(ism, 'people', p.id);
  problem(await ism.patch(`/api/v1/people/${p.id}`, { end_date: '2023-12-31' }), 422, 'end_date'); // before start_date
  problem(await ism.patch(`/api/v1/people/${p.id}`, { start_date: '2027-01-01' }), 422, 'end_date');
  problem(await ism.patch(`/api/v1/people/${p.id}`, { department_id: 424242 }), 422, 'department_id');
  problem(await ism.patch(`/api/v1/people/${p.id}`, { email: basics.person.email }), 422, 'email');
  problem(await ism.patch(`/api/v1/people/${p.id}`, { name: 'Fine', email: 'bad' }), 422, 'email');
  assert.equal(await snapshot(ism, 'people', p.id), snap);
  // its own unique value is no conflict
  const same = await ism.patch(`/api/v1/people/${p.id}`, { email: p.email, name: 'Renamed' });
  assert.equal(same.status, 200, same.text);
});

test('seeded random requests on every register never get a 5xx', async () => {
  let seed = 20261128;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const fields = [...new Set(Object.values(FIELDS).flatMap((f) => Object.keys(f))), 'id', 'version', 'created_at', 'x', ''];
  const values = [null, true, false, 0, -1, 1, 2, 4, 5, 2 ** 53, 1.5, '', ' ', 'a', 'x'.repeat(250), '2024-02-29', '2023-02-29',
    '9999-12-31', 'null', 'server', 'in_use', 'supplier', 'employee', 'a@b.test', '\ud83d\ude00', '%', '\\', [], {}, [1], { a: 1 }];
  const qvalues = ['', 'a', 'null', '1', '0', '-1', '2027-01-01', 'true', 'server,paper', '1,2,3', '%25', '%00', '%ff', ',', 'name',
    '-name', 'review_on,-id', '9223372036854775807', '-9223372036854775808', '99999999999999999999', '2027-01-01T00:00:00Z'];
  const qkeys = ['q', 'sort', 'limit', 'cursor', ...fields, ...fields.map((f) => `${f}.gte`), ...fields.map((f) => `${f}.lte`), 'name.eq'];
  const seen = {};
  for (let i = 0; i < 800; i++) {
    const plural = pick(REGISTERS);
    let r;
    if (rnd() < 0.4) {
      const qs = Array.from({ length: Math.floor(rnd() * 4) }, () => `${encodeURIComponent(pick(qkeys))}=${pick(qvalues)}`).join('&');
      r = await ism.get(`/api/v1/${plural}?${qs}`);
    } else {
      const body = {};
      for (let k = Math.floor(rnd() * 6); k > 0; k--) body[pick(fields)] = pick(values);
      const method = pick(['POST', 'PATCH', 'PATCH', 'DELETE', 'GET']);
      const id = pick([target[plural].id, basics.dept.id, basics.person.id, 999, 0]);
      const path = method === 'POST' ? `/api/v1/${plural}` : `/api/v1/${plural}/${id}${method === 'GET' && rnd() < 0.5 ? '/history' : ''}`;
      const headers = rnd() < 0.2 ? { 'If-Match': pick(['"1"', '"2"', 'W/"1"', '*', 'x', '""', '"-1"', '"99999999999999999999"']) } : {};
      r = await ism.req(method, path, { body: ['GET', 'DELETE'].includes(method) ? undefined : body, headers });
    }
    seen[r.status] = (seen[r.status] || 0) + 1;
    assert.ok(r.status < 500, `request ${i}: ${r.status} ${r.text}`);
    if (r.status >= 400) problem(r, r.status);
  }
  assert.ok(Object.keys(seen).length >= 4, JSON.stringify(seen));
});
