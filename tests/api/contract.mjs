// contract.mjs - shared helpers for the contract tests (ARCHITECTURE section 9): a strict
// problem+json check, register bodies, state snapshots and raw-socket HTTP. Builds on harness.mjs.
import assert from 'node:assert/strict';
import net from 'node:net';

export const REGISTERS = ['departments', 'people', 'assets', 'interested_parties'];

// RFC 9457 problem details, as section 9 promises them: type, title, status, detail, and
// errors[] of {field, message} naming `field` when one is given.
export function problem(r, status, field) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/problem\+json/, r.text);
  assert.ok(r.json && typeof r.json === 'object', `not JSON: ${r.text}`);
  assert.equal(r.json.status, status, r.text);
  assert.equal(typeof r.json.type, 'string', r.text);
  assert.ok(r.json.type.length > 0, r.text);
  assert.equal(typeof r.json.title, 'string', r.text);
  assert.equal(typeof r.json.detail, 'string', `no detail: ${r.text}`);
  assert.ok(r.json.detail.length > 0, r.text);
  if (r.json.errors !== undefined) {
    assert.ok(Array.isArray(r.json.errors), r.text);
    for (const e of r.json.errors) {
      assert.ok(e.field === null || typeof e.field === 'string', r.text);
      assert.equal(typeof e.message, 'string', r.text);
    }
  }
  if (field !== undefined) {
    assert.ok(Array.isArray(r.json.errors), `no errors[] in ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field), `no error naming ${field} in ${r.text}`);
  }
  return r.json;
}

// The fields of an error answer, sorted.
export const errorFields = (r) => (r.json.errors || []).map((e) => e.field).sort();

// A valid body for each register, built on an existing department and person.
export function validBody(plural, { dept, person }, n = 0) {
  switch (plural) {
    case 'departments':
      return { name: `Department ${n}`, code: `D${n}`, head_id: person.id, description: 'Runs *things*' };
    case 'people':
      return { name: `Person ${n}`, email: `person${n}@example.test`, department_id: dept.id,
        job_title: 'Analyst', employment_type: 'contractor', start_date: '2024-01-01', end_date: '2026-12-31' };
    case 'assets':
      return { name: `Asset ${n}`, identifier: `TAG-${n}`, type: 'server', owner_id: person.id,
        department_id: dept.id, confidentiality: 3, integrity: 2, availability: 4, location: 'Rack 2',
        acquired_on: '2024-02-29', review_on: '2027-06-30', description: 'A server' };
    case 'interested_parties':
      return { name: `Party ${n}`, category: 'supplier', requirements: '- uptime', how_addressed: 'SLA',
        contact: 'ops@supplier.test', in_scope: false, review_on: '2027-01-31' };
    default:
      throw new Error(plural);
  }
}

// A one-field change that is valid for each register, and its field.
export const PATCHES = {
  departments: { description: 'Changed' },
  people: { job_title: 'Lead analyst' },
  assets: { confidentiality: 4 },
  interested_parties: { in_scope: true },
};

// What a failed write must leave untouched: the register's total, one record and its history.
export async function snapshot(client, plural, id) {
  const list = await client.get(`/api/v1/${plural}?limit=500`);
  assert.equal(list.status, 200, list.text);
  const rec = await client.get(`/api/v1/${plural}/${id}`);
  const hist = await client.get(`/api/v1/${plural}/${id}/history`);
  return JSON.stringify({ total: list.json.total, ids: list.json.items.map((x) => [x.id, x.version]),
    rec: rec.json, etag: rec.headers.get('etag'), events: hist.json && hist.json.items.length });
}

// Follows `next` from the first page to the last; returns the ids in order and every page's total.
export async function walk(client, path, query, limit) {
  const ids = [];
  const totals = [];
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const q = `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await client.get(`${path}?${q}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.ok(r.json.items.length <= limit);
    totals.push(r.json.total);
    ids.push(...r.json.items.map((x) => x.id));
    cursor = r.json.next;
    if (!cursor) return { ids, totals, pages: page + 1 };
    assert.equal(r.json.items.length, limit, 'only the last page may be short');
  }
  throw new Error('pagination did not end');
}

// One request on a raw socket (for bodies and framings fetch will not send); resolves with the
// status code, headers and body of the first answer.
export function rawHttp(base, text, timeoutMs = 10000) {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no answer')); }, timeoutMs);
    s.on('connect', () => s.end(text));
    s.on('data', (d) => { data = Buffer.concat([data, d]); });
    s.on('error', () => {}); // the server may close while we still write: the answer decides
    s.on('close', () => {
      clearTimeout(timer);
      const i = data.indexOf('\r\n\r\n');
      const head = data.subarray(0, i < 0 ? data.length : i).toString('latin1').split('\r\n');
      const status = Number((head[0] || '').split(' ')[1]);
      const headers = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const body = i < 0 ? Buffer.alloc(0) : data.subarray(i + 4);
      resolve({ status, headers, body });
    });
  });
}

// Whether bytes are well-formed UTF-8 (RFC 8259 requires it of JSON on the wire).
export function isUtf8(bytes) {
  try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); return true; } catch { return false; }
}
