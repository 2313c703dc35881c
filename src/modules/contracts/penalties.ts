/**
 * What a month of the contract costs the provider: penalties for late interventions and
 * restorations, and service credits for availability below target. Pure: the monthly report feeds
 * it the month's breached clocks and the availability it measured.
 *
 * - Penalty: per started hour late (open time past the target, the way the clock counts) × the
 *   contract's rate, summed over the month's breaches, capped at `cap_pct` % of the monthly fee.
 *   Nothing is due for a month that ends on or before `transition_until` (penalties suspended during
 *   the transition phase); a month that straddles it counts only breaches after that day.
 * - Service credit: the tier with the lowest `below_pct` that the availability is under gives its
 *   `credit_pct` % of the monthly fee (tiers do not add up).
 */
import type { Credits, Penalties } from './schema.ts';

const HOUR = 3_600_000;

export interface Breach {
  ticket_id: string;
  clock: 'gti' | 'gtr';
  /** when the clock was breached (its due instant) */
  at: number;
  /** open time past the target, at the stop (or now while still running) */
  late_ms: number;
}

export interface PenaltyLine extends Breach {
  hours: number;
  amount_cents: number;
}

export interface MonthPenalty {
  lines: PenaltyLine[];
  /** before the cap */
  gross_cents: number;
  cap_cents: number;
  amount_cents: number;
  capped: boolean;
  /** breaches left out because penalties were suspended (transition) */
  suspended: number;
}

/** The month's penalties. `transitionEnd`: the instant penalties resume (the end of the `transition_until` day, Paris time), or null. */
export function monthPenalty(
  contract: { penalties: Penalties; monthly_fee_cents: number; transition_until: string | null },
  breaches: readonly Breach[],
  transitionEnd: number | null,
): MonthPenalty {
  const lines: PenaltyLine[] = [];
  let suspended = 0;
  for (const b of breaches) {
    if (transitionEnd !== null && b.at < transitionEnd) {
      suspended++;
      continue;
    }
    const hours = Math.max(1, Math.ceil(b.late_ms / HOUR));
    lines.push({ ...b, hours, amount_cents: hours * contract.penalties.rate_per_hour_cents });
  }
  const gross = lines.reduce((s, l) => s + l.amount_cents, 0);
  const cap = Math.floor((contract.monthly_fee_cents * contract.penalties.cap_pct) / 100);
  return { lines, gross_cents: gross, cap_cents: cap, amount_cents: Math.min(gross, cap), capped: gross > cap, suspended };
}

/** The service credit for a month's availability (in %), or 0 when on target. */
export function serviceCredit(contract: { credits: Credits; monthly_fee_cents: number }, availabilityPct: number): { tier: { below_pct: number; credit_pct: number } | null; amount_cents: number } {
  const tiers = [...contract.credits.tiers].sort((a, b) => a.below_pct - b.below_pct);
  const tier = tiers.find((t) => availabilityPct < t.below_pct) ?? null;
  return { tier, amount_cents: tier ? Math.floor((contract.monthly_fee_cents * tier.credit_pct) / 100) : 0 };
}
