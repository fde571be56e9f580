/**
 * The benchmark's SMTP sink, run as a separate process (scripts/bench/sink-client.ts forks it) so
 * that receiving costs no CPU in the processes being measured. It accepts every message, keeps no
 * body, and checks per phase that no Message-ID and no (issue, recipient) pair arrives twice.
 *
 * IPC: the parent sends {cmd:'phase', name} to start counting a new phase and {cmd:'stats', id}
 * to read the counters; the sink answers {id, stats}. On start it sends {ready, port}.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SinkStats {
  phase: string;
  received: number;
  bytes: number;
  /** Messages whose Message-ID, or whose (issue, recipient) pair, this phase had already seen. */
  duplicates: number;
  duplicateMessageIds: number;
  duplicatePairs: number;
  missingMessageId: number;
  /** Epoch ms of the first and last accepted message of the phase. */
  firstAt: number | undefined;
  lastAt: number | undefined;
}

type Command = { cmd: 'phase'; name: string; id: number } | { cmd: 'stats'; id: number };

let stats: SinkStats = fresh('idle');
let messageIds = new Set<string>();
let pairs = new Set<string>();

function fresh(phase: string): SinkStats {
  return {
    phase, received: 0, bytes: 0, duplicates: 0, duplicateMessageIds: 0, duplicatePairs: 0,
    missingMessageId: 0, firstAt: undefined, lastAt: undefined,
  };
}

const MESSAGE_ID_RE = /^message-id:[ \t]*(<[^>\r\n]+>)/im;
// Our Message-IDs name the issue: <tidings.i42.s7.mac@domain> (the naive design uses the same form).
const ISSUE_RE = /\.i(\d+)\./;

function record(header: string, rcpt: string[], size: number): void {
  const now = Date.now();
  stats.received++;
  stats.bytes += size;
  stats.firstAt ??= now;
  stats.lastAt = now;
  const match = MESSAGE_ID_RE.exec(header)?.[1];
  // A fresh copy: a regex match is a slice that keeps the whole chunk it came from alive, and a
  // million kept ids would then hold gigabytes of message text.
  const id = match === undefined ? undefined : Buffer.from(match, 'latin1').toString('latin1');
  let dup = false;
  if (!id) stats.missingMessageId++;
  else if (messageIds.has(id)) {
    stats.duplicateMessageIds++;
    dup = true;
  } else messageIds.add(id);
  const issue = id ? (ISSUE_RE.exec(id)?.[1] ?? '?') : '?';
  for (const to of rcpt) {
    const pair = `${issue}\0${to.toLowerCase()}`;
    if (pairs.has(pair)) {
      stats.duplicatePairs++;
      dup = true;
    } else pairs.add(pair);
  }
  if (dup) stats.duplicates++;
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 50 * 1024 * 1024,
  maxClients: 1000,
  onAuth: (_auth, _session, cb) => cb(null, { user: 'bench' }),
  onData: (stream, session, cb) => {
    // Keep only the header block: enough for the Message-ID, and memory stays flat.
    let head = '';
    let headDone = false;
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (headDone) return;
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) {
        head = head.slice(0, end);
        headDone = true;
      } else if (head.length > 64 * 1024) headDone = true;
    });
    stream.on('end', () => {
      record(head, session.envelope.rcptTo.map((r) => r.address), size);
      cb();
    });
  },
});

server.on('error', (err) => process.stderr.write(`bench sink: ${err.message}\n`));

process.on('message', (msg: Command) => {
  if (msg.cmd === 'phase') {
    stats = fresh(msg.name);
    messageIds = new Set();
    pairs = new Set();
  }
  process.send?.({ id: msg.id, stats });
});
// The parent going away (crash, Ctrl-C) must not leave the sink running.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: true, port: (server.server.address() as AddressInfo).port });
});
