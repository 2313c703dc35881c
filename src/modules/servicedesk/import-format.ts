/**
 * Historical tickets from the previous provider: the CSV and JSON forms, read and checked without
 * I/O. The service (import.ts) resolves people and assets and replays each ticket's history through
 * the same state machine and SLA clocks as live tickets, at the original instants.
 *
 * CSV: `;` or `,`, French or English headers (a GLPI export's "Date d'ouverture", "Date de
 * résolution", "Date de clôture" are understood). Instants are ISO 8601 with an offset, or local
 * wall-clock time in Europe/Paris as `YYYY-MM-DD HH:MM[:SS]` or `DD/MM/YYYY HH:MM[:SS]`.
 * The state history is either one `history` cell — entries `<instant> <state>` separated by `|` or
 * new lines (states in French or English: pris en charge/taken, en cours/in_progress, en
 * attente/waiting, rétabli/restored, résolu/resolved, clos/closed) — or the milestone columns
 * taken_at, restored_at, resolved_at, closed_at.
 */
import { z } from 'zod';
import { wallToInstant } from '../../core/zones.ts';
import { normaliseHeader, parseCsv, type ImportError } from '../inventory/csv.ts';
import { TICKET_STATES, TICKET_TYPES, type TicketAction, type TicketState, type TicketType } from './schema.ts';

export const MAX_IMPORT_TICKETS = 20_000;

/** One ticket of the previous provider, checked. */
export interface ImportedTicket {
  line: number;
  external_ref: string;
  type: TicketType;
  title: string;
  description: string;
  category: string;
  priority: number;
  impact: number;
  urgency: number;
  requester_email: string;
  requester_name: string;
  assignee_email: string | null;
  asset_names: string[];
  created_at: number;
  /** the states it went through after `new`, in order */
  history: { at: number; state: TicketState }[];
}

// ---------------------------------------------------------------- values

const STATE_WORDS = new Map<string, TicketState>([
  ['new', 'new'], ['nouveau', 'new'], ['ouvert', 'new'],
  ['taken', 'taken'], ['pris en charge', 'taken'], ['prise en charge', 'taken'], ['pris en compte', 'taken'], ['assigne', 'taken'], ['attribue', 'taken'],
  ['in progress', 'in_progress'], ['in_progress', 'in_progress'], ['en cours', 'in_progress'], ['en cours de traitement', 'in_progress'], ['planifie', 'in_progress'],
  ['waiting', 'waiting'], ['en attente', 'waiting'], ['attente client', 'waiting'],
  ['restored', 'restored'], ['retabli', 'restored'],
  ['resolved', 'resolved'], ['resolu', 'resolved'],
  ['closed', 'closed'], ['clos', 'closed'], ['ferme', 'closed'], ['cloture', 'closed'],
]);

export function parseState(v: string): TicketState | null {
  const t = v.trim();
  if ((TICKET_STATES as readonly string[]).includes(t)) return t as TicketState;
  return STATE_WORDS.get(normaliseHeader(t)) ?? null;
}

const TYPE_WORDS = new Map<string, TicketType>([
  ['incident', 'incident'], ['request', 'request'], ['demande', 'request'], ['service request', 'request'], ['demande de service', 'request'],
  ['problem', 'problem'], ['probleme', 'problem'], ['change', 'change'], ['changement', 'change'],
]);
export function parseType(v: string): TicketType | null {
  const t = v.trim();
  if (t === '') return 'incident';
  if ((TICKET_TYPES as readonly string[]).includes(t)) return t as TicketType;
  return TYPE_WORDS.get(normaliseHeader(t)) ?? null;
}

/** 1–4, P1–P4, or words (très haute/critique → 1 … basse/très basse → 4; GLPI's 5–6 scale folds into 1). */
export function parseLevel(v: string): number | null {
  const t = normaliseHeader(v);
  const m = /^p?([1-6])$/.exec(t);
  if (m) return Math.max(1, Math.min(4, Number(m[1]) >= 5 ? 1 : Number(m[1])));
  const words: Record<string, number> = {
    critique: 1, critical: 1, majeure: 1, 'tres haute': 1, 'very high': 1, urgente: 1, urgent: 1,
    haute: 2, high: 2, elevee: 2, moyenne: 3, medium: 3, normale: 3, normal: 3, basse: 4, low: 4, 'tres basse': 4, 'very low': 4,
  };
  return words[t] ?? null;
}

