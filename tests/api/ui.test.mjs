// ui.test.mjs - the web UI's server side, black-box over plain HTTP (no browser): sign-in
// redirects for every page, permissions that match the API role by role, CSRF on every form
// post, form errors, conflicts and malformed bodies, escaping of stored text on every page,
// sign-in with a TOTP step, sign-out, list queries and pagination, and the static files.
// One real server with the demo organisation; every HTML answer of the whole file is checked
// for a CSP without inline code, no style= or on*= attributes, no inline <script>, no raw
// '<' or '>' outside markup, and none of the stored attack payloads in raw form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { Server, cli, PASSWORD } from './harness.mjs';

const DEMO_PASSWORD = 'custos-demo-password';
const DEMO = {
  isms_manager: 'daniel.okafor@westcloud.example',
  admin: 'admin@westcloud.example',
  board: 'amelia.hart@westcloud.example',
  operations_manager: 'priya.natarajan@westcloud.example',
  hr_manager: 'grace.mensah@westcloud.example',
  department_head: 'sofia.rossi@westcloud.example',
  support: 'aisha.rahman@westcloud.example',
  staff: 'ben.carter@westcloud.example',
  auditor: 'claire.morgan@westcloud.example',
};
const ROLES = [...Object.keys(DEMO), 'external'];

// Text stored through the API that must never come back as markup.
const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'onmouseover='alert(1)'",
  '</textarea><script>alert(2)</script>',
  'javascript:alert(3)',
];
const RAW_PAYLOADS = PAYLOADS.filter((p) => /[<>"']/.test(p));

let server, routes, REG, PERM, PLURALS, ism;
const S = {}; // role -> UI session {email, cookie, csrf}
let htmlPages = 0;

// ---- HTML helpers ----

const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeHtml(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENT[e.toLowerCase()] ?? m;
  });
}
const TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
function attrsOf(s) {
  const a = {};
  for (const m of s.matchAll(ATTR)) a[m[1].toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '');
  return a;
}
function tags(html) {
  return [...html.matchAll(TAG)].map((m) => ({ name: m[1].toLowerCase(), attrs: attrsOf(m[2]), raw: m[0] }));
}
function byId(html, id) {
  return tags(html).find((t) => t.attrs.id === id);
}

// What every HTML answer must satisfy, whatever the page.
function checkHtml(r, what) {
  htmlPages++;
  const csp = r.headers.get('content-security-policy') || '';
  assert.match(csp, /default-src 'none'/, `${what}: CSP ${csp}`);
  assert.match(csp, /script-src 'self'/, `${what}: CSP ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `${what}: CSP ${csp}`);
  assert.equal(r.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(r.headers.get('cache-control'), 'no-store', what);
  assert.ok(['same-origin', 'no-referrer'].includes(r.headers.get('referrer-policy')), `${what}: Referrer-Policy`);
  const t = r.text;
  assert.match(t, /^<!doctype html>\n<html lang="en">/, `${what}: not a whole page`);
  assert.ok(t.endsWith('</html>\n'), `${what}: page not closed`);
  for (const tag of tags(t)) {
    for (const [k, v] of Object.entries(tag.attrs)) {
      assert.notEqual(k, 'style', `${what}: style attribute in ${tag.raw}`);
      assert.ok(!/^on/.test(k), `${what}: event handler attribute in ${tag.raw}`);
      if (['href', 'src', 'action', 'formaction'].includes(k))
        assert.ok(!/^\s*(javascript|vbscript):/i.test(v), `${what}: script URL in ${tag.raw}`);
    }
    if (tag.name === 'script') assert.ok(tag.attrs.src, `${what}: inline script ${tag.raw}`);
    if (tag.name === 'style') assert.fail(`${what}: inline <style>`);
  }
  // ids are unique; labels and descriptions point at elements that exist
  const all = tags(t);
  const ids = all.map((x) => x.attrs.id).filter((x) => x !== undefined);
  const dupId = ids.find((x, i) => ids.indexOf(x) !== i);
  assert.equal(dupId, undefined, `${what}: id="${dupId}" twice`);
  for (const tag of all) {
    if (tag.name === 'label' && tag.attrs.for !== undefined) assert.ok(ids.includes(tag.attrs.for), `${what}: ${tag.raw} labels nothing`);
    for (const ref of (tag.attrs['aria-describedby'] || '').split(/\s+/).filter(Boolean))
      assert.ok(ids.includes(ref), `${what}: ${tag.raw} is described by a missing #${ref}`);
  }
  // the CSRF token travels only in POST bodies, and every POST form but sign-in carries it
  for (const m of t.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const fa = attrsOf(m[1]);
    const post = (fa.method || 'get').toLowerCase() === 'post';
    assert.ok(fa.action === undefined || fa.action.startsWith('/'), `${what}: form action ${fa.action}`);
    if (!post) assert.ok(!m[2].includes('name="_csrf"'), `${what}: a GET form carries the CSRF token`);
    else if (!/^\/login(\/|$)/.test(fa.action)) assert.match(m[2], /name="_csrf" value="[A-Za-z0-9_-]{20,}"/, `${what}: POST form to ${fa.action} without a token`);
  }
  // nothing but markup may hold '<' or '>': text is always escaped
  const rest = t.replace(TAG, '').replace(/<\/[a-zA-Z][a-zA-Z0-9-]*\s*>/g, '').replace(/^<!doctype html>/, '');
  const stray = rest.search(/[<>]/);
  assert.equal(stray, -1, `${what}: unescaped '${rest[stray]}' near ${JSON.stringify(rest.slice(Math.max(0, stray - 80), stray + 80))}`);
  for (const p of RAW_PAYLOADS) assert.ok(!t.includes(p), `${what}: raw payload ${p}`);
}

function encodeForm(form) {
  const pairs = Array.isArray(form) ? form : Object.entries(form);
  return new URLSearchParams(pairs.map(([k, v]) => [k, String(v)])).toString();
}

// The sign-in page's token, as a browser that loaded the page holds it: its cookie and the
// form field.
async function loginToken(srv = server) {
  const res = await fetch(`${srv.base}/login`, { redirect: 'manual' });
  const html = await res.text();
  const set = res.headers.getSetCookie().find((c) => c.startsWith('custos_login='));
  const field = unescapeHtml((html.match(/name="_login" value="([^"]*)"/) || [])[1] || '');
  return { cookie: set.split(';')[0], field };
}

// One HTTP request; every answer is checked: never a 5xx, and pages pass checkHtml. A sign-in
// form post carries the sign-in page's token unless the test gives its own (or loginToken false).
async function http(method, path, { cookie, form, body, headers = {}, srv = server, loginToken: lt = true } = {}) {
  const h = { ...headers };
  if (method === 'POST' && /^\/login(\/verify)?$/.test(path) && lt && form && !Array.isArray(form) && form._login === undefined) {
    const t = await loginToken(srv);
    form = { ...form, _login: t.field };
    cookie = cookie ? `${cookie}; ${t.cookie}` : t.cookie;
  }
  if (cookie) h.Cookie = cookie;
  let payload = body;
  if (form !== undefined) {
    payload = encodeForm(form);
    h['Content-Type'] ??= 'application/x-www-form-urlencoded';
  }
  const opts = { method, headers: h, body: payload, redirect: 'manual' };
  if (payload && typeof payload.getReader === 'function') opts.duplex = 'half';
  const res = await fetch(srv.base + path, opts);
  const text = await res.text();
  const r = { status: res.status, headers: res.headers, text, location: res.headers.get('location'),
    cookies: res.headers.getSetCookie() };
  const what = `${method} ${path.slice(0, 120)}`;
  assert.ok(r.status < 500, `${what}: ${r.status} ${text.slice(0, 400)}`);
  if ((r.headers.get('content-type') || '').startsWith('text/html')) checkHtml(r, what);
  return r;
}

const cookieValue = (r, name) => {
  const c = r.cookies.find((x) => x.startsWith(`${name}=`));
  return c ? c.split(';')[0].slice(name.length + 1) : undefined;
};
const csrfOf = (html) => {
  const m = html.match(/name="_csrf" value="([^"]*)"/);
  return m && unescapeHtml(m[1]);
};
const countOf = (html) => {
  const m = html.match(/<p class="count[^"]*">(\d+) /);
  return m ? Number(m[1]) : undefined;
};
const alertOf = (html) => {
  const m = html.match(/<div role="alert"[^>]*>([\s\S]*?)<\/div>/);
  return m ? unescapeHtml(m[1].replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() : undefined;
};
const h1Of = (html) => (html.match(/<h1>([^<]*)<\/h1>/) || [])[1];
// record ids of a list page's table, in order
function rowIds(html, plural) {
  const body = (html.match(/<tbody>([\s\S]*?)<\/tbody>/) || [, ''])[1];
  return [...body.matchAll(new RegExp(`<tr><td><a href="/${plural}/(\\d+)">`, 'g'))].map((m) => Number(m[1]));
}
function navOf(html) {
  const nav = (html.match(/<nav class="main"[\s\S]*?<\/nav>/) || [''])[0];
  return [...nav.matchAll(/href="([^"]*)"/g)].map((m) => unescapeHtml(m[1]));
}

// The fields a browser would submit from the form posting to `action`: inputs with their
// values, checked boxes, each select's selected (or first) option, textareas with their line
// breaks sent as CRLF.
function formFields(html, action) {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  const f = forms.find((m) => attrsOf(m[1]).action === action);
  assert.ok(f, `no form posting to ${action}`);
  const out = [];
  const ctl = /<input\b([^>]*)>|<select\b([^>]*)>([\s\S]*?)<\/select>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g;
  for (const m of f[2].matchAll(ctl)) {
    if (m[1] !== undefined) {
      const a = attrsOf(m[1]);
      if (!a.name || a.type === 'submit') continue;
      if (a.type === 'checkbox' || a.type === 'radio') {
        if ('checked' in a) out.push([a.name, a.value ?? 'on']);
      } else out.push([a.name, a.value ?? '']);
    } else if (m[2] !== undefined) {
      const a = attrsOf(m[2]);
      const opts = [...m[3].matchAll(/<option\b([^>]*)>/g)].map((o) => attrsOf(o[1]));
      const sel = opts.find((o) => 'selected' in o) || opts[0];
      if (a.name && sel) out.push([a.name, sel.value ?? '']);
    } else {
      const a = attrsOf(m[4]);
      let v = unescapeHtml(m[5]).replace(/^\n/, '').replace(/\r\n?/g, '\n').replace(/\n/g, '\r\n');
      if (a.name) out.push([a.name, v]);
    }
  }
  return out;
}
const setField = (fields, name, value) => fields.map(([k, v]) => [k, k === name ? value : v]);
const getField = (fields, name) => (fields.find(([k]) => k === name) || [])[1];

// ---- sessions and the API ----

async function signIn(email, password = DEMO_PASSWORD, srv = server) {
  const r = await http('POST', '/login', { form: { email, password, next: '/' }, srv });
  assert.equal(r.status, 303, `sign-in of ${email}: ${r.status} ${alertOf(r.text) || ''}`);
  const raw = r.cookies.find((c) => c.startsWith('custos_session='));
  assert.match(raw, /^custos_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  const cookie = `custos_session=${cookieValue(r, 'custos_session')}`;
  const page = await http('GET', '/account', { cookie, srv });
  assert.equal(page.status, 200);
  return { email, cookie, csrf: csrfOf(page.text) };
}
function api(s, method, path, body, headers = {}) {
  const h = { ...headers };
  if (s.cookie) { h.Cookie = s.cookie; h['X-CSRF-Token'] = s.csrf; }
  if (s.bearer) h.Authorization = `Bearer ${s.bearer}`;
  return server.req(method, path, { body, headers: h });
}
async function apiOk(s, method, path, body, status = 200) {
  const r = await api(s, method, path, body);
  assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
  return r.json;
}
const allOf = async (plural, s = ism) => (await apiOk(s, 'GET', `/api/v1/${plural}?limit=500`)).items;
const SYSTEM = new Set(['id', 'version', 'created_at', 'updated_at']);
const fieldsOnly = (rec) => Object.fromEntries(Object.entries(rec).filter(([k]) => !SYSTEM.has(k)));

// The edit form's fields for a record as a browser would send them (for records whose edit
// page the user cannot open).
function formFromRecord(plural, rec) {
  const out = [];
  for (const f of REG[plural].fields) {
    const v = rec[f.name];
    if (f.type === 'boolean') { if (v === true) out.push([f.name, 'true']); continue; }
    out.push([f.name, v === null || v === undefined ? '' : String(v)]);
  }
  return out;
}

// RFC 6238 with SHA-1, 30 s steps, 6 digits (as mfa.test.mjs)
function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of s.replace(/=+$/, '')) bits += abc.indexOf(ch).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function totp(secret, at = Date.now()) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}
function wrongCode(secret) {
  const near = new Set([-2, -1, 0, 1, 2].map((k) => totp(secret, Date.now() + k * 30000)));
  for (let i = 0; ; i++) { const c = String(i * 111111 % 1000000).padStart(6, '0'); if (!near.has(c)) return c; }
}
const token43 = () => randomBytes(32).toString('base64url');
const today = () => new Date().toISOString().slice(0, 10);
const daysFromNow = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

