// `npm run bench:availability`: exact-time availability over a year of state periods.
//
// Generates (not timed) a year of history for 1,000 checks with a seeded generator: incidents
// every ~2 days on average (down 70%, degraded 20%, no data 10%, lasting minutes to hours), so a
// few dozen state changes per check per month, plus a monthly maintenance window (second Tuesday
// 22:00 Europe/Paris, 2 h) overlaid on every check. Then (timed) computes the availability of every
// check for each of the 12 calendar months of 2025 in Europe/Paris — the figure a monthly report
// needs — with the same `availability()` the product uses (binary search to the window, one sweep
// through its periods, no per-sample work).
//
// Progress goes to stdout; the last line is one JSON of figures. `ms` is the first (cold) run of the
// computation; the warm median is printed as progress. Environment: BENCH_CHECKS (1000), BENCH_SEED (42).
import { performance } from 'node:perf_hooks';
import { maintenanceIntervals, startOfLocalMonth, type MaintenanceWindow } from '../src/modules/monitoring/maintenance.ts';
import { availability, combineServices, overlayPeriod, type StatePeriod } from '../src/modules/monitoring/periods.ts';
import type { CheckStatus } from '../src/modules/monitoring/state-machine.ts';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 1000);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const ZONE = 'Europe/Paris';
const YEAR = 2025;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const log = (msg: string) => console.log(`[bench:availability] ${msg}`);

/** mulberry32: small, fast, seeded. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const months = Array.from({ length: 13 }, (_, i) => startOfLocalMonth(YEAR + Math.floor(i / 12), (i % 12) + 1, ZONE));
const windows = Array.from({ length: 12 }, (_, i) => ({ from: months[i]!, to: months[i + 1]! }));
const yearStart = months[0]!;
const yearEnd = months[12]!;

const patchNight: MaintenanceWindow = { id: 'patch', timeZone: ZONE, schedule: { kind: 'monthly', on: { nth: 2, weekday: 2 }, startTime: '22:00', durationMs: 2 * HOUR } };
const maintenance = maintenanceIntervals([patchNight], yearStart, yearEnd);

/** One check's year: up between incidents; each incident is down, degraded or unknown for a while. */
function generate(random: () => number): StatePeriod[] {
  const periods: StatePeriod[] = [];
  let t = yearStart - Math.floor(random() * DAY); // histories begin a little before the year
  let state: CheckStatus = 'up';
  while (t < yearEnd) {
    let d: number;
    let next: CheckStatus;
    if (state === 'up') {
      d = Math.max(MIN, Math.round(-Math.log(1 - random()) * 2 * DAY)); // exponential, mean 2 days
      const r = random();
      next = r < 0.7 ? 'down' : r < 0.9 ? 'degraded' : 'unknown';
    } else {
      const scale = state === 'down' ? 30 * MIN : state === 'degraded' ? 60 * MIN : 2 * HOUR;
      d = Math.max(MIN, Math.round(-Math.log(1 - random()) * scale));
      next = 'up';
    }
    const end = t + d;
    periods.push({ state, from: t, to: end >= yearEnd ? null : end, cause: state === 'unknown' ? 'no_data' : 'probe' });
    if (end >= yearEnd) break;
    t = end;
    state = next;
  }
  let withMaintenance = periods;
  for (const iv of maintenance) withMaintenance = overlayPeriod(withMaintenance, { from: iv.start, to: iv.end, state: 'maintenance', cause: 'maintenance_start' });
  return withMaintenance;
}

log(`generating a year (${YEAR}, ${ZONE}) of history for ${CHECKS} checks, seed ${SEED}…`);
const g0 = performance.now();
const random = rng(SEED);
const histories: StatePeriod[][] = [];
for (let i = 0; i < CHECKS; i++) {
  histories.push(generate(random));
  if ((i + 1) % 250 === 0) log(`  generated ${i + 1}/${CHECKS}`);
}
const totalPeriods = histories.reduce((n, h) => n + h.length, 0);
log(`generated ${totalPeriods} periods (${(totalPeriods / CHECKS / 12).toFixed(1)} state changes per check per month, ${maintenance.length} maintenance windows each) in ${(performance.now() - g0).toFixed(0)} ms`);

/** Availability of every check for every month; returns a checksum so nothing is optimised away. */
function computeAll(): { sum: number; counted: number } {
  let sum = 0;
  let counted = 0;
  for (const h of histories) {
    for (const w of windows) {
      const a = availability(h, w);
      if (a.availability !== null) {
        sum += a.availability;
        counted++;
      }
    }
  }
  return { sum, counted };
}

log(`computing availability of ${CHECKS} checks × 12 months…`);
const c0 = performance.now();
const cold = computeAll();
const ms = performance.now() - c0;
log(`cold run: ${ms.toFixed(2)} ms, mean monthly availability ${((cold.sum / cold.counted) * 100).toFixed(4)}% over ${cold.counted} check-months`);

const warm: number[] = [];
for (let r = 0; r < 9; r++) {
  const t0 = performance.now();
  computeAll();
  warm.push(performance.now() - t0);
}
warm.sort((a, b) => a - b);
log(`warm median of 9 runs: ${warm[4]!.toFixed(2)} ms`);

// For scale: business services of 10 checks each under 'all', combined by sweep, then 12 months.
const s0 = performance.now();
let services = 0;
for (let i = 0; i + 10 <= histories.length; i += 10) {
  const periods = combineServices('all', histories.slice(i, i + 10));
  for (const w of windows) availability(periods, w);
  services++;
}
log(`${services} business services of 10 checks combined and measured for 12 months in ${(performance.now() - s0).toFixed(1)} ms`);

console.log(JSON.stringify({ bench: 'availability', checks: CHECKS, months: 12, ms: Math.round(ms * 100) / 100 }));
