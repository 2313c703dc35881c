// `npm start [-- --demo --port 9000]`: installs what is missing, builds the web app when its sources
// changed, then runs `vigie serve` with the same arguments. Plain Node, no dependency of its own.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

ensureDeps();
buildWebIfNeeded();
serve(process.argv.slice(2));

/** Newest modification time of the files under `dir` (0 when there are none). */
function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function buildWebIfNeeded() {
  const src = 'src/web';
  const index = 'dist/web/index.html';
  if (!existsSync(src) || newestMtime(src) === 0) {
    console.log('No web app sources (src/web) yet: serving the API only.');
    return;
  }
  // The build configuration counts as a source too.
  const configs = readdirSync('.').filter((f) => /^(vite\.config\.|index\.html$)/.test(f));
  const newest = Math.max(newestMtime(src), ...configs.map((f) => statSync(f).mtimeMs));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  console.log('Building the web app…');
  const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts ?? {};
  const [cmd, args] = scripts['build:web'] ? ['npm', ['run', '--silent', 'build:web']] : ['npx', ['vite', 'build']];
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`The web app did not build (${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}); starting with the API only.`);
  }
}

function serve(args) {
  const child = spawn(process.execPath, ['bin/vigie.mjs', 'serve', ...args], { stdio: 'inherit' });
  const forward = (signal) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, forward(s));
  child.on('error', (err) => {
    console.error(`Could not start vigie: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so whoever started us sees it.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