function parseRegisters(out) {
  const reg = {};
  let cur;
  for (const line of out.split('\n')) {
    let m = line.match(/^(\S+) \((.+?)\):/);
    if (m) { cur = { plural: m[1], title: m[2], fields: [] }; reg[m[1]] = cur; continue; }
    m = line.match(/^\s+(\S+)\s+(\S+)\s*(required)?\s*(?:-> (\S+))?\s*$/);
    if (m && cur) cur.fields.push({ name: m[1], type: m[2], required: !!m[3], ref: m[4] });
  }
  return reg;
}
function parsePermissions(out) {
  const lines = out.trim().split('\n');
  const cells = (l) => l.split('|').map((s) => s.trim()).slice(1, -1);
  const head = cells(lines[0]);
  const byTitle = Object.fromEntries(Object.values(REG).map((r) => [r.title, r.plural]));
  const perm = {};
  for (const l of lines.slice(2)) {
    const c = cells(l);
    perm[c[0]] = {};
    head.slice(1).forEach((t, i) => { perm[c[0]][byTitle[t]] = c[i + 1]; });
  }
  return perm;
}

before(async () => {
  server = new Server();
  await server.start(['--demo']);
  routes = cli(['routes']).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  REG = parseRegisters(cli(['registers']).stdout);
  PLURALS = Object.keys(REG);
  PERM = parsePermissions(cli(['permissions']).stdout);
  for (const p of ['assets', 'departments', 'interested_parties', 'people']) assert.ok(REG[p], p);
  server.addUser('external@test.example', 'external', 'Ext Ernal');
  for (const role of ROLES) S[role] = await signIn(role === 'external' ? 'external@test.example' : DEMO[role],
    role === 'external' ? PASSWORD : DEMO_PASSWORD);
  ism = S.isms_manager;
});
after(async () => {
  if (server) { await server.stop(); server.cleanup(); }
});

// ---- 1. sign-in first ----

const uiPath = (p) => !p.startsWith('/api/') && p !== '/healthz' && !p.startsWith('/static/');
function concrete(pattern, plural = 'assets') {
  return pattern.replace('{entity}', plural).replace('{id}', '1').replace(/\{[^}]+\}/g, 'x');
}

test('every page behind sign-in: GET goes to /login?next=<path>, POST to /login?m=expired, garbage cookies alike', async () => {
  const ui = routes.filter(([, p, auth]) => uiPath(p) && auth === 'auth');
  assert.ok(ui.length >= 20, 'the route table lists the UI routes');
  const garbage = [{}, { cookie: 'custos_session=garbage' }, { cookie: `custos_session=${token43()}` },
    { cookie: `__Host-custos_session=${token43()}` }, { cookie: 'custos_session=' },
    { cookie: `custos_signin=${token43()}` }, { headers: { Authorization: 'Bearer garbage' } },
    { headers: { Authorization: `Bearer cst_${token43()}` } }];
  for (const [method, pattern] of ui) {
    const plurals = pattern.includes('{entity}') ? PLURALS : [null];
    for (const pl of plurals) {
      const path = concrete(pattern, pl);
      for (const g of garbage) {
        const r = await http(method, path, method === 'POST'
          ? { ...g, form: { _csrf: 'x', name: 'Not stored' } } : g);
        const what = `${method} ${path} ${JSON.stringify(g)}`;
        assert.equal(r.status, 303, what);
        assert.equal(r.location, method === 'POST' ? '/login?m=expired' : `/login?next=${encodeURIComponent(path)}`, what);
        assert.equal(r.cookies.filter((c) => c.startsWith('custos_session=') && !/Max-Age=0/.test(c)).length, 0, what);
      }
    }
  }
  // the query string survives the detour, and sign-in returns there
  const r = await http('GET', '/assets?q=a%20b&type=server');
  const next = new URL(r.location, server.base).searchParams.get('next');
  assert.equal(next, '/assets?q=a%20b&type=server');
  const page = await http('GET', r.location);
  assert.equal(page.status, 200);
  assert.equal(getField(formFields(page.text, '/login'), 'next'), next);
  const signed = await http('POST', '/login', { form: { email: DEMO.board, password: DEMO_PASSWORD, next } });
  assert.equal(signed.status, 303);
  assert.equal(signed.location, next);
  const back = await http('GET', signed.location, { cookie: `custos_session=${cookieValue(signed, 'custos_session')}` });
  assert.equal(back.status, 200);
  assert.match(back.text, /<option value="server" selected>/);
  // the expired-form message
  const exp = await http('GET', '/login?m=expired');
  assert.match(exp.text, /Your session ended\. Please sign in again\./);
  // nothing was created by the anonymous posts
  assert.equal((await allOf('departments')).filter((d) => d.name === 'Not stored').length, 0);
});

test('unknown pages and wrong methods answer HTML error pages', async () => {
  for (const path of ['/nosuch', '/assets/0', '/assets/abc', '/assets/1/nosuch', '/assets/', '/static/', '/admin/users/0',
    '/assets/99999999999999999999']) {
    const r = await http('GET', path, { cookie: ism.cookie });
    assert.equal(r.status, 404, path);
    assert.match(r.headers.get('content-type'), /^text\/html/, path);
  }
  const missing = await http('GET', '/assets/999999', { cookie: ism.cookie });
  assert.equal(missing.status, 404);
  for (const [method, path, allow] of [['PUT', '/assets', 'GET, POST'], ['DELETE', '/assets/1', 'GET, POST'],
    ['GET', '/logout', 'POST'], ['POST', '/assets/new', 'GET'], ['POST', '/assets/1/edit', 'GET']]) {
    const r = await http(method, path, { cookie: ism.cookie, form: method === 'GET' ? undefined : { _csrf: ism.csrf } });
    assert.equal(r.status, 405, `${method} ${path}`);
    assert.equal(r.headers.get('allow'), allow, `${method} ${path}`);
    assert.match(r.headers.get('content-type'), /^text\/html/);
  }
  // GET /logout did not sign out
  assert.equal((await http('GET', '/', { cookie: ism.cookie })).status, 200);
});

// ---- 2. permissions ----

