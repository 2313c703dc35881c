import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextSlot, phaseOf, Scheduler, type SchedulableCheck } from './scheduler.ts';
import { newId } from '../../core/ids.ts';

/** A deterministic clock: timers fire in time order when the test advances it. */
class FakeClock {
  t = 1_800_000_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimer = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  sleep = (ms: number) => new Promise<void>((resolve) => this.setTimer(resolve, ms));
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    await flush();
  }
}

async function flush() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const checks = (n: number, intervalMs: number): SchedulableCheck[] => Array.from({ length: n }, () => ({ id: newId(), intervalMs }));

describe('scheduler', () => {
  it('runs every check once per interval, spread evenly over the interval', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    const runsPerCheck = new Map<string, number>();
    const s = new Scheduler<SchedulableCheck>({
      concurrency: 100,
      now: clock.now,
      setTimer: clock.setTimer,
      clearTimer: clock.clearTimer,
      run: async (c) => {
        starts.push(clock.now());
        runsPerCheck.set(c.id, (runsPerCheck.get(c.id) ?? 0) + 1);
        await clock.sleep(20);
      },
    });
    const all = checks(3000, 60_000);
    const t0 = clock.now();
    for (const c of all) s.upsert(c);
    s.start();
    // Three whole intervals [t0, t0 + 180 s): a check whose slot falls exactly on t0 would run a 4th time at t0 + 180 s.
    await clock.advance(180_000 - 1);
    s.stop();
    expect([...runsPerCheck.values()].every((n) => n === 3)).toBe(true);
    expect(runsPerCheck.size).toBe(3000);
    expect(s.stats.missed).toBe(0);
    // Spread: no second of the first minute holds more than 3 times the average (50 per second).
    const perSecond = new Map<number, number>();
    for (const t of starts.filter((x) => x < t0 + 60_000)) perSecond.set(Math.floor((t - t0) / 1000), (perSecond.get(Math.floor((t - t0) / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(150);
    expect(perSecond.size).toBeGreaterThanOrEqual(59);
  });

  it('never runs more than `concurrency` checks at once, and measures the wait as lateness', async () => {
    const clock = new FakeClock();
    let running = 0;
    let peak = 0;
    const lateness: number[] = [];
    const s = new Scheduler<SchedulableCheck>({
      concurrency: 5,
      now: clock.now,
      setTimer: clock.setTimer,
      clearTimer: clock.clearTimer,
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await clock.sleep(1000);
        running--;
      },
    });
    s.onStart = (due, started) => lateness.push(started - due);
    // 200 checks of 1 s runs every 10 s want 20 at once on average: 5 slots are always saturated.
    for (const c of checks(200, 10_000)) s.upsert(c);
    s.start();
    await clock.advance(60_000);
    s.stop();
    expect(peak).toBe(5);
    expect(s.stats.run).toBeGreaterThan(100);
    expect(Math.max(...lateness)).toBeGreaterThan(0);
  });

  it('skips a slot while the same check is still running (missed), never running it twice at once', async () => {
    const clock = new FakeClock();
    let concurrentSame = 0;
    let active = 0;
    const s = new Scheduler<SchedulableCheck>({
      concurrency: 10,
      now: clock.now,
      setTimer: clock.setTimer,
      clearTimer: clock.clearTimer,
      run: async () => {
        active++;
        concurrentSame = Math.max(concurrentSame, active);
        await clock.sleep(25_000);
        active--;
      },
    });
    s.upsert({ id: newId(), intervalMs: 10_000 });
    s.start();
    await clock.advance(100_000);
    s.stop();
    expect(concurrentSame).toBe(1);
    expect(s.stats.missed).toBeGreaterThan(0);
    expect(s.stats.due).toBe(s.stats.run + s.stats.missed + s.stats.queued + 0);
  });

  it('removes checks and reschedules changed intervals', async () => {
    const clock = new FakeClock();
    const runs = new Map<string, number>();
    const s = new Scheduler<SchedulableCheck>({
      concurrency: 10,
      now: clock.now,
      setTimer: clock.setTimer,
      clearTimer: clock.clearTimer,
      run: async (c) => {
        runs.set(c.id, (runs.get(c.id) ?? 0) + 1);
      },
    });
    const [a, b] = checks(2, 10_000);
    s.upsert(a!);
    s.upsert(b!);
    s.start();
    await clock.advance(30_000);
    s.remove(a!.id);
    s.upsert({ ...b!, intervalMs: 5_000 });
    const before = { a: runs.get(a!.id)!, b: runs.get(b!.id)! };
    await clock.advance(30_000);
    expect(runs.get(a!.id)).toBe(before.a);
    expect(runs.get(b!.id)! - before.b).toBe(6);
    expect(s.size).toBe(1);
  });

  it('property: slots stay on the check grid and start in due order', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 10_000, max: 3_600_000 }), fc.integer({ min: 0, max: 2 ** 41 }), (id, iv, now) => {
        const slot = nextSlot(id, iv, now);
        expect(slot).toBeGreaterThanOrEqual(now);
        expect(slot - now).toBeLessThan(iv);
        expect((((slot - phaseOf(id, iv)) % iv) + iv) % iv).toBe(0);
      }),
    );
  });

  it('property: with random upserts and removals, every run starts no earlier than due and in due order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.boolean()), { minLength: 1, maxLength: 40 }), async (ops) => {
        const clock = new FakeClock();
        const dues: number[] = [];
        const s = new Scheduler<SchedulableCheck>({
          concurrency: 1000,
          now: clock.now,
          setTimer: clock.setTimer,
          clearTimer: clock.clearTimer,
          run: async () => {},
        });
        s.onStart = (due, started) => {
          expect(started).toBeGreaterThanOrEqual(due);
          dues.push(due);
        };
        const ids: string[] = [];
        s.start();
        for (const [sec, remove] of ops) {
          if (remove && ids.length) s.remove(ids.shift()!);
          else {
            const id = newId();
            ids.push(id);
            s.upsert({ id, intervalMs: sec * 1000 });
          }
          await clock.advance(700);
        }
        await clock.advance(60_000);
        s.stop();
        for (let i = 1; i < dues.length; i++) expect(dues[i]!).toBeGreaterThanOrEqual(dues[i - 1]! - 0);
      }),
      { numRuns: 25 },
    );
    // Thousands of fake timer firings per run: generous on a machine busy with other suites.
  }, 120_000);
});
