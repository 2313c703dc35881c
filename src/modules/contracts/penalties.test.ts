import { describe, expect, it } from 'vitest';
import { monthPenalty, serviceCredit, type Breach } from './penalties.ts';

const HOUR = 3_600_000;
const contract = { penalties: { rate_per_hour_cents: 5_000, cap_pct: 10 }, monthly_fee_cents: 245_000, transition_until: null, credits: { availability_target_pct: 99.5, tiers: [{ below_pct: 99, credit_pct: 10 }, { below_pct: 99.5, credit_pct: 5 }] } };
const b = (late_ms: number, at = 1_000): Breach => ({ ticket_id: 't', clock: 'gtr', at, late_ms });

describe('contract penalties and service credits', () => {
  it('charges per started hour late, sums the month, caps at the share of the fee', () => {
    const one = monthPenalty(contract, [b(10 * 60_000), b(HOUR + 1)], null);
    expect(one.lines.map((l) => l.hours)).toEqual([1, 2]);
    expect(one).toMatchObject({ gross_cents: 15_000, amount_cents: 15_000, capped: false, cap_cents: 24_500 });
    const many = monthPenalty(contract, [b(3 * HOUR), b(3 * HOUR)], null);
    expect(many).toMatchObject({ gross_cents: 30_000, amount_cents: 24_500, capped: true });
  });

  it('suspends penalties for breaches during the transition phase', () => {
    const end = 10_000;
    const r = monthPenalty(contract, [b(HOUR, 5_000), b(HOUR, 20_000)], end);
    expect(r).toMatchObject({ suspended: 1, amount_cents: 5_000 });
  });

  it('gives the credit of the lowest tier the availability is under', () => {
    expect(serviceCredit(contract, 99.7)).toEqual({ tier: null, amount_cents: 0 });
    expect(serviceCredit(contract, 99.2).amount_cents).toBe(12_250);
    expect(serviceCredit(contract, 98).amount_cents).toBe(24_500);
  });
});
