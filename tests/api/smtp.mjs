// smtp.mjs - a small SMTP server for the tests (our own, node:net only): it takes mail on a
// loopback port and keeps each message as received; it can refuse (with a code of the test's
// choosing, at MAIL, RCPT or the end of DATA), be stopped (the port closed, as a mail server
// that is down) and started again on the same port. Not a mail server: no TLS, no AUTH.
import net from 'node:net';

// startSink() -> {url, port, messages, commands, refuse, refuseAt, stop(), restart()}
//   messages: [{from, to: [..], helo, raw (Buffer, dot-unstuffed, CRLF kept), data (utf8)}]
//   commands: every command line received, in order (to see what a client did or did not say)
//   refuse:   null, or a reply code ('451', '550') answered at refuseAt: 'data' (default),
//             'mail' or 'rcpt'; the message is then not kept
export async function startSink({ port = 0 } = {}) {
  const sink = { messages: [], commands: [], refuse: null, refuseAt: 'data', url: '', port: 0 };
  const sockets = new Set();
  let server;

  const serve = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = ''; // latin1, so every byte survives until the message is complete
    let inData = false;
    let helo = null;
    let env = { from: null, to: [] };
    const say = (line) => socket.write(`${line}\r\n`);
    const refusing = (at) => sink.refuse && (sink.refuseAt || 'data') === at;
    say('220 sink.test ESMTP');
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          // the data ends at CRLF . CRLF; an empty message is "." alone
          const end = buf.startsWith('.\r\n') ? -2 : buf.indexOf('\r\n.\r\n');
          if (end === -1) return;
          const text = end === -2 ? '' : buf.slice(0, end + 2);
          buf = buf.slice(end + 5);
          inData = false;
          const raw = Buffer.from(text.replace(/^\.\./gm, '.'), 'latin1');
          if (refusing('data')) { say(`${sink.refuse} refused by the test`); continue; }
          sink.messages.push({ from: env.from, to: env.to, helo, raw, data: raw.toString('utf8') });
          env = { from: null, to: [] };
          say('250 OK queued');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        sink.commands.push(line);
        const verb = line.split(' ')[0].toUpperCase();
        const addr = () => (line.match(/<([^>]*)>/) || [null, line.replace(/^[^:]*:\s*/, '').split(' ')[0]])[1];
        if (verb === 'EHLO') { helo = line.slice(5); socket.write('250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n'); }
        else if (verb === 'HELO') { helo = line.slice(5); say('250 sink.test'); }
        else if (verb === 'MAIL') {
          if (refusing('mail')) { say(`${sink.refuse} refused by the test`); continue; }
          env = { from: addr(), to: [] };
          say('250 OK');
        } else if (verb === 'RCPT') {
          if (refusing('rcpt')) { say(`${sink.refuse} refused by the test`); continue; }
          env.to.push(addr());
          say('250 OK');
        } else if (verb === 'DATA') {
          if (!env.to.length) { say('503 no recipients'); continue; }
          inData = true;
          say('354 go ahead');
        } else if (verb === 'RSET') { env = { from: null, to: [] }; say('250 OK'); }
        else if (verb === 'NOOP') say('250 OK');
        else if (verb === 'QUIT') { say('221 bye'); socket.end(); return; }
        else say('502 not implemented');
      }
    });
  };

  const listen = (p) => new Promise((resolve, reject) => {
    server = net.createServer(serve);
    server.once('error', reject);
    server.listen(p, '127.0.0.1', () => resolve(server.address().port));
  });

  sink.port = await listen(port);
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  // the connections are cut too: a server that is down answers nothing
  sink.stop = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    if (!server || !server.listening) { resolve(); return; }
    server.close(() => resolve());
  });
  sink.restart = async () => { await sink.stop(); await listen(sink.port); };
  return sink;
}
