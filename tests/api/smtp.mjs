// smtp.mjs - a small SMTP server for the tests: it takes mail on a loopback port and keeps
// each message ({from, to, data}); it can refuse mail (answering a code of our choosing), be
// stopped (the port closed, as a mail server that is down) and started again on the same port.
import net from 'node:net';

export async function startSink({ port = 0 } = {}) {
  const sink = { messages: [], refuse: null, url: '', port: 0 };
  const sockets = new Set();
  let server;

  const serve = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = '';
    let msg = null; // the message being received after DATA
    let env = { from: null, to: [] };
    const say = (line) => socket.write(`${line}\r\n`);
    say('220 sink.test ESMTP');
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (msg !== null) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0 && !buf.startsWith('.\r\n')) return;
          const body = buf.startsWith('.\r\n') ? '' : buf.slice(0, end);
          buf = buf.startsWith('.\r\n') ? buf.slice(3) : buf.slice(end + 5);
          const data = Buffer.from((msg + body).replace(/^\.\./gm, '.'), 'latin1').toString('utf8');
          msg = null;
          if (sink.refuse) { say(`${sink.refuse} refused by the test`); continue; }
          sink.messages.push({ from: env.from, to: env.to, data });
          env = { from: null, to: [] };
          say('250 OK queued');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO') say('250 sink.test');
        else if (verb === 'MAIL') { env.from = line.replace(/^MAIL FROM:\s*/i, '').replace(/[<>]/g, '').split(' ')[0]; say('250 OK'); }
        else if (verb === 'RCPT') { env.to.push(line.replace(/^RCPT TO:\s*/i, '').replace(/[<>]/g, '')); say('250 OK'); }
        else if (verb === 'DATA') { msg = ''; say('354 go ahead'); }
        else if (verb === 'RSET') { env = { from: null, to: [] }; say('250 OK'); }
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
  sink.stop = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    if (!server || !server.listening) { resolve(); return; }
    server.close(() => resolve());
  });
  sink.restart = async () => { await sink.stop(); await listen(sink.port); };
  return sink;
}
