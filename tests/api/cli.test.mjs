// cli.test.mjs - the command line: help, version, and bad flags or values exit 2 with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli, BIN } from './harness.mjs';

test('help and version', () => {
  for (const args of [['help'], ['help', 'serve'], ['help', 'user', 'add'], ['help', 'audit', 'verify'], ['version'], ['--help'], ['serve', '--help']]) {
    const r = cli(args);
    assert.equal(r.status, 0, args.join(' ') + r.stderr);
    assert.ok(r.stdout.length > 10);
  }
  assert.match(cli(['help']).stdout, /audit verify/);
  assert.match(cli(['version']).stdout, /^custos \d+\.\d+\.\d+/);
});

test('bad flags and values exit 2, say what is wrong and show the usage', () => {
  const cases = [
    [[], /no command/],
    [['frobnicate'], /unknown command/],
    [['serve', '--bogus'], /unknown option '--bogus'/],
    [['serve', '--listen'], /needs a value/],
    [['serve', '--listen', 'nonsense'], /--listen/],
    [['serve', '--listen', '127.0.0.1:99999'], /--listen/],
    [['serve', '--threads', '0'], /--threads/],
    [['serve', '--demo=1'], /takes no value/],
    [['serve', '--db', 'mysql://x'], /--db/],
    [['init', 'extra'], /unexpected argument/],
    [['user', 'add', '--name', 'N', '--role', 'staff'], /--email is required/],
    [['user', 'add', '--email', 'a@b.c', '--name', 'N', '--role', 'emperor'], /--role/],
    [['user', 'add', '--email', 'a@b.c', '--email', 'd@e.f', '--name', 'N', '--role', 'staff'], /given twice/],
    [['help', 'nope'], /no such command/],
  ];
  for (const [args, msg] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.status} ${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
    assert.match(r.stderr, /usage: custos/, args.join(' '));
  }
});

test('init, user add and the database URL from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-cli-'));
  try {
    const db = `sqlite:${join(dir, 'c.db')}`;
    const init = cli(['init', '--db', db]);
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, /schema version \d+/);
    assert.equal(cli(['init', '--db', db]).status, 0); // idempotent
    const short = cli(['user', 'add', '--db', db, '--email', 'a@b.example', '--name', 'A', '--role', 'staff', '--password-stdin'], 'short\n');
    assert.notEqual(short.status, 0);
    assert.match(short.stderr, /password/);
    const gen = cli(['user', 'add', '--db', db, '--email', 'a@b.example', '--name', 'A', '--role', 'staff,auditor']);
    assert.equal(gen.status, 0, gen.stderr);
    assert.match(gen.stdout, /password: \S{24}/);
    const again = cli(['user', 'add', '--db', db, '--email', 'A@B.example', '--name', 'A', '--role', 'staff']);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /email/);
    const dept = cli(['user', 'add', '--db', db, '--email', 'c@b.example', '--name', 'C', '--role', 'staff', '--department', 'Nowhere']);
    assert.equal(dept.status, 2);
    assert.match(dept.stderr, /--department/);
    const env = { ...process.env, CUSTOS_DB: db };
    const v = spawnSync(BIN, ['audit', 'verify'], { env, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^ok 1 events$/m); // the one user created
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the benchmark seeder still works (a small run)', () => {
  const seed = join(BIN, '..', 'bench', 'bench-seed');
  const dir = mkdtempSync(join(tmpdir(), 'custos-seed-'));
  try {
    const db = `sqlite:${join(dir, 's.db')}`;
    const r = spawnSync(seed, [db, '50'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^cst_[A-Za-z0-9_-]{43}$/);
    const v = cli(['audit', 'verify', '--db', db]);
    assert.equal(v.status, 0, v.stdout);
    assert.match(v.stdout, /^ok 1070 records match their audit history$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