/**
 * An instant: ISO 8601 with an offset or Z, or local wall-clock time in `zone` (YYYY-MM-DD HH:MM[:SS],
 * DD/MM/YYYY HH:MM[:SS], or a date alone at 00:00). Null when it is not a real instant.
 */
export function parseInstant(v: string, zone = 'Europe/Paris'): number | null {
  const t = v.trim();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : null;
  }
  let y: number, mo: number, d: number, h = 0, mi = 0, s = 0;
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (m) [y, mo, d, h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t))) [d, mo, y, h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  else return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return wallToInstant(wall, zone);
}

/** The action of the live state machine that moves `from` to `to`, or null when none does. */
export function actionBetween(from: TicketState, to: TicketState): TicketAction | null {
  switch (to) {
    case 'taken':
      return from === 'new' ? 'take' : null;
    case 'in_progress':
      if (from === 'new' || from === 'taken') return 'start';
      if (from === 'waiting') return 'resume';
      if (from === 'restored' || from === 'resolved' || from === 'closed') return 'reopen';
      return null;
    case 'waiting':
      return from === 'taken' || from === 'in_progress' ? 'wait' : null;
    case 'restored':
      return from === 'taken' || from === 'in_progress' || from === 'waiting' ? 'restore' : null;
    case 'resolved':
      return from === 'restored' || from === 'in_progress' ? 'resolve' : null;
    case 'closed':
      return from === 'restored' || from === 'resolved' ? 'close' : null;
    default:
      return null;
  }
}

/** Problems of a history (ordered, each step a move the live desk allows), as messages. */
export function historyProblems(createdAt: number, history: readonly { at: number; state: TicketState }[]): string[] {
  const out: string[] = [];
  let state: TicketState = 'new';
  let at = createdAt;
  for (const h of history) {
    if (h.at < at) out.push(`${h.state} at ${new Date(h.at).toISOString()} comes before the previous step`);
    const action = actionBetween(state, h.state);
    if (!action) out.push(`a ticket cannot go from ${state} to ${h.state}`);
    state = h.state;
    at = h.at;
  }
  return out;
}

// ---------------------------------------------------------------- JSON form (API)

const Instant = z.union([z.number().int().min(0), z.string().min(4).max(40)]);
export const ImportTicketJson = z.object({
  external_ref: z.string().trim().min(1).max(100),
  type: z.string().max(40).default('incident'),
  title: z.string().trim().min(1).max(300),
  description: z.string().max(50_000).default(''),
  category: z.string().trim().max(100).default(''),
  priority: z.union([z.number().int(), z.string()]).optional(),
  impact: z.number().int().min(1).max(4).optional(),
  urgency: z.number().int().min(1).max(4).optional(),
  requester_email: z.string().trim().max(320).default(''),
  requester_name: z.string().trim().max(200).default(''),
  assignee_email: z.string().trim().max(320).nullable().default(null),
  asset_names: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
  created_at: Instant,
  history: z.array(z.object({ at: Instant, state: z.string().max(40) })).max(200).default([]),
});
export const ImportBody = z.object({
  /** check and report only: nothing is written */
  dry_run: z.boolean().default(false),
  csv: z.string().max(20_000_000).optional(),
  tickets: z.array(ImportTicketJson).max(MAX_IMPORT_TICKETS).optional(),
});

const instantOf = (v: number | string): number | null => (typeof v === 'number' ? v : parseInstant(v));

