// pagination.test.mjs - list queries on the interested parties and people registers: q search, field filters (exact, any-of, null, ranges), multi-field sorts, and cursor pages that add up to the full list with ties, NULLs and writes between pages; totals, and 400s naming the bad parameter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, seedBasics } from './harness.mjs';
import { problem, walk, rawHttp, isUtf8 } from './contract.mjs';

let server, ism, basics, dept2;
const REVIEW = [null, '2027-01-31', '2027-03-15', null, '2027-01-31', '2026-12-01', null];
const CONTACT = [null, 'desk@a.test', 'desk@a.test', 'ops@b.test', null];
const CATEGORY = ['supplier', 'customer', 'regulator', 'supplier', 'partner', 'customer'];
const N = 21;
before(async () => {
  ({ server, ism } = await startWithUsers());
  basics = await seedBasics(ism);
  dept2 = (await ism.post('/api/v1/departments', { name: 'Second' })).json;
  for (let k = 0; k < N; k++) {
    const r = await ism.post('/api/v1/interested_parties', {
      name: `Party ${String(k).padStart(2, '0')}`,
      category: CATEGORY[k % CATEGORY.length],
      requirements: k % 4 === 0 ? 'Needs **encryption** at rest' : 'Timely incident notice',
      contact: CONTACT[k % CONTACT.length],
      in_scope: k % 3 !== 0,
      review_on: REVIEW[k % REVIEW.length],
    });
    assert.equal(r.status, 201, r.text);
  }
  for (let k = 0; k < 12; k++) {
    const r = await ism.post('/api/v1/people', {
      name: `Member ${k % 5}`, // duplicate names
      email: `m${k}@example.test`,
      department_id: k % 2 ? basics.dept.id : dept2.id,
      job_title: k % 3 ? 'Engineer' : null,
      employment_type: ['employee', 'contractor', 'agent'][k % 3],
      start_date: k % 4 ? `2024-0${(k % 3) + 1}-01` : null,
    });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await server.stop(); server.cleanup(); });

const PARTIES = '/api/v1/interested_parties';
const PEOPLE = '/api/v1/people';

async function full(path, query = '') {
  const r = await ism.get(`${path}?${query}${query ? '&' : ''}limit=500`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.next, null);
  assert.equal(r.json.items.length, r.json.total);
  return r.json;
}

// The order the contract promises for non-text keys: NULL first ascending, last descending,
// ties broken by id ascending.
function compareBy(spec) {
  const keys = spec.split(',').map((k) => (k.startsWith('-') ? [k.slice(1), -1] : [k, 1]));
  return (a, b) => {
    for (const [k, dir] of keys) {
      const x = a[k], y = b[k];
      if (x === y) continue;
      if (x === null) return -dir;
      if (y === null) return dir;
      return (x < y ? -1 : 1) * dir;
    }
    return a.id - b.id;
  };
}

const SORTS = {
  [PARTIES]: ['review_on', '-review_on', 'in_scope,review_on', '-in_scope,-review_on', 'category,-review_on',
    'contact', '-contact,review_on', '-id', 'created_at', '-updated_at,in_scope', 'review_on,contact,-in_scope,name'],
  [PEOPLE]: ['start_date', '-start_date', 'name', '-name,start_date', 'department_id,-start_date', 'job_title', '-employment_type,name'],
};

test('cursor pages of 3 add up to the full sorted list: no duplicates, no gaps, the same total on every page', async () => {
  for (const [path, sorts] of Object.entries(SORTS)) {
    for (const sort of sorts) {
      const all = await full(path, `sort=${sort}`);
      const w = await walk(ism, path, `sort=${sort}`, 3);
      assert.deepEqual(w.ids, all.items.map((x) => x.id), `${path} sort=${sort}`);
      assert.equal(new Set(w.ids).size, w.ids.length, `${path} sort=${sort}: duplicates`);
      assert.equal(w.pages, Math.ceil(all.total / 3), `${path} sort=${sort}: page count`);
      assert.ok(w.totals.every((t) => t === all.total), `${path} sort=${sort}: totals ${w.totals}`);
    }
  }
  const parties = await full(PARTIES);
  assert.equal(parties.total, N);
});

test('sorts on dates, booleans, enums and numbers are in the promised order', async () => {
  for (const sort of ['review_on', '-review_on', 'in_scope,review_on', '-in_scope,-review_on', '-id', 'review_on,-in_scope']) {
    const items = (await full(PARTIES, `sort=${sort}`)).items;
    assert.deepEqual(items.map((x) => x.id), [...items].sort(compareBy(sort)).map((x) => x.id), `sort=${sort}`);
  }
  for (const sort of ['start_date', '-start_date', 'department_id,-start_date']) {
    const items = (await full(PEOPLE, `sort=${sort}`)).items;
    assert.deepEqual(items.map((x) => x.id), [...items].sort(compareBy(sort)).map((x) => x.id), `sort=${sort}`);
  }
  // text sorts: equal keys keep id order; "+" is ascending too
  const byName = (await full(PEOPLE, 'sort=name')).items;
  for (let k = 1; k < byName.length; k++)
    if (byName[k - 1].name === byName[k].name) assert.ok(byName[k - 1].id < byName[k].id);
  assert.deepEqual((await full(PEOPLE, 'sort=%2Bname')).items, byName);
});

test('filters: exact, any-of, null, ranges and booleans select exactly the matching rows', async () => {
  const all = (await full(PARTIES)).items;
  const cases = [
    ['category=supplier', (x) => x.category === 'supplier'],
    ['category=supplier,regulator', (x) => ['supplier', 'regulator'].includes(x.category)],
    ['review_on=null', (x) => x.review_on === null],
    ['contact=null', (x) => x.contact === null],
    ['contact=desk%40a.test', (x) => x.contact === 'desk@a.test'],
    ['review_on=2027-01-31', (x) => x.review_on === '2027-01-31'],
    ['review_on.gte=2027-01-31', (x) => x.review_on !== null && x.review_on >= '2027-01-31'],
    ['review_on.lte=2027-01-31', (x) => x.review_on !== null && x.review_on <= '2027-01-31'],
    ['review_on.gte=2027-01-01&review_on.lte=2027-02-28', (x) => x.review_on === '2027-01-31'],
    ['in_scope=false', (x) => x.in_scope === false],
    ['in_scope=true&category=customer', (x) => x.in_scope && x.category === 'customer'],
    [`id.gte=${all[3].id}&id.lte=${all[7].id}`, (x) => x.id >= all[3].id && x.id <= all[7].id],
    [`id=${all[0].id},${all[2].id}`, (x) => x.id === all[0].id || x.id === all[2].id],
    ['name=Party%2005', (x) => x.name === 'Party 05'],
    ['name.gte=Party%2010&name.lte=Party%2014', (x) => x.name >= 'Party 10' && x.name <= 'Party 14'],
    ['q=ENCRYPTION', (x) => /encryption/i.test(x.requirements)],
    ['q=desk', (x) => (x.contact || '').includes('desk')],
    ['q=encryption&in_scope=true&sort=-review_on', (x) => /encryption/i.test(x.requirements) && x.in_scope],
    ['q=regulator', () => false], // category is not a searched field
    ['q=%25', () => false], // LIKE wildcards are literal
    ['q=Party_0', () => false],
    ['contact=desk%40a.test,ops%40b.test', () => false], // text takes no list: the comma is literal
    ['in_scope=true,false', () => true],
    ['review_on=null,2027-01-31', (x) => x.review_on === null || x.review_on === '2027-01-31'],
    ['review_on=2026-12-01,2027-03-15&category=supplier,partner,customer', (x) => ['2026-12-01', '2027-03-15'].includes(x.review_on) && ['supplier', 'partner', 'customer'].includes(x.category)],
  ];
  for (const [q, pred] of cases) {
    const want = all.filter(pred).map((x) => x.id).sort((a, b) => a - b);
    const got = await full(PARTIES, q);
    assert.deepEqual(got.items.map((x) => x.id).sort((a, b) => a - b), want, q);
    assert.equal(got.total, want.length, q);
    const w = await walk(ism, PARTIES, q, 2);
    assert.deepEqual(w.ids.sort((a, b) => a - b), want, `${q} (paged)`);
    assert.ok(w.totals.every((t) => t === want.length), `${q}: totals ${w.totals}`);
  }
  const people = (await full(PEOPLE)).items;
  const inBoth = await full(PEOPLE, `department_id=${basics.dept.id},${dept2.id}&start_date=null`);
  assert.deepEqual(inBoth.items.map((x) => x.id).sort((a, b) => a - b), people.filter((x) => x.start_date === null).map((x) => x.id).sort((a, b) => a - b));
  assert.equal((await full(PEOPLE, `department_id=${dept2.id}&employment_type=agent`)).total,
    people.filter((x) => x.department_id === dept2.id && x.employment_type === 'agent').length);
});

test('a comma list means "any of" for date filters too, as the OpenAPI document says', async () => {
  const r = await ism.get(`${PARTIES}?review_on=2027-01-31,2027-03-15&limit=500`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.every((x) => ['2027-01-31', '2027-03-15'].includes(x.review_on)));
});

test('rows written between pages are neither repeated nor skip others', async () => {
  const query = 'sort=name';
  const before = (await full(PARTIES, query)).items.map((x) => x.id);
  const seen = [];
  let cursor = null, page = 0, early, late;
  const totals = [];
  do {
    const r = await ism.get(`${PARTIES}?${query}&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.items.map((x) => x.id));
    totals.push(r.json.total);
    cursor = r.json.next;
    if (++page === 2) {
      // one row sorting before the pages already read, one after; and one unread row goes away
      early = (await ism.post(PARTIES, { name: 'Aardvark Ltd', category: 'other', requirements: 'x' })).json.id;
      late = (await ism.post(PARTIES, { name: 'Zebra plc', category: 'other', requirements: 'x' })).json.id;
      assert.equal((await ism.del(`${PARTIES}/${before[before.length - 1]}`)).status, 204);
    }
  } while (cursor);
  assert.equal(new Set(seen).size, seen.length, 'a row came twice');
  assert.ok(!seen.includes(early), 'a row before the cursor showed up');
  assert.ok(seen.includes(late), 'a new row after the cursor is missing');
  assert.deepEqual(seen.filter((id) => id !== late), before.slice(0, -1));
  assert.equal(totals[0], before.length);
  assert.equal(totals[totals.length - 1], before.length + 1);
  for (const id of [early, late]) assert.equal((await ism.del(`${PARTIES}/${id}`)).status, 204);
});

test('totals and rows follow every write at once, whichever worker thread answers', async () => {
  // many readers at once land on every thread of the pool, each with its own caches
  const readAll = async (q) => {
    const rs = await Promise.all(Array.from({ length: 16 }, () => ism.get(`${PARTIES}?${q}&limit=500`)));
    for (const r of rs) assert.equal(r.status, 200, r.text);
    const distinct = new Set(rs.map((r) => r.text));
    assert.equal(distinct.size, 1, `readers disagree on ${q}`);
    return rs[0].json;
  };
  const q = 'in_scope=false&sort=-review_on';
  const before = await readAll(q);
  const created = (await ism.post(PARTIES, { name: 'Cache probe', category: 'other', requirements: 'x', in_scope: false })).json;
  let now = await readAll(q);
  assert.equal(now.total, before.total + 1);
  assert.ok(now.items.some((x) => x.id === created.id));
  await ism.patch(`${PARTIES}/${created.id}`, { contact: 'probe@c.test' });
  now = await readAll(q);
  assert.equal(now.items.find((x) => x.id === created.id).contact, 'probe@c.test', 'a list served the old row');
  await ism.patch(`${PARTIES}/${created.id}`, { in_scope: true }); // leaves the filter
  now = await readAll(q);
  assert.equal(now.total, before.total);
  assert.ok(!now.items.some((x) => x.id === created.id));
  assert.equal((await readAll('in_scope=true&sort=-review_on')).items.find((x) => x.id === created.id).in_scope, true);
  await ism.del(`${PARTIES}/${created.id}`);
  assert.deepEqual(await readAll(q), before);
});

test('limit: 1 and 500 are fine; 0, 501, -1, 1.5, abc and empty are 400 naming limit', async () => {
  const one = await ism.get(`${PARTIES}?limit=1`);
  assert.equal(one.status, 200);
  assert.equal(one.json.items.length, 1);
  assert.equal(typeof one.json.next, 'string');
  assert.equal((await ism.get(`${PARTIES}?limit=500`)).status, 200);
  const dflt = await ism.get(PEOPLE);
  assert.equal(dflt.json.items.length, dflt.json.total); // fewer rows than the default page
  for (const v of ['0', '501', '-1', '1.5', 'abc', '', '1e2', '99999999999999999999999'])
    problem(await ism.get(`${PARTIES}?limit=${v}`), 400, 'limit');
});

test('bad list parameters are 400 naming the parameter', async () => {
  const cases = [
    ['bogus=1', 'bogus'], ['Name=x', 'Name'], ['sort_by=name', 'sort_by'], ['name.gt=a', 'name.gt'], ['page=2', 'page'],
    ['sort=nosuchfield', 'sort'], ['sort=requirements', 'sort'], ['sort=-', 'sort'], ['sort=name,,id', 'sort'],
    ['category=nosuch', 'category'], ['in_scope=yes', 'in_scope'], ['review_on=2023-02-29', 'review_on'],
    ['review_on.gte=tomorrow', 'review_on.gte'], ['in_scope.gte=true', 'in_scope.gte'], ['category.lte=x', 'category.lte'],
    ['id=abc', 'id'], ['created_at.gte=2027-01-01', 'created_at.gte'], ['requirements=x', 'requirements'],
    ['cursor=', 'cursor'], ['cursor=!!!', 'cursor'], ['cursor=eyJzIjoibmFtZSJ9', 'cursor'],
  ];
  for (const [q, field] of cases) problem(await ism.get(`${PARTIES}?${q}`), 400, field);
});

test('a cursor only works with the sort it was made for', async () => {
  const page = await ism.get(`${PARTIES}?sort=review_on&limit=3`);
  const c = encodeURIComponent(page.json.next);
  assert.equal((await ism.get(`${PARTIES}?sort=review_on&limit=3&cursor=${c}`)).status, 200);
  for (const other of ['-review_on', 'review_on,name', 'name', 'in_scope']) {
    problem(await ism.get(`${PARTIES}?sort=${other}&limit=3&cursor=${c}`), 400, 'cursor');
  }
  problem(await ism.get(`${PARTIES}?limit=3&cursor=${c}`), 400, 'cursor'); // the default sort is name
  const dflt = await ism.get(`${PARTIES}?limit=3`);
  problem(await ism.get(`${PARTIES}?sort=review_on&cursor=${encodeURIComponent(dflt.json.next)}`), 400, 'cursor');
});

// Realistic long query strings get an answer. Past about 1500 parameters libmicrohttpd 0.9.75
// runs out of its per-connection pool and drops the connection (a 128 KiB pool keeps memory
// low; docs/operations says to cap URLs at the proxy): the server must survive that.
test('a query string with a thousand parameters gets an HTTP answer; more never harms the server', async () => {
  for (const [label, qs] of [
    ['1000 q= pairs', Array.from({ length: 1000 }, (_, k) => `q=${k}`).join('&')],
    ['500 q= pairs', Array.from({ length: 500 }, (_, k) => `q=${k}`).join('&')],
    ['1000 bare names', Array(1000).fill('a').join('&')],
  ]) {
    const r = await rawHttp(server.base, `GET ${PARTIES}?${qs} HTTP/1.1\r\nHost: x\r\nAuthorization: ${ism.h.Authorization}\r\nConnection: close\r\n\r\n`, 8000)
      .catch((e) => ({ status: String(e) }));
    assert.ok(r.status >= 200 && r.status < 500, `${label}: no answer (${r.status})`);
  }
  for (const n of [2000, 4000]) {
    await rawHttp(server.base, `GET ${PARTIES}?${Array(n).fill('a').join('&')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 3000)
      .catch(() => null);
    const ok = await ism.get(PARTIES);
    assert.equal(ok.status, 200, `the server still answers after ${n} parameters`);
  }
});

test('a problem answer is valid UTF-8 JSON even when the bad parameter name is not UTF-8', async () => {
  for (const q of ['%ff%fe=1', 'name.%ff=1', '%c3.gte=1', 'sort=%ff', 'q=%ed%a0%80', `${'%e2%82'}=x`]) {
    const r = await rawHttp(server.base, `GET ${PARTIES}?${q} HTTP/1.1\r\nHost: x\r\nAuthorization: ${ism.h.Authorization}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 400, q);
    assert.ok(isUtf8(r.body), `${q}: ${r.body.toString('hex')}`);
    const j = JSON.parse(r.body.toString());
    assert.equal(j.status, 400);
    assert.ok(Array.isArray(j.errors) && j.errors.length === 1, q);
  }
});
