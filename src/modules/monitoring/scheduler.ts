/**
 * The check scheduler: one per process, one timer for all checks.
 *
 * Checks sit in a binary min-heap ordered by their next due time; a single timer is armed for the
 * earliest. Each check has a stable phase within its interval (from its id), so 20,000 checks at
 * 60 s spread evenly instead of firing together, and the next slot is computed from the slot, not
 * from when the run ended, so there is no drift. Concurrency is bounded: a due check waits for a
 * free slot (its lateness is measured), and a check still running when its next slot comes skips
 * that slot (counted as missed) rather than piling up.
 */

export interface SchedulableCheck {
  readonly id: string;
  readonly intervalMs: number;
}

export interface RunOutcome {
  /** When the slot was due, when the run actually started. */
  dueAt: number;
  startedAt: number;
}

export interface SchedulerOptions<C extends SchedulableCheck> {
  /** How many checks may run at once. */
  concurrency: number;
  /** Runs one check; resolves when it is done (a rejection is counted, never fatal). */
  run: (check: C, slot: RunOutcome) => Promise<void>;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export interface SchedulerStats {
  /** Slots that came due. */
  due: number;
  /** Slots whose run started. */
  run: number;
  /** Slots skipped because the previous run of the same check was still going. */
  missed: number;
  /** Runs that rejected. */
  failed: number;
  running: number;
  queued: number;
}

interface Entry<C> {
  check: C;
  dueAt: number;
  running: boolean;
  removed: boolean;
  heapIndex: number;
}

/** A stable offset in [0, interval) from the check id (FNV-1a), so restarts keep the same spread. */
export function phaseOf(id: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % intervalMs;
}

/** The first slot at or after `now` on the check's grid (phase + k × interval). */
export function nextSlot(id: string, intervalMs: number, now: number): number {
  const phase = phaseOf(id, intervalMs);
  const k = Math.ceil((now - phase) / intervalMs);
  return phase + k * intervalMs;
}

export class Scheduler<C extends SchedulableCheck> {
  private readonly heap: Entry<C>[] = [];
  private readonly byId = new Map<string, Entry<C>>();
  private readonly waiting: { entry: Entry<C>; dueAt: number }[] = [];
  private waitingHead = 0;
  private timer: unknown = null;
  private timerAt = Infinity;
  private started = false;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  readonly stats: SchedulerStats = { due: 0, run: 0, missed: 0, failed: 0, running: 0, queued: 0 };
  /** Called with (dueAt, startedAt) of each run: benchmarks read lateness from it. */
  onStart: ((dueAt: number, startedAt: number) => void) | null = null;

  constructor(private readonly opts: SchedulerOptions<C>) {
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  }

  get size(): number {
    return this.byId.size;
  }

  /** Adds a check or replaces its definition; its next slot is recomputed on its grid. */
  upsert(check: C): void {
    const existing = this.byId.get(check.id);
    if (existing) {
      existing.check = check;
      this.heapRemove(existing);
      existing.dueAt = nextSlot(check.id, check.intervalMs, this.now());
      this.heapPush(existing);
    } else {
      const e: Entry<C> = { check, dueAt: nextSlot(check.id, check.intervalMs, this.now()), running: false, removed: false, heapIndex: -1 };
      this.byId.set(check.id, e);
      this.heapPush(e);
    }
    this.arm();
  }

  /** Stops scheduling a check (a run in progress finishes). */
  remove(id: string): void {
    const e = this.byId.get(id);
    if (!e) return;
    e.removed = true;
    this.byId.delete(id);
    this.heapRemove(e);
    this.arm();
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  start(): void {
    this.started = true;
    this.arm();
  }

  stop(): void {
    this.started = false;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private arm(): void {
    if (!this.started) return;
    const top = this.heap[0];
    const at = top ? top.dueAt : Infinity;
    if (at === this.timerAt) return;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = this.setTimer(() => this.tick(), Math.max(0, at - this.now()));
  }

  private tick(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.now();
    for (;;) {
      const top = this.heap[0];
      if (!top || top.dueAt > now) break;
      this.heapPop();
      this.stats.due++;
      const dueAt = top.dueAt;
      // Next slot on the grid, skipping any wholly in the past (a long pause of the process).
      const iv = top.check.intervalMs;
      top.dueAt = dueAt + iv * Math.max(1, Math.ceil((now - dueAt + 1) / iv));
      this.heapPush(top);
      if (top.running) {
        this.stats.missed++;
        continue;
      }
      top.running = true;
      this.waiting.push({ entry: top, dueAt });
    }
    this.drain();
    this.arm();
  }

  private drain(): void {
    while (this.stats.running < this.opts.concurrency && this.waitingHead < this.waiting.length) {
      const { entry, dueAt } = this.waiting[this.waitingHead++]!;
      if (entry.removed) {
        entry.running = false;
        continue;
      }
      const startedAt = this.now();
      this.stats.run++;
      this.stats.running++;
      this.onStart?.(dueAt, startedAt);
      this.opts
        .run(entry.check, { dueAt, startedAt })
        .catch(() => {
          this.stats.failed++;
        })
        .finally(() => {
          entry.running = false;
          this.stats.running--;
          this.drain();
        });
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    this.stats.queued = this.waiting.length - this.waitingHead;
  }

  // ---------------------------------------------------------------- binary heap on dueAt

  private heapPush(e: Entry<C>): void {
    e.heapIndex = this.heap.length;
    this.heap.push(e);
    this.siftUp(e.heapIndex);
  }

  private heapPop(): Entry<C> | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (last !== top) {
      h[0] = last;
      last.heapIndex = 0;
      this.siftDown(0);
    }
    top.heapIndex = -1;
    return top;
  }

  private heapRemove(e: Entry<C>): void {
    const i = e.heapIndex;
    if (i < 0) return;
    const h = this.heap;
    const last = h.pop()!;
    e.heapIndex = -1;
    if (last === e) return;
    h[i] = last;
    last.heapIndex = i;
    this.siftDown(i);
    this.siftUp(last.heapIndex);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.dueAt <= e.dueAt) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = e;
    e.heapIndex = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.dueAt < h[l]!.dueAt ? r : l;
      if (h[c]!.dueAt >= e.dueAt) break;
      h[i] = h[c]!;
      h[i]!.heapIndex = i;
      i = c;
    }
    h[i] = e;
    e.heapIndex = i;
  }
}