/** Checks the JSON form; same rules and messages as the CSV form (line = position from 1). */
export function checkJsonTickets(items: readonly z.infer<typeof ImportTicketJson>[]): { tickets: ImportedTicket[]; errors: ImportError[] } {
  const tickets: ImportedTicket[] = [];
  const errors: ImportError[] = [];
  items.forEach((it, i) => {
    const line = i + 1;
    const err = (field: string, value: string | null, message: string) => errors.push({ line, column: field, field, value, message });
    const type = parseType(it.type);
    if (!type) err('type', it.type, 'Unknown ticket type');
    const priority = it.priority === undefined ? null : parseLevel(String(it.priority));
    if (it.priority !== undefined && priority === null) err('priority', String(it.priority), 'Priority must be 1–4 or P1–P4');
    const created = instantOf(it.created_at);
    if (created === null) err('created_at', String(it.created_at), 'Not an instant');
    const history: { at: number; state: TicketState }[] = [];
    for (const h of it.history) {
      const at = instantOf(h.at);
      const state = parseState(h.state);
      if (at === null) err('history', String(h.at), 'Not an instant');
      if (!state) err('history', h.state, 'Unknown state');
      if (at !== null && state) history.push({ at, state });
    }
    if (created !== null) for (const p of historyProblems(created, history)) err('history', null, p);
    if (!type || created === null) return;
    tickets.push({
      line, external_ref: it.external_ref, type, title: it.title, description: it.description, category: it.category, priority: priority ?? 0,
      impact: it.impact ?? 3, urgency: it.urgency ?? 3, requester_email: it.requester_email.toLowerCase(), requester_name: it.requester_name,
      assignee_email: it.assignee_email ? it.assignee_email.toLowerCase() : null, asset_names: it.asset_names, created_at: created, history,
    });
  });
  dupRefs(tickets, errors);
  return { tickets, errors };
}

function dupRefs(tickets: readonly ImportedTicket[], errors: ImportError[]) {
  const seen = new Map<string, number>();
  for (const t of tickets) {
    const prev = seen.get(t.external_ref);
    if (prev !== undefined) errors.push({ line: t.line, column: 'reference', field: 'external_ref', value: t.external_ref, message: `Same reference as line ${prev}` });
    else seen.set(t.external_ref, t.line);
  }
}

// ---------------------------------------------------------------- CSV form

type Field = 'external_ref' | 'type' | 'title' | 'description' | 'category' | 'priority' | 'impact' | 'urgency' | 'requester_email' | 'requester_name' | 'assignee_email' | 'assets' | 'created_at' | 'history' | 'taken_at' | 'restored_at' | 'resolved_at' | 'closed_at' | 'status';
const ALIASES: Record<Field, string[]> = {
  external_ref: ['reference', 'ref', 'id', 'ticket', 'numero', 'n', 'ticket id', 'external ref', 'ancien numero'],
  type: ['type', 'ticket type', 'type de ticket'],
  title: ['title', 'titre', 'subject', 'sujet', 'objet', 'summary', 'resume'],
  description: ['description', 'details', 'detail', 'contenu'],
  category: ['category', 'categorie'],
  priority: ['priority', 'priorite'],
  impact: ['impact'],
  urgency: ['urgency', 'urgence'],
  requester_email: ['requester', 'requester email', 'demandeur', 'email demandeur', 'courriel demandeur', 'demandeur email', 'demandeur courriel'],
  requester_name: ['requester name', 'nom demandeur', 'nom du demandeur'],
  assignee_email: ['assignee', 'assignee email', 'technicien', 'technician', 'attribue a', 'assigned to', 'email technicien'],
  assets: ['assets', 'asset', 'equipements', 'equipement', 'elements', 'materiel'],
  created_at: ['created at', 'created', 'opened', 'opened at', 'opening date', 'date d ouverture', 'ouvert le', 'cree le', 'date de creation'],
  history: ['history', 'historique', 'state history', 'historique des statuts'],
  taken_at: ['taken at', 'taken', 'date de prise en compte', 'prise en compte', 'pris en charge le', 'date de prise en charge'],
  restored_at: ['restored at', 'restored', 'retabli le', 'date de retablissement'],
  resolved_at: ['resolved at', 'resolved', 'solved', 'date de resolution', 'resolu le', 'date de solution'],
  closed_at: ['closed at', 'closed', 'date de cloture', 'clos le', 'ferme le'],
  status: ['status', 'statut', 'state', 'etat'],
};
const FIELD_OF = new Map<string, Field>();
for (const [f, names] of Object.entries(ALIASES) as [Field, string[]][]) for (const n of names) FIELD_OF.set(n, f);

