/** What leaves the server about a contract and its due-time preview: whitelisted fields only. */
import type { Contract } from './repository.ts';
import type { ContractPreview } from './service.ts';

/** A contract as the API shows it (the client sees its whole contract: run in the open). */
export function presentContract(c: Contract) {
  return {
    id: c.id,
    client_id: c.client_id,
    name: c.name,
    reference: c.reference,
    status: c.status,
    starts_on: c.starts_on,
    ends_on: c.ends_on,
    service_level: c.service_level,
    monthly_fee_cents: c.monthly_fee_cents,
    currency: c.currency,
    transition_until: c.transition_until,
    scope: { all_assets: c.scope.all_assets, site_ids: [...c.scope.site_ids], asset_ids: [...c.scope.asset_ids], services: [...c.scope.services] },
    windows: c.windows.map((w) => ({
      id: w.id,
      name: w.name,
      time_zone: w.time_zone,
      always: w.always,
      hours: w.hours,
      public_holidays: w.public_holidays,
      closed_days: [...w.closed_days],
    })),
    targets: c.targets.map((t) => ({
      priority: t.priority,
      gti: t.gti && { value: t.gti.value, unit: t.gti.unit, window: t.gti.window },
      gtr: t.gtr && { value: t.gtr.value, unit: t.gtr.unit, window: t.gtr.window },
      clock_start: t.clock_start,
    })),
    penalties: { rate_per_hour_cents: c.penalties.rate_per_hour_cents, cap_pct: c.penalties.cap_pct },
    credits: { availability_target_pct: c.credits.availability_target_pct, tiers: c.credits.tiers.map((t) => ({ below_pct: t.below_pct, credit_pct: t.credit_pct })) },
    priority_matrix: c.priority_matrix.map((row) => [...row]),
    settings: {
      satisfaction: { sample_pct: c.settings.satisfaction.sample_pct, delay_minutes: c.settings.satisfaction.delay_minutes },
      monitoring: { open_tickets: c.settings.monitoring.open_tickets, quiet_minutes: c.settings.monitoring.quiet_minutes },
      oncall: {
        priorities: [...c.settings.oncall.priorities],
        business_window: c.settings.oncall.business_window,
        ack_minutes: c.settings.oncall.ack_minutes,
        webhook_url: c.settings.oncall.webhook_url,
      },
      recurring_threshold: c.settings.recurring_threshold,
    },
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}
export type ContractJson = ReturnType<typeof presentContract>;

/** The preview as computed (already only numbers, names and ids). */
export function presentPreview(p: ContractPreview): ContractPreview {
  return {
    at: p.at,
    items: p.items.map((i) => ({ priority: i.priority, gti: i.gti && { ...i.gti }, gtr: i.gtr && { ...i.gtr } })),
    windows: p.windows.map((w) => ({ id: w.id, name: w.name, open_now: w.open_now, next_open_at: w.next_open_at, next_week: w.next_week.map(([a, b]) => [a, b] as [number, number]) })),
  };
}
