/* global setInterval */
// --require hook (BENCH_NODE_OPTIONS="--require ./scripts/bench/memory-log.cjs"): every 250 ms,
// appends one JSON line of the process's memory to $MEMORY_LOG_DIR (default: the temp dir)/
// <ROLE>-<pid>.jsonl: RSS, its high-water mark (VmHWM), the V8 heap and each heap space, external
// and array-buffer memory. Used for the memory figures of docs/performance.md.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');

const MB = 1024 * 1024;
const file = path.join(process.env.MEMORY_LOG_DIR || os.tmpdir(), `${process.env.ROLE || 'all'}-${process.pid}.jsonl`);
const mb = (n) => Math.round((n / MB) * 10) / 10;

setInterval(() => {
  const m = process.memoryUsage();
  const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_size)]));
  const line = { t: Date.now(), rss: mb(m.rss), hwm: hwm ? mb(Number(hwm[1]) * 1024) : null, heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), spaces };
  fs.appendFileSync(file, JSON.stringify(line) + '\n');
}, 250).unref();