test('permissions through the UI match the API for every role: lists, counts, nav, records, forms', async () => {
  const all = {};
  for (const p of PLURALS) all[p] = await allOf(p);
  for (const role of ROLES) {
    const s = S[role];
    const home = await http('GET', '/', { cookie: s.cookie });
    assert.equal(home.status, 200, role);
    const stats = Object.fromEntries([...home.text.matchAll(/<a class="stat[^"]*" href="\/(\w+)"><strong>(\d+)<\/strong>/g)]
      .map((m) => [m[1], Number(m[2])]));
    const wantNav = [];
    for (const p of PLURALS) {
      const who = `${role} ${p}`;
      const apiList = await api(s, 'GET', `/api/v1/${p}`);
      const page = await http('GET', `/${p}`, { cookie: s.cookie });
      const mayCreate = /\bc:/.test(PERM[role]?.[p] || '');
      const newPage = await http('GET', `/${p}/new`, { cookie: s.cookie });
      assert.equal(newPage.status, mayCreate ? 200 : 403, `${who} /new`);
      // an empty form: refused (403) or invalid (422), exactly as the API answers {}
      const apiEmpty = await api(s, 'POST', `/api/v1/${p}`, {});
      const uiEmpty = await http('POST', `/${p}`, { cookie: s.cookie, form: { _csrf: s.csrf } });
      assert.equal(uiEmpty.status, apiEmpty.status, `${who} empty create`);
      if (apiList.status !== 200) {
        assert.equal(apiList.status, 403, who);
        assert.equal(page.status, 403, who);
        assert.equal(h1Of(page.text), 'Not allowed', who);
        assert.equal(stats[p], undefined, `${who}: home counts a register it cannot read`);
        for (const x of all[p].slice(0, 1)) {
          for (const path of [`/${p}/${x.id}`, `/${p}/${x.id}/edit`])
            assert.equal((await http('GET', path, { cookie: s.cookie })).status, 403, `${who} ${path}`);
          const post = await http('POST', `/${p}/${x.id}`, { cookie: s.cookie,
            form: [['_csrf', s.csrf], ['_version', String(x.version)], ...formFromRecord(p, x)] });
          assert.equal(post.status, 403, `${who} POST`);
        }
        continue;
      }
      wantNav.push(`/${p}`);
      assert.equal(page.status, 200, who);
      assert.equal(countOf(page.text), apiList.json.total, `${who} count`);
      assert.deepEqual(rowIds(page.text, p), apiList.json.items.map((x) => x.id), `${who} rows`);
      assert.equal(stats[p], apiList.json.total, `${who} home count`);
      assert.equal(page.text.includes(`href="/${p}/new"`), mayCreate, `${who} New button`);
      for (const q of ['?q=an', '?q=zzzz', ...(all[p].length ? [`?id=${all[p][0].id}`] : [])]) {
        const a = await api(s, 'GET', `/api/v1/${p}${q}`);
        const u = await http('GET', `/${p}${q}`, { cookie: s.cookie });
        assert.equal(u.status, 200, `${who} ${q}`);
        assert.equal(countOf(u.text), a.json.total, `${who} ${q} count`);
        assert.deepEqual(rowIds(u.text, p), a.json.items.map((x) => x.id), `${who} ${q} rows`);
      }
      const visible = new Set((await api(s, 'GET', `/api/v1/${p}?limit=500`)).json.items.map((x) => x.id));
      const sample = [...all[p].filter((x) => visible.has(x.id)).slice(0, 2), ...all[p].filter((x) => !visible.has(x.id)).slice(0, 2)];
      for (const x of sample) {
        const path = `/${p}/${x.id}`;
        const rw = `${who} ${path}`;
        const apiGet = (await api(s, 'GET', `/api/v1${path}`)).status;
        const show = await http('GET', path, { cookie: s.cookie });
        assert.equal(show.status, apiGet, `${rw} show`);
        assert.equal(visible.has(x.id), apiGet === 200, rw);
        const full = Object.fromEntries(formFromRecord(p, x).map(([k]) => [k, x[k]]));
        const apiPatch = (await api(s, 'PATCH', `/api/v1${path}`, full, { 'If-Match': '"999"' })).status;
        const apiDel = (await api(s, 'DELETE', `/api/v1${path}`, undefined, { 'If-Match': '"999"' })).status;
        const edit = await http('GET', `${path}/edit`, { cookie: s.cookie });
        assert.equal(edit.status, apiPatch === 412 ? 200 : apiPatch, `${rw} edit (API PATCH ${apiPatch})`);
        const post = await http('POST', path, { cookie: s.cookie,
          form: [['_csrf', s.csrf], ['_version', '999'], ...formFromRecord(p, x)] });
        assert.equal(post.status, apiPatch === 412 ? 409 : apiPatch, `${rw} POST (API PATCH ${apiPatch})`);
        const del = await http('POST', `${path}/delete`, { cookie: s.cookie, form: { _csrf: s.csrf, _version: '999' } });
        assert.equal(del.status, apiDel, `${rw} delete`);
        if (show.status === 200) {
          assert.equal(show.text.includes(`href="${path}/edit"`), apiPatch === 412, `${rw} Edit button`);
          assert.equal(show.text.includes(`action="${path}/delete"`), apiDel === 412, `${rw} Delete button`);
        } else if (x.name) {
          assert.ok(!show.text.includes(`>${x.name}<`), `${rw} leaks the name`);
        }
        // nothing changed through all of this
        const now = await apiOk(ism, 'GET', `/api/v1${path}`);
        assert.equal(now.version, x.version, `${rw} changed`);
      }
    }
    // administration
    const apiUsers = await api(s, 'GET', '/api/v1/users');
    const users = await http('GET', '/admin/users', { cookie: s.cookie });
    assert.equal(users.status, apiUsers.status === 200 ? 200 : 403, `${role} /admin/users`);
    assert.equal((await http('GET', '/admin/users/new', { cookie: s.cookie })).status, users.status, role);
    assert.equal((await http('GET', '/admin/users/1', { cookie: s.cookie })).status, users.status, role);
    if (role !== 'admin') {
      assert.equal(users.status, 403, role);
      const post = await http('POST', '/admin/users', { cookie: s.cookie,
        form: [['_csrf', s.csrf], ['email', `made-by-${role}@test.example`], ['name', 'Nope'], ['roles', 'admin']] });
      assert.equal(post.status, 403, role);
      const upd = await http('POST', '/admin/users/1', { cookie: s.cookie,
        form: [['_csrf', s.csrf], ['name', 'Hijacked'], ['roles', 'staff']] });
      assert.equal(upd.status, 403, role);
    } else wantNav.push('/admin/users');
    assert.deepEqual(navOf(home.text).sort(), wantNav.sort(), `${role} nav`);
    assert.equal(home.text.includes('ISMS dashboard'), ['isms_manager', 'board'].includes(role), `${role} dashboard`);
  }
  // nobody above created or renamed an account
  const accounts = await apiOk(S.admin, 'GET', '/api/v1/users?q=made-by');
  assert.equal(accounts.items.length, 0);
  assert.notEqual((await apiOk(S.admin, 'GET', '/api/v1/users/1')).name, 'Hijacked');
});

test('creating through the UI is allowed exactly where the API allows it, per department', async () => {
  const depts = await allOf('departments');
  for (const role of ROLES) {
    const s = S[role];
    const me = (await apiOk(s, 'GET', '/api/v1/session')).user;
    for (const d of depts.filter((x, i) => i < 3 || x.id === me.department_id)) {
      const body = { name: `UI create ${role} ${d.id}`, type: 'software', owner_id: me.person_id || 1, department_id: d.id,
        confidentiality: 1, integrity: 1, availability: 1, status: 'in_use' };
      const uiName = `${body.name} (ui)`;
      const form = [['_csrf', s.csrf], ...Object.entries({ ...body, name: uiName })];
      const u = await http('POST', '/assets', { cookie: s.cookie, form });
      const a = await api(s, 'POST', '/api/v1/assets', body);
      const want = { 201: 303, 403: 403, 422: 422 }[a.status];
      assert.equal(u.status, want, `${role} dept ${d.id}: API ${a.status} ${a.text}`);
      const stored = (await allOf('assets')).filter((x) => x.name === uiName);
      assert.equal(stored.length, u.status === 303 ? 1 : 0, `${role} dept ${d.id}`);
      if (u.status === 303) assert.equal(u.location, `/assets/${stored[0].id}?m=created`);
      if (u.status === 403) assert.ok(/may not create/.test(alertOf(u.text) || '') || h1Of(u.text) === 'Not allowed', u.text);
    }
  }
});

// ---- 3. CSRF ----

test('every UI form post without the right _csrf is refused with 403 and changes nothing', async () => {
  server.addUser('csrf@test.example', 'isms_manager', 'Csrf User');
  const u = await signIn('csrf@test.example', PASSWORD);
  const admin = S.admin;
  const extId = (await apiOk(admin, 'GET', '/api/v1/users?q=external@test.example')).items[0].id;
  const tok = await apiOk(u, 'POST', '/api/v1/tokens', { name: 'csrf victim' }, 201);
  const bearer = { bearer: tok.token };
  const made = {};
  for (const p of ['departments', 'people', 'assets', 'interested_parties']) {
    const body = { departments: { name: 'CSRF dept' }, people: { name: 'CSRF person', email: 'csrf-person@test.example', department_id: 1 },
      assets: { name: 'CSRF asset', type: 'paper', owner_id: 1, department_id: 1, confidentiality: 1, integrity: 1, availability: 1 },
      interested_parties: { name: 'CSRF party', category: 'other', requirements: 'none' } }[p];
    made[p] = await apiOk(ism, 'POST', `/api/v1/${p}`, body, 201);
  }
  const total = async (p) => (await apiOk(ism, 'GET', `/api/v1/${p}?limit=1`)).total;
  const tokensOf = async () => (await apiOk(u, 'GET', '/api/v1/tokens')).items.length;
  const usersTotal = async () => (await apiOk(admin, 'GET', '/api/v1/users')).items.length;

  // pattern -> [session, path, form fields, check that nothing changed, status with the right token]
  const cases = [];
  const add = (pattern, s, path, form, unchanged, ok) => cases.push({ pattern, s, path, form, unchanged, ok });
  add('/logout', u, '/logout', [], async () => assert.equal((await http('GET', '/', { cookie: u.cookie })).status, 200));
  add('/account/password', u, '/account/password', [['current_password', PASSWORD], ['new_password', 'a completely new passphrase']],
    async () => assert.equal((await server.req('POST', '/api/v1/session', { body: { email: u.email, password: PASSWORD } })).status, 200));
  add('/account/mfa', u, '/account/mfa', [], async () => {});
  add('/account/mfa/confirm', u, '/account/mfa/confirm', [['code', '123456']], async () => {});
  add('/account/mfa/disable', u, '/account/mfa/disable', [['code', '123456']], async () => {});
  let nTokens;
  add('/account/tokens', u, '/account/tokens', [['name', 'csrf made']], async () => assert.equal(await tokensOf(), nTokens), 201);
  add('/account/tokens/{id}/revoke', u, `/account/tokens/${tok.id}/revoke`, [],
    async () => assert.equal((await api(bearer, 'GET', '/api/v1/session')).status, 200));
  let nUsers;
  add('/admin/users', admin, '/admin/users', [['email', 'csrf-made@test.example'], ['name', 'Made'], ['roles', 'staff']],
    async () => assert.equal(await usersTotal(), nUsers), 201);
  add('/admin/users/{id}', admin, `/admin/users/${extId}`, [['name', 'Ext Ernal'], ['roles', 'external'], ['roles', 'auditor'], ['active', 'true']], async () => {
    const x = await apiOk(admin, 'GET', `/api/v1/users/${extId}`);
    assert.equal(x.name, 'Ext Ernal');
    assert.deepEqual(x.roles, ['external']);
  }, 303);
  for (const p of Object.keys(made)) {
    const x = made[p];
    const n = await total(p);
    const createForm = formFromRecord(p, { ...x, name: `${x.name} 2`, email: x.email && 'csrf-person2@test.example' });
    add('/{entity}', u, `/${p}`, createForm, async () => assert.equal(await total(p), n), 303);
    add('/{entity}/{id}', u, `/${p}/${x.id}`, [['_version', String(x.version)], ...formFromRecord(p, { ...x, name: 'Hijacked' })],
      async () => assert.equal((await apiOk(ism, 'GET', `/api/v1/${p}/${x.id}`)).version, x.version), 303);
    add('/{entity}/{id}/delete', u, `/${p}/${x.id}/delete`, [['_version', String(x.version)]],
      async () => assert.equal((await api(ism, 'GET', `/api/v1/${p}/${x.id}`)).status, 200));
  }
  // every other form post of the route table (added later): at least the token is checked
  const posts = routes.filter(([m, p, a]) => m === 'POST' && uiPath(p) && a === 'auth').map(([, p]) => p);
  for (const pattern of posts.filter((x) => !cases.some((c) => c.pattern === x))) {
    for (const [p, x] of Object.entries(made)) {
      const path = pattern.replace('{entity}', p).replace('{id}', String(x.id)).replace(/\{[^}]+\}/g, 'x');
      add(pattern, u, path, [['_version', String(x.version)]],
        async () => assert.equal((await apiOk(ism, 'GET', `/api/v1/${p}/${x.id}`)).version, x.version));
    }
  }
  assert.deepEqual([...new Set(cases.map((c) => c.pattern))].sort(), posts.sort());

  nTokens = await tokensOf();
  nUsers = await usersTotal();
  for (const c of cases) {
    const variants = [
      ['no _csrf', c.form, {}],
      ['empty _csrf', [...c.form, ['_csrf', '']], {}],
      ['wrong _csrf', [...c.form, ['_csrf', token43()]], {}],
      ["another session's _csrf", [...c.form, ['_csrf', (c.s === admin ? S.board : admin).csrf]], {}],
      ['_csrf one character short', [...c.form, ['_csrf', c.s.csrf.slice(0, -1)]], {}],
      ['_csrf with a character more', [...c.form, ['_csrf', c.s.csrf + 'A']], {}],
      ['_csrf in the query string only', c.form, {}, `?_csrf=${c.s.csrf}`],
      ['right _csrf, wrong X-CSRF-Token header', [...c.form, ['_csrf', c.s.csrf]], { 'X-CSRF-Token': token43() }],
    ];
    for (const [what, form, headers, qs = ''] of variants) {
      const r = await http('POST', c.path + qs, { cookie: c.s.cookie, form, headers });
      assert.equal(r.status, 403, `${c.path} ${what}: ${r.status}`);
      assert.match(r.text, /The form has expired or did not come from this site/, `${c.path} ${what}`);
      assert.equal(r.cookies.length, 0, `${c.path} ${what} sets a cookie`);
      await c.unchanged();
    }
  }
  // the same forms with the right token go through (so the 403s above were the token's doing)
  for (const c of cases.filter((x) => x.ok)) {
    const r = await http('POST', c.path, { cookie: c.s.cookie, form: [['_csrf', c.s.csrf], ...c.form] });
    assert.equal(r.status, c.ok, `${c.path} with the right token: ${alertOf(r.text) || r.location}`);
  }
  const r = await http('POST', '/logout', { cookie: u.cookie, form: { _csrf: u.csrf } });
  assert.equal(r.status, 303);
});

