import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { z } from 'zod';
import type { AssetJson, CustomFields } from './presenters.ts';
import { ASSET_TYPES, AssetFields, CustomFieldKey, DEFAULT_CRITICALITY, IMPORT_FIELDS, SiteCreateBody, type AssetType, type ImportField } from './schema.ts';

/**
 * CSV import and export of assets, free of I/O: parsing, column mapping and row validation here;
 * the service resolves sites and writes. Line numbers are the file's, the header being line 1.
 */

export type Delimiter = ',' | ';' | '\t';

/** One problem in a file, where a spreadsheet user can find it. */
export interface ImportError {
  line: number;
  /** The header of the column, when the problem is in one cell. */
  column: string | null;
  /** The asset field that column fills. */
  field: string | null;
  value: string | null;
  message: string;
}

export interface ParsedCsv {
  headers: string[];
  rows: { line: number; cells: string[] }[];
  delimiter: Delimiter;
}

/** At most this many data rows per import. */
export const MAX_IMPORT_ROWS = 50_000;

// ---------------------------------------------------------------- parsing

/** The delimiter used in the header line (outside quotes): the most frequent of `;`, `,` and tab. */
export function detectDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  let best: Delimiter = ',';
  for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

/**
 * Reads a CSV text into a header and rows with their line numbers. Empty lines and rows of empty
 * cells are skipped. Malformed CSV (a stray quote) gives an error at its line instead of rows.
 */
