/** Round tick instants for time axes, in the browser's time zone. */
const DAY = 86_400_000;

/** Tick instants on round local times (hours, days, weeks, months), at most about 8 over the span. */
export function niceTicks(from: number, to: number, max = 8): number[] {
  const span = to - from;
  const out: number[] = [];
  if (span <= 3 * DAY) {
    const step = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].find((m) => span / (m * 60_000) <= max) ?? 1440;
    const d = new Date(from);
    d.setSeconds(0, 0);
    while (d.getTime() < from || (d.getHours() * 60 + d.getMinutes()) % step !== 0) d.setMinutes(d.getMinutes() + 1);
    for (; d.getTime() <= to; d.setMinutes(d.getMinutes() + step)) out.push(d.getTime());
    return out;
  }
  if (span <= 100 * DAY) {
    const step = [1, 2, 7, 14].find((n) => span / (n * DAY) <= max) ?? 14;
    const d = new Date(from);
    d.setHours(0, 0, 0, 0);
    if (d.getTime() < from) d.setDate(d.getDate() + 1);
    if (step === 7 || step === 14) while (d.getDay() !== 1) d.setDate(d.getDate() + 1); // Mondays
    for (; d.getTime() <= to; d.setDate(d.getDate() + step)) out.push(d.getTime());
    return out;
  }
  const step = [1, 2, 3, 6, 12].find((n) => span / (n * 30 * DAY) <= max) ?? 12;
  const d = new Date(from);
  d.setHours(0, 0, 0, 0);
  d.setDate(1);
  if (d.getTime() < from) d.setMonth(d.getMonth() + 1);
  while (d.getMonth() % step !== 0) d.setMonth(d.getMonth() + 1);
  for (; d.getTime() <= to; d.setMonth(d.getMonth() + step)) out.push(d.getTime());
  return out;
}