test('the sign-in forms refuse posts from other sites', async () => {
  const form = { email: DEMO.board, password: DEMO_PASSWORD, next: '/' };
  for (const headers of [{ Origin: 'http://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { 'Sec-Fetch-Site': 'same-site' },
    { Origin: server.base.replace('127.0.0.1', 'localhost') }, { Origin: `${server.base}.evil.example` },
    { Origin: 'http://evil.example', 'Sec-Fetch-Site': 'same-origin' }]) {
    for (const path of ['/login', '/login/verify']) {
      const r = await http('POST', path, { form: { ...form, totp: '123456' }, headers });
      assert.equal(r.status, 403, `${path} ${JSON.stringify(headers)}`);
      assert.equal(r.cookies.length, 0);
    }
  }
  for (const headers of [{ Origin: server.base }, { 'Sec-Fetch-Site': 'same-origin', Origin: server.base }, { 'Sec-Fetch-Site': 'none' }, {}]) {
    const r = await http('POST', '/login', { form, headers });
    assert.equal(r.status, 303, JSON.stringify(headers));
  }
  // a sandboxed frame or a data: page posts with Origin: null
  for (const path of ['/login', '/login/verify']) {
    const r = await http('POST', path, { form: { ...form, totp: '123456' }, headers: { Origin: 'null' } });
    assert.equal(r.status, 403, `${path} with Origin: null`);
  }
  // without the sign-in page's token (its cookie and its field, equal) nothing signs in, even
  // with no Origin and no Sec-Fetch-Site at all (older browsers, plain-HTTP origins)
  const t = await loginToken();
  const other = await loginToken();
  for (const [why, opts] of [
    ['no token at all', { loginToken: false }],
    ['the field without the cookie', { form: { ...form, _login: t.field }, loginToken: false }],
    ['the cookie without the field', { cookie: t.cookie, loginToken: false }],
    ['another page\'s field', { cookie: t.cookie, form: { ...form, _login: other.field } }],
    ['a forged pair of the wrong length', { cookie: 'custos_login=abc', form: { ...form, _login: 'abc' } }],
  ]) {
    const r = await http('POST', '/login', { form, ...opts });
    assert.equal(r.status, 403, why);
    assert.ok(!r.cookies.some((c) => c.startsWith('custos_session=')), why);
    assert.ok(byId(r.text, 'password'), `${why}: the sign-in form is shown again`);
  }
  // the token's cookie: HttpOnly, SameSite=Strict, not readable by scripts of any other page
  const res = await fetch(`${server.base}/login`, { redirect: 'manual' });
  const raw = res.headers.getSetCookie().find((c) => c.startsWith('custos_login='));
  assert.match(raw, /^custos_login=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
});

// ---- 4. forms ----

test('a create with errors answers 422 with per-field errors and keeps what was typed, escaped', async () => {
  const n = (await apiOk(ism, 'GET', '/api/v1/assets?limit=1')).total;
  const typedName = `<b>"typed" & 'kept'</b>`;
  const form = { _csrf: ism.csrf, name: typedName, identifier: '', type: '', description: 'line one\nline <two>',
    owner_id: '1', department_id: '1', confidentiality: 'abc', integrity: '2', availability: '2', location: 'Room "5"',
    status: 'in_use', acquired_on: '', review_on: '2026-02-30' };
  const r = await http('POST', '/assets', { cookie: ism.cookie, form });
  assert.equal(r.status, 422);
  assert.match(r.text, /<div role="alert"/);
  for (const f of ['confidentiality', 'review_on']) {
    const err = byId(r.text, `f-${f}-error`);
    assert.ok(err, `no error element for ${f}`);
    const ctl = byId(r.text, `f-${f}`);
    assert.equal(ctl.attrs['aria-invalid'], 'true', f);
    assert.ok(ctl.attrs['aria-describedby'].split(' ').includes(`f-${f}-error`), f);
  }
  for (const f of ['name', 'location', 'owner_id']) {
    assert.equal(byId(r.text, `f-${f}-error`), undefined, f);
    assert.equal(byId(r.text, `f-${f}`).attrs['aria-invalid'], undefined, f);
  }
  assert.ok(r.text.includes('value="&lt;b&gt;&quot;typed&quot; &amp; &#39;kept&#39;&lt;/b&gt;"'));
  assert.equal(byId(r.text, 'f-name').attrs.value, typedName);
  assert.equal(byId(r.text, 'f-location').attrs.value, 'Room "5"');
  assert.equal(byId(r.text, 'f-review_on').attrs.value, '2026-02-30');
  assert.match(r.text, /line one\nline &lt;two&gt;<\/textarea>/);
  const kept = formFields(r.text, '/assets');
  assert.equal(getField(kept, 'owner_id'), '1');
  assert.equal(getField(kept, 'integrity'), '2');
  assert.equal(getField(kept, '_csrf'), ism.csrf);
  assert.equal((await apiOk(ism, 'GET', '/api/v1/assets?limit=1')).total, n);

  // fixed and sent again: created, and the page says so
  const ok = await http('POST', '/assets', { cookie: ism.cookie,
    form: setField(setField(setField(kept, 'type', 'server'), 'confidentiality', '3'), 'review_on', '2027-03-01') });
  assert.equal(ok.status, 303, alertOf(ok.text));
  const m = ok.location.match(/^\/assets\/(\d+)\?m=created$/);
  assert.ok(m, ok.location);
  const shown = await http('GET', ok.location, { cookie: ism.cookie });
  assert.equal(shown.status, 200);
  assert.match(shown.text, /<p role="status">Asset created\.<\/p>/);
  const rec = await apiOk(ism, 'GET', `/api/v1/assets/${m[1]}`);
  assert.equal(rec.name, typedName);
  assert.equal(rec.location, 'Room "5"');
  assert.equal(rec.confidentiality, 3);
  assert.equal(rec.review_on, '2027-03-01');
  assert.equal(rec.identifier, null);
  assert.equal(rec.status, 'in_use');

  // a duplicate of a unique field is a field error too, not a crash
  const depts = await allOf('departments');
  const dup = await http('POST', '/departments', { cookie: ism.cookie, form: { _csrf: ism.csrf, name: depts[0].name, code: '' } });
  assert.equal(dup.status, 422);
  assert.ok(byId(dup.text, 'f-name-error'), 'no error on the duplicate name');
  assert.equal(byId(dup.text, 'f-name').attrs.value, depts[0].name);
});

test('a form with several errors reports all of them at once',
  async () => {
    const r = await http('POST', '/assets', { cookie: ism.cookie, form: { _csrf: ism.csrf, name: 'Two rounds', type: '', owner_id: '1',
      department_id: '1', confidentiality: 'abc', integrity: '2', availability: '2', status: 'in_use' } });
    assert.equal(r.status, 422);
    assert.ok(byId(r.text, 'f-confidentiality-error'), 'no error for confidentiality');
    assert.ok(byId(r.text, 'f-type-error'), 'no error for the missing type');
  });

test('an edit from a stale page answers 409 with the typed values and loses nothing; saving again applies them', async () => {
  const a = (await allOf('assets')).find((x) => x.location && !x.description?.includes('\n'));
  const edit = await http('GET', `/assets/${a.id}/edit`, { cookie: ism.cookie });
  assert.equal(edit.status, 200);
  let fields = formFields(edit.text, `/assets/${a.id}`);
  assert.equal(getField(fields, '_version'), String(a.version));
  assert.equal(getField(fields, 'name'), a.name);
  const other = await apiOk(ism, 'PATCH', `/api/v1/assets/${a.id}`, { location: 'Moved by someone else' });
  fields = setField(fields, 'name', 'Renamed <in the form>');
  const r = await http('POST', `/assets/${a.id}`, { cookie: ism.cookie, form: fields });
  assert.equal(r.status, 409);
  assert.match(alertOf(r.text), /changed by someone else/);
  const again = formFields(r.text, `/assets/${a.id}`);
  assert.equal(getField(again, 'name'), 'Renamed <in the form>');
  assert.equal(getField(again, '_version'), String(other.version));
  const now = await apiOk(ism, 'GET', `/api/v1/assets/${a.id}`);
  assert.equal(now.name, a.name);
  assert.equal(now.location, 'Moved by someone else');
  assert.equal(now.version, other.version);
  const saved = await http('POST', `/assets/${a.id}`, { cookie: ism.cookie, form: again });
  assert.equal(saved.status, 303);
  assert.equal(saved.location, `/assets/${a.id}?m=saved`);
  assert.equal((await apiOk(ism, 'GET', `/api/v1/assets/${a.id}`)).name, 'Renamed <in the form>');
  // a form without its version is refused, not applied blindly
  const nov = await http('POST', `/assets/${a.id}`, { cookie: ism.cookie, form: again.filter(([k]) => k !== '_version') });
  assert.equal(nov.status, 400);
  for (const v of ['0', '-1', 'abc', '1e3', '']) {
    const bad = await http('POST', `/assets/${a.id}`, { cookie: ism.cookie, form: setField(again, '_version', v) });
    assert.equal(bad.status, 400, `_version=${v}`);
  }
  assert.equal((await apiOk(ism, 'GET', `/api/v1/assets/${a.id}`)).version, other.version + 1);
});

test('rule violations on edit are field errors: a duplicate unique value, an end before the start', async () => {
  const [d1, d2] = await allOf('departments');
  const edit = await http('GET', `/departments/${d1.id}/edit`, { cookie: ism.cookie });
  const r = await http('POST', `/departments/${d1.id}`, { cookie: ism.cookie, form: setField(formFields(edit.text, `/departments/${d1.id}`), 'name', d2.name) });
  assert.equal(r.status, 422);
  assert.ok(byId(r.text, 'f-name-error'), 'no error on the duplicate name');
  assert.equal(byId(r.text, 'f-name').attrs.value, d2.name);
  assert.equal((await apiOk(ism, 'GET', `/api/v1/departments/${d1.id}`)).name, d1.name);
  const p = (await allOf('people')).find((x) => !/[\r\n]/.test(x.notes || ''));
  const pe = await http('GET', `/people/${p.id}/edit`, { cookie: ism.cookie });
  let f = setField(setField(formFields(pe.text, `/people/${p.id}`), 'start_date', '2026-05-02'), 'end_date', '2026-05-01');
  const bad = await http('POST', `/people/${p.id}`, { cookie: ism.cookie, form: f });
  assert.equal(bad.status, 422);
  assert.ok(byId(bad.text, 'f-end_date-error'), 'no error on the end date');
  assert.equal(byId(bad.text, 'f-end_date').attrs['aria-invalid'], 'true');
  assert.deepEqual(fieldsOnly(await apiOk(ism, 'GET', `/api/v1/people/${p.id}`)), fieldsOnly(p));
});

test('the history shows the start of a long change without breaking a character',
  async () => {
    const a = (await allOf('assets'))[0];
    await apiOk(ism, 'PATCH', `/api/v1/assets/${a.id}`, { description: `a${'é'.repeat(150)}` });
    const r = await http('GET', `/assets/${a.id}`, { cookie: ism.cookie });
    const hist = r.text.slice(r.text.indexOf('id="history"'));
    assert.match(hist, /aé+/);
    assert.ok(!hist.includes('\uFFFD'), 'U+FFFD in the history');
  });

test('deleting: a referenced record answers 409 naming the referrers; a stale one 412; a free one goes', async () => {
  const depts = await allOf('departments');
  const people = await allOf('people');
  const d = depts.find((x) => people.some((p) => p.department_id === x.id));
  const r = await http('POST', `/departments/${d.id}/delete`, { cookie: ism.cookie, form: { _csrf: ism.csrf, _version: d.version } });
  assert.equal(r.status, 409);
  assert.match(r.text, /cannot be deleted while other records refer to it/);
  assert.match(r.text, /People/);
  assert.equal((await api(ism, 'GET', `/api/v1/departments/${d.id}`)).status, 200);
  const free = await apiOk(ism, 'POST', '/api/v1/departments', { name: 'Short-lived' }, 201);
  const stale = await http('POST', `/departments/${free.id}/delete`, { cookie: ism.cookie, form: { _csrf: ism.csrf, _version: free.version + 1 } });
  assert.equal(stale.status, 412);
  assert.equal((await api(ism, 'GET', `/api/v1/departments/${free.id}`)).status, 200);
  const show = await http('GET', `/departments/${free.id}`, { cookie: ism.cookie });
  const ok = await http('POST', `/departments/${free.id}/delete`, { cookie: ism.cookie, form: formFields(show.text, `/departments/${free.id}/delete`) });
  assert.equal(ok.status, 303);
  assert.equal(ok.location, '/departments?m=deleted');
  assert.equal((await api(ism, 'GET', `/api/v1/departments/${free.id}`)).status, 404);
  const list = await http('GET', ok.location, { cookie: ism.cookie });
  assert.match(list.text, /<p role="status">Department deleted\.<\/p>/);
  const gone = await http('POST', `/departments/${free.id}/delete`, { cookie: ism.cookie, form: { _csrf: ism.csrf } });
  assert.equal(gone.status, 404);
});

test('malformed form bodies answer a 4xx HTML page and store nothing', async () => {
  const c = `_csrf=${ism.csrf}`;
  const n = (await apiOk(ism, 'GET', '/api/v1/departments?limit=1')).total;
  const cases = [
    ['bad %-escape', `${c}&name=BadBody%zz`, 400],
    ['truncated %-escape', `${c}&name=BadBody%4`, 400],
    ['lone %', `${c}&name=BadBody%`, 400],
    ['bad escape in a key', `${c}&na%zzme=BadBody`, 400],
    ['invalid UTF-8', `${c}&name=BadBody%ff%fe`, 400],
    ['overlong UTF-8', `${c}&name=BadBody%c0%af`, 400],
    ['UTF-16 surrogate', `${c}&name=BadBody%ed%a0%80`, 400],
    ['truncated UTF-8', `${c}&name=BadBody%e2%82`, 400],
    ['%00 in a value', `${c}&name=BadBody%00x`, 400],
    ['%00 in a key', `${c}&name%00=BadBody`, 400],
    ['raw invalid UTF-8', Buffer.concat([Buffer.from(`${c}&name=BadBody`), Buffer.from([0xff, 0xc3, 0x28])]), 400],
    ['raw NUL byte', Buffer.concat([Buffer.from(`${c}&name=BadBody`), Buffer.from([0]), Buffer.from('x')]), 400],
    ['257 fields', `${c}&name=BadBody&${Array.from({ length: 255 }, (_, i) => `f${i}=1`).join('&')}`, 400],
    ['over 1 MiB', `${c}&name=BadBody&description=${'a'.repeat(1024 * 1024)}`, 413],
    ['control character in a name', `${c}&name=BadBody%01`, 422],
    ['a name of 100 000 characters', `${c}&name=BadBody${'x'.repeat(100000)}`, 422],
  ];
  for (const [what, body, status] of cases) {
    const r = await http('POST', '/departments', { cookie: ism.cookie, body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, status, `${what}: ${h1Of(r.text)} ${alertOf(r.text) || ''}`);
    assert.match(r.headers.get('content-type'), /^text\/html/, what);
  }
  for (const ct of ['text/plain', 'multipart/form-data; boundary=x', 'application/json', 'application/x-www-form', undefined]) {
    const body = Buffer.from(`${c}&name=BadBody`);
    const r = await http('POST', '/departments', { cookie: ism.cookie, body, headers: ct ? { 'Content-Type': ct } : {} });
    assert.equal(r.status, 415, String(ct));
    assert.match(r.headers.get('content-type'), /^text\/html/);
  }
  // a body larger than 1 MiB sent in chunks, without a Content-Length
  const chunk = new TextEncoder().encode('a'.repeat(64 * 1024));
  let sent = 0;
  const stream = new ReadableStream({
    start(ctl) { ctl.enqueue(new TextEncoder().encode(`${c}&name=BadBody&description=`)); },
    pull(ctl) { if (sent++ < 20) ctl.enqueue(chunk); else ctl.close(); },
  });
  const big = await http('POST', '/departments', { cookie: ism.cookie, body: stream,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(big.status, 413);
  const all = await allOf('departments');
  assert.equal(all.length, n);
  assert.ok(!all.some((d) => d.name.startsWith('BadBody')));
  // the limits themselves are fine: 256 fields, and a body just under 1 MiB
  const at = await http('POST', '/departments', { cookie: ism.cookie, form: [['_csrf', ism.csrf], ['name', 'Exactly 256 fields'],
    ...Array.from({ length: 254 }, (_, i) => [`f${i}`, '1'])] });
  assert.equal(at.status, 303, alertOf(at.text));
  const under = await http('POST', '/departments', { cookie: ism.cookie, form: { _csrf: ism.csrf, name: 'Just under 1 MiB',
    description: 'd'.repeat(1024 * 1024 - 200) } });
  assert.ok([303, 422].includes(under.status), String(under.status));
});

test('an edit form submitted unchanged saves and changes no value, for every register', async () => {
  for (const p of PLURALS) {
    const recs = (await allOf(p)).filter((x) => !Object.values(x).some((v) => typeof v === 'string' && /[\r\n]/.test(v)));
    for (const x of recs.slice(0, 3)) {
      const edit = await http('GET', `/${p}/${x.id}/edit`, { cookie: ism.cookie });
      // a register nobody edits (sign-offs) or a record that no longer changes (a published
      // version) answers as its API PATCH does
      const patch = await api(ism, 'PATCH', `/api/v1/${p}/${x.id}`, {}, { 'If-Match': '"999"' });
      if ([403, 409].includes(patch.status)) { assert.equal(edit.status, patch.status, `${p}/${x.id}`); continue; }
      assert.equal(edit.status, 200);
      const r = await http('POST', `/${p}/${x.id}`, { cookie: ism.cookie, form: formFields(edit.text, `/${p}/${x.id}`) });
      assert.equal(r.status, 303, `${p}/${x.id}: ${alertOf(r.text)}`);
      assert.deepEqual(fieldsOnly(await apiOk(ism, 'GET', `/api/v1/${p}/${x.id}`)), fieldsOnly(x), `${p}/${x.id}`);
    }
  }
});

test('several-line text typed into a form keeps its line breaks and is shown without replacement characters',
  async () => {
    // a demo record whose text has line breaks, saved through its edit form unchanged
    const party = (await allOf('interested_parties')).find((x) => /\n/.test(x.requirements));
    const edit = await http('GET', `/interested_parties/${party.id}/edit`, { cookie: ism.cookie });
    const r = await http('POST', `/interested_parties/${party.id}`, { cookie: ism.cookie, form: formFields(edit.text, `/interested_parties/${party.id}`) });
    assert.equal(r.status, 303);
    const after1 = await apiOk(ism, 'GET', `/api/v1/interested_parties/${party.id}`);
    for (const page of [`/interested_parties/${party.id}`, `/interested_parties/${party.id}/edit`]) {
      const t = (await http('GET', page, { cookie: ism.cookie })).text;
      assert.ok(!t.includes('\uFFFD'), `${page} shows U+FFFD`);
    }
    assert.equal(after1.requirements, party.requirements, 'an unchanged save changed the text');
  });

test('a department head can save an asset of their department whose owner is in another department',
  async () => {
    const head = S.department_head;
    const me = (await apiOk(head, 'GET', '/api/v1/session')).user;
    const other = (await allOf('people')).find((x) => x.department_id !== me.department_id);
    const a = await apiOk(ism, 'POST', '/api/v1/assets', { name: 'Owned across departments', type: 'server', owner_id: other.id,
      department_id: me.department_id, confidentiality: 2, integrity: 2, availability: 2 }, 201);
    assert.equal((await api(head, 'PATCH', `/api/v1/assets/${a.id}`, { location: 'via API' })).status, 200);
    const edit = await http('GET', `/assets/${a.id}/edit`, { cookie: head.cookie });
    assert.equal(edit.status, 200);
    const fields = setField(formFields(edit.text, `/assets/${a.id}`), 'location', 'via the UI');
    const r = await http('POST', `/assets/${a.id}`, { cookie: head.cookie, form: fields });
    assert.equal(r.status, 303, alertOf(r.text));
    const now = await apiOk(ism, 'GET', `/api/v1/assets/${a.id}`);
    assert.equal(now.owner_id, other.id);
    assert.equal(now.location, 'via the UI');
  });

// ---- 5. escaping ----

test('stored attack text is escaped on every page that shows it', async () => {
  const [p1, p2, p3, p4, p5] = PAYLOADS;
  const many = PAYLOADS.join('\n');
  const me = (await apiOk(ism, 'GET', '/api/v1/session')).user;
  const dept = await apiOk(ism, 'POST', '/api/v1/departments', { name: `${p1} dept`, code: `<b>&"'x`, description: many }, 201);
  const person = await apiOk(ism, 'POST', '/api/v1/people', { name: `${p2} person`, email: 'xss@test.example', department_id: dept.id,
    job_title: p3, notes: `${many}\n\n${p4}` }, 201);
  await apiOk(ism, 'PATCH', `/api/v1/departments/${dept.id}`, { head_id: person.id });
  const asset = await apiOk(ism, 'POST', '/api/v1/assets', { name: `${p4} asset`, identifier: p2, type: 'server', description: many,
    owner_id: person.id, department_id: dept.id, confidentiality: 1, integrity: 1, availability: 1, location: p5 }, 201);
  const mine = await apiOk(ism, 'POST', '/api/v1/assets', { name: `${p3} my task`, type: 'paper', owner_id: me.person_id,
    department_id: dept.id, confidentiality: 1, integrity: 1, availability: 1, review_on: daysFromNow(3) }, 201);
  const party = await apiOk(ism, 'POST', '/api/v1/interested_parties', { name: `${p5} party ${p1}`, category: 'other', requirements: many,
    how_addressed: p4, contact: p2, review_on: today() }, 201);
  // history with the payloads on both sides of a change
  await apiOk(ism, 'PATCH', `/api/v1/assets/${asset.id}`, { name: `${p1} renamed`, location: p2 });
  await apiOk(ism, 'PATCH', `/api/v1/interested_parties/${party.id}`, { contact: p3, how_addressed: p1 });
  server.addUser('xss-user@test.example', 'isms_manager', `${p1} user`);
  const xu = await signIn('xss-user@test.example', PASSWORD);
  await apiOk(xu, 'POST', '/api/v1/tokens', { name: `${p2} token` }, 201);

  const pages = [
    '/', '/departments', '/people', '/assets', '/interested_parties',
    `/departments/${dept.id}`, `/departments/${dept.id}/edit`, `/people/${person.id}`, `/people/${person.id}/edit`,
    `/assets/${asset.id}`, `/assets/${asset.id}/edit`, `/assets/${mine.id}`, `/interested_parties/${party.id}`,
    `/interested_parties/${party.id}/edit`, '/assets/new', '/people/new', '/departments/new',
    `/people?department_id=${dept.id}`, `/assets?owner_id=${person.id}`, `/assets?department_id=${dept.id}`,
    `/departments?head_id=${person.id}`, `/assets?q=${encodeURIComponent(p1)}`, `/people?q=${encodeURIComponent(p2)}`,
    `/interested_parties?q=${encodeURIComponent(p3)}&sort=-name`, `/assets?${encodeURIComponent(p1)}=1`,
    `/assets?sort=${encodeURIComponent(p2)}`, '/account',
  ];
  const seen = new Set();
  for (const s of [ism, xu, S.board, S.department_head, S.hr_manager]) {
    for (const path of pages) {
      const r = await http('GET', path, { cookie: s.cookie });
      assert.ok([200, 400, 403, 404].includes(r.status), `${path}: ${r.status}`);
      for (const p of PAYLOADS) {
        const esc = p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
        if (r.text.includes(esc)) seen.add(`${path} ${p}`);
      }
    }
  }
  // the payloads were really on the pages (escaped), including the places that are easy to miss
  const must = [
    ['/', PAYLOADS[2]], // my tasks
    ['/', PAYLOADS[4]],
    ['/departments', PAYLOADS[0]], ['/departments', PAYLOADS[1]], // head of department column
    ['/people', PAYLOADS[0]], // department column
    [`/departments/${dept.id}`, PAYLOADS[1]], // related people, head
    [`/departments/${dept.id}`, PAYLOADS[2]], // related assets
    [`/people/${person.id}`, PAYLOADS[0]], [`/people/${person.id}`, PAYLOADS[3]], // related assets
    [`/assets/${asset.id}`, PAYLOADS[3]], [`/assets/${asset.id}`, PAYLOADS[0]], // history before/after
    [`/assets/${asset.id}/edit`, PAYLOADS[3]], [`/assets/${asset.id}/edit`, PAYLOADS[1]], // owner drop-down, textarea
    [`/interested_parties/${party.id}`, PAYLOADS[2]], [`/interested_parties/${party.id}/edit`, PAYLOADS[3]],
    ['/assets', PAYLOADS[1]], // owner filter drop-down
    ['/people', PAYLOADS[0]], ['/assets/new', PAYLOADS[0]], ['/people/new', PAYLOADS[0]],
    [`/assets?q=${encodeURIComponent(p1)}`, PAYLOADS[0]], // the search box
    ['/account', PAYLOADS[1]], // the token name, for its owner
    ['/account', PAYLOADS[0]], // the user's name in the header
  ];
  for (const [path, p] of must) assert.ok(seen.has(`${path} ${p}`), `${path} does not show ${p} escaped`);
  // the administrator's pages show the account's name escaped
  const xid = (await apiOk(S.admin, 'GET', '/api/v1/users?q=xss-user')).items[0].id;
  for (const path of ['/admin/users', `/admin/users/${xid}`, '/admin/users?q=%3Cscript%3E']) {
    const r = await http('GET', path, { cookie: S.admin.cookie });
    assert.equal(r.status, 200);
  }
  assert.ok((await http('GET', `/admin/users/${xid}`, { cookie: S.admin.cookie })).text.includes('value="&lt;script&gt;alert(1)&lt;/script&gt; user"'));
  // sign-in pages reflect the e-mail and next only escaped
  const login = await http('POST', '/login', { form: { email: `${p2}@x.example`, password: 'wrong password!', next: `/${p1}` } });
  assert.equal(login.status, 401);
  assert.equal(byId(login.text, 'email').attrs.value, `${p2}@x.example`);
  const lg = await http('GET', `/login?next=${encodeURIComponent(`/${p2}`)}&m=${encodeURIComponent(p1)}`);
  assert.equal(getField(formFields(lg.text, '/login'), 'next'), `/${p2}`);
  assert.ok(!lg.text.includes('role="status"'), 'an unknown message key is shown');
});

// ---- 6. sign-in, two-factor, sign-out ----

test('sign-in: wrong password and unknown e-mail give the same 401 page; empty fields 422', async () => {
  const wrong = await http('POST', '/login', { form: { email: DEMO.staff, password: 'not the password', next: '/' } });
  const unknown = await http('POST', '/login', { form: { email: 'nobody@westcloud.example', password: 'not the password', next: '/' } });
  for (const r of [wrong, unknown]) {
    assert.equal(r.status, 401);
    assert.equal(alertOf(r.text), 'Wrong e-mail or password.');
    assert.equal(r.cookies.length, 0);
  }
  const same = (r, email) => r.text.replace(email, 'E').replace(/name="_login" value="[^"]*"/, '');
  assert.equal(same(wrong, DEMO.staff), same(unknown, 'nobody@westcloud.example'));
  for (const form of [{ email: DEMO.staff }, { password: DEMO_PASSWORD }, { email: '', password: '' }, {}]) {
    const r = await http('POST', '/login', { form });
    assert.equal(r.status, 422, JSON.stringify(form));
    assert.match(alertOf(r.text), /Enter your e-mail address and your password/);
  }
  // absurd input is a wrong sign-in, not a crash
  for (const form of [{ email: 'a'.repeat(10000), password: 'x' }, { email: DEMO.staff, password: 'p'.repeat(200000) },
    { email: `${DEMO.staff}\u0000`, password: DEMO_PASSWORD }]) {
    const r = await http('POST', '/login', { form });
    assert.ok([400, 401, 422].includes(r.status), String(r.status));
    assert.equal(r.cookies.length, 0);
  }
  // a session cookie the client brings along is not adopted (fixation)
  const planted = token43();
  const fix = await http('POST', '/login', { cookie: `custos_session=${planted}`, form: { email: DEMO.board, password: DEMO_PASSWORD } });
  assert.equal(fix.status, 303);
  assert.notEqual(cookieValue(fix, 'custos_session'), planted);
  assert.equal((await http('GET', '/', { cookie: `custos_session=${planted}` })).status, 303);
  // the login page and its form
  const page = await http('GET', '/login');
  assert.equal(page.status, 200);
  const f = formFields(page.text, '/login');
  assert.deepEqual(f.map(([k]) => k), ['email', 'password', 'next', '_login']);
  assert.equal(getField(f, 'next'), '/');
  assert.match(getField(f, '_login'), /^[A-Za-z0-9_-]{43}$/);
});

test('next never leads off-site', async () => {
  const evil = ['//evil.example', '//evil.example/path', 'https://evil.example', 'http://evil.example/', '/\\evil.example',
    '\\\\evil.example', '/\\/evil.example', 'javascript:alert(1)', '%2F%2Fevil.example', 
    '/\t/evil.example', '/\r\n/evil.example', ' //evil.example', 'evil.example', '///evil.example', '/\\\\evil.example',
    '\t//evil.example', 'data:text/html,x', '', '%5C%5Cevil.example', 'http:evil.example', 'https:/evil.example'];
  for (const next of evil) {
    const r = await http('POST', '/login', { form: { email: DEMO.board, password: DEMO_PASSWORD, next } });
    assert.equal(r.status, 303, JSON.stringify(next));
    assert.equal(r.location, '/', `next=${JSON.stringify(next)} -> ${r.location}`);
    const page = await http('GET', `/login?next=${encodeURIComponent(next)}`);
    assert.equal(getField(formFields(page.text, '/login'), 'next'), '/', JSON.stringify(next));
    // already signed in: GET /login goes to next at once
    const again = await http('GET', `/login?next=${encodeURIComponent(next)}`, { cookie: S.board.cookie });
    assert.equal(again.status, 303);
    assert.equal(again.location, '/', JSON.stringify(next));
  }
  // local paths, even odd ones, are kept and stay on this site
  for (const next of ['/assets', '/assets?type=server&q=a%20b', '/people/1', '/%2F%2Fevil.example', '/%5C%5Cevil.example',
    '/%0d%0aLocation:%20http://evil.example', '/.//evil.example', '/..//evil.example']) {
    const r = await http('POST', '/login', { form: { email: DEMO.board, password: DEMO_PASSWORD, next } });
    assert.equal(r.status, 303);
    assert.equal(new URL(r.location, server.base).origin, server.base, `${next} -> ${r.location}`);
    assert.ok(r.location.startsWith('/') && !r.location.startsWith('//'), r.location);
  }
});

test('two-factor sign-in: the TOTP step, its cookie, wrong and replayed codes, recovery codes', async () => {
  server.addUser('mfa@test.example', 'staff', 'Mfa User');
  const c = await server.sessionClient('mfa@test.example');
  const begin = await c.post('/api/v1/session/mfa', undefined, { raw: '{}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(begin.status, 201, begin.text);
  const secret = begin.json.secret;
  const t0 = Date.now();
  const conf = await c.post('/api/v1/session/mfa/confirm', { code: totp(secret, t0) });
  assert.equal(conf.status, 200, conf.text);
  const recovery = conf.json.recovery_codes;

  const step = async (next = '/assets?type=server') => {
    const r = await http('POST', '/login', { form: { email: 'mfa@test.example', password: PASSWORD, next } });
    assert.equal(r.status, 200);
    assert.match(h1Of(r.text), /Two-factor sign-in/);
    assert.equal(getField(formFields(r.text, '/login/verify'), 'next'), next);
    assert.equal(cookieValue(r, 'custos_session'), undefined, 'a session before the second factor');
    const raw = r.cookies.find((x) => x.startsWith('custos_signin='));
    assert.ok(raw, 'no step cookie');
    const attrs = raw.split(';').map((s) => s.trim());
    assert.ok(attrs.includes('Path=/login'), raw);
    assert.ok(attrs.includes('HttpOnly'), raw);
    assert.ok(attrs.includes('SameSite=Strict'), raw);
    assert.ok(Number((attrs.find((a) => a.startsWith('Max-Age=')) || '').slice(8)) > 0, raw);
    return cookieValue(r, 'custos_signin');
  };
  const ticket = await step();
  // the step cookie is not a session, under either name
  for (const cookie of [`custos_session=${ticket}`, `custos_signin=${ticket}`, `__Host-custos_session=${ticket}`]) {
    assert.equal((await http('GET', '/', { cookie })).status, 303, cookie);
    assert.equal((await server.req('GET', '/api/v1/session', { headers: { Cookie: cookie } })).status, 401, cookie);
  }
  // a wrong code, a missing code, no step cookie
  const wrong = await http('POST', '/login/verify', { cookie: `custos_signin=${ticket}`, form: { totp: wrongCode(secret), next: '/' } });
  assert.equal(wrong.status, 401);
  assert.match(alertOf(wrong.text), /not valid/);
  assert.equal(cookieValue(wrong, 'custos_session'), undefined);
  const none = await http('POST', '/login/verify', { form: { totp: totp(secret, t0 + 30000), next: '/' } });
  assert.equal(none.status, 401);
  assert.match(alertOf(none.text), /start again/);
  const forged = await http('POST', '/login/verify', { cookie: `custos_signin=${token43()}`, form: { totp: totp(secret, t0 + 30000) } });
  assert.equal(forged.status, 401);
  // the right code: a session, back where the user was going, the step cookie cleared
  const code = totp(secret, t0 + 30000);
  const ok = await http('POST', '/login/verify', { cookie: `custos_signin=${ticket}`, form: { totp: code, next: '/assets?type=server' } });
  assert.equal(ok.status, 303, alertOf(ok.text));
  assert.equal(ok.location, '/assets?type=server');
  const cookie = `custos_session=${cookieValue(ok, 'custos_session')}`;
  assert.equal((await http('GET', '/', { cookie })).status, 200);
  assert.equal((await server.req('GET', '/api/v1/session', { headers: { Cookie: cookie } })).json.user.email, 'mfa@test.example');
  // the finished step cannot be used again, and the code cannot be replayed in a new one
  const reuse = await http('POST', '/login/verify', { cookie: `custos_signin=${ticket}`, form: { totp: recovery[0] } });
  assert.equal(reuse.status, 401);
  assert.equal(cookieValue(reuse, 'custos_session'), undefined);
  const t2 = await step('/');
  const replay = await http('POST', '/login/verify', { cookie: `custos_signin=${t2}`, form: { totp: code, next: '/' } });
  assert.equal(replay.status, 401);
  assert.equal(cookieValue(replay, 'custos_session'), undefined);
  // a recovery code works once
  const rc = await http('POST', '/login/verify', { cookie: `custos_signin=${t2}`, form: { totp: recovery[1], next: '/' } });
  assert.equal(rc.status, 303);
  const t3 = await step('/');
  const rc2 = await http('POST', '/login/verify', { cookie: `custos_signin=${t3}`, form: { totp: recovery[1], next: '/' } });
  assert.equal(rc2.status, 401);
});

test('a finished TOTP step clears its cookie',
  async () => {
    server.addUser('mfa2@test.example', 'staff', 'Mfa Two');
    const c = await server.sessionClient('mfa2@test.example');
    const begin = await c.post('/api/v1/session/mfa', undefined, { raw: '{}', headers: { 'Content-Type': 'application/json' } });
    const t0 = Date.now();
    assert.equal((await c.post('/api/v1/session/mfa/confirm', { code: totp(begin.json.secret, t0) })).status, 200);
    const step = await http('POST', '/login', { form: { email: 'mfa2@test.example', password: PASSWORD, next: '/' } });
    const ticket = cookieValue(step, 'custos_signin');
    const ok = await http('POST', '/login/verify', { cookie: `custos_signin=${ticket}`, form: { totp: totp(begin.json.secret, t0 + 30000), next: '/' } });
    assert.equal(ok.status, 303);
    assert.ok(cookieValue(ok, 'custos_session'), 'no session cookie');
    assert.ok(ok.cookies.some((x) => /^custos_signin=;.*Max-Age=0/.test(x)), `Set-Cookie: ${ok.cookies.join(' | ')}`);
  });

test('sign-out ends the session for the pages and the API', async () => {
  const s = await signIn(DEMO.auditor);
  assert.equal((await server.req('GET', '/api/v1/session', { headers: { Cookie: s.cookie } })).status, 200);
  const r = await http('POST', '/logout', { cookie: s.cookie, form: { _csrf: s.csrf } });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/login?m=signed_out');
  assert.ok(r.cookies.some((c) => /^custos_session=;.*Max-Age=0/.test(c)), r.cookies.join(' | '));
  assert.match((await http('GET', r.location)).text, /You have signed out\./);
  const home = await http('GET', '/', { cookie: s.cookie });
  assert.equal(home.status, 303);
  assert.equal(home.location, '/login?next=%2F');
  assert.equal((await server.req('GET', '/api/v1/session', { headers: { Cookie: s.cookie } })).status, 401);
  assert.equal((await http('POST', '/assets', { cookie: s.cookie, form: { _csrf: s.csrf, name: 'after sign-out' } })).location, '/login?m=expired');
  // signing out twice is harmless
  assert.equal((await http('POST', '/logout', { cookie: s.cookie, form: { _csrf: s.csrf } })).status, 303);
});

test('sign-in throttling answers 429 with Retry-After, for known and unknown accounts alike', async () => {
  const srv = new Server();
  srv.addUser('victim@test.example', 'staff');
  await srv.start();
  try {
    for (const email of ['victim@test.example', 'ghost@test.example']) {
      for (let i = 0; i < 6; i++) {
        const r = await http('POST', '/login', { srv, form: { email, password: 'wrong password!' } });
        assert.equal(r.status, 401, `${email} try ${i}`);
      }
      const r = await http('POST', '/login', { srv, form: { email, password: PASSWORD, next: '/' } });
      assert.equal(r.status, 429, email);
      assert.ok(Number(r.headers.get('retry-after')) >= 1, r.headers.get('retry-after'));
      assert.match(alertOf(r.text), /Too many failed sign-ins\. Try again in \d+ seconds\./);
      assert.equal(r.cookies.length, 0);
      assert.ok(formFields(r.text, '/login'));
    }
    await new Promise((res) => setTimeout(res, 1100));
    const ok = await http('POST', '/login', { srv, form: { email: 'victim@test.example', password: PASSWORD, next: '/' } });
    assert.equal(ok.status, 303);
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});

test('my account: password change, API tokens, two-factor set-up and a role that requires it', async () => {
  server.addUser('acct@test.example', 'auditor', 'Acct User');
  let s = await signIn('acct@test.example', PASSWORD);
  const other = await server.login('acct@test.example'); // a second session, via the API
  const pw = (form) => http('POST', '/account/password', { cookie: s.cookie, form: { _csrf: s.csrf, ...form } });
  let r = await pw({ current_password: 'not my password', new_password: 'a completely new passphrase' });
  assert.equal(r.status, 422);
  assert.match(alertOf(r.text), /password was not changed/);
  assert.match(r.text, /Current password is not your password/);
  r = await pw({ current_password: PASSWORD, new_password: 'short' });
  assert.equal(r.status, 422);
  r = await pw({ current_password: PASSWORD });
  assert.equal(r.status, 422);
  r = await pw({ current_password: PASSWORD, new_password: 'a completely new passphrase' });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/account?m=password');
  const fresh = `custos_session=${cookieValue(r, 'custos_session')}`;
  assert.equal((await http('GET', '/', { cookie: s.cookie })).status, 303, 'the old session survived');
  assert.equal((await server.req('GET', '/api/v1/session', { headers: { Cookie: other.cookie } })).status, 401, 'the other session survived');
  const acct = await http('GET', '/account?m=password', { cookie: fresh });
  assert.equal(acct.status, 200);
  assert.match(acct.text, /Your password was changed/);
  assert.match(acct.text, /API tokens were revoked/);
  s = { email: s.email, cookie: fresh, csrf: csrfOf(acct.text) };
  assert.notEqual(s.csrf, undefined);
  assert.equal((await server.req('POST', '/api/v1/session', { body: { email: s.email, password: 'a completely new passphrase' } })).status, 200);

  // tokens: made, shown once, usable, revocable; another user's cannot be revoked here
  r = await http('POST', '/account/tokens', { cookie: s.cookie, form: { _csrf: s.csrf, name: 'from the UI', permissions: 'assets:read' } });
  assert.equal(r.status, 201);
  const token = unescapeHtml(r.text.match(/<code class="secret">([^<]*)<\/code>/)[1]);
  assert.equal((await api({ bearer: token }, 'GET', '/api/v1/assets')).status, 200);
  assert.equal((await api({ bearer: token }, 'GET', '/api/v1/people')).status, 403);
  for (const form of [{ name: '' }, { name: 'x'.repeat(101) }, { name: 'bad', permissions: 'nonsense' }, { name: 'old', expires_on: '2001-01-01' },
    { name: 'bad date', expires_on: 'soon' }]) {
    const bad = await http('POST', '/account/tokens', { cookie: s.cookie, form: { _csrf: s.csrf, ...form } });
    assert.equal(bad.status, 422, JSON.stringify(form));
  }
  const tokens = (await apiOk(s, 'GET', '/api/v1/tokens')).items;
  const mine = tokens.find((t) => t.name === 'from the UI');
  const foreign = await apiOk(ism, 'POST', '/api/v1/tokens', { name: 'not yours' }, 201);
  r = await http('POST', `/account/tokens/${foreign.id}/revoke`, { cookie: s.cookie, form: { _csrf: s.csrf } });
  assert.equal(r.status, 404);
  assert.equal((await api({ bearer: foreign.token }, 'GET', '/api/v1/session')).status, 200);
  r = await http('POST', `/account/tokens/${mine.id}/revoke`, { cookie: s.cookie, form: { _csrf: s.csrf } });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/account?m=token_revoked');
  assert.equal((await api({ bearer: token }, 'GET', '/api/v1/assets')).status, 401);

  // the ISM requires a second factor for auditors: the account is held to "my account"
  await apiOk(ism, 'PUT', '/api/v1/settings/mfa', { required_roles: ['auditor'] });
  try {
    for (const path of ['/', '/assets', '/admin/users', '/assets/1/edit']) {
      const held = await http('GET', path, { cookie: s.cookie });
      assert.equal(held.status, 303, path);
      assert.equal(held.location, '/account', path);
    }
    r = await http('POST', '/assets', { cookie: s.cookie, form: { _csrf: s.csrf, name: 'held' } });
    assert.equal(r.location, '/account');
    const a = await http('GET', '/account', { cookie: s.cookie });
    assert.equal(a.status, 200);
    assert.match(a.text, /Your role requires two-factor sign-in/);
    r = await http('POST', '/account/mfa', { cookie: s.cookie, form: { _csrf: s.csrf } });
    assert.equal(r.status, 200);
    let secret = unescapeHtml(r.text.match(/<code class="secret">([^<]*)<\/code>/)[1]);
    assert.match(r.text, /<div class="qr"><svg /);
    r = await http('POST', '/account/mfa/confirm', { cookie: s.cookie, form: { _csrf: s.csrf, code: wrongCode(secret) } });
    assert.equal(r.status, 422);
    const secret2 = unescapeHtml(r.text.match(/<code class="secret">([^<]*)<\/code>/)[1]);
    assert.notEqual(secret2, secret, 'a failed confirmation shows the same secret again');
    secret = secret2;
    const t0 = Date.now();
    r = await http('POST', '/account/mfa/confirm', { cookie: s.cookie, form: { _csrf: s.csrf, code: totp(secret, t0) } });
    assert.equal(r.status, 200);
    assert.equal([...r.text.matchAll(/<li><code>[^<]+<\/code><\/li>/g)].length, 10);
    assert.equal((await http('GET', '/assets', { cookie: s.cookie })).status, 200);
    r = await http('POST', '/account/mfa/disable', { cookie: s.cookie, form: { _csrf: s.csrf, code: totp(secret, t0 + 30000) } });
    assert.equal(r.status, 422);
    assert.match(alertOf(r.text), /stays on/);
    assert.match(r.text, /The code cannot turn off a second factor that your role requires/);
    await apiOk(ism, 'PUT', '/api/v1/settings/mfa', { required_roles: [] });
    r = await http('POST', '/account/mfa/disable', { cookie: s.cookie, form: { _csrf: s.csrf, code: wrongCode(secret) } });
    assert.equal(r.status, 422);
    r = await http('POST', '/account/mfa/disable', { cookie: s.cookie, form: { _csrf: s.csrf, code: totp(secret, t0 + 30000) } });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/account?m=mfa_off');
    assert.match((await http('GET', r.location, { cookie: s.cookie })).text, /Two-factor sign-in is <strong>off<\/strong>/);
  } finally {
    await apiOk(ism, 'PUT', '/api/v1/settings/mfa', { required_roles: [] });
  }
});

test('user administration: create with a first password, change roles, refuse self-lockout', async () => {
  const a = S.admin;
  let r = await http('POST', '/admin/users', { cookie: a.cookie, form: [['_csrf', a.csrf], ['email', 'not an e-mail'], ['name', 'X'], ['roles', 'staff']] });
  assert.equal(r.status, 422);
  r = await http('POST', '/admin/users', { cookie: a.cookie, form: [['_csrf', a.csrf], ['email', 'made@test.example'], ['name', 'Made'],
    ['roles', 'staff'], ['department', 'No such department']] });
  assert.equal(r.status, 422);
  assert.equal(byId(r.text, 'f-email').attrs.value, 'made@test.example');
  r = await http('POST', '/admin/users', { cookie: a.cookie, form: [['_csrf', a.csrf], ['email', 'made@test.example'], ['name', 'Made'],
    ['roles', 'staff'], ['roles', 'auditor'], ['roles', 'emperor'], ['department', 'ENG']] });
  assert.equal(r.status, 201);
  const first = unescapeHtml(r.text.match(/<code class="secret">([^<]*)<\/code>/)[1]);
  const made = await signIn('made@test.example', first);
  const who = (await apiOk(made, 'GET', '/api/v1/session')).user;
  assert.deepEqual(who.roles.sort(), ['auditor', 'staff']);
  const id = who.id;
  r = await http('POST', `/admin/users/${id}`, { cookie: a.cookie, form: [['_csrf', a.csrf], ['name', 'Made Again'], ['roles', 'board'], ['active', 'true']] });
  assert.equal(r.status, 303);
  assert.equal(r.location, `/admin/users/${id}?m=user_saved`);
  assert.deepEqual((await apiOk(a, 'GET', `/api/v1/users/${id}`)).roles, ['board']);
  // deactivating signs the user out at once
  r = await http('POST', `/admin/users/${id}`, { cookie: a.cookie, form: [['_csrf', a.csrf], ['name', 'Made Again'], ['roles', 'board']] });
  assert.equal(r.status, 303);
  assert.equal((await http('GET', '/', { cookie: made.cookie })).status, 303);
  const denied = await http('POST', '/login', { form: { email: 'made@test.example', password: first } });
  assert.equal(denied.status, 401);
  assert.equal(alertOf(denied.text), 'Wrong e-mail or password.');
  // one's own account: the page offers the name only, and roles or state posted anyway are
  // not taken (no administrator changes their own powers, nor locks themselves out)
  const self = (await apiOk(a, 'GET', '/api/v1/session')).user.id;
  const own = await http('GET', `/admin/users/${self}`, { cookie: a.cookie });
  assert.equal(own.status, 200);
  assert.ok(!formFields(own.text, `/admin/users/${self}`).some(([k]) => k === 'roles' || k === 'active'), 'role boxes on one\'s own page');
  for (const form of [[['roles', 'staff'], ['active', 'true']], [['roles', 'admin'], ['roles', 'board']], []]) {
    r = await http('POST', `/admin/users/${self}`, { cookie: a.cookie, form: [['_csrf', a.csrf], ['name', 'Admin'], ...form] });
    assert.equal(r.status, 303, JSON.stringify(form));
  }
  assert.deepEqual((await apiOk(a, 'GET', '/api/v1/session')).user.roles, ['admin']);
  assert.equal((await http('GET', '/admin/users/999999', { cookie: a.cookie })).status, 404);
  assert.equal((await http('POST', '/admin/users/999999', { cookie: a.cookie, form: [['_csrf', a.csrf], ['name', 'x'], ['roles', 'staff']] })).status, 404);
});

// ---- 7. lists ----

test('bad list queries answer a 400 page, never a 500', async () => {
  const cur = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const firstCursor = async (p, q = '') => {
    const m = (await http('GET', `/${p}${q}${q ? '&' : '?'}limit=1`, { cookie: ism.cookie })).text.match(/rel="next" href="[^"]*cursor=([^"&]*)/);
    return m && decodeURIComponent(unescapeHtml(m[1]));
  };
  const bad = ['?sort=nonsense', '?sort=-', '?sort=--name', '?cursor=garbage', '?cursor=e30', '?cursor=%ff', '?limit=0',
    '?limit=501', '?limit=abc', '?limit=1e3', '?q=%ff', '?%ff=1', '?nosuch=1', '?id=abc', '?id=99999999999999999999'];
  for (const p of PLURALS) {
    for (const q of bad) {
      const r = await http('GET', `/${p}${q}`, { cookie: ism.cookie });
      assert.equal(r.status, 400, `/${p}${q}`);
      assert.equal(h1Of(r.text), 'Bad request', `/${p}${q}`);
    }
  }
  for (const q of ['?type=nonsense', '?review_on.gte=notadate', '?review_on.lte=2026-02-30', '?confidentiality=high',
    '?owner_id=abc', '?in_scope=true', '?status=']) {
    const r = await http('GET', `/assets${q}`, { cookie: ism.cookie });
    assert.ok(q === '?status=' ? r.status === 200 : r.status === 400, `/assets${q}: ${r.status}`);
  }
  // a cursor made for another list, sort or register
  const c1 = await firstCursor('assets');
  const c2 = await firstCursor('departments');
  for (const q of [`?sort=-name&cursor=${c1}`, `?sort=type&cursor=${c1}`, `?cursor=${c2}`]) {
    const r = await http('GET', `/assets${q}`, { cookie: ism.cookie });
    assert.ok([200, 400].includes(r.status), `${q}: ${r.status}`);
  }
  // crafted cursors: any answer but a crash
  for (const o of [{ s: 'name', k: [1, 2] }, { s: 'name', k: ['a', 'b'] }, { s: 'name', k: [null, 1] }, { s: 'review_on', k: [null, 5] },
    { s: 'review_on', k: ['notadate', 5] }, { s: 'name', k: ['a', 1e308] }, { s: 'name', k: ['a', -1] }, { s: 'name', k: [{ a: 1 }, 1] },
    { s: 'name', k: ['\u0000', 1] }, { s: 'name' }, [], 'x', { s: 'confidentiality', k: ['x', 1] }, { s: '-review_on', k: [null, 1] },
    { s: 'name', k: ['a'] }, { s: 'id; drop table x', k: ['a', 1] }, { s: 'name', k: ['a', 1, 2] }, { s: 'name', k: ['a', '1'] }]) {
    for (const sort of ['', '&sort=review_on', '&sort=-review_on', '&sort=confidentiality']) {
      const r = await http('GET', `/assets?cursor=${cur(o)}${sort}`, { cookie: ism.cookie });
      assert.ok([200, 400].includes(r.status), `${JSON.stringify(o)}${sort}: ${r.status}`);
    }
  }
});

test('pagination links walk every record exactly once, in the API order, for every sort', async () => {
  const cats = ['customer', 'reseller', 'supplier', 'partner', 'regulator', 'employee', 'shareholder', 'other'];
  for (let i = 0; i < 120; i++) {
    await apiOk(ism, 'POST', '/api/v1/interested_parties', {
      name: `${i % 2 ? 'pager' : 'Pager'} ${String(i % 60).padStart(2, '0')} ${i}`,
      category: cats[i % cats.length], requirements: 'r', in_scope: i % 4 !== 0, contact: i % 5 ? `c${i % 7}` : null,
      review_on: i % 3 === 0 ? null : `2027-0${1 + (i % 4)}-1${i % 3}`,
    }, 201);
  }
  const cookie = ism.cookie;
  async function walk(query) {
    const ids = [];
    let path = `/interested_parties${query}`;
    let pages = 0;
    while (path) {
      const r = await http('GET', path, { cookie });
      assert.equal(r.status, 200, path);
      ids.push(...rowIds(r.text, 'interested_parties'));
      if (pages) assert.match(r.text, />First page<\/a>/, path);
      const next = r.text.match(/<a rel="next" href="([^"]*)">Next page<\/a>/);
      path = next ? unescapeHtml(next[1]) : null;
      pages++;
      assert.ok(pages < 20, 'the pages do not end');
    }
    return { ids, pages };
  }
  const sorts = ['', '?sort=name', '?sort=-name', '?sort=category', '?sort=-category', '?sort=review_on', '?sort=-review_on',
    '?sort=in_scope', '?sort=-in_scope', '?category=customer&sort=-review_on', '?q=pager&sort=review_on',
    '?review_on=null&sort=-name', '?in_scope=true&sort=category', '?review_on.gte=2027-02-01&sort=-review_on'];
  for (const q of sorts) {
    const { ids, pages } = await walk(q);
    const apiQ = q ? `${q}&limit=500` : '?limit=500';
    const all = await apiOk(ism, 'GET', `/api/v1/interested_parties${apiQ}`);
    const want = all.items.map((x) => x.id);
    assert.equal(all.total, want.length);
    assert.equal(countOf((await http('GET', `/interested_parties${q}`, { cookie })).text), ids.length, `${q}: count`);
    assert.equal(new Set(ids).size, ids.length, `${q}: a record twice`);
    assert.deepEqual(ids, want, `${q}: order or records differ from the API`);
    if (['', '?sort=name', '?sort=-review_on', '?sort=review_on'].includes(q)) assert.ok(pages >= 3, `${q}: ${pages} pages`);
  }
});

test('sort links toggle ascending and descending and keep the filters', async () => {
  const cookie = ism.cookie;
  const headers = (html) => Object.fromEntries([...html.matchAll(/<th scope="col"([^>]*)>(?:<a href="([^"]*)">)?([^<]*)/g)]
    .map((m) => [m[3], { sort: (m[1].match(/aria-sort="(\w+)"/) || [])[1], href: m[2] && unescapeHtml(m[2]) }]));
  let r = await http('GET', '/interested_parties', { cookie });
  let h = headers(r.text);
  assert.equal(h.Name.sort, 'ascending');
  assert.equal(h.Name.href, '/interested_parties?sort=-name');
  assert.equal(h.Category.sort, undefined);
  assert.equal(h.Category.href, '/interested_parties?sort=category');
  r = await http('GET', h.Name.href, { cookie });
  h = headers(r.text);
  assert.equal(h.Name.sort, 'descending');
  assert.equal(h.Name.href, '/interested_parties?sort=name');
  const firstPage = async (q) => (await apiOk(ism, 'GET', `/api/v1/interested_parties${q}`)).items.map((x) => x.id);
  assert.deepEqual(rowIds(r.text, 'interested_parties'), await firstPage('?sort=-name'));
  r = await http('GET', '/interested_parties?category=supplier&q=pager&sort=review_on', { cookie });
  h = headers(r.text);
  assert.equal(h['Next review'].sort, 'ascending');
  assert.equal(h['Next review'].href, '/interested_parties?category=supplier&q=pager&sort=-review_on');
  assert.equal(h.Name.sort, undefined);
  assert.equal(h.Name.href, '/interested_parties?category=supplier&q=pager&sort=name');
  assert.match(r.text, /<input type="hidden" name="sort" value="review_on">/);
  assert.match(r.text, /<option value="supplier" selected>/);
  assert.deepEqual(rowIds(r.text, 'interested_parties'), await firstPage('?category=supplier&q=pager&sort=review_on'));
  r = await http('GET', h['Next review'].href, { cookie });
  h = headers(r.text);
  assert.equal(h['Next review'].sort, 'descending');
  assert.equal(h['Next review'].href, '/interested_parties?category=supplier&q=pager&sort=review_on');
  assert.deepEqual(rowIds(r.text, 'interested_parties'), await firstPage('?category=supplier&q=pager&sort=-review_on'));
  // a column that cannot be sorted has no link
  assert.ok(Object.values(h).every((x) => x.href === undefined || x.href.includes('sort=')));
});

// ---- 8. static files ----

test('static files: types, ETag, a long cache life, 304 on a match, 404 otherwise', async () => {
  for (const [name, type] of [['custos.css', /^text\/css/], ['custos.js', /^(text|application)\/javascript/]]) {
    const r = await http('GET', `/static/${name}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), type);
    assert.ok(r.text.length > 100);
    const etag = r.headers.get('etag');
    assert.match(etag, /^"[^"]+"$/);
    const age = Number((r.headers.get('cache-control').match(/max-age=(\d+)/) || [])[1]);
    assert.ok(age >= 86400, r.headers.get('cache-control'));
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const nm = await http('GET', `/static/${name}`, { headers: { 'If-None-Match': etag } });
    assert.equal(nm.status, 304);
    assert.equal(nm.text, '');
    assert.equal(nm.headers.get('etag'), etag);
    const other = await http('GET', `/static/${name}`, { headers: { 'If-None-Match': '"0000"' } });
    assert.equal(other.status, 200);
    const head = await fetch(`${server.base}/static/${name}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('etag'), etag);
    // the pages link the files
    const page = await http('GET', '/login');
    assert.ok(tags(page.text).some((t) => (t.attrs.href || t.attrs.src || '').startsWith(`/static/${name}`)), name);
  }
  for (const path of ['/static/nonexistent', '/static/custos.css.bak', '/static/..%2Fcustos.css', '/static/CUSTOS.CSS']) {
    const r = await http('GET', path);
    assert.equal(r.status, 404, path);
  }
});

test('the version in the pages\' static links changes with the files\' content',
  async () => {
    const page = await http('GET', '/login');
    for (const name of ['custos.css', 'custos.js']) {
      const link = tags(page.text).map((t) => t.attrs.href || t.attrs.src || '').find((u) => u.startsWith(`/static/${name}?v=`));
      const v = new URL(link, server.base).searchParams.get('v');
      const r = await http('GET', `/static/${name}`);
      assert.equal(`"${v}"`, r.headers.get('etag'), `${name}: v=${v}, ${Buffer.byteLength(r.text)} bytes`);
    }
  });

test('every link on the list, detail and home pages leads to a page',
  async () => {
    const broken = [];
    const seen = new Set();
    for (const path of ['/', '/assets', '/people', `/assets/${(await allOf('assets'))[0].id}`, '/departments/1', '/account']) {
      const r = await http('GET', path, { cookie: ism.cookie });
      for (const t of tags(r.text)) {
        const u = t.name === 'a' && t.attrs.href;
        if (!u || !u.startsWith('/') || seen.has(u)) continue;
        seen.add(u);
        const x = await http('GET', u, { cookie: ism.cookie });
        if (x.status === 404) broken.push(`${path} -> ${u}`);
      }
    }
    assert.deepEqual(broken, []);
  });

test('the dashboard and my tasks agree on what is overdue',
  async () => {
    const me = (await apiOk(ism, 'GET', '/api/v1/session')).user;
    const a = await apiOk(ism, 'POST', '/api/v1/assets', { name: 'Due today', type: 'paper', owner_id: me.person_id, department_id: 1,
      confidentiality: 1, integrity: 1, availability: 1, review_on: today() }, 201);
    const home = await http('GET', '/', { cookie: ism.cookie });
    const task = home.text.match(new RegExp(`<li>Review Asset <a href="/assets/${a.id}">Due today</a>[^<]*(<span class="badge bad">overdue</span>)?`));
    assert.ok(task, 'the task is listed');
    const overdueTasks = task[1] !== undefined;
    const m = home.text.match(/<a class="stat[^"]*" href="\/assets\?review_on\.lte=([\d-]+)"><strong>(\d+)<\/strong>/);
    const counted = (await apiOk(ism, 'GET', `/api/v1/assets?review_on.lte=${m[1]}`)).items.some((x) => x.id === a.id);
    assert.equal(counted, overdueTasks, `dashboard counts it overdue: ${counted}; task marked overdue: ${overdueTasks}`);
  });

test('pages seen', () => {
  assert.ok(htmlPages > 500, `only ${htmlPages} HTML pages were checked`);
});