export function parseCsv(text: string, delimiter?: Delimiter, opts: { maxRecords?: number } = {}): { parsed: ParsedCsv | null; errors: ImportError[] } {
  const d = delimiter ?? detectDelimiter(text);
  let records: { record: string[]; info: { lines: number; empty_lines: number } }[];
  try {
    records = parse(text, {
      delimiter: d,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      ...(opts.maxRecords ? { to: opts.maxRecords } : {}),
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    return { parsed: null, errors: [{ line: err.lines ?? 1, column: null, field: null, value: null, message: `The file is not valid CSV: ${String(err.message ?? e).split(' at line')[0]}` }] };
  }
  if (records.length === 0) return { parsed: null, errors: [{ line: 1, column: null, field: null, value: null, message: 'The file is empty: the first line must name the columns' }] };

  // A record's first line: one past the previous record's last line, plus the empty lines skipped between.
  let prevEnd = 0;
  let prevEmpty = 0;
  const out: { line: number; cells: string[] }[] = [];
  for (const r of records) {
    const start = prevEnd + 1 + (r.info.empty_lines - prevEmpty);
    prevEnd = r.info.lines;
    prevEmpty = r.info.empty_lines;
    out.push({ line: start, cells: r.record });
  }
  const headers = out[0]!.cells.map((h) => h.trim());
  const rows = out.slice(1).filter((r) => r.cells.some((c) => c.trim() !== ''));
  return { parsed: { headers, rows, delimiter: d }, errors: [] };
}

// ---------------------------------------------------------------- columns

/** Lower-case, no accents, words separated by single spaces: "N° de série" → "n de serie". */
export function normaliseHeader(h: string): string {
  return h.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** Header names (normalised) each field answers to, French and English. */
const FIELD_ALIASES: Record<ImportField, string[]> = {
  name: ['name', 'nom', 'asset', 'asset name', 'hostname', 'host name', 'nom d hote', 'equipement', 'nom de l equipement', 'designation', 'libelle'],
  type: ['type', 'asset type', 'type d equipement', 'type d actif', 'categorie', 'category', 'kind'],
  criticality: ['criticality', 'criticite', 'niveau de criticite', 'critical level'],
  site: ['site', 'site name', 'nom du site'],
  serial: ['serial', 'serial number', 'serial no', 'sn', 's n', 'numero de serie', 'n de serie', 'no de serie', 'num de serie', 'num serie', 'serie'],
  manufacturer: ['manufacturer', 'fabricant', 'constructeur', 'marque', 'brand', 'vendor', 'editeur', 'publisher'],
  model: ['model', 'modele', 'reference', 'edition'],
  ip_address: ['ip', 'ip address', 'ip addr', 'ipv4', 'adresse ip', 'addresse ip', 'adresse ipv4'],
  owner: ['owner', 'proprietaire', 'responsable'],
  location: ['location', 'emplacement', 'localisation'],
  warranty_end: ['warranty end', 'warranty', 'end of warranty', 'warranty expiry', 'fin de garantie', 'fin garantie', 'date de fin de garantie', 'garantie'],
  tags: ['tags', 'tag', 'etiquettes', 'etiquette', 'labels', 'mots cles'],
  business_impact: ['business impact', 'impact', 'impact metier', 'impact business'],
  notes: ['notes', 'note', 'comments', 'comment', 'commentaire', 'commentaires', 'remarques', 'remarque'],
};
const ALIAS_TO_FIELD = new Map<string, ImportField>();
for (const f of IMPORT_FIELDS) for (const a of FIELD_ALIASES[f]) ALIAS_TO_FIELD.set(a, f);

/** What a column fills: an import field or a custom field. */
export type ColumnTarget = { kind: 'field'; field: ImportField } | { kind: 'custom'; key: string };

/** The field a header names by itself (name, alias or `custom:<key>`), if any. */
export function fieldForHeader(header: string): ColumnTarget | null {
  const custom = /^custom:(.*)$/i.exec(header.trim());
  if (custom) {
    const key = custom[1]!.trim();
    return CustomFieldKey.safeParse(key).success ? { kind: 'custom', key } : null;
  }
  const f = ALIAS_TO_FIELD.get(normaliseHeader(header));
  return f ? { kind: 'field', field: f } : null;
}

/** The mapping the UI proposes: field (or `custom:<key>`) → header, first matching header winning. */
export function suggestMapping(headers: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const t = fieldForHeader(h);
    if (!t) continue;
    const key = t.kind === 'field' ? t.field : `custom:${t.key}`;
    if (!(key in out)) out[key] = h;
  }
  return out;
}

export interface Column {
  index: number;
  header: string;
  target: ColumnTarget;
}

/**
 * Which column fills which field: the explicit mapping (field → header) when given, else headers
 * matched by name and alias. Columns filling nothing are listed as ignored. A mapping naming a
 * header the file lacks, or a file without name and type columns, is an error on line 1.
 */
export function resolveColumns(headers: string[], mapping?: Record<string, string>): { columns: Column[]; ignored: string[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const chosen = mapping ?? suggestMapping(headers);
  const columns: Column[] = [];
  for (const [key, header] of Object.entries(chosen)) {
    const index = headers.indexOf(header.trim());
    if (index < 0) {
      errors.push({ line: 1, column: header, field: key, value: null, message: `The file has no column "${header}"` });
      continue;
    }
    const target: ColumnTarget = key.startsWith('custom:') ? { kind: 'custom', key: key.slice(7).trim() } : { kind: 'field', field: key as ImportField };
    columns.push({ index, header: headers[index]!, target });
  }
  const fields = new Set(columns.map((c) => (c.target.kind === 'field' ? c.target.field : null)));
  for (const f of ['name', 'type'] as const) {
    if (!fields.has(f) && !errors.some((e) => e.field === f)) {
      errors.push({ line: 1, column: null, field: f, value: null, message: `No column gives the asset's ${f}: name one "${f}" or map one to it` });
    }
  }
  const customs = new Set(columns.filter((c) => c.target.kind === 'custom').map((c) => (c.target as { key: string }).key));
  if (customs.size > 50) errors.push({ line: 1, column: null, field: null, value: null, message: 'At most 50 custom fields' });
  const used = new Set(columns.map((c) => c.index));
  const ignored = headers.filter((h, i) => !used.has(i) && h !== '');
  return { columns: columns.sort((a, b) => a.index - b.index), ignored, errors };
}

// ---------------------------------------------------------------- values

const TYPE_ALIASES = new Map<string, AssetType>();
{
  const add = (t: AssetType, ...labels: string[]) => {
    for (const l of [t, t.replace(/_/g, ' '), ...labels]) TYPE_ALIASES.set(normaliseHeader(l), t);
  };
  add('server', 'serveur', 'serveur physique', 'physical server', 'srv');
  add('vm', 'machine virtuelle', 'virtual machine', 'serveur virtuel', 'virtual server');
  add('workstation', 'poste de travail', 'poste', 'pc', 'ordinateur', 'ordinateur portable', 'portable', 'laptop', 'desktop', 'station de travail');
  add('switch', 'commutateur');
  add('firewall', 'pare-feu', 'pare feu', 'parefeu');
  add('router', 'routeur');
  add('access_point', 'borne wifi', 'borne wi-fi', 'borne', 'point d\'accès', 'point d\'accès wifi', 'wifi access point', 'ap', 'wap');
  add('printer', 'imprimante', 'copieur', 'multifonction', 'mfp');
  add('nas', 'stockage réseau', 'serveur de fichiers nas');
  add('ups', 'onduleur');
  add('phone_system', 'standard téléphonique', 'standard', 'téléphonie', 'ipbx', 'pabx', 'autocommutateur', 'telephony', 'pbx');
  add('cloud_service', 'service cloud', 'cloud', 'saas', 'service saas', 'cloud service');
  add('business_application', 'application métier', 'application', 'logiciel métier', 'app');
  add('licence', 'license', 'licence logicielle', 'software licence', 'software license');
  add('backup_system', 'sauvegarde', 'système de sauvegarde', 'backup', 'backup system', 'solution de sauvegarde');
}

/** An asset type from its name or a French or English label ("Serveur", "pare-feu", "Borne WiFi"). */
export function parseAssetType(v: string): AssetType | null {
  return TYPE_ALIASES.get(normaliseHeader(v)) ?? null;
}

const CRITICALITY_LABELS = new Map<string, number>([
  ['critique', 1], ['critical', 1], ['p1', 1],
  ['haute', 2], ['elevee', 2], ['high', 2], ['importante', 2], ['p2', 2],
  ['moyenne', 3], ['normale', 3], ['medium', 3], ['normal', 3], ['p3', 3],
  ['basse', 4], ['faible', 4], ['low', 4], ['p4', 4],
]);

/** 1 to 4, or a label ("critique", "haute", "moyenne", "basse"…); null when not understood. */
export function parseCriticality(v: string): number | null {
  const t = v.trim();
  if (/^[1-4]$/.test(t)) return Number(t);
  return CRITICALITY_LABELS.get(normaliseHeader(t)) ?? null;
}

/** YYYY-MM-DD or DD/MM/YYYY (also DD-MM-YYYY, DD.MM.YYYY) → epoch ms at 00:00 UTC; null when not a real date. */
export function parseDate(v: string): number | null {
  const t = v.trim();
  let y: number, m: number, d: number;
  let mt = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (mt) [y, m, d] = [Number(mt[1]), Number(mt[2]), Number(mt[3])];
  else if ((mt = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t))) [d, m, y] = [Number(mt[1]), Number(mt[2]), Number(mt[3])];
  else return null;
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
  return ms;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Tags in one cell, separated by `|` or `,`; blanks and duplicates dropped. */
export function splitTags(v: string): string[] {
  return [...new Set(v.split(/[|,]/).map((t) => t.trim()).filter((t) => t !== ''))];
}

/** A custom field's cell: `true`/`false` as booleans, canonical numbers ("12", "-3.5") as numbers, else text. */
export function parseCustomValue(v: string): string | number | boolean {
  const t = v.trim();
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^-?(0|[1-9]\d{0,14})(\.\d{1,10})?$/.test(t) && String(Number(t)) === t) return Number(t);
  return t;
}

// Spreadsheets run cells starting with = + - @ as formulas: the export prefixes those with a quote,
// the import removes it, so that values survive a round trip unchanged.
const FORMULA_START = /^'*[=+\-@\t\r]/;

export function escapeFormula(v: string): string {
  return FORMULA_START.test(v) ? `'${v}` : v;
}

export function unescapeFormula(v: string): string {
  return v.startsWith("'") && FORMULA_START.test(v) ? v.slice(1) : v;
}

// ---------------------------------------------------------------- rows

/** One valid row, ready to become an asset once its site name is resolved. */
export interface AssetDraft {
  line: number;
  name: string;
  type: AssetType;
  criticality: number;
  /** The site's name; null for none. */
  site: string | null;
  serial: string;
  manufacturer: string;
  model: string;
  ip_address: string;
  owner: string;
  location: string;
  warranty_end: number | null;
  tags: string[];
  business_impact: string;
  notes: string;
  custom_fields: CustomFields;
}

const TEXT_FIELDS = ['serial', 'manufacturer', 'model', 'ip_address', 'owner', 'location', 'business_impact', 'notes'] as const;

function firstIssue(r: z.ZodSafeParseResult<unknown>): string {
  return r.success ? '' : (r.error.issues[0]?.message ?? 'invalid value');
}

/**
 * Turns rows into asset drafts with the same rules as the API. Returns every error found (each
 * with its line, column, field and value), so the file can be fixed in one go.
 */
export function validateRows(parsed: ParsedCsv, columns: Column[]): { drafts: AssetDraft[]; errors: ImportError[] } {
  const drafts: AssetDraft[] = [];
  const errors: ImportError[] = [];
  const width = parsed.headers.length;
  for (const row of parsed.rows) {
    const errs: ImportError[] = [];
    const extra = row.cells.slice(width).filter((c) => c.trim() !== '');
    if (extra.length > 0) errs.push({ line: row.line, column: null, field: null, value: extra[0]!, message: `This line has ${row.cells.length} cells but the header names ${width} columns` });
    const d: AssetDraft = {
      line: row.line, name: '', type: 'server', criticality: DEFAULT_CRITICALITY, site: null, serial: '', manufacturer: '', model: '', ip_address: '',
      owner: '', location: '', warranty_end: null, tags: [], business_impact: '', notes: '', custom_fields: {},
    };
    let hasType = false;
    for (const col of columns) {
      const raw = unescapeFormula(row.cells[col.index] ?? '');
      const value = raw.trim();
      const fail = (field: string, message: string) => errs.push({ line: row.line, column: col.header, field, value: raw, message });
      if (col.target.kind === 'custom') {
        if (value === '') continue;
        const v = parseCustomValue(value);
        if (typeof v === 'string' && v.length > 2000) fail(`custom:${col.target.key}`, 'at most 2000 characters');
        else d.custom_fields[col.target.key] = v;
        continue;
      }
      const f = col.target.field;
      switch (f) {
        case 'name': {
          const r = AssetFields.shape.name.safeParse(value);
          if (r.success) d.name = r.data;
          else fail(f, value === '' ? 'the name is required' : firstIssue(r));
          break;
        }
        case 'type': {
          const t = value === '' ? null : parseAssetType(value);
          if (t) {
            d.type = t;
            hasType = true;
          } else fail(f, value === '' ? 'the type is required' : `unknown type; expected one of ${ASSET_TYPES.join(', ')} (or a French label such as serveur, poste de travail, pare-feu)`);
          break;
        }
        case 'criticality': {
          if (value === '') break;
          const c = parseCriticality(value);
          if (c === null) fail(f, 'criticality is 1 (most critical) to 4');
          else d.criticality = c;
          break;
        }
        case 'site': {
          if (value === '') break;
          const r = SiteCreateBody.shape.name.safeParse(value);
          if (r.success) d.site = r.data;
          else fail(f, firstIssue(r));
          break;
        }
        case 'warranty_end': {
          if (value === '') break;
          const ms = parseDate(value);
          if (ms === null) fail(f, 'a date as YYYY-MM-DD or DD/MM/YYYY');
          else d.warranty_end = ms;
          break;
        }
        case 'tags': {
          const tags = splitTags(value);
          const r = AssetFields.shape.tags.safeParse(tags);
          if (r.success) d.tags = tags;
          else fail(f, firstIssue(r));
          break;
        }
        default: {
          const tf = f as (typeof TEXT_FIELDS)[number];
          const r = AssetFields.shape[tf].safeParse(value);
          if (r.success) d[tf] = r.data ?? '';
          else fail(f, firstIssue(r));
        }
      }
    }
    if (!hasType && !errs.some((e) => e.field === 'type')) errs.push({ line: row.line, column: null, field: 'type', value: null, message: 'the type is required' });
    if (errs.length) errors.push(...errs);
    else drafts.push(d);
  }
  return { drafts, errors };
}

// ---------------------------------------------------------------- export

/** The columns of an export, before the custom fields. */
export const EXPORT_COLUMNS = ['name', 'type', 'criticality', 'site', 'serial', 'manufacturer', 'model', 'ip_address', 'owner', 'location', 'warranty_end', 'tags', 'business_impact', 'notes'] as const;

/** Assets as CSV (comma-separated, header first, custom fields as `custom:<key>`); it imports back unchanged. */
export function assetsToCsv(assets: AssetJson[]): string {
  const keys = [...new Set(assets.flatMap((a) => Object.keys(a.custom_fields)))].sort();
  const header = [...EXPORT_COLUMNS, ...keys.map((k) => `custom:${k}`)];
  const lines = assets.map((a) => [
    a.name, a.type, String(a.criticality), a.site_name ?? '', a.serial, a.manufacturer, a.model, a.ip_address, a.owner, a.location,
    a.warranty_end === null ? '' : formatDate(a.warranty_end), a.tags.join('|'), a.business_impact, a.notes,
    ...keys.map((k) => (a.custom_fields[k] === undefined ? '' : String(a.custom_fields[k]))),
  ].map(escapeFormula));
  return stringify([header, ...lines]);
}
