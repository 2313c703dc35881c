/**
 * Demo service desk: per demo client, an active contract (business hours Mon–Fri 08:00–18:00 in
 * Paris with French holidays, and 24/7 for P1) and three weeks of tickets imported with their history
 * through the real import (their SLA results computed as if live), a few still open. Loaded once:
 * a client that already has a contract is left alone.
 */
import type { Db } from '../db/database.ts';
import { ContractBody } from '../modules/contracts/schema.ts';
import { createContract } from '../modules/contracts/service.ts';
import type { AuditContext } from '../modules/journal/service.ts';
import { importTickets } from '../modules/servicedesk/import.ts';
import { loadPrincipal } from '../modules/tenancy/service.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function contractFor(name: string) {
  return ContractBody.parse({
    name: `Infogérance ${new Date().getUTCFullYear()} — ${name}`,
    reference: `CT-${name.slice(0, 3).toUpperCase()}-01`,
    status: 'active',
    starts_on: `${new Date().getUTCFullYear() - 1}-01-01`,
    service_level: 'Standard',
    monthly_fee_cents: 245_000,
    windows: [
      { id: 'business', name: 'Heures ouvrées', hours: { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '18:00']] } },
      { id: 'always', name: '24/7', always: true, public_holidays: 'none' },
    ],
    targets: [
      { priority: 1, gti: { value: 30, unit: 'minutes', window: 'always' }, gtr: { value: 4, unit: 'hours', window: 'always' } },
      { priority: 2, gti: { value: 1, unit: 'hours', window: 'business' }, gtr: { value: 8, unit: 'hours', window: 'business' } },
      { priority: 3, gti: { value: 4, unit: 'hours', window: 'business' }, gtr: { value: 2, unit: 'business_days', window: 'business' } },
      { priority: 4, gti: { value: 1, unit: 'business_days', window: 'business' }, gtr: { value: 5, unit: 'business_days', window: 'business' } },
    ],
    penalties: { rate_per_hour_cents: 5_000, cap_pct: 10 },
    credits: { availability_target_pct: 99.5, tiers: [{ below_pct: 99.5, credit_pct: 5 }, { below_pct: 99, credit_pct: 10 }] },
    settings: { oncall: { priorities: [1, 2], business_window: 'business', ack_minutes: 15, webhook_url: null } },
  });
}

const SUBJECTS: [string, string, number][] = [
  ['Imprimante du rez-de-chaussée bloquée', 'incident', 3],
  ['Messagerie très lente depuis ce matin', 'incident', 2],
  ['Création du compte d’une nouvelle arrivée', 'request', 4],
  ['VPN impossible depuis le domicile', 'incident', 3],
  ['Serveur de fichiers injoignable', 'incident', 1],
  ['Installation du logiciel de paie', 'request', 3],
  ['Wi-Fi instable en salle de réunion', 'incident', 3],
  ['Sauvegarde de la nuit en échec', 'incident', 2],
  ['Demande d’un écran supplémentaire', 'request', 4],
  ['Mot de passe expiré, compte bloqué', 'incident', 3],
];

/** Paris wall-clock instant of day `d` (days ago) at hh:mm, as ISO with the zone's usual offset. */
const at = (now: number, daysAgo: number, hh: number, mm = 0) => {
  const d = new Date(now - daysAgo * DAY);
  const day = d.toISOString().slice(0, 10);
  return `${day} ${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
};

/** Loads a contract and a history of tickets for the client when it has no contract yet; returns what it created. */
export async function loadDemoDesk(db: Db, ctx: AuditContext, clientId: string, clientName: string, people: { requester: string; technicianId: string; technicianEmail: string }) {
  const has = await db.kysely.selectFrom('contracts').select('id').where('client_id', '=', clientId).executeTakeFirst();
  if (has) return { contracts: 0, tickets: 0 };
  await createContract(db, ctx, clientId, contractFor(clientName));
  const now = Date.now();
  const rows: string[] = ['reference;titre;type;priorité;demandeur;technicien;date d’ouverture;historique'];
  SUBJECTS.forEach(([title, type, prio], i) => {
    const daysAgo = 20 - i * 2;
    // Skip weekends for the declaration: an office opens tickets on working days.
    const open = new Date(now - daysAgo * DAY).getUTCDay();
    const shift = open === 0 ? 1 : open === 6 ? 2 : 0;
    const d = daysAgo - shift;
    const created = at(now, d, 9, 10 + i);
    const late = i % 4 === 3;
    const steps =
      i >= 8
        ? [`${at(now, d, 9, 40 + i)} pris en charge`] // still open
        : [
            `${at(now, d, late ? 15 : 9, 30 + i)} pris en charge`,
            ...(i % 3 === 0 ? [`${at(now, d, 16, 0)} en attente`, `${at(now, d - 1 >= 0 ? d - 1 : 0, 9, 0)} en cours`] : []),
            `${at(now, Math.max(0, d - 1), 11, 0)} rétabli`,
            `${at(now, Math.max(0, d - 1), 17, 0)} clos`,
          ];
    rows.push([`DEMO-${i + 1}`, title, type, `P${prio}`, people.requester, people.technicianEmail, created, steps.join(' | ')].join(';'));
  });
  const principal = (await loadPrincipal(db, people.technicianId, { kind: 'user', sessionId: 'demo', ip: '' }))!;
  const r = await importTickets(db, principal, clientId, { csv: rows.join('\n'), dry_run: false });
  return { contracts: 1, tickets: r.created.length };
}
