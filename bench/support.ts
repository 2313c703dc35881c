// Shared pieces of the HTTP benchmarks: a seeded random source, a timed GET, and the load generator
// (bench/load.mjs) run in its own process.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** A small seeded random generator: the same data on every run. */
export function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Http {
  base: string;
  cookie: string;
}

/** GET with the session cookie; the body parsed as JSON when it is, and the time it took. */
export async function getJson(http: Http, path: string): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(http.base + path, { headers: { cookie: http.cookie, accept: 'application/json' } });
  const text = await res.text();
  const elapsed = performance.now() - t0;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: res.status, body, ms: elapsed };
}

/** Runs bench/load.mjs with a spec; resolves with its JSON. */
export function runLoad(spec: object, specFile: string): Promise<any> {
  writeFileSync(specFile, JSON.stringify(spec));
  const script = fileURLToPath(new URL('./load.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, specFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch {
        reject(new Error(`load generator printed no JSON: ${out.slice(0, 500)}`));
      }
    });
  });
}
