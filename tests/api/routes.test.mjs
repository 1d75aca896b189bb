// routes.test.mjs - the authentication gate on every API route (401 for no, wrong or garbage credentials, before any other answer), the public routes, and the OpenAPI document checked against what the server really serves and answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startWithUsers, cli, seedBasics } from './harness.mjs';
import { problem, REGISTERS, validBody } from './contract.mjs';

// ajv comes with the OpenAPI validator (package-lock.json); used here to check real answers
// against the schemas the document publishes.
const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020.js');
const addFormats = require('ajv-formats');

let server, ism, basics, doc;
before(async () => {
  ({ server, ism } = await startWithUsers());
  basics = await seedBasics(ism);
  const r = await ism.get('/api/v1/openapi.json');
  assert.equal(r.status, 200, r.text);
  doc = r.json;
});
after(async () => { await server.stop(); server.cleanup(); });

// The API routes the contract names, written out here rather than taken from the server.
const CONTRACT_ROUTES = [
  ['GET', '/api/v1/openapi.json'],
  ['GET', '/api/v1/session'], ['DELETE', '/api/v1/session'],
  ['GET', '/api/v1/tokens'], ['POST', '/api/v1/tokens'], ['DELETE', '/api/v1/tokens/1'],
  ...REGISTERS.flatMap((p) => [
    ['GET', `/api/v1/${p}`], ['POST', `/api/v1/${p}`],
    ['GET', `/api/v1/${p}/1`], ['PATCH', `/api/v1/${p}/1`], ['DELETE', `/api/v1/${p}/1`],
    ['GET', `/api/v1/${p}/1/history`],
    // a record that does not exist must not be told apart from one that does
    ['GET', `/api/v1/${p}/999999`], ['PATCH', `/api/v1/${p}/999999`], ['DELETE', `/api/v1/${p}/999999`],
  ]),
];

const BAD_CREDENTIALS = [
  ['no credentials', {}],
  ['a wrong bearer token', { Authorization: `Bearer cst_${'A'.repeat(43)}` }],
  ['an empty bearer token', { Authorization: 'Bearer ' }],
  ['a garbage cookie', { Cookie: 'custos_session=garbage' }],
  ['a well-formed unknown cookie', { Cookie: `custos_session=${'B'.repeat(43)}` }],
  ['a garbage __Host- cookie', { Cookie: `__Host-custos_session=${'C'.repeat(43)}` }],
];

// Bodies that would be 400/413/415/422 if the request got that far: 401 must come first.
const BODIES = [
  { raw: '{"name":"x"}', ct: 'application/json' },
  { raw: '{not json', ct: 'application/json' },
  { raw: 'name=x', ct: 'application/x-www-form-urlencoded' },
];

test('every contract route answers 401 with a problem to missing, wrong or garbage credentials', async () => {
  for (const [method, path] of CONTRACT_ROUTES) {
    for (const [label, headers] of BAD_CREDENTIALS) {
      const bodies = ['POST', 'PATCH'].includes(method) ? BODIES : [null];
      for (const b of bodies) {
        const h = { ...headers };
        if (b) h['Content-Type'] = b.ct;
        const r = await server.req(method, path, { headers: h, raw: b ? b.raw : undefined });
        problem(r, 401);
        assert.match(r.headers.get('www-authenticate') || '', /^Bearer /, `${method} ${path} ${label}`);
        assert.equal(r.headers.get('set-cookie'), null, `${method} ${path} ${label}: no cookie on 401`);
      }
    }
  }
});

test('HEAD on an authenticated route is 401 too, and carries no body', async () => {
  for (const p of ['/api/v1/assets', '/api/v1/session', '/api/v1/openapi.json']) {
    const r = await server.req('HEAD', p);
    assert.equal(r.status, 401, p);
    assert.equal(r.text, '');
  }
});

test('the only public routes are /healthz, POST /api/v1/session, sign-in pages, static files and the trust page', () => {
  const lines = cli(['routes']).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  assert.ok(lines.length >= CONTRACT_ROUTES.length / 6);
  const pub = lines.filter((l) => l[2] === 'public').map((l) => `${l[0]} ${l[1]}`).sort();
  assert.deepEqual(pub, ['GET /healthz', 'GET /login', 'GET /static/{file}', 'GET /trust', 'GET /trust/{id}',
    'POST /api/v1/session', 'POST /login', 'POST /login/verify']);
  // every route the contract names is in the router's table
  const table = new Set(lines.map((l) => `${l[0]} ${l[1]}`));
  for (const [m, p] of CONTRACT_ROUTES) {
    const pattern = p.replace(/^\/api\/v1\/(departments|people|assets|interested_parties)/, '/api/v1/{entity}').replace(/\/\d+/, '/{id}');
    assert.ok(table.has(`${m} ${pattern}`), `${m} ${pattern} is not routed`);
  }
});

