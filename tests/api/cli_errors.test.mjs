// cli_errors.test.mjs - the command line's contract: help and version exit 0; bad options, values and database URLs exit 2 with a message naming the problem and a usage line; password length is enforced at 12..128 characters; a serve that cannot start says why and exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli, BIN } from './harness.mjs';

// Runs custos in `cwd` with a short timeout: a case that wrongly starts serving is killed soon
// (and fails on its exit status) instead of holding the suite for a minute.
function run(args, input, cwd) {
  const r = spawnSync(BIN, args, { input, cwd, encoding: 'utf8', timeout: 10000, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function withDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'custos-clierr-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('help, help serve and version exit 0 and print what they are asked for', () => {
  const h = cli(['help']);
  assert.equal(h.status, 0, h.stderr);
  for (const cmd of ['serve', 'init', 'user add', 'audit verify', 'version', 'help']) assert.match(h.stdout, new RegExp(`\\b${cmd}\\b`));
  const hs = cli(['help', 'serve']);
  assert.equal(hs.status, 0, hs.stderr);
  assert.match(hs.stdout, /^usage: custos serve/m);
  for (const opt of ['--listen', '--demo', '--db']) assert.ok(hs.stdout.includes(opt), opt);
  const v = cli(['version']);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^custos \d+\.\d+\.\d+\S*\n$/);
  assert.equal(v.stderr, '');
});

// [arguments, what stderr must name]
const USAGE_ERRORS = [
  [['serve', '--bogus'], /--bogus/],
  [['serve', '--listen', 'nonsense'], /--listen.*nonsense/],
  [['serve', '--listen', '127.0.0.1:'], /--listen/],
  [['serve', '--listen', ':8080'], /--listen/],
  [['serve', '--listen', '127.0.0.1:65536'], /--listen/],
  [['serve', '--listen', '127.0.0.1:-1'], /--listen/],
  [['serve', '--listen', '127.0.0.1:http'], /--listen/],
  [['serve', '--db', 'postgres-ish-garbage://'], /--db.*postgres-ish-garbage:\/\//],
  [['serve', '--db', 'mysql://localhost/custos'], /--db/],
  [['serve', '--db', 'sqlite:'], /--db/],
  [['serve', '--db='], /--db/],
  [['serve', '--threads', 'many'], /--threads/],
  [['serve', '--session-hours', '0'], /--session-hours/],
  [['serve', 'extra-argument'], /extra-argument/],
  [['user', 'add', '--name', 'N', '--role', 'staff'], /--email/],
  [['user', 'add', '--email', 'a@example.test', '--role', 'staff'], /--name/],
  [['user', 'add', '--email', 'a@example.test', '--name', 'N'], /--role/],
  [['user', 'add', '--email', 'a@example.test', '--name', 'N', '--role', 'pope'], /--role.*pope/],
  [['user', 'add', '--email'], /--email/],
  [['audit', 'verify', '--db', 'garbage://x'], /--db/],
  [['audit', 'frobnicate'], /frobnicate|audit/],
  [['version', 'now'], /now/],
  [['help', 'nope'], /nope/],
  // a command of a group that has none such names the group's commands
  [['import', 'xml', 'x.xml'], /unknown command 'import xml' \(import csv, import xlsx/],
  // --db where no database is used is said so, not "unknown option"
  [['routes', '--db', 'sqlite:x.db'], /'routes' uses no database/],
  [['permissions', '--db', 'sqlite:x.db'], /'permissions' uses no database/],
];

test('bad options and values exit 2, name the problem on stderr and print a usage line', () => {
  withDir((dir) => {
    for (const [args, named] of USAGE_ERRORS) {
      // a valid database where the case does not give one, so only the named problem is wrong
      // and port 0, so that a case which wrongly starts serving cannot take a real port
      let full = args.some((a) => a.startsWith('--db')) || args[0] === 'help' || args[0] === 'version' ? args : [...args, '--db', `sqlite:${join(dir, 'u.db')}`];
      if (args[0] === 'serve' && !args.includes('--listen')) full = [...full, '--listen', '127.0.0.1:0'];
      const r = run(full, '', dir);
      const what = args.join(' ');
      assert.equal(r.status, 2, `${what}: exit ${r.status} ${r.signal || ''}\n${r.stderr}`);
      assert.match(r.stderr, named, what);
      assert.match(r.stderr, /^usage: custos /m, what);
      assert.equal(r.stdout, '', `${what}: stdout should be empty`);
    }
    // none of these got as far as creating a database
    assert.equal(existsSync(join(dir, 'u.db')), false);
    assert.equal(existsSync(join(dir, 'custos.db')), false);
  });
});

test('a --listen host that is no IP address is refused as a usage error, before the database is touched', () => {
  withDir((dir) => {
    const r = run(['serve', '--listen', 'example.com:80', '--db', `sqlite:${join(dir, 'h.db')}`], '', dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--listen/);
    assert.equal(existsSync(join(dir, 'h.db')), false);
  });
});

test('audit verify of a database that does not exist fails instead of creating it and saying ok', () => {
  withDir((dir) => {
    const path = join(dir, 'typo.db');
    const r = run(['audit', 'verify', '--db', `sqlite:${path}`], '', dir);
    assert.notEqual(r.status, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /^ok /m);
    assert.equal(existsSync(path), false);
  });
});

test('passwords from stdin must be 12 to 128 characters; the message names the password', () => {
  withDir((dir) => {
    const db = `sqlite:${join(dir, 'p.db')}`;
    const add = (email, input) => run(['user', 'add', '--db', db, '--email', email, '--name', 'P', '--role', 'staff', '--password-stdin'], input, dir);
    for (const [pw, why] of [['elevenchars', '11 characters'], ['a'.repeat(129), '129 characters']]) {
      const r = add('short@example.test', `${pw}\n`);
      assert.notEqual(r.status, 0, why);
      assert.match(r.stderr, /password/i, why);
      assert.doesNotMatch(r.stdout, /created user/, why);
    }
    const none = add('none@example.test', '');
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /password/i);
    // the bounds themselves are fine
    const twelve = add('twelve@example.test', 'q7#Lm2$vX9pZ\n');
    assert.equal(twelve.status, 0, twelve.stderr);
    assert.match(twelve.stdout, /^created user \d+ <twelve@example\.test>/);
    const v = run(['audit', 'verify', '--db', db], '', dir);
    assert.match(v.stdout, /^ok 1 events$/m, 'only the user that was created left an event');
  });
});

test('serve that cannot open its database or its port says so and exits non-zero', () => {
  withDir((dir) => {
    const r = run(['serve', '--db', `sqlite:${join(dir, 'missing', 'x.db')}`, '--listen', '127.0.0.1:0'], '', dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /database/);
    assert.doesNotMatch(r.stdout, /listening/);
  });
});
