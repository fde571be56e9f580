/**
 * `tsx scripts/bench/profile-summary.ts FILE.cpuprofile [--top N]`: where a process spent its CPU,
 * from a V8 CPU profile (`npm run bench -- --cpu-prof DIR` writes one per worker process).
 * Prints self time by function and by package/file, so docs/performance.md can say what a send costs.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (!url) return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const m = /\/(src|workers|scripts)\/(.*)$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : url;
}

export function summarise(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byWhere = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const fn = `${f.functionName || '(anonymous)'} ${where(f.url)}${f.url ? ':' + (f.lineNumber + 1) : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const w = f.url ? where(f.url) : f.functionName.startsWith('(') ? f.functionName : '(native/V8)';
    byWhere.set(w, (byWhere.get(w) ?? 0) + us);
  }
  const fmt = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`)
      .join('\n');
  return `sampled CPU: ${(total / 1e6).toFixed(1)} s\n\nby package / file (self time)\n${fmt(byWhere)}\n\nby function (self time)\n${fmt(byFn)}`;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx scripts/bench/profile-summary.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  const topIdx = process.argv.indexOf('--top');
  const top = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 25;
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, top));
}
