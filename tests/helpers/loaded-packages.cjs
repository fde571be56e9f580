/* global console, setInterval */
// --require hook for a spawned process: every 250 ms, prints which of the packages named in
// REPORT_PACKAGES it has loaded so far, as `LOADED_PACKAGES {"express":false,...}`.
const names = (process.env.REPORT_PACKAGES || '').split(',').filter(Boolean);
setInterval(() => {
  const files = Object.keys(require.cache);
  const loaded = Object.fromEntries(names.map((n) => [n, files.some((f) => f.includes(`/node_modules/${n}/`))]));
  console.log(`LOADED_PACKAGES ${JSON.stringify(loaded)}`);
}, 250).unref();