/** Reads a CSV of historical tickets; every problem is reported with its line and column. */
export function parseTicketCsv(text: string): { tickets: ImportedTicket[]; errors: ImportError[] } {
  const { parsed, errors } = parseCsv(text, undefined, { maxRecords: MAX_IMPORT_TICKETS + 1 });
  if (!parsed) return { tickets: [], errors };
  const col = new Map<Field, number>();
  parsed.headers.forEach((h, i) => {
    const f = FIELD_OF.get(normaliseHeader(h));
    if (f && !col.has(f)) col.set(f, i);
  });
  for (const need of ['external_ref', 'title', 'created_at'] as const) {
    if (!col.has(need)) errors.push({ line: 1, column: null, field: need, value: null, message: `A column for ${need} is required (e.g. "${ALIASES[need][0]}")` });
  }
  if (parsed.rows.length > MAX_IMPORT_TICKETS) errors.push({ line: 1, column: null, field: null, value: null, message: `At most ${MAX_IMPORT_TICKETS} tickets per import` });
  if (errors.length) return { tickets: [], errors };
  const tickets: ImportedTicket[] = [];
  for (const row of parsed.rows) {
    const cell = (f: Field) => (col.has(f) ? (row.cells[col.get(f)!] ?? '').trim() : '');
    const err = (f: Field, value: string | null, message: string) => errors.push({ line: row.line, column: col.has(f) ? parsed.headers[col.get(f)!]! : null, field: f, value, message });
    const before = errors.length;
    const ref = cell('external_ref');
    if (!ref) err('external_ref', null, 'The reference is required');
    const title = cell('title');
    if (!title) err('title', null, 'The title is required');
    const type = parseType(cell('type'));
    if (!type) err('type', cell('type'), 'Unknown ticket type (incident, demande, problème, changement)');
    const lvl = (f: 'priority' | 'impact' | 'urgency') => {
      const v = cell(f);
      if (!v) return null;
      const n = parseLevel(v);
      if (n === null) err(f, v, `${f} must be 1–4, P1–P4 or a word such as haute, moyenne, basse`);
      return n;
    };
    const priority = lvl('priority');
    const impact = lvl('impact');
    const urgency = lvl('urgency');
    const created = parseInstant(cell('created_at'));
    if (created === null) err('created_at', cell('created_at'), 'Not an instant (ISO 8601, or YYYY-MM-DD HH:MM / DD/MM/YYYY HH:MM in Paris time)');
    const requester = cell('requester_email').toLowerCase();
    if (requester && !z.string().email().safeParse(requester).success) err('requester_email', requester, 'Not an e-mail address');
    const assignee = cell('assignee_email').toLowerCase();
    if (assignee && !z.string().email().safeParse(assignee).success) err('assignee_email', assignee, 'Not an e-mail address');
    let history: { at: number; state: TicketState }[] = [];
    const histText = cell('history');
    if (histText) {
      for (const part of histText.split(/\s*[|\n]\s*/).filter(Boolean)) {
        const m = /^(.+?)\s+([A-Za-zÀ-ÿ_ ]+)$/.exec(part.trim());
        const at = m ? parseInstant(m[1]!) : null;
        const state = m ? parseState(m[2]!) : null;
        if (at === null || !state) err('history', part, 'Each step reads "<instant> <state>", e.g. "2026-03-02 10:15 pris en charge"');
        else history.push({ at, state });
      }
    } else {
      for (const [f, state] of [['taken_at', 'taken'], ['restored_at', 'restored'], ['resolved_at', 'resolved'], ['closed_at', 'closed']] as const) {
        const v = cell(f);
        if (!v) continue;
        const at = parseInstant(v);
        if (at === null) err(f, v, 'Not an instant');
        else history.push({ at, state });
      }
      history.sort((a, b) => a.at - b.at);
      // Milestones without taken (GLPI often lacks it): a resolved ticket was worked on, so it went through in_progress.
      if (history.length && history[0]!.state !== 'taken') history.unshift({ at: history[0]!.at, state: 'in_progress' });
    }
    if (created !== null) for (const p of historyProblems(created, history)) err('history', histText || null, p);
    const status = cell('status');
    if (status) {
      const s = parseState(status);
      const last = history.length ? history[history.length - 1]!.state : 'new';
      if (!s) err('status', status, 'Unknown state');
      else if (s !== last) err('status', status, `The status says ${s} but the history ends in ${last}`);
    }
    if (errors.length > before || !type || created === null) continue;
    tickets.push({
      line: row.line, external_ref: ref, type, title: title.slice(0, 300), description: cell('description'), category: cell('category').slice(0, 100), priority: priority ?? 0,
      impact: impact ?? 3, urgency: urgency ?? 3, requester_email: requester, requester_name: cell('requester_name'), assignee_email: assignee || null,
      asset_names: cell('assets').split(/\s*[|,]\s*/).filter(Boolean), created_at: created, history,
    });
  }
  dupRefs(tickets, errors);
  return { tickets, errors };
}
