// mail.test.mjs - the mail outbox from the outside, against a real SMTP conversation with the
// sink in smtp.mjs: custos mail test delivers one RFC 5322 message (headers, encoded subject,
// quoted-printable body read back byte for byte); a sink that is down or answers 4xx/5xx loses
// nothing (queued with attempts and last_error, retried by serve, delivered exactly once when
// back); after 10 attempts a mail stays as failed; two nodes send each mail once; header
// injection and passwords on the command line are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Server, cli, BIN, PG } from './harness.mjs';
import { startSink } from './smtp.mjs';

// serve and mail test retry a second after a failure, not a minute (this file's process only)
process.env.CUSTOS_MAIL_RETRY_SECONDS = '1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const uniq = (word) => `${word} ${process.pid % 1000}-${++seq}`;

async function waitFor(cond, what, ms = 20000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const v = await cond();
    if (v) return v;
  }
  assert.fail(`timed out: ${what}`);
}

// The CLI, asynchronously (the sink answers from this process: spawnSync would block it), with
// more environment variables.
function run(args, env = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// custos mail test against a server's database; extra: more flags
function mailTest(s, to, extra = []) {
  return run(['mail', 'test', '--db', s.db, '--to', to, ...extra]);
}



// One outbox row by subject: {id, status, attempts, last_error, sent_at, next}
function row(s, subject) {
  const q = `SELECT id || '|' || status || '|' || attempts || '|' || coalesce(last_error, '') || '|' ||
    coalesce(sent_at, '') || '|' || next_attempt_at FROM mail_outbox WHERE subject = '${subject.replace(/'/g, "''")}'`;
  const out = s.sql(q);
  if (!out) return null;
  assert.equal(out.split('\n').length, 1, `one row for ${subject}: ${out}`);
  const [id, status, attempts, lastError, sentAt, next] = out.split('|');
  return { id: Number(id), status, attempts: Number(attempts), lastError, sentAt, next };
}

// The message's headers (unfolded) and its body as sent.
function parse(raw) {
  const text = raw.toString('latin1');
  const cut = text.indexOf('\r\n\r\n');
  assert.ok(cut > 0, 'a blank line ends the headers');
  const headers = {};
  for (const h of text.slice(0, cut).replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const i = h.indexOf(':');
    headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
  }
  return { headers, body: raw.subarray(Buffer.byteLength(text.slice(0, cut + 4), 'latin1')) };
}

// RFC 2047 encoded words (B and Q) back to text; adjacent words join without their space.
function decodeWords(v) {
  return v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc, t) =>
    enc.toLowerCase() === 'b' ? Buffer.from(t, 'base64').toString('utf8')
      : Buffer.from(t.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

// Quoted-printable (RFC 2045) back to bytes.
function decodeQP(buf) {
  const s = buf.toString('latin1').replace(/=\r\n/g, '');
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=') { out.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; } else out.push(s.charCodeAt(i));
  }
  return Buffer.from(out);
}

function bySubject(sink, subject) {
  return sink.messages.filter((m) => decodeWords(parse(m.raw).headers.subject) === subject);
}

// A sink and a server started with args(sink) for fn(sink, server); both stopped after.
async function withSink(args, fn) {
  const sink = await startSink();
  const s = new Server();
  try {
    await s.start(args(sink));
    await fn(sink, s);
  } finally {
    await s.stop().catch(() => {});
    s.cleanup();
    await sink.stop();
  }
}

test('mail test: one RFC 5322 message, the subject and body arrive as written, sent exactly once', () => withSink((sink) => ['--smtp-url', sink.url, '--smtp-from', 'custos@test.example', '--jobs-poll', '1'], async (sink, s) => {
  const subject = uniq('Prüfung: Vorfall gemeldet — ✓ Straße, a subject long enough to need more than one encoded word');
  const long = 'x'.repeat(1500); // past SMTP's 998-octet line limit: quoted-printable keeps it
  const body = `Hello,\n\nGrüße aus Custos: € ✓\n.\n..two dots\nTrailing space \nA=B\ttab\n${long}\nEnd\n`;
  const r = await mailTest(s, 'ann@test.example', ['--smtp-url', sink.url, '--smtp-from', 'custos@test.example',
    '--subject', subject, '--body', body]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^sent mail \d+ to ann@test\.example/);
  const got = bySubject(sink, subject);
  assert.equal(got.length, 1, 'delivered once');
  const m = got[0];
  assert.equal(m.from, 'custos@test.example');
  assert.deepEqual(m.to, ['ann@test.example']);
  // every line ends in CRLF, none is longer than 78 characters
  const text = m.raw.toString('latin1');
  assert.ok(text.endsWith('\r\n'));
  for (const line of text.split('\r\n')) {
    assert.ok(!line.includes('\n') && !line.includes('\r'), 'no bare CR or LF');
    assert.ok(line.length <= 78, `line of ${line.length}: ${line.slice(0, 40)}`);
  }
  const { headers, body: sent } = parse(m.raw);
  assert.match(headers.date, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  assert.ok(Math.abs(Date.parse(headers.date) - Date.now()) < 60000, headers.date);
  assert.equal(headers.from, 'custos@test.example');
  assert.equal(headers.to, 'ann@test.example');
  assert.match(headers['message-id'], /^<[^<>@\s]+@test\.example>$/);
  assert.equal(headers['mime-version'], '1.0');
  assert.equal(headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(headers['content-transfer-encoding'], 'quoted-printable');
  assert.equal(headers['auto-submitted'], 'auto-generated');
  assert.match(headers.subject, /^=\?UTF-8\?B\?/, 'not ASCII: encoded words');
  assert.equal(decodeWords(headers.subject), subject);
  assert.ok(/^[\x20-\x7e\r\n\t]*$/.test(text), 'only ASCII on the wire');
  assert.equal(decodeQP(sent).toString('utf8'), body.replace(/\n/g, '\r\n'), 'the body byte for byte');
  // the outbox row: sent, once
  const o = row(s, subject);
  assert.equal(o.status, 'sent');
  assert.equal(o.attempts, 1);
  assert.equal(o.lastError, '');
  assert.match(o.sentAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  // the scheduler, polling every second, does not send it again
  await sleep(2500);
  assert.equal(bySubject(sink, subject).length, 1, 'still once');
  // mail bodies are not logged
  assert.ok(!s.stderr.includes('Grüße') && !s.stderr.includes(long.slice(0, 100)), s.stderr);

  // a plain ASCII mail goes as 7bit, the body untouched; the default subject and body
  const plain = uniq('Plain');
  const p = await mailTest(s, 'bob@test.example', ['--smtp-url', sink.url, '--subject', plain, '--body', 'Line one\nLine two']);
  assert.equal(p.status, 0, p.stderr);
  const pm = bySubject(sink, plain);
  assert.equal(pm.length, 1);
  const pp = parse(pm[0].raw);
  assert.equal(pp.headers.subject, plain);
  assert.equal(pp.headers['content-transfer-encoding'], '7bit');
  assert.equal(pp.headers.from, 'custos@localhost', 'the default sender');
  assert.equal(pp.body.toString('latin1'), 'Line one\r\nLine two\r\n');
  const d = await mailTest(s, 'cy@test.example', ['--smtp-url', sink.url]);
  assert.equal(d.status, 0, d.stderr);
  const dm = sink.messages.filter((x) => x.to[0] === 'cy@test.example');
  assert.equal(dm.length, 1);
  assert.match(parse(dm[0].raw).headers.subject, /^Custos test mail/);
  assert.match(decodeQP(parse(dm[0].raw).body).toString('utf8'), /custos mail test/);
}));

test('a mail server that is down loses nothing: queued with attempts and last_error, then delivered exactly once', () => withSink((sink) => ['--smtp-url', sink.url, '--jobs-poll', '1'], async (sink, s) => {
  await sink.stop();
  const subjects = [uniq('While down A'), uniq('While down B'), uniq('While down C')];
  for (const subject of subjects) {
    const r = await mailTest(s, 'ann@test.example', ['--smtp-url', sink.url, '--subject', subject, '--body', `Body of ${subject}`]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /was not sent: .*connect/i);
    assert.match(r.stderr, /stays in the outbox/);
    const o = row(s, subject);
    assert.equal(o.status, 'queued');
    assert.ok(o.attempts >= 1);
    assert.match(o.lastError, /connect/i);
  }
  // serve keeps trying, with backoff, and keeps every mail
  await waitFor(() => row(s, subjects[0]).attempts >= 3, 'serve retries');
  for (const subject of subjects) assert.equal(row(s, subject).status, 'queued');
  assert.equal(sink.messages.length, 0);
  // back: each delivered once
  await sink.restart();
  await waitFor(() => subjects.every((x) => bySubject(sink, x).length), 'delivered after the sink came back', 40000);
  await sleep(2500);
  for (const subject of subjects) {
    assert.equal(bySubject(sink, subject).length, 1, `${subject} once`);
    const r = row(s, subject);
    assert.equal(r.status, 'sent');
    assert.equal(r.lastError, '');
  }
  assert.ok(!s.stderr.includes('Body of'), 'bodies are not logged');
}));

test('4xx and 5xx answers: retried; a 451 delivered once it clears, a 550 failed after 10 attempts and kept', () => withSink((sink) => ['--smtp-url', sink.url, '--jobs-poll', '1'], async (sink, s) => {
  // 451 at RCPT: temporary
  sink.refuse = '451';
  sink.refuseAt = 'rcpt';
  const t = uniq('Greylisted');
  let r = await mailTest(s, 'ann@test.example', ['--smtp-url', sink.url, '--subject', t]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(row(s, t).lastError, /451/);
  await waitFor(() => row(s, t).attempts >= 2, 'retried');
  sink.refuse = null;
  await waitFor(() => row(s, t).status === 'sent', 'sent once the server takes it', 30000);
  assert.equal(bySubject(sink, t).length, 1);

  // 550 at the end of DATA: retried until the cap, then failed, kept with why
  sink.refuse = '550';
  sink.refuseAt = 'data';
  const f = uniq('Refused');
  r = await mailTest(s, 'bob@test.example', ['--smtp-url', sink.url, '--subject', f, '--body', 'secret body text']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /550/);
  // the backoff would make ten attempts take minutes: move each due time back, as time would
  for (let last = 0; row(s, f).status === 'queued';) {
    const o = row(s, f);
    assert.ok(o.attempts >= last, 'attempts never go down');
    last = o.attempts;
    s.sql(`UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE id = ${o.id} AND status = 'queued' AND next_attempt_at > '2001'`);
    await waitFor(() => row(s, f).attempts > last || row(s, f).status !== 'queued', 'one more attempt');
  }
  const o = row(s, f);
  assert.equal(o.status, 'failed');
  assert.equal(o.attempts, 10);
  assert.match(o.lastError, /550/);
  assert.equal(o.sentAt, '');
  // failed is final: not tried again even when the server would take it now
  sink.refuse = null;
  s.sql(`UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE id = ${o.id}`);
  await sleep(2500);
  assert.equal(row(s, f).attempts, 10);
  assert.equal(bySubject(sink, f).length, 0);
  assert.ok(!s.stderr.includes('secret body text'));
}));

test('without --smtp-url mail stays queued; a node with one sends it, and two nodes send each mail once', () => withSink((sink) => ['--jobs-poll', '1'], async (sink, s) => {
  assert.match(s.stderr, /no --smtp-url/);
  const subjects = [];
  for (let i = 0; i < 12; i++) {
    const subject = uniq('Queued');
    subjects.push(subject);
    const r = await mailTest(s, `n${i}@test.example`, ['--subject', subject]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^queued mail \d+ to n\d+@test\.example; no --smtp-url/);
  }
  await sleep(2000);
  assert.equal(s.sql("SELECT count(*) FROM mail_outbox WHERE status = 'queued' AND attempts = 0"), '12');
  await s.stop();
  // two nodes with a mail server, the same database: every mail once
  await s.start(['--smtp-url', sink.url, '--jobs-poll', '1']);
  const other = new Server();
  other.db = s.db;
  try {
    await other.start(['--smtp-url', sink.url, '--jobs-poll', '1']);
    await waitFor(() => subjects.every((x) => bySubject(sink, x).length), 'all sent', 30000);
    await sleep(2000);
    for (const x of subjects) assert.equal(bySubject(sink, x).length, 1, x);
    assert.equal(s.sql("SELECT count(*) FROM mail_outbox WHERE status = 'sent' AND attempts = 1"), '12');
  } finally {
    await other.stop().catch(() => {});
    other.cleanup(); // its own directory and unused database only
  }
}));

test('header injection, bad addresses and SMTP URLs are refused; the password only from the environment, never in the outbox or a log', () => withSink((sink) => ['--jobs-poll', '1'], async (sink, s) => {
  const bad = [
    [['--to', 'ann@test.example\r\nBcc: eve@evil.example'], /--to/],
    [['--to', 'ann@test.example, eve@evil.example'], /--to/],
    [['--to', 'Ann <ann@test.example>'], /--to/],
    [['--to', 'nobody'], /--to/],
    [['--to', 'a@test.example', '--subject', 'Hi\r\nBcc: eve@evil.example'], /--subject/],
    [['--to', 'a@test.example', '--subject', 'Hi\nBcc: eve@evil.example'], /--subject/],
    [['--to', 'a@test.example', '--smtp-from', 'c@test.example\r\nBcc: eve@evil.example'], /--smtp-from/],
    [['--to', 'a@test.example', '--smtp-url', 'http://127.0.0.1:25'], /--smtp-url/],
    [['--to', 'a@test.example', '--smtp-url', 'smtp://user:pw@127.0.0.1:25'], /--smtp-url.*CUSTOS_SMTP_PASSWORD/],
    [['--to', 'a@test.example', '--smtp-url', 'smtp://'], /--smtp-url/],
    [['--to', 'a@test.example', '--smtp-password', 'pw'], /unknown option '--smtp-password'/],
    [[], /--to is required/],
  ];
  for (const [args, msg] of bad) {
    const r = await run(['mail', 'test', '--db', s.db, ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.status} ${r.stdout}`);
    assert.match(r.stderr, msg, args.join(' '));
    assert.match(r.stderr, /usage: custos mail test/);
  }
  for (const args of [['--smtp-url', 'smtp://u:secret@127.0.0.1:25'], ['--smtp-url', 'ftp://x'], ['--smtp-password', 'x'],
    ['--smtp-url', sink.url, '--smtp-from', 'a@b@c']]) {
    const r = cli(['serve', '--db', s.db, '--listen', '127.0.0.1:0', ...args]);
    assert.equal(r.status, 2, args.join(' '));
  }
  assert.equal(s.sql('SELECT count(*) FROM mail_outbox'), '0', 'nothing refused was queued');

  // a login over plain smtp:// would show the password to the network: refused...
  const env = { CUSTOS_SMTP_PASSWORD: 'hunter2-very-secret' };
  let r = await run(['mail', 'test', '--db', s.db, '--to', 'a@test.example', '--smtp-url', sink.url, '--smtp-user', 'custos'], env);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--smtp-starttls/);
  // ...and with --smtp-starttls a server without STARTTLS never sees the login
  const subject = uniq('Needs TLS');
  r = await run(['mail', 'test', '--db', s.db, '--to', 'a@test.example', '--subject', subject, '--smtp-url', sink.url,
    '--smtp-user', 'custos', '--smtp-starttls'], env);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.ok(!sink.commands.some((c) => /^AUTH/i.test(c)), 'no AUTH in clear');
  assert.equal(sink.messages.length, 0);
  const o = row(s, subject);
  assert.equal(o.status, 'queued');
  assert.ok(o.lastError.length > 0);
  for (const text of [r.stdout, r.stderr, s.stderr, s.sql('SELECT coalesce(last_error, \'\') FROM mail_outbox')]) {
    assert.ok(!text.includes('hunter2'), 'the password appears nowhere');
  }
}));

test('help names the mail options; on PostgreSQL when the suite runs there', () => {
  const h = cli(['help', 'mail', 'test']);
  assert.equal(h.status, 0);
  for (const o of ['--to', '--subject', '--body', '--smtp-url', '--smtp-from', '--smtp-user', '--smtp-starttls', 'CUSTOS_SMTP_PASSWORD']) {
    assert.ok(h.stdout.includes(o), o);
  }
  const serve = cli(['help', 'serve']).stdout;
  for (const o of ['--smtp-url', '--smtp-from', '--smtp-user', '--smtp-starttls']) assert.ok(serve.includes(o), o);
  assert.ok(PG === undefined || PG.startsWith('postgres'), 'CUSTOS_TEST_PG is a PostgreSQL URL');
});
