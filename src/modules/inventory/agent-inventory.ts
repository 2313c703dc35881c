// Pure parsers for the inventories that agents push: FusionInventory agent (XML, OCS format) and
// GLPI Agent (JSON inventory format). No I/O, no database: text in, an AgentInventory (or an
// InventoryError) out. Hostile input is expected: size is checked before parsing, XML DTDs and
// entity declarations are refused outright, and every field is read defensively.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** What Vigie keeps of one agent inventory, whichever the agent and the format. */
export interface AgentInventory {
  deviceid: string;
  itemtype: 'Computer' | 'NetworkEquipment' | 'Printer' | 'Phone' | string;
  name: string;
  uuid: string | null;
  serial: string | null;
  manufacturer: string | null;
  model: string | null;
  os: {
    name: string | null; version: string | null; full_name: string | null; arch: string | null;
    kernel: string | null; install_date: string | null;
  } | null;
  last_boot: string | null;
  cpu: { name: string | null; cores: number | null }[];
  memory_mb: number | null;
  disks: { mount: string; fs: string | null; total_mb: number | null; free_mb: number | null }[];
  networks: { name: string | null; mac: string | null; ipv4: string[]; ipv6: string[] }[];
  software: { name: string; version: string | null; publisher: string | null; install_date: string | null }[];
  antivirus: { name: string; enabled: boolean | null; up_to_date: boolean | null; version: string | null }[];
  macs: string[];
  warnings: string[];
}

export type InventoryErrorId =
  | 'inventory_too_large' | 'inventory_malformed' | 'inventory_entities_refused' | 'inventory_not_inventory';

/** The only error the parsers throw; `id` says why the body was refused. */
export class InventoryError extends Error {
  constructor(readonly id: InventoryErrorId | string, message: string) {
    super(message);
    this.name = 'InventoryError';
  }
}

/** Default maximum body size, in UTF-8 bytes. */
export const DEFAULT_MAX_INVENTORY_BYTES = 8 * 1024 * 1024;
/** Entries kept per list (software, disks...); more are dropped with a warning. */
const MAX_ENTRIES = 50_000;

// ---------------------------------------------------------------------------------------------
// Defensive readers

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field of an object, own properties only (no prototype look-ups such as `constructor`). */
function field(o: unknown, key: string): unknown {
  return isObj(o) && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** One element or a list of them (fast-xml-parser gives an object for a single element): always a list of objects. */
function list(v: unknown): Obj[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).filter(isObj);
}

