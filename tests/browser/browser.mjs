// browser.mjs - helpers for the browser tests: one demo server and one headless Chromium per
// test file, browser contexts that record Content-Security-Policy violations, page errors and
// dialogs, sign-in through the real form, JSON API sessions for test data, and screenshots.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { Server, Client } from '../api/harness.mjs';

export const DEMO_PASSWORD = 'custos-demo-password';
export const ADMIN = 'admin@westcloud.example';
export const ISM = 'daniel.okafor@westcloud.example';
export const STAFF = 'ben.carter@westcloud.example';
export const AUDITOR = 'claire.morgan@westcloud.example';
export const HEAD = 'sofia.rossi@westcloud.example';
export const SUPPORT = 'aisha.rahman@westcloud.example';
export const REGISTERS = ['Departments', 'People', 'Assets', 'Interested parties'];

export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ||
  fileURLToPath(new URL('../../build/screenshots/', import.meta.url));

// One server with the demo organisation and one browser for the calling test file; the
// returned object is filled in by the before() hook, which then runs setup(s) if given (in
// the same hook: node 20 does not wait for one top-level before() to end before the next).
// after() stops both; a server that crashed or leaked under the sanitizers fails the file.
export function suite(setup) {
  const s = { server: null, browser: null };
  before(async () => {
    const server = new Server();
    await server.start(['--demo']);
    s.server = server;
    s.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    if (setup) await setup(s);
  });
  after(async () => {
    await s.browser?.close();
    try {
      await s.server?.stop();
    } finally {
      s.server?.cleanup();
    }
  });
  return s;
}

// A fresh browser context (its own cookies) with one page, signed in as `email` when given.
// watch collects CSP violations, uncaught page errors, missing styles or scripts, and
// dialogs; check it with clean().
// bypassCSP turns the page's Content-Security-Policy off (to test escaping on its own).
export async function open(s, { email, viewport = { width: 1280, height: 900 }, bypassCSP = false } = {}) {
  const context = await s.browser.newContext({ baseURL: s.server.base, viewport, acceptDownloads: true, bypassCSP });
  context.setDefaultTimeout(10000);
  const watch = { csp: [], errors: [], dialogs: [], acceptDialogs: false };
  context.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) watch.csp.push(`${m.page()?.url()}: ${m.text()}`);
  });
  context.on('weberror', (e) => watch.errors.push(String(e.error())));
  context.on('response', (r) => {
    const kind = r.request().resourceType();
    if (r.status() >= 400 && ['stylesheet', 'script', 'image', 'font'].includes(kind))
      watch.errors.push(`${kind} ${r.url()}: HTTP ${r.status()}`);
  });
  context.on('dialog', (d) => {
    watch.dialogs.push(`${d.type()}: ${d.message()}`);
    (watch.acceptDialogs ? d.accept() : d.dismiss()).catch(() => {});
  });
  const page = await context.newPage();
  if (email) await signIn(page, email);
  return { context, page, watch };
}

// Nothing went wrong in the browser: no CSP violation, no script error, no dialog.
export function clean(watch, { dialogs = false } = {}) {
  assert.deepEqual(watch.csp, [], 'Content Security Policy violations');
  assert.deepEqual(watch.errors, [], 'uncaught errors in the page');
  if (!dialogs) assert.deepEqual(watch.dialogs, [], 'unexpected dialogs');
}

// Signs in through the form at /login (optionally with ?next=), and waits to leave it.
export async function signIn(page, email, { password = DEMO_PASSWORD, next } = {}) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

// Navigates and returns the HTTP status of the main document.
export async function visit(page, path) {
  const r = await page.goto(path);
  return r.status();
}

// Clicks something that submits a form and returns the HTTP response of that POST (the
// status before any redirect is followed: 303, 409, 422...).
export async function submit(page, locator, path) {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' &&
      (!path || new URL(r.url()).pathname === path)),
    locator.click(),
  ]);
  await page.waitForLoadState('load');
  return resp;
}

export async function shot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

// A JSON API client signed in with a session cookie and its CSRF token.
export async function apiAs(server, email, password = DEMO_PASSWORD) {
  const r = await server.req('POST', '/api/v1/session', { body: { email, password } });
  assert.equal(r.status, 200, r.text);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return new Client(server, { Cookie: cookie, 'X-CSRF-Token': r.json.csrf });
}

// The <section> whose heading is `name`.
export function section(page, name) {
  return page.locator('section').filter({ has: page.getByRole('heading', { name, exact: true }) });
}

// The visible text of every cell in column `col` (0-based) of the first table.
export async function column(page, col) {
  return page.locator('table tbody tr').evaluateAll(
    (rows, i) => rows.map((r) => (r.cells[i] ? r.cells[i].textContent.trim() : '')), col);
}

// The number at the start of p.count ("62 assets").
export async function count(page) {
  const text = (await page.locator('p.count').textContent()).trim();
  const m = text.match(/^(\d[\d,. ]*)/);
  assert.ok(m, `p.count does not start with a number: ${text}`);
  return Number(m[1].replace(/[,. ]/g, ''));
}

// Selects the first real option of a <select> (or, for another control, types `fallback`).
export async function chooseFirst(page, id, fallback) {
  const el = page.locator(`#${id}`);
  if (await el.evaluate((e) => e.tagName === 'SELECT')) {
    const value = await el.evaluate((e) => [...e.options].find((o) => o.value !== '')?.value);
    assert.ok(value, `#${id} offers no choice`);
    await el.selectOption(value);
    return value;
  }
  await el.fill(String(fallback));
  return String(fallback);
}

// A minimal CSV reader (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of s.replace(/=+$/, '')) bits += abc.indexOf(ch).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

// RFC 6238 with SHA-1, 30 s steps, 6 digits.
export function totp(secret, at = Date.now()) {
  const step = Math.floor(at / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// The files of a zip archive (an XLSX) as {name: Buffer}: stored or deflated entries only.
export function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'not a zip archive');
  const files = {};
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0; n--) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'a broken zip directory');
    const method = buf.readUInt16LE(p + 10), size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28), extra = buf.readUInt16LE(p + 30), comment = buf.readUInt16LE(p + 32);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const local = buf.readUInt32LE(p + 42);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files[name] = method === 8 ? inflateRawSync(data) : data;
    p += 46 + nameLen + extra + comment;
  }
  return files;
}
