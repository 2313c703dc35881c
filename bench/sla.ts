// `npm run bench:sla`: the pure calendar and SLA clocks, in memory.
//
// (a) due_per_s: addTarget computations per second over mixed calendars (Paris business hours with
//     public holidays, 24/7, Mon–Sat 07–20 Alsace-Moselle with a lunch break, New York business
//     hours) and mixed targets (minutes, hours, business days) from random instants over two years,
//     for ~3 s after a warm-up. Each computation goes through compileCalendar (65,536 distinct spec
//     objects, 4 distinct calendars: the memo answers) then addTarget.
// (b) recompute_open_ms: evaluateClock of 50,000 open clocks (random specs, event lists of 1–6
//     events) at one instant, in memory (`recomputeInMemory`).
//
// Progress goes to stdout; the last line is one JSON of figures. Environment: BENCH_SECONDS (3),
// BENCH_CLOCKS (50000), BENCH_SEED (42).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { addTarget, compileCalendar, type CalendarSpec, type TargetDuration } from '../src/core/calendar.ts';
import { evaluateClock, type ClockEvent, type ClockSpec, type ClockStatus } from '../src/modules/servicedesk/sla-clock.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CLOCKS = Number(process.env.BENCH_CLOCKS ?? 50_000);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2025, 0, 1);
const SPAN = 2 * 365 * DAY;

const log = (msg: string) => console.log(`[bench:sla] ${msg}`);

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

const weekdays = (ranges: [string, string][]) => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges });

/** The four calendars, as fresh objects (a row's JSON parsed anew). */
const CALENDARS: (() => CalendarSpec)[] = [
  () => ({ time_zone: 'Europe/Paris', always: false, hours: weekdays([['08:00', '18:00']]), public_holidays: 'fr', closed_days: ['2025-05-02', '2026-05-15'] }),
  () => ({ time_zone: 'Europe/Paris', always: true, hours: {}, public_holidays: 'none', closed_days: [] }),
  () => {
    const lunch: [string, string][] = [['07:00', '12:00'], ['13:30', '20:00']];
    return { time_zone: 'Europe/Paris', always: false, hours: { ...weekdays(lunch), sat: lunch }, public_holidays: 'fr-alsace-moselle', closed_days: [] };
  },
  () => ({ time_zone: 'America/New_York', always: false, hours: weekdays([['09:00', '17:00']]), public_holidays: 'none', closed_days: ['2025-07-04', '2025-12-25', '2026-07-03', '2026-12-25'] }),
];

const TARGETS: TargetDuration[] = [
  { value: 30, unit: 'minutes' },
  { value: 240, unit: 'minutes' },
  { value: 1, unit: 'hours' },
  { value: 4, unit: 'hours' },
  { value: 8, unit: 'hours' },
  { value: 24, unit: 'hours' },
  { value: 1, unit: 'business_days' },
  { value: 2, unit: 'business_days' },
  { value: 5, unit: 'business_days' },
  { value: 0.5, unit: 'business_days' },
];

/** (a) addTarget per second: cases drawn ahead of time, the loop does the compilation lookup and the due. */
function duePerSecond(random: () => number): number {
  const N = 1 << 16;
  const specs = Array.from({ length: N }, () => CALENDARS[Math.floor(random() * CALENDARS.length)]!());
  const targets = Array.from({ length: N }, () => TARGETS[Math.floor(random() * TARGETS.length)]!);
  const starts = Array.from({ length: N }, () => FROM + Math.floor(random() * SPAN));
  let sink = 0;
  const run = (ms: number) => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let k = 0; k < 1000; k++, n++) {
        const i = n & (N - 1);
        sink += addTarget(compileCalendar(specs[i]!), starts[i]!, targets[i]!) & 1;
      }
      t = performance.now();
    }
    return (n / (t - t0)) * 1000;
  };
  const b0 = performance.now();
  for (const make of CALENDARS) compileCalendar(make()).openTimeBetween(FROM - 7 * DAY, FROM + SPAN + 60 * DAY);
  log(`days of the ${CALENDARS.length} calendars over the two years (+ margin) built: ${(performance.now() - b0).toFixed(1)} ms (the only Intl work)`);
  log(`warm-up: ${Math.round(run(500)).toLocaleString('en')} due/s`);
  const rate = run(SECONDS * 1000);
  log(`addTarget over ${SECONDS} s: ${Math.round(rate).toLocaleString('en')} due/s (sink ${sink})`);
  return rate;
}

/** A random open clock: started within the last 30 days before `now`, then 0–5 more events before now. */
function randomClock(random: () => number, now: number): { spec: ClockSpec; events: ClockEvent[] } {
  const spec = (): ClockSpec => ({ target: TARGETS[Math.floor(random() * TARGETS.length)]!, calendar: CALENDARS[Math.floor(random() * CALENDARS.length)]!() });
  const first = spec();
  let t = now - Math.floor(random() * 30 * DAY);
  const events: ClockEvent[] = [{ kind: 'start', at: t }];
  let paused = false;
  const more = Math.floor(random() * 6);
  for (let i = 0; i < more; i++) {
    t += Math.floor(random() * (now - t));
    const r = random();
    if (r < 0.25) events.push({ kind: 'retarget', at: t, spec: spec() });
    else if (r < 0.35) events.push({ kind: 'breach', at: t });
    else events.push({ kind: paused ? 'resume' : 'pause', at: t }), (paused = !paused);
  }
  return { spec: first, events };
}

/** The status of every clock at `now` (the pure part of a recompute pass). */
export function recomputeInMemory(clocks: readonly { spec: ClockSpec; events: readonly ClockEvent[] }[], now: number): ClockStatus[] {
  return clocks.map((c) => evaluateClock(c.spec, c.events, now));
}

function main() {
  const random = rng(SEED);
  log(`calendars: ${CALENDARS.length}, targets: ${TARGETS.length}, instants over 2025–2026; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
  const dueRate = duePerSecond(random);

  const now = FROM + SPAN / 2;
  const clocks = Array.from({ length: CLOCKS }, () => randomClock(random, now));
  log(`${CLOCKS.toLocaleString('en')} open clocks generated`);
  recomputeInMemory(clocks.slice(0, 1000), now); // warm the code paths, not the calendars' whole range
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const statuses = recomputeInMemory(clocks, now);
  const recomputeMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const byState: Record<string, number> = {};
  for (const s of statuses) byState[s.state] = (byState[s.state] ?? 0) + 1;
  log(`evaluateClock × ${CLOCKS.toLocaleString('en')}: ${recomputeMs.toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU (${JSON.stringify(byState)})`);
  const t1 = performance.now();
  recomputeInMemory(clocks, now);
  log(`again, warm: ${(performance.now() - t1).toFixed(1)} ms`);

  console.log(JSON.stringify({ bench: 'sla', due_per_s: Math.round(dueRate), recompute_open_ms: Math.round(recomputeMs), open_tickets: CLOCKS }));
}

main();
