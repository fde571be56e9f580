/**
 * Turns the ways a start fails for reasons outside the code — PostgreSQL, Redis or a port — into one
 * line that names the setting to change (StartupError). Anything not recognised here is returned
 * unchanged: an unexpected error is a bug and keeps its stack trace.
 *
 * Addresses are shown as host:port and a user name, never as the URL: it may carry a password.
 */
import { StartupError } from './errors';

interface Failure {
  code?: unknown;
  message?: unknown;
}

const codeOf = (err: unknown) => String((err as Failure | undefined)?.code ?? '');
const messageOf = (err: unknown) => String((err as Failure | undefined)?.message ?? err).replace(/\s+/g, ' ').trim();

/** host:port of a URL, with the scheme's default port when none is written. */
export function endpoint(url: string, defaultPort: number): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || defaultPort}`;
}

/** Why a TCP connection failed, in words, when it is one of the usual network reasons. */
function networkReason(err: unknown): string | undefined {
  const code = codeOf(err);
  const message = messageOf(err);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ETIMEDOUT' || /timeout expired|connection timeout/i.test(message)) return 'no answer in time';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  if (code === 'ECONNRESET' || /Connection (terminated unexpectedly|is closed)/i.test(message)) return 'the connection was closed at once';
  return undefined;
}

/**
 * A failure to reach or use the database at `url`. `setting` tells the reader where that URL came
 * from: `DATABASE_URL`, or the default local server tried when DATABASE_URL is unset.
 */
export function databaseProblem(err: unknown, url: string, setting: 'DATABASE_URL' | 'default'): unknown {
  if (err instanceof StartupError) return err;
  const u = new URL(url);
  const at = endpoint(url, 5432);
  const name = decodeURIComponent(u.username);
  // Without a user in the URL the client sends $PGUSER or $USER; the server's message names it.
  const user = name ? `user "${name}"` : 'the user taken from $PGUSER or $USER';
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const fix = setting === 'DATABASE_URL' ? 'DATABASE_URL' : 'DATABASE_URL (unset, so postgres://postgres@localhost:5432/tidings was tried)';
  const code = codeOf(err);
  const say = (line: string) => new StartupError(line, { cause: err });

  if (code === '28P01') return say(`PostgreSQL at ${at} refused the password for ${user}: correct the password in ${fix}.`);
  if (/client password must be a string/i.test(messageOf(err))) {
    return say(`PostgreSQL at ${at} asks ${user} for a password and there is none: write it into ${fix} (postgres://${name || 'USER'}:PASSWORD@${at}/${db}).`);
  }
  if (code === '28000') return say(`PostgreSQL at ${at} refused ${user} (${messageOf(err)}): write a user it accepts into ${fix}.`);
  // 42501 is also "permission denied for database" (no CONNECT), which the general line below covers.
  if (code === '42501' && /create database/i.test(messageOf(err))) {
    const owner = name || 'USER';
    return say(`PostgreSQL at ${at} does not let ${user} create the database "${db}": create it (createdb -O ${owner} ${db}) or grant CREATEDB.`);
  }
  const reason = networkReason(err);
  if (reason) return say(`No PostgreSQL answers at ${at} (${reason}): start it, or correct the host and port in ${fix}.`);
  if (/^[0-9A-Z]{5}$/.test(code)) return say(`PostgreSQL at ${at} refused the connection (${code}: ${messageOf(err)}): check ${fix}.`);
  return err;
}

/** Redis did not answer PING at `url`; `err` is the last error ioredis reported. */
export function redisProblem(err: unknown, url: string): StartupError {
  const at = endpoint(url, 6379);
  const message = messageOf(err);
  const say = (line: string) => new StartupError(line, { cause: err });
  if (/^NOAUTH/.test(message)) return say(`Redis at ${at} asks for a password and REDIS_URL has none: write it into REDIS_URL (redis://:PASSWORD@${at}).`);
  if (/^WRONGPASS/.test(message)) return say(`Redis at ${at} refused the user name or password in REDIS_URL: correct them.`);
  const reason = networkReason(err) ?? (/protocol error/i.test(message) ? 'it is not a Redis server' : message || 'no answer');
  return say(
    `No Redis answers at ${at} (${reason}): start one (bash scripts/services.sh, or docker compose up -d redis) or point REDIS_URL at a running server.`,
  );
}

/** A server could not listen on `port`, which comes from the setting `key`. */
export function listenProblem(err: unknown, port: number, key: string): unknown {
  const code = codeOf(err);
  const say = (line: string) => new StartupError(line, { cause: err });
  if (code === 'EADDRINUSE') return say(`Port ${port} (${key}) is already in use: stop the program using it or set ${key} to a free port.`);
  if (code === 'EACCES') return say(`Port ${port} (${key}) needs privileges this process does not have: set ${key} to 1024 or above.`);
  if (code === 'EADDRNOTAVAIL') return say(`Port ${port} (${key}) cannot be bound on this machine's addresses: set ${key} to another port.`);
  return err;
}
