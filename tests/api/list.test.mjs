// list.test.mjs - text search, filters, multi-field sort, cursor pagination and totals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWithUsers, assertProblem, seedBasics, assetBody } from './harness.mjs';

let server, ism, basics;
const reviewDates = [null, '2027-01-01', '2027-03-01', null, '2027-01-01'];
before(async () => {
  ({ server, ism } = await startWithUsers());
  basics = await seedBasics(ism);
  const other = await ism.post('/api/v1/departments', { name: 'Sales' });
  // 22 assets: repeated names, NULL review dates, two departments, a % in one name
  for (let i = 0; i < 22; i++) {
    const r = await ism.post('/api/v1/assets', assetBody(basics.person.id, i % 3 ? basics.dept.id : other.json.id, {
      name: i === 5 ? 'Router 50% spare' : `Asset ${String.fromCharCode(65 + (i % 7))}`,
      identifier: `ID-${i}`,
      type: ['server', 'pc_laptop', 'software'][i % 3],
      confidentiality: (i % 4) + 1,
      review_on: reviewDates[i % 5],
      location: i % 2 ? 'Bristol office' : null,
    }));
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await server.stop(); server.cleanup(); });

async function all(query) {
  const r = await ism.get(`/api/v1/assets?${query}&limit=500`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function walk(query, limit) {
  const seen = [];
  let cursor = null;
  let totals = new Set();
  for (let page = 0; page < 100; page++) {
    const q = `${query}&limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const r = await ism.get(`/api/v1/assets?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= limit);
    totals.add(r.json.total);
    seen.push(...r.json.items.map((x) => x.id));
    cursor = r.json.next;
    if (!cursor) break;
  }
  return { ids: seen, totals: [...totals] };
}

test('cursor pages concatenate to the full ordered list, with ties and NULLs', async () => {
  for (const sort of ['name', '-name', 'review_on,name', '-review_on', 'review_on', '-confidentiality,-review_on', 'location,-id', 'type,review_on,-name']) {
    const full = await all(`sort=${sort}`);
    for (const limit of [1, 3, 7]) {
      const w = await walk(`sort=${sort}`, limit);
      assert.deepEqual(w.ids, full.items.map((x) => x.id), `sort=${sort} limit=${limit}`);
      assert.deepEqual(w.totals, [full.total]);
    }
  }
});

test('sort orders are right, NULL first ascending and last descending', async () => {
  const asc = (await all('sort=review_on,id')).items;
  const vals = asc.map((x) => x.review_on);
  const firstNonNull = vals.findIndex((v) => v !== null);
  assert.ok(vals.slice(0, firstNonNull).every((v) => v === null));
  assert.deepEqual(vals.slice(firstNonNull), [...vals.slice(firstNonNull)].sort());
  const desc = (await all('sort=-review_on')).items.map((x) => x.review_on);
  assert.deepEqual(desc, [...vals].reverse());
  const multi = (await all('sort=-confidentiality,name')).items;
  for (let i = 1; i < multi.length; i++) {
    const a = multi[i - 1], b = multi[i];
    assert.ok(a.confidentiality > b.confidentiality || (a.confidentiality === b.confidentiality && a.name <= b.name));
  }
});

test('filters: exact, any-of, null, ranges, and text search with escaping', async () => {
  const total = (await all('')).total;
  assert.equal(total, 22);
  const servers = await all('type=server');
  assert.ok(servers.items.every((x) => x.type === 'server'));
  assert.equal(servers.total, 8);
  const two = await all('type=server,software');
  assert.equal(two.total, 15);
  const nulls = await all('review_on=null');
  assert.ok(nulls.items.every((x) => x.review_on === null));
  assert.equal(nulls.total, 9);
  const range = await all('review_on.gte=2027-01-01&review_on.lte=2027-02-01');
  assert.ok(range.items.every((x) => x.review_on === '2027-01-01'));
  const dept = await all(`department_id=${basics.dept.id}&confidentiality=1,2`);
  assert.ok(dept.items.every((x) => x.department_id === basics.dept.id && x.confidentiality <= 2));
  assert.equal((await all('q=50%25')).total, 1); // "50%" matches only the literal
  assert.equal((await all('q=5_')).total, 0);
  assert.equal((await all('q=bristol')).total, 11); // case-insensitive, searchable location
  assert.equal((await all('q=bristol&type=server')).total, (await all('q=bristol')).items.filter((x) => x.type === 'server').length);
  assert.equal((await all('id.gte=5&id.lte=6')).total, 2);
});

test('bad list parameters are 400 naming the parameter', async () => {
  const cases = [
    ['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=abc', 'limit'], ['bogus=1', 'bogus'],
    ['sort=nope', 'sort'], ['sort=description', 'sort'], ['sort=name,name', 'sort'], ['sort=name,', 'sort'],
    ['type=spaceship', 'type'], ['confidentiality=high', 'confidentiality'], ['review_on=2023-02-29', 'review_on'],
    ['type.gte=server', 'type.gte'], ['name.like=x', 'name.like'], ['cursor=garbage', 'cursor'],
    [`q=${'x'.repeat(201)}`, 'q'], ['description=x', 'description'],
  ];
  for (const [q, field] of cases) assertProblem(await ism.get(`/api/v1/assets?${q}`), 400, field);
  const page = await ism.get('/api/v1/assets?sort=name&limit=2');
  assertProblem(await ism.get(`/api/v1/assets?sort=-name&limit=2&cursor=${page.json.next}`), 400, 'cursor');
});
