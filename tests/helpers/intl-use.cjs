/* global console */
// --require hook for a spawned process: prints `INTL_USED <what> <caller>` the first time each of
// ICU's locale- and zone-dependent entry points is used (Intl constructors, localeCompare,
// toLocale*String). Their first use loads ICU data into the process (megabytes of resident memory).
const reported = new Set();
function report(what) {
  if (reported.has(what)) return;
  reported.add(what);
  const caller = (new Error().stack || '').split('\n').slice(3, 6).map((l) => l.trim()).join(' < ');
  console.error(`INTL_USED ${what} ${caller}`);
}
for (const name of ['DateTimeFormat', 'NumberFormat', 'Collator', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'DisplayNames', 'Segmenter']) {
  const Original = Intl[name];
  if (typeof Original !== 'function') continue;
  const Wrapped = function (...args) {
    report(`Intl.${name}`);
    return new Original(...args);
  };
  Wrapped.prototype = Original.prototype;
  Wrapped.supportedLocalesOf = Original.supportedLocalesOf;
  Intl[name] = Wrapped;
}
for (const [proto, names] of [
  [String.prototype, ['localeCompare', 'toLocaleLowerCase', 'toLocaleUpperCase']],
  [Date.prototype, ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']],
  [Number.prototype, ['toLocaleString']],
]) {
  for (const name of names) {
    const original = proto[name];
    proto[name] = function (...args) {
      report(`${proto.constructor.name}.${name}`);
      return original.apply(this, args);
    };
  }
}