/** Trimmed non-empty string, or null (numbers are stringified, anything else is null). */
function str(v: unknown): string | null {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A non-negative finite number from a number or a numeric string, else null. */
function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  const s = str(v);
  if (s === null || !/^\d+(\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Boolean from a JSON boolean, 1/0, "1"/"0", "true"/"false", "yes"/"no"; else null. */
function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  const s = str(v)?.toLowerCase();
  if (s === '1' || s === 'true' || s === 'yes') return true;
  if (s === '0' || s === 'false' || s === 'no') return false;
  return null;
}

/** Strings from a string or a list of strings. */
function strs(v: unknown): string[] {
  const out: string[] = [];
  for (const x of Array.isArray(v) ? v : [v]) {
    const s = str(x);
    if (s !== null) out.push(s);
  }
  return out;
}

/** First non-null of several candidates. */
function first(...vals: (string | null)[]): string | null {
  for (const v of vals) if (v !== null) return v;
  return null;
}

/** MAC normalised to lower-case aa:bb:cc:dd:ee:ff, or null when it is not a MAC. */
export function normalizeMac(v: unknown): string | null {
  const s = str(v);
  if (s === null) return null;
  const hex = s.replace(/[:\-.\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

function cap<T>(items: T[], what: string, warnings: string[]): T[] {
  if (items.length <= MAX_ENTRIES) return items;
  warnings.push(`${what}: ${items.length} entries, only the first ${MAX_ENTRIES} kept`);
  return items.slice(0, MAX_ENTRIES);
}

/** The distinct usable MACs (not all-zero, not broadcast), in order of appearance. */
function collectMacs(macs: (string | null)[]): string[] {
  const out = new Set<string>();
  for (const m of macs) if (m !== null && m !== '00:00:00:00:00:00' && m !== 'ff:ff:ff:ff:ff:ff') out.add(m);
  return [...out];
}

/** Network entries merged by (name, MAC): FusionInventory sends one entry per address. */
function mergeNetworks(entries: { name: string | null; mac: string | null; ips: string[] }[]): AgentInventory['networks'] {
  const byKey = new Map<string, AgentInventory['networks'][number]>();
  for (const e of entries) {
    const key = `${e.name ?? ''}\u0000${e.mac ?? ''}`;
    let n = byKey.get(key);
    if (!n) {
      n = { name: e.name, mac: e.mac, ipv4: [], ipv6: [] };
      byKey.set(key, n);
    }
    for (const ip of e.ips) {
      const target = ip.includes(':') ? n.ipv6 : n.ipv4;
      if (!target.includes(ip)) target.push(ip);
    }
  }
  return [...byKey.values()];
}

function checkSize(text: unknown, maxBytes: number | undefined): asserts text is string {
  if (typeof text !== 'string') throw new InventoryError('inventory_malformed', 'The inventory body is not text');
  const max = maxBytes ?? DEFAULT_MAX_INVENTORY_BYTES;
  // A UTF-16 code unit is at least one UTF-8 byte: the cheap test first.
  if (text.length > max || Buffer.byteLength(text, 'utf8') > max) {
    throw new InventoryError('inventory_too_large', `The inventory is larger than ${max} bytes`);
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// ---------------------------------------------------------------------------------------------
// GLPI Agent JSON

const JSON_ACTIONS = new Set(['inventory', 'netinventory']);

/** Parses a GLPI Agent JSON inventory; throws InventoryError (too large, malformed, not an inventory). */
export function parseGlpiAgentJson(text: string, opts: { maxBytes?: number } = {}): AgentInventory {
  checkSize(text, opts.maxBytes);
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(text));
  } catch {
    throw new InventoryError('inventory_malformed', 'The inventory is not valid JSON');
  }
  if (!isObj(doc)) throw new InventoryError('inventory_malformed', 'The inventory JSON is not an object');
  const action = str(field(doc, 'action')) ?? 'inventory'; // the schema's default
  if (!JSON_ACTIONS.has(action)) {
    throw new InventoryError('inventory_not_inventory', `The document is a "${action.slice(0, 40)}" request, not an inventory`);
  }
  const content = field(doc, 'content');
  if (!isObj(content)) throw new InventoryError('inventory_not_inventory', 'The document has no inventory content');
  const deviceid = str(field(doc, 'deviceid'));
  if (deviceid === null) throw new InventoryError('inventory_not_inventory', 'The inventory has no deviceid');

  const warnings: string[] = [];
  const hardware = field(content, 'hardware');
  const bios = field(content, 'bios');
  const osv = field(content, 'operatingsystem');
  const device = field(content, 'network_device');

  const itemtype = str(field(doc, 'itemtype')) ?? (isObj(device) ? (str(field(device, 'type')) === 'Printer' ? 'Printer' : 'NetworkEquipment') : 'Computer');

  let name = first(str(field(hardware, 'name')), str(field(device, 'name')), str(field(osv, 'fqdn')));
  if (name === null) {
    warnings.push('no device name in the inventory: the deviceid is used');
    name = deviceid;
  }

  const os = isObj(osv)
    ? {
        name: str(field(osv, 'name')),
        version: str(field(osv, 'version')),
        full_name: str(field(osv, 'full_name')),
        arch: str(field(osv, 'arch')),
        kernel: first(str(field(osv, 'kernel_version')), str(field(osv, 'kernel_name'))),
        install_date: str(field(osv, 'install_date')),
      }
    : null;

  const cpu = list(field(content, 'cpus')).map((c) => ({ name: str(field(c, 'name')), cores: num(field(c, 'core')) }));

  const disks = list(field(content, 'drives')).map((d) => ({
    mount: first(str(field(d, 'letter')), str(field(d, 'type')), str(field(d, 'volumn')), str(field(d, 'label'))) ?? '',
    fs: str(field(d, 'filesystem')),
    total_mb: num(field(d, 'total')),
    free_mb: num(field(d, 'free')),
  }));

  const netEntries = list(field(content, 'networks')).map((n) => ({
    name: str(field(n, 'description')),
    mac: normalizeMac(field(n, 'mac')),
    ips: [...strs(field(n, 'ipaddress')), ...strs(field(n, 'ipaddress6'))],
  }));
  const ports = list(field(content, 'network_ports')).map((p) => ({
    name: first(str(field(p, 'ifname')), str(field(p, 'ifdescr'))),
    mac: normalizeMac(field(p, 'mac')),
    ips: strs(field(p, 'ips')),
  }));
  const networks = mergeNetworks([...netEntries, ...ports]);

  const software: AgentInventory['software'] = [];
  let nameless = 0;
  for (const s of list(field(content, 'softwares'))) {
    const sname = str(field(s, 'name'));
    if (sname === null) { nameless++; continue; }
    software.push({
      name: sname,
      version: str(field(s, 'version')),
      publisher: str(field(s, 'publisher')),
      install_date: str(field(s, 'install_date')),
    });
  }
  if (nameless > 0) warnings.push(`${nameless} software entries without a name were skipped`);

  const antivirus: AgentInventory['antivirus'] = [];
  for (const a of list(field(content, 'antivirus'))) {
    const aname = str(field(a, 'name'));
    if (aname === null) continue;
    antivirus.push({
      name: aname,
      enabled: bool(field(a, 'enabled')),
      up_to_date: bool(field(a, 'uptodate')),
      version: str(field(a, 'version')),
    });
  }

  const serial = first(str(field(bios, 'ssn')), str(field(device, 'serial')));
  if (serial === null) warnings.push('no serial number in the inventory');

  return {
    deviceid,
    itemtype,
    name,
    uuid: str(field(hardware, 'uuid')),
    serial,
    manufacturer: first(str(field(bios, 'smanufacturer')), str(field(device, 'manufacturer')), str(field(bios, 'mmanufacturer'))),
    model: first(str(field(bios, 'smodel')), str(field(device, 'model')), str(field(bios, 'mmodel'))),
    os,
    last_boot: str(field(osv, 'boot_time')),
    cpu: cap(cpu, 'cpus', warnings),
    memory_mb: num(field(hardware, 'memory')) ?? num(field(device, 'ram')),
    disks: cap(disks, 'drives', warnings),
    networks: cap(networks, 'networks', warnings),
    software: cap(software, 'softwares', warnings),
    antivirus: cap(antivirus, 'antivirus', warnings),
    macs: collectMacs([normalizeMac(field(device, 'mac')), ...networks.map((n) => n.mac)]),
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// FusionInventory XML

/** Decodes the five predefined XML entities and character references (the parser leaves them as is). */
function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    switch (ref) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
    }
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

/** A text field of an XML element, entities decoded. */
function xstr(o: unknown, key: string): string | null {
  const s = str(field(o, key));
  return s === null ? null : str(decodeXmlText(s));
}

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false, // serials such as 0000000000 stay text
  trimValues: true,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses a FusionInventory XML inventory; throws InventoryError (too large, entities, malformed, not an inventory). */
export function parseFusionInventoryXml(text: string, opts: { maxBytes?: number } = {}): AgentInventory {
  checkSize(text, opts.maxBytes);
  const xml = stripBom(text).trimStart(); // a declaration must come first: tolerate leading blank lines
  // No DTD at all: nothing to expand, nothing external to fetch. Checked on the raw text, before any parsing.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new InventoryError('inventory_entities_refused', 'XML document type and entity declarations are refused');
  }
  let doc: unknown;
  try {
    if (XMLValidator.validate(xml) !== true) throw new Error('invalid');
    doc = xmlParser.parse(xml);
  } catch {
    throw new InventoryError('inventory_malformed', 'The inventory is not well-formed XML');
  }
  const request = field(doc, 'REQUEST');
  if (!isObj(request)) throw new InventoryError('inventory_not_inventory', 'The XML document is not an agent REQUEST');
  const query = xstr(request, 'QUERY');
  if (query === null || query.toUpperCase() !== 'INVENTORY') {
    throw new InventoryError('inventory_not_inventory', `The request is a "${(query ?? '').slice(0, 40)}" query, not an inventory`);
  }
  const content = field(request, 'CONTENT');
  if (!isObj(content)) throw new InventoryError('inventory_not_inventory', 'The inventory request has no CONTENT');
  const deviceid = xstr(request, 'DEVICEID');
  if (deviceid === null) throw new InventoryError('inventory_not_inventory', 'The inventory has no DEVICEID');

  const warnings: string[] = [];
  const hardware = list(field(content, 'HARDWARE'))[0];
  const bios = list(field(content, 'BIOS'))[0];
  const osv = list(field(content, 'OPERATINGSYSTEM'))[0];

  let name = first(xstr(hardware, 'NAME'), xstr(osv, 'FQDN'));
  if (name === null) {
    warnings.push('no device name in the inventory: the deviceid is used');
    name = deviceid;
  }

  const os = osv || xstr(hardware, 'OSNAME') !== null
    ? {
        name: first(xstr(osv, 'NAME'), xstr(hardware, 'OSNAME')),
        version: first(xstr(osv, 'VERSION'), xstr(hardware, 'OSVERSION')),
        full_name: first(xstr(osv, 'FULL_NAME'), xstr(hardware, 'OSNAME')),
        arch: first(xstr(osv, 'ARCH'), xstr(hardware, 'ARCHNAME')),
        kernel: first(xstr(osv, 'KERNEL_VERSION'), xstr(osv, 'KERNEL_NAME')),
        install_date: xstr(osv, 'INSTALL_DATE'),
      }
    : null;

  const cpu = list(field(content, 'CPUS')).map((c) => ({ name: xstr(c, 'NAME'), cores: num(xstr(c, 'CORE')) }));

  const disks = list(field(content, 'DRIVES')).map((d) => ({
    mount: first(xstr(d, 'LETTER'), xstr(d, 'TYPE'), xstr(d, 'VOLUMN'), xstr(d, 'LABEL')) ?? '',
    fs: xstr(d, 'FILESYSTEM'),
    total_mb: num(xstr(d, 'TOTAL')),
    free_mb: num(xstr(d, 'FREE')),
  }));

  const networks = mergeNetworks(list(field(content, 'NETWORKS')).map((n) => ({
    name: xstr(n, 'DESCRIPTION'),
    mac: normalizeMac(xstr(n, 'MACADDR')),
    ips: [xstr(n, 'IPADDRESS'), xstr(n, 'IPADDRESS6')].filter((x): x is string => x !== null),
  })));

  const software: AgentInventory['software'] = [];
  let nameless = 0;
  for (const s of list(field(content, 'SOFTWARES'))) {
    const sname = xstr(s, 'NAME');
    if (sname === null) { nameless++; continue; }
    software.push({
      name: sname,
      version: xstr(s, 'VERSION'),
      publisher: xstr(s, 'PUBLISHER'),
      install_date: xstr(s, 'INSTALLDATE'),
    });
  }
  if (nameless > 0) warnings.push(`${nameless} software entries without a name were skipped`);

  const antivirus: AgentInventory['antivirus'] = [];
  for (const a of list(field(content, 'ANTIVIRUS'))) {
    const aname = xstr(a, 'NAME');
    if (aname === null) continue;
    antivirus.push({
      name: aname,
      enabled: bool(xstr(a, 'ENABLED')),
      up_to_date: bool(xstr(a, 'UPTODATE')),
      version: xstr(a, 'VERSION'),
    });
  }

  const serial = xstr(bios, 'SSN');
  if (serial === null) warnings.push('no serial number in the inventory');

  return {
    deviceid,
    itemtype: 'Computer',
    name,
    uuid: xstr(hardware, 'UUID'),
    serial,
    manufacturer: first(xstr(bios, 'SMANUFACTURER'), xstr(bios, 'MMANUFACTURER')),
    model: first(xstr(bios, 'SMODEL'), xstr(bios, 'MMODEL')),
    os,
    last_boot: xstr(osv, 'BOOT_TIME'),
    cpu: cap(cpu, 'CPUS', warnings),
    memory_mb: num(xstr(hardware, 'MEMORY')),
    disks: cap(disks, 'DRIVES', warnings),
    networks: cap(networks, 'NETWORKS', warnings),
    software: cap(software, 'SOFTWARES', warnings),
    antivirus: cap(antivirus, 'ANTIVIRUS', warnings),
    macs: collectMacs(networks.map((n) => n.mac)),
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// Dispatch and fingerprint

/** Parses an agent inventory body: JSON or XML by content type, else by its first non-space character. */
export function parseAgentInventory(body: string, contentType: string | undefined): AgentInventory {
  checkSize(body, undefined);
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('json')) return parseGlpiAgentJson(body);
  if (ct.includes('xml')) return parseFusionInventoryXml(body);
  const m = /[^\s\uFEFF]/.exec(body);
  const c = m?.[0];
  if (c === '<') return parseFusionInventoryXml(body);
  if (c === '{' || c === '[') return parseGlpiAgentJson(body);
  throw new InventoryError('inventory_malformed', 'The inventory is neither JSON nor XML');
}

/** Serial numbers that firmware vendors leave in place of a real one (upper-case). */
const PLACEHOLDER_SERIALS = new Set([
  'TO BE FILLED BY O.E.M.', 'TO BE FILLED BY OEM', 'DEFAULT STRING', 'NONE', 'SYSTEM SERIAL NUMBER',
  'CHASSIS SERIAL NUMBER', 'BASE BOARD SERIAL NUMBER', 'SERIAL NUMBER', 'NOT SPECIFIED', 'NOT APPLICABLE',
  'N/A', 'NA', 'NULL', 'UNKNOWN', 'INVALID', 'OEM', 'O.E.M.', '123456789', '1234567890', '0123456789',
  'XXXXXXXXXX', 'NOT AVAILABLE', 'EMPTY', '-',
]);

/** Serial upper-cased and trimmed, or null for an empty or placeholder serial (including all zeros). */
export function normalizeSerial(v: string | null): string | null {
  const s = v?.trim().toUpperCase() ?? '';
  if (s === '' || PLACEHOLDER_SERIALS.has(s) || /^0+$/.test(s) || /^[.\s-]+$/.test(s)) return null;
  return s;
}

/** UUID lower-cased and trimmed, or null for an empty or placeholder UUID (all zeros, all F). */
export function normalizeUuid(v: string | null): string | null {
  const s = v?.trim().toLowerCase() ?? '';
  const hex = s.replace(/-/g, '');
  if (s === '' || /^0+$/.test(hex) || /^f+$/.test(hex) || hex === '03000200040005000006000700080009') return null;
  return s;
}

/** The identifiers to match an inventory with an asset: normalised serial, UUID and sorted distinct MACs. */
export function inventoryFingerprint(inv: AgentInventory): { serial: string | null; uuid: string | null; macs: string[] } {
  const macs = collectMacs(inv.macs.map((m) => normalizeMac(m)));
  return { serial: normalizeSerial(inv.serial), uuid: normalizeUuid(inv.uuid), macs: macs.sort() };
}
