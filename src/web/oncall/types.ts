/** Shapes of the on-call API (src/modules/oncall) as the web app reads them. */
import { rolesOn, type Session } from '../session.tsx';

export interface Shift {
  id: string;
  client_id: string;
  contract_id: string;
  user_id: string;
  user_name: string;
  rank: number;
  starts_at: number;
  ends_at: number;
  created_at: number;
}

export interface OnDuty {
  at: number;
  next_handover: number | null;
  contracts: {
    contract_id: string;
    contract_name: string;
    next_handover: number | null;
    on_duty: { shift_id: string; user_id: string; name: string; rank: number; starts_at: number; ends_at: number }[];
  }[];
}

export interface RosterPerson {
  id: string;
  name: string;
  email: string;
  roles: string[];
}

export interface Figures {
  pages: number;
  acked: number;
  median_ack_ms: number | null;
  p90_ack_ms: number | null;
  within_target: number;
  share_within_target: number | null;
}

export interface Stats extends Figures {
  from: number;
  to: number;
  by_person: (Figures & { user_id: string; name: string })[];
}

export interface PageView {
  id: string;
  level: number;
  paged_at: number;
  acked_at: number | null;
  escalated_at: number | null;
  person: { id: string; name: string };
  client: { id: string; name: string };
  ticket: { id: string; ref: string; number: number; title: string; priority: number; state: string };
  already_acknowledged?: boolean;
}

export const HANDOVER_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Mirrors of the server's policy (src/modules/oncall/policy.ts), only to hide what would be refused. */
const READ = ['admin', 'engineer', 'technician', 'account_manager', 'technical_referent'];
const WRITE = ['admin', 'account_manager', 'engineer'];
export const canReadOncall = (s: Session, clientId: string) => rolesOn(s, clientId).some((r) => READ.includes(r));
export const canWriteOncall = (s: Session, clientId: string) => rolesOn(s, clientId).some((r) => WRITE.includes(r));

/** A duration in ms as "4 min 30 s", "1 h 05 min" (null: "—"). */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `datetime-local` input value (browser time) ↔ epoch ms. */
export function toLocalInput(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function fromLocalInput(v: string): number | null {
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : null;
}