test('GET /healthz is public and answers {"status":"ok"}', async () => {
  const r = await server.req('GET', '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(r.json, { status: 'ok' });
  assert.equal(r.text, '{"status":"ok"}');
  // public, but wrong credentials do not turn it into a 401
  const w = await server.req('GET', '/healthz', { headers: { Authorization: 'Bearer nonsense' } });
  assert.equal(w.status, 200);
  assert.equal((await server.req('HEAD', '/healthz')).status, 200);
});

test('API answers, good or bad, are not cached or sniffed', async () => {
  const answers = [
    await ism.get('/api/v1/assets'), await ism.get(`/api/v1/departments/${basics.dept.id}`), await ism.get('/api/v1/tokens'),
    await ism.get('/api/v1/session'), await ism.get('/api/v1/openapi.json'), await ism.get('/api/v1/assets/999999'),
    await ism.post('/api/v1/assets', {}), await server.req('GET', '/api/v1/assets'), await server.req('GET', '/healthz'),
  ];
  for (const r of answers) {
    assert.equal(r.headers.get('cache-control'), 'no-store', `${r.status} ${r.text.slice(0, 80)}`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.match(r.headers.get('content-type') || '', /^application\/(problem\+)?json/);
  }
});

test('POST /api/v1/session is public: bad input is judged, not refused as unauthenticated', async () => {
  problem(await server.req('POST', '/api/v1/session', { body: {} }), 422, 'email');
  problem(await server.req('POST', '/api/v1/session', { raw: '{', headers: { 'Content-Type': 'application/json' } }), 400);
  problem(await server.req('POST', '/api/v1/session', { raw: 'x', headers: { 'Content-Type': 'text/plain' } }), 415);
  problem(await server.req('GET', '/api/v1/nowhere'), 404);
});

test('the OpenAPI document is valid OpenAPI 3.1', async () => {
  assert.match(doc.openapi, /^3\.1\./);
  const res = await new Validator().validate(doc);
  assert.ok(res.valid, JSON.stringify(res.errors, null, 1));
});

test('the document has every register, with its operations', () => {
  for (const p of REGISTERS) {
    const coll = doc.paths[`/api/v1/${p}`], item = doc.paths[`/api/v1/${p}/{id}`], hist = doc.paths[`/api/v1/${p}/{id}/history`];
    assert.ok(coll && coll.get && coll.post, `${p}: list and create`);
    assert.ok(item && item.get && item.patch && item.delete, `${p}: get, patch, delete`);
    assert.ok(hist && hist.get, `${p}: history`);
    assert.ok(coll.post.responses['201'] && coll.post.responses['422'], `${p}: create answers`);
    assert.ok(item.patch.responses['412'] && item.delete.responses['409'], `${p}: patch/delete answers`);
  }
  for (const p of ['/api/v1/session', '/api/v1/tokens', '/api/v1/tokens/{id}', '/api/v1/openapi.json']) assert.ok(doc.paths[p], p);
});

// Every register's workflow steps and file fields, as `custos registers` prints them.
const fileFields = new Map();
function registersWithSteps() {
  const out = new Map();
  let cur = null;
  for (const line of cli(['registers']).stdout.split('\n')) {
    const m = line.match(/^(\w+) \(/);
    if (m) { cur = m[1]; out.set(cur, []); fileFields.set(cur, []); continue; }
    const s = line.match(/^  steps: (.*)$/);
    if (s && cur) out.set(cur, s[1].split(/\s+/).filter(Boolean));
    const f = line.match(/^  (\w+)\s+file\b/);
    if (f && cur) fileFields.get(cur).push(f[1]);
  }
  for (const p of REGISTERS) assert.ok(out.has(p), p);
  return out;
}

// Every API route the server has, from its own table, with {entity} and {step} expanded.
function servedOperations() {
  const out = [];
  const regs = registersWithSteps();
  for (const line of cli(['routes']).stdout.trim().split('\n')) {
    const [method, pattern] = line.trim().split(/\s+/);
    if (!pattern.startsWith('/api/')) continue;
    for (const p of pattern.includes('{entity}') ? [...regs.keys()] : [null]) {
      const path = p ? pattern.replace('{entity}', p) : pattern;
      if (path.includes('{step}')) for (const st of regs.get(p)) out.push(`${method} ${path.replace('{step}', st)}`);
      else if (path.includes('{field}')) for (const f of fileFields.get(p)) out.push(`${method} ${path.replace('{field}', f)}`);
      else out.push(`${method} ${path}`);
    }
  }
  return out;
}

function documentedOperations() {
  const out = [];
  for (const [p, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops)) if (['get', 'put', 'post', 'patch', 'delete'].includes(m)) out.push(`${m.toUpperCase()} ${p}`);
  return out;
}

test('every documented operation is served', () => {
  const served = new Set(servedOperations());
  const missing = documentedOperations().filter((o) => !served.has(o) && !o.endsWith(' /healthz'));
  assert.deepEqual(missing, []);
});

test('every API route the server serves is documented', () => {
  const documented = new Set(documentedOperations());
  assert.deepEqual(servedOperations().filter((o) => !documented.has(o)), []);
});

test('every documented list parameter is accepted by the server', async () => {
  // a value of the right kind for each parameter, from the documented record schema
  for (const p of REGISTERS) {
    const params = doc.paths[`/api/v1/${p}`].get.parameters.filter((x) => x.in === 'query');
    const schemaName = doc.paths[`/api/v1/${p}/{id}`].get.responses['200'].content['application/json'].schema.$ref.split('/').pop();
    const props = doc.components.schemas[schemaName].properties;
    assert.ok(params.length > 5, p);
    for (const param of params) {
      const field = param.name.replace(/\.(gte|lte)$/, '');
      let value;
      if (['q', 'sort', 'limit', 'cursor'].includes(param.name)) {
        value = { q: 'x', sort: '-id', limit: '2' }[param.name];
        if (value === undefined) continue; // a cursor must come from a page
      } else {
        const prop = props[field];
        assert.ok(prop, `${p}: parameter ${param.name} names no field of ${schemaName}`);
        const type = [].concat(prop.type)[0];
        if (prop.enum) value = String(prop.enum.find((v) => v !== null));
        else if (prop.format === 'date') value = '2027-01-01';
        else if (prop.format === 'date-time') value = '2027-01-01T00:00:00Z';
        else if (type === 'integer') value = '1';
        else if (type === 'boolean') value = 'true';
        else value = 'x';
      }
      const r = await ism.get(`/api/v1/${p}?${encodeURIComponent(param.name)}=${encodeURIComponent(value)}`);
      assert.equal(r.status, 200, `${p}?${param.name}=${value}: ${r.text}`);
    }
  }
});

test('real answers match the schemas the document publishes', async () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: 'custos:openapi' });
  const check = (ref, value, what) => {
    const v = ajv.getSchema(`custos:openapi#/components/schemas/${ref}`);
    assert.ok(v, ref);
    assert.ok(v(value), `${what} does not match ${ref}: ${JSON.stringify(v.errors)}\n${JSON.stringify(value)}`);
  };
  const schemaOf = (op, status) => op.responses[status].content[Object.keys(op.responses[status].content)[0]].schema.$ref.split('/').pop();
  for (const [i, p] of REGISTERS.entries()) {
    const body = validBody(p, basics, 100 + i);
    const coll = doc.paths[`/api/v1/${p}`], item = doc.paths[`/api/v1/${p}/{id}`];
    check(coll.post.requestBody.content['application/json'].schema.$ref.split('/').pop(), body, `${p} create body`);
    const created = await ism.post(`/api/v1/${p}`, body);
    assert.equal(created.status, 201, created.text);
    check(schemaOf(coll.post, '201'), created.json, `${p} create answer`);
    check(schemaOf(item.get, '200'), (await ism.get(`/api/v1/${p}/${created.json.id}`)).json, `${p} get answer`);
    check(schemaOf(coll.get, '200'), (await ism.get(`/api/v1/${p}?limit=500`)).json, `${p} list answer`);
    check(schemaOf(doc.paths[`/api/v1/${p}/{id}/history`].get, '200'), (await ism.get(`/api/v1/${p}/${created.json.id}/history`)).json, `${p} history`);
    const bad = await ism.post(`/api/v1/${p}`, { bogus: 1 });
    check('Problem', bad.json, `${p} 422 answer`);
  }
});
