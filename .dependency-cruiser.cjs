/**
 * The import rules of docs/architecture.md ("Dependency direction"), checked by `npm run lint`.
 * Type-only imports count (tsPreCompilationDeps): a type import ties modules as much as a value
 * import does for whoever reads or changes them.
 */
const FOUNDATION = '^src/(config|db|errors|escape|paths|logger|metrics|startup-errors|clock|timezones)(/|\\.ts$)';
const SERVICES = '^src/(clicks|webhooks|editors|issues|rendering|sending|subscribers|deliverability|mail|queue|topics|settings|ratelimit)(/|\\.ts$)';
const ENTRY = '^(src/http|src/cli|workers)/';
const ROOT = '^src/(app|app-[a-z]+|main|boot|seed|container)\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import circle, type imports included.', from: {}, to: { circular: true } },
    {
      name: 'foundation-imports-nothing-above',
      severity: 'error',
      comment: 'config, db, errors, escaping, paths, logging and metrics sit below every service and entry point.',
      from: { path: FOUNDATION },
      to: { path: [SERVICES, ENTRY, ROOT] },
    },
    {
      name: 'services-below-entry-points',
      severity: 'error',
      comment: 'Services never import HTTP, workers, the CLI or the composition root: http → services → db.',
      from: { path: SERVICES },
      to: { path: [ENTRY, ROOT] },
    },
    {
      name: 'entry-points-do-not-import-the-root',
      severity: 'error',
      comment: 'Routers and processors get their services handed in (Pick<Container, …> from src/container.ts); the CLI, like main.ts, is a process entry that builds the container.',
      from: { path: '^(src/http|workers)/' },
      to: { path: '^src/(app|app-[a-z]+|main|boot)\\.ts$' },
    },
    {
      name: 'workers-do-not-import-http',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^src/(http|cli)/' },
    },
    {
      name: 'http-does-not-import-workers-or-cli',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^(workers|src/cli)/' },
    },
    {
      name: 'issues-do-not-import-rendering',
      severity: 'error',
      comment: 'One direction: rendering reads issue documents; issues know nothing of rendering.',
      from: { path: '^src/issues/' },
      to: { path: '^src/rendering/' },
    },
    {
      name: 'no-product-import-of-scripts',
      severity: 'error',
      comment: 'scripts/ (bench, screenshots, generators) is not part of the product or its image.',
      from: { path: '^(src|workers)/' },
      to: { path: '^scripts/' },
    },
    {
      name: 'no-product-import-of-tests',
      severity: 'error',
      from: { path: '^(src|workers)/' },
      to: { path: '^tests/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
  },
};
