/**
 * Service-desk fixtures: a contract with fixed calendars (Paris Mon–Fri 08:00–18:00 with French
 * public holidays, and 24/7) and targets per priority, inserted as a row; instants in 2026 given as
 * Paris wall-clock times; a multipart body builder for attachments.
 */
import { newId } from '../../src/core/ids.ts';
import type { Db } from '../../src/db/database.ts';
import { contractToRow } from '../../src/modules/contracts/repository.ts';
import { ContractBody, DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from '../../src/modules/contracts/schema.ts';
import { wallToInstant } from '../../src/core/zones.ts';

/** The instant of a Paris wall-clock time, '2026-03-02 09:00'. */
export function paris(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) throw new Error(`bad time ${text}`);
  return wallToInstant(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)), 'Europe/Paris');
}

export const BUSINESS_WINDOW = {
  id: 'business', name: 'Heures ouvrées', time_zone: 'Europe/Paris', always: false,
  hours: { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '18:00']] },
  public_holidays: 'fr', closed_days: [],
};
export const ALWAYS_WINDOW = { id: 'always', name: '24/7', time_zone: 'Europe/Paris', always: true, hours: {}, public_holidays: 'none', closed_days: [] };

/**
 * P1: GTI 30 min, GTR 4 h, 24/7, from declaration.
 * P2: GTI 1 h, GTR 8 h, business hours, from declaration.
 * P3: GTI 2 h, GTR 2 business days, business hours, from qualification.
 * P4: no target.
 */
export const TARGETS = [
  { priority: 1, gti: { value: 30, unit: 'minutes', window: 'always' }, gtr: { value: 4, unit: 'hours', window: 'always' }, clock_start: 'declaration' },
  { priority: 2, gti: { value: 1, unit: 'hours', window: 'business' }, gtr: { value: 8, unit: 'hours', window: 'business' }, clock_start: 'declaration' },
  { priority: 3, gti: { value: 2, unit: 'hours', window: 'business' }, gtr: { value: 2, unit: 'business_days', window: 'business' }, clock_start: 'qualification' },
];

/** Inserts an active contract row for the client (JSON columns as text); returns its id. */
export async function insertContract(db: Db, clientId: string, opts: { matrix?: PriorityMatrix; startsOn?: string } = {}): Promise<string> {
  const c = ContractBody.parse({
    name: 'Infogérance 2026', reference: 'CT-2026', status: 'active', starts_on: opts.startsOn ?? '2026-01-01', windows: [BUSINESS_WINDOW, ALWAYS_WINDOW], targets: TARGETS,
    priority_matrix: opts.matrix ?? DEFAULT_PRIORITY_MATRIX,
  });
  const id = newId();
  const now = Date.now();
  await db.kysely.insertInto('contracts').values(contractToRow({ ...c, id, client_id: clientId, status: 'active', created_at: now, updated_at: now })).execute();
  return id;
}

/** A multipart/form-data body with one file and some fields. */
export function multipart(file: { name: string; type: string; content: Buffer }, fields: Record<string, string> = {}) {
  const boundary = `----vigie${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: ${file.type}\r\n\r\n`));
  parts.push(file.content);
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
