import { describe, expect, it } from 'vitest';
import { rotationShifts } from './service.ts';
import { computeOncallStats, median, percentile, type PageForStats } from './stats.ts';

const MIN = 60_000;
const page = (user_id: string, name: string, ackMin: number | null, targetMin = 15): PageForStats => ({
  user_id, name, paged_at: 1_000_000, acked_at: ackMin === null ? null : 1_000_000 + ackMin * MIN, target_ms: targetMin * MIN,
});

describe('on-call efficiency figures', () => {
  it('computes counts, median, p90 and the share within target, overall and per person', () => {
    const pages = [
      page('a', 'Alice', 2), page('a', 'Alice', 4), page('a', 'Alice', 15), page('a', 'Alice', 30), page('a', 'Alice', null),
      page('b', 'Bruno', 1), page('b', 'Bruno', 20, 30), page('c', 'Chloé', null),
    ];
    const s = computeOncallStats(pages);
    expect(s).toMatchObject({ pages: 8, acked: 6, within_target: 5, share_within_target: 5 / 8 });
    // ack times (min): 1, 2, 4, 15, 20, 30 → median (4 + 15) / 2, p90 = 6th of 6 (⌈5.4⌉)
    expect(s.median_ack_ms).toBe(9.5 * MIN);
    expect(s.p90_ack_ms).toBe(30 * MIN);
    expect(s.by_person).toEqual([
      { user_id: 'a', name: 'Alice', pages: 5, acked: 4, median_ack_ms: 9.5 * MIN, p90_ack_ms: 30 * MIN, within_target: 3, share_within_target: 3 / 5 },
      { user_id: 'b', name: 'Bruno', pages: 2, acked: 2, median_ack_ms: 10.5 * MIN, p90_ack_ms: 20 * MIN, within_target: 2, share_within_target: 1 },
      { user_id: 'c', name: 'Chloé', pages: 1, acked: 0, median_ack_ms: null, p90_ack_ms: null, within_target: 0, share_within_target: 0 },
    ]);
  });

  it('answers nulls, not zeros, without data, and never a negative time', () => {
    expect(computeOncallStats([])).toEqual({ pages: 0, acked: 0, median_ack_ms: null, p90_ack_ms: null, within_target: 0, share_within_target: null, by_person: [] });
    const early = { ...page('a', 'A', 0), acked_at: 999_000 };
    expect(computeOncallStats([early])).toMatchObject({ acked: 1, median_ack_ms: 0, within_target: 1 });
    expect(median([1, 2, 3])).toBe(2);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile(Array.from({ length: 10 }, (_, i) => i + 1), 90)).toBe(9);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 90)).toBe(18);
  });
});

describe('weekly rotation', () => {
  const paris = (s: string) => new Date(s).getTime();
  it('hands over at the same local time on both sides of a DST change', () => {
    const shifts = rotationShifts({ user_ids: ['a', 'b'], from: '2026-03-20', weeks: 3, handover_day: 'mon', handover_time: '09:00', time_zone: 'Europe/Paris' });
    expect(shifts).toEqual([
      { user_id: 'a', starts_at: paris('2026-03-23T09:00:00+01:00'), ends_at: paris('2026-03-30T09:00:00+02:00') },
      { user_id: 'b', starts_at: paris('2026-03-30T09:00:00+02:00'), ends_at: paris('2026-04-06T09:00:00+02:00') },
      { user_id: 'a', starts_at: paris('2026-04-06T09:00:00+02:00'), ends_at: paris('2026-04-13T09:00:00+02:00') },
    ]);
    // The week of the change is an hour shorter; autumn's an hour longer.
    expect(shifts[0]!.ends_at - shifts[0]!.starts_at).toBe(7 * 86_400_000 - 3_600_000);
    const autumn = rotationShifts({ user_ids: ['a'], from: '2026-10-21', weeks: 1, handover_day: 'wed', handover_time: '18:30', time_zone: 'Europe/Paris' });
    expect(autumn).toEqual([{ user_id: 'a', starts_at: paris('2026-10-21T18:30:00+02:00'), ends_at: paris('2026-10-28T18:30:00+01:00') }]);
  });

  it('starts on the handover day itself when `from` is one, and refuses unknown zones and dates', () => {
    const [s] = rotationShifts({ user_ids: ['a'], from: '2026-03-23', weeks: 1, handover_day: 'mon', handover_time: '00:00', time_zone: 'UTC' });
    expect(s!.starts_at).toBe(Date.UTC(2026, 2, 23));
    expect(() => rotationShifts({ user_ids: ['a'], from: '2026-03-23', weeks: 1, handover_day: 'mon', handover_time: '09:00', time_zone: 'Mars/Olympus' })).toThrow(
      expect.objectContaining({ id: 'invalid_time_zone', status: 400 }),
    );
    expect(() => rotationShifts({ user_ids: ['a'], from: '2026-02-30', weeks: 1, handover_day: 'mon', handover_time: '09:00', time_zone: 'UTC' })).toThrow(expect.objectContaining({ id: 'bad_date' }));
  });
});
