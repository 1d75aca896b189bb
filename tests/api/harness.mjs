// harness.mjs - starts the real custos binary on a random loopback port with a temporary
// database, creates accounts with the CLI, and gives tests small HTTP helpers.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export const BIN = process.env.CUSTOS_BIN || new URL('../../build/custos', import.meta.url).pathname;
// When set (postgres://user@host:port/), every server gets a fresh PostgreSQL database there.
export const PG = process.env.CUSTOS_TEST_PG;
export const PASSWORD = 'correct horse battery staple';

// Runs the CLI synchronously; returns {status, stdout, stderr}.
export function cli(args, input) {
  const r = spawnSync(BIN, args, { input, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export class Server {
  // { sqlite: true } forces SQLite even when the suite runs on PostgreSQL
  constructor(opts = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'custos-api-'));
    this.stderr = '';
    if (PG && !opts.sqlite) {
      this.pgName = `custos_${Math.random().toString(36).slice(2, 12)}`;
      const r = spawnSync('psql', [`${PG}postgres`, '-qc', `CREATE DATABASE ${this.pgName}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      this.db = `${PG}${this.pgName}`;
    } else {
      this.dbPath = join(this.dir, 'test.db');
      this.db = `sqlite:${this.dbPath}`;
    }
  }

  // Runs SQL directly on the database, behind Custos's back (for tampering tests).
  sql(statement) {
    const r = this.pgName ? spawnSync('psql', [this.db, '-qAtc', statement], { encoding: 'utf8' })
      : spawnSync('sqlite3', [this.dbPath, statement], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  }

  addUser(email, role, name = 'Test User') {
    const r = cli(['user', 'add', '--db', this.db, '--email', email, '--name', name, '--role', role,
      '--password-stdin'], PASSWORD + '\n');
    assert.equal(r.status, 0, `user add failed: ${r.stderr}`);
  }

  async start(extra = []) {
    this.proc = spawn(BIN, ['serve', '--db', this.db, '--listen', '127.0.0.1:0', ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve({ code, sig })));
    this.base = await new Promise((resolve, reject) => {
      let out = '';
      // generous: a loaded machine (CI, other suites beside) may take long to load the demo
      // under the sanitizers; waiting costs a passing run nothing
      const timer = setTimeout(() => reject(new Error('server did not start: ' + this.stderr)), 180000);
      this.proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      this.proc.on('exit', () => reject(new Error('server exited: ' + this.stderr)));
    });
    return this;
  }

  // Stops with SIGTERM; a sanitizer report or crash makes the exit code non-zero.
  async stop() {
    if (!this.proc) return;
    this.proc.kill('SIGTERM');
    const { code, sig } = await this.exited;
    this.proc = null;
    assert.equal(sig, null, `server died with ${sig}: ${this.stderr}`);
    assert.equal(code, 0, `server exited with ${code}: ${this.stderr}`);
  }

  cleanup() {
    if (this.pgName) spawnSync('psql', [`${PG}postgres`, '-qc', `DROP DATABASE IF EXISTS ${this.pgName} WITH (FORCE)`]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  // fetch with a base URL; body objects are sent as JSON.
  async req(method, path, { body, headers = {}, raw } = {}) {
    const h = { ...headers };
    let payload = raw;
    if (body !== undefined) { payload = JSON.stringify(body); h['Content-Type'] ??= 'application/json'; }
    const res = await fetch(this.base + path, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  async login(email) {
    const r = await this.req('POST', '/api/v1/session', { body: { email, password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    const cookie = r.headers.get('set-cookie').split(';')[0];
    return { cookie, csrf: r.json.csrf, setCookie: r.headers.get('set-cookie') };
  }

  // A client bound to a bearer token; body may give the token's permissions or expiry. A token
  // reaches the account routes (tokens, users, security settings) only with the account:…
  // permission they name; password and second-factor routes take a session (sessionClient).
  async tokenClient(email, body = {}) {
    const s = await this.login(email);
    const r = await this.req('POST', '/api/v1/tokens', { body: { name: 'tests', ...body },
      headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } });
    assert.equal(r.status, 201, r.text);
    return new Client(this, { Authorization: `Bearer ${r.json.token}` }, r.json);
  }

  // A client bound to a signed-in session: its cookie, and the CSRF token on every request.
  async sessionClient(email) {
    const s = await this.login(email);
    return new Client(this, { Cookie: s.cookie, 'X-CSRF-Token': s.csrf }, null);
  }
}

export class Client {
  constructor(server, headers, token) { this.s = server; this.h = headers; this.token = token; }
  req(method, path, opts = {}) {
    return this.s.req(method, path, { ...opts, headers: { ...this.h, ...(opts.headers || {}) } });
  }
  get(path, opts) { return this.req('GET', path, opts); }
  post(path, body, opts = {}) { return this.req('POST', path, { ...opts, body }); }
  patch(path, body, opts = {}) { return this.req('PATCH', path, { ...opts, body }); }
  del(path, opts) { return this.req('DELETE', path, opts); }
}

// Asserts an RFC 9457 problem answer, optionally naming a field.
export function assertProblem(r, status, field) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/problem\+json/);
  assert.equal(r.json.status, status);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(typeof r.json.type, 'string');
  if (field !== undefined) {
    assert.ok(Array.isArray(r.json.errors), `no errors[] in ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field), `no error for ${field} in ${r.text}`);
  }
}

// A fresh server with an Information Security Manager (who may change every register), a
// system administrator and a staff account; returns {server, ism, admin, staff}, each a token
// client (the administrator's with the account:users permission).
export async function startWithUsers() {
  const server = new Server();
  server.addUser('ism@test.example', 'isms_manager', 'Ism');
  server.addUser('admin@test.example', 'admin', 'Admin');
  server.addUser('staff@test.example', 'staff', 'Staff');
  await server.start();
  const ism = await server.tokenClient('ism@test.example');
  // the administrator's token is made for account administration (and reads like any other)
  const admin = await server.tokenClient('admin@test.example', { permissions: '*:*,account:users' });
  const staff = await server.tokenClient('staff@test.example');
  return { server, ism, admin, staff };
}

// Minimal valid bodies for every register, built on existing references.
export async function seedBasics(c) {
  const d = await c.post('/api/v1/departments', { name: 'Operations', code: 'OPS' });
  assert.equal(d.status, 201, d.text);
  const p = await c.post('/api/v1/people', { name: 'Ann Owner', email: 'ann@x.example', department_id: d.json.id });
  assert.equal(p.status, 201, p.text);
  return { dept: d.json, person: p.json };
}

export function assetBody(owner, dept, extra = {}) {
  return { name: 'Laptop', type: 'pc_laptop', owner_id: owner, department_id: dept,
    confidentiality: 2, integrity: 2, availability: 2, ...extra };
}
