// Installs dependencies when they are missing or older than the lock file. No dependency of its own.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export function ensureDeps() {
  const lock = existsSync('package-lock.json') ? statSync('package-lock.json').mtimeMs : 0;
  const marker = 'node_modules/.package-lock.json';
  if (existsSync(marker) && statSync(marker).mtimeMs >= lock && existsSync('node_modules/better-sqlite3/build/Release')) return;
  console.log('Installing dependencies (first run: about a minute, better-sqlite3 builds from source)…');
  const cmd = existsSync('package-lock.json') ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  let r = spawnSync('npm', cmd, { stdio: 'inherit' });
  if (r.status !== 0) {
    // npm 11 sometimes fails once on an optional platform package ("Missing napi-…"); a second run passes.
    console.log('npm failed; trying once more…');
    r = spawnSync('npm', cmd, { stdio: 'inherit' });
  }
  if (r.status !== 0) {
    console.error('npm install failed');
    process.exit(r.status ?? 1);
  }
}
