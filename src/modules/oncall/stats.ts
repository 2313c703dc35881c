/**
 * On-call efficiency (pure, no I/O): from page to acknowledgement, and the share acknowledged within
 * the contract's target (`oncall.ack_minutes`).
 *
 * Rules:
 * - every page counts (escalated ones included: a page nobody answered is what the figure is about),
 *   except pages stood down (`superseded`: another page of the ticket was acknowledged first, or the
 *   ticket was closed), which the caller leaves out;
 * - ack time = acked_at − paged_at (never negative); median: the middle value, the mean of the two
 *   middle ones for an even count; p90: nearest rank (the ⌈0.9 n⌉-th smallest); null without acks;
 * - within target: acknowledged and ack time ≤ the page's target; the share is over all pages (an
 *   unanswered page is not within target), null without pages.
 */

export interface PageForStats {
  user_id: string;
  /** the person's name, for `by_person` */
  name: string;
  paged_at: number;
  acked_at: number | null;
  /** the contract's ack_minutes in ms, when the page was sent */
  target_ms: number;
}

export interface PersonStats {
  user_id: string;
  name: string;
  pages: number;
  acked: number;
  median_ack_ms: number | null;
  p90_ack_ms: number | null;
  within_target: number;
  share_within_target: number | null;
}

export interface OncallStats {
  pages: number;
  acked: number;
  median_ack_ms: number | null;
  p90_ack_ms: number | null;
  within_target: number;
  share_within_target: number | null;
  by_person: PersonStats[];
}

/** Median of sorted numbers (mean of the two middle ones for an even count), null when empty. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** Nearest-rank percentile of sorted numbers (p in (0, 100]), null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
}

function summarise(pages: readonly PageForStats[]) {
  const times: number[] = [];
  let within = 0;
  for (const p of pages) {
    if (p.acked_at === null) continue;
    const t = Math.max(0, p.acked_at - p.paged_at);
    times.push(t);
    if (t <= p.target_ms) within++;
  }
  times.sort((a, b) => a - b);
  return {
    pages: pages.length,
    acked: times.length,
    median_ack_ms: median(times),
    p90_ack_ms: percentile(times, 90),
    within_target: within,
    share_within_target: pages.length ? within / pages.length : null,
  };
}

/** The figures of a set of pages, overall and per person (most pages first, then by name). */
export function computeOncallStats(pages: readonly PageForStats[]): OncallStats {
  const groups = new Map<string, PageForStats[]>();
  for (const p of pages) {
    const g = groups.get(p.user_id);
    if (g) g.push(p);
    else groups.set(p.user_id, [p]);
  }
  const by_person: PersonStats[] = [...groups.entries()].map(([user_id, list]) => ({ user_id, name: list[0]!.name, ...summarise(list) }));
  by_person.sort((a, b) => b.pages - a.pages || a.name.localeCompare(b.name) || a.user_id.localeCompare(b.user_id));
  return { ...summarise(pages), by_person };
}
