/** Command-line options of `npm run bench`; every option has a default that makes the full run. */

export interface BenchArgs {
  /** Subscribers loaded and sent to end to end (phase 1). */
  subscribers: number;
  /** Worker processes (ROLE=worker) for phase 1. */
  workers: number;
  /** Print one JSON object as the last line. */
  json: boolean;
  /** Seconds per autocannon run in phase 4 (hello, subscribe, unsubscribe); 0 skips the phase. */
  apiSeconds: number;
  apiConnections: number;
  /** Recipients of the naive design (phase 3): it is slow, so a sample is enough per email. */
  naive: number;
  /** Pre-built messages pushed in the limit phase (phase 2); they are held in memory. */
  limit: number;
  /** SMTP connections per worker process and in the limit phase's pooled transport. */
  smtpConnections: number;
  /** Write a V8 CPU profile of each worker process into this directory. */
  cpuProf: string | undefined;
  /** Give up on phase 1 after this many seconds (default: 540, or longer for N > 42,000). */
  timeoutSeconds: number;
  /**
   * Completed sends created before the run, each with its ledger partition (migration 025): a
   * deployment's history. 0 (default) is a fresh database.
   */
  pastSends: number;
  /** Only prepare the ledger of N readers and report rows/s and memory (docs/scaling.md). */
  prepareOnly: boolean;
}

export const USAGE = `usage: npm run bench -- [--subscribers N] [--workers K] [--json]
  [--api-seconds S] [--api-connections C] [--naive N] [--limit N] [--smtp-connections C]
  [--cpu-prof DIR] [--timeout S] [--past-sends N] [--prepare-only]`;

const DEFAULTS: BenchArgs = {
  subscribers: 100_000,
  workers: 2,
  json: false,
  apiSeconds: 10,
  apiConnections: 50,
  naive: 500,
  limit: 10_000,
  smtpConnections: 5,
  cpuProf: undefined,
  timeoutSeconds: 0,
  pastSends: 0,
  prepareOnly: false,
};

const NUMERIC: Record<string, keyof BenchArgs> = {
  '--subscribers': 'subscribers',
  '--workers': 'workers',
  '--api-seconds': 'apiSeconds',
  '--api-connections': 'apiConnections',
  '--naive': 'naive',
  '--limit': 'limit',
  '--smtp-connections': 'smtpConnections',
  '--timeout': 'timeoutSeconds',
  '--past-sends': 'pastSends',
};

/** Options where 0 means "skip" or "none"; the others need at least 1. */
const MAY_BE_ZERO = new Set<keyof BenchArgs>(['naive', 'limit', 'apiSeconds', 'pastSends']);

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { ...DEFAULTS };
  const numbers = args as unknown as Record<string, number>;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--json') {
      args.json = true;
      continue;
    }
    if (flag === '--prepare-only') {
      args.prepareOnly = true;
      continue;
    }
    if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    const [name, inline] = flag.includes('=') ? (flag.split('=', 2) as [string, string]) : [flag, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    if (name === '--cpu-prof') {
      args.cpuProf = value;
      continue;
    }
    const key = NUMERIC[name];
    if (!key) throw new Error(`unknown option ${name}\n${USAGE}`);
    // Accept 1e6 and 1_000_000 as well as 1000000.
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < (MAY_BE_ZERO.has(key) ? 0 : 1)) {
      throw new Error(`${name} must be a whole number (got ${value})`);
    }
    numbers[key] = n;
  }
  if (!args.timeoutSeconds) args.timeoutSeconds = Math.max(540, Math.ceil(120 + args.subscribers / 100));
  return args;
}
