/**
 * The SMTP pool's one crucial judgement: did the server possibly accept the message? A scripted
 * SMTP server drops the connection either before DATA (safe to retry: transient) or after the body
 * was sent (the server may have it: uncertain), or answers 421/451/550 (definite answers).
 */
import net from 'node:net';
import { SmtpPool } from '../src/sending/smtp-pool';

type Mode = 'ok' | 'drop-before-data' | 'drop-after-body' | '550' | '451';

/** What the fake server saw, in order: '354' when it asked for a body, 'body' at its first byte, 'queued'. */
const seen: string[] = [];

function fakeSmtp(modeOf: (rcpt: string) => Mode): Promise<{ url: string; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    let rcpt = '';
    let inData = false;
    let buf = '';
    socket.write('220 fake ESMTP\r\n');
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      if (inData && buf === '') seen.push('body');
      buf += chunk.toString('latin1');
      if (inData) {
        const end = buf.indexOf('\r\n.\r\n');
        if (end < 0) return;
        buf = buf.slice(end + 5);
        inData = false;
        if (modeOf(rcpt) === 'drop-after-body') return void socket.destroy();
        seen.push('queued');
        socket.write('250 2.0.0 queued\r\n');
      }
      let nl: number;
      while (!inData && (nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') socket.write('250-fake\r\n250 8BITMIME\r\n');
        else if (cmd === 'MAIL') socket.write('250 2.1.0 ok\r\n');
        else if (cmd === 'RCPT') {
          rcpt = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const mode = modeOf(rcpt);
          if (mode === 'drop-before-data') return void socket.destroy();
          if (mode === '550') socket.write('550 5.1.1 no such user\r\n');
          else if (mode === '451') socket.write('451 4.7.1 later\r\n');
          else socket.write('250 2.1.5 ok\r\n');
        } else if (cmd === 'DATA') {
          inData = true;
          seen.push('354');
          socket.write('354 go ahead\r\n');
        } else if (cmd === 'RSET' || cmd === 'NOOP') socket.write('250 ok\r\n');
        else if (cmd === 'QUIT') {
          socket.end('221 bye\r\n');
        } else socket.write('500 unknown\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ url: `smtp://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

const message = Buffer.from('From: a@example.test\r\nTo: b@example.test\r\nSubject: x\r\n\r\nhello\r\n');

test('transient before DATA, uncertain after the body, definite answers as they are', async () => {
  const modes: Record<string, Mode> = {
    'ok@x.test': 'ok',
    'drop1@x.test': 'drop-before-data',
    'drop2@x.test': 'drop-after-body',
    'bad@x.test': '550',
    'later@x.test': '451',
  };
  const server = await fakeSmtp((rcpt) => modes[rcpt] ?? 'ok');
  const pool = new SmtpPool({ url: server.url, maxConnections: 2 });
  try {
    expect((await pool.send('a@example.test', 'ok@x.test', message)).kind).toBe('sent');
    expect((await pool.send('a@example.test', 'drop1@x.test', message)).kind).toBe('transient');
    expect((await pool.send('a@example.test', 'drop2@x.test', message)).kind).toBe('uncertain');
    expect(await pool.send('a@example.test', 'bad@x.test', message)).toMatchObject({ kind: 'permanent', code: 550, hardBounce: true });
    expect(await pool.send('a@example.test', 'later@x.test', message)).toMatchObject({ kind: 'transient', code: 451 });
    // The pool recovers from dropped connections and keeps sending, concurrently.
    const many = await Promise.all(Array.from({ length: 10 }, () => pool.send('a@example.test', 'ok@x.test', message)));
    expect(many.every((r) => r.kind === 'sent')).toBe(true);
  } finally {
    pool.close();
    await server.close();
  }
});

test('an unreachable relay is transient, not uncertain', async () => {
  const server = await fakeSmtp(() => 'ok');
  const url = server.url;
  await server.close();
  const pool = new SmtpPool({ url, maxConnections: 1 });
  try {
    expect((await pool.send('a@example.test', 'ok@x.test', message)).kind).toBe('transient');
  } finally {
    pool.close();
  }
});

test('a gated body waits for its gate after DATA; a gate that says no drops the session before any body byte', async () => {
  const server = await fakeSmtp(() => 'ok');
  const pool = new SmtpPool({ url: server.url, maxConnections: 1 });
  const lane = pool.lane();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    seen.length = 0;
    let open!: (ok: boolean) => void;
    const sending = lane.send('a@example.test', 'ok@x.test', message, new Promise<boolean>((r) => (open = r)));
    await sleep(300);
    // The envelope went out and the server asked for the body; none of it was sent.
    expect(seen).toEqual(['354']);
    open(true);
    expect((await sending).kind).toBe('sent');
    expect(seen).toEqual(['354', 'body', 'queued']);

    seen.length = 0;
    const refused = lane.send('a@example.test', 'ok@x.test', message, sleep(100).then(() => false));
    // Withheld: nothing reached the server, so it is not uncertain, and nothing was queued.
    expect((await refused).kind).toBe('transient');
    await sleep(100);
    expect(seen).toEqual(['354']);

    // The lane replaces the dropped session and goes on; a failed gate is withheld like a refusal.
    seen.length = 0;
    expect((await lane.send('a@example.test', 'ok@x.test', message, Promise.resolve(true))).kind).toBe('sent');
    expect((await lane.send('a@example.test', 'ok@x.test', message, Promise.reject(new Error('db away')))).kind).toBe('transient');
    expect(seen.filter((e) => e === 'queued')).toHaveLength(1);
  } finally {
    lane.release();
    pool.close();
    await server.close();
  }
});
