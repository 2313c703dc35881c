/**
 * Inbound e-mail, first step: from the raw RFC 822 bytes to what the router needs. No database,
 * no network: `parseInbound` (mailparser's `simpleParser`), `stripQuoted` (the new text of a reply,
 * without the quoted previous message nor the signature) and `cleanSubject` (a ticket title).
 *
 * Ticket references come from Vigie's own outbound headers (`Message-ID: <ticket-<ticketId>-<outboxId>@vigie>`,
 * `References: <ticket-<ticketId>@vigie>`), which a reply carries back in In-Reply-To / References,
 * or from the `[T-<number>]` tag of the subject (per-client numbers: meaningful only with the sender's client).
 */
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail as MailparserMail } from 'mailparser';

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface TicketRef {
  /** From In-Reply-To / References naming one of Vigie's ticket e-mails. */
  ticketId?: string;
  /** From a `[T-123]` tag in the subject (only used when no ticket id was found in the headers). */
  number?: number;
}

/** What the router uses of an inbound message. */
export interface InboundMail {
  /** The Message-ID as sent (`<…>`), or a synthetic `<sha256-…@vigie.inbound>` when absent or too long. */
  messageId: string;
  /** True when `messageId` was computed here (the message had none usable). */
  syntheticId: boolean;
  /** The From header's first address (the envelope sender when there is no From header); null if neither. */
  from: { address: string; name: string } | null;
  /** To and Cc addresses, lower-cased. */
  to: string[];
  cc: string[];
  subject: string;
  /** The Date header, epoch ms; null when absent or unreadable. */
  date: number | null;
  /** The whole plain text (from the HTML, tags stripped, when the message has only HTML). */
  text: string;
  ticketRef: TicketRef;
  /** An automatic message (Auto-Submitted, auto-reply headers, a delivery report, a null envelope sender): never a ticket. */
  autoSubmitted: boolean;
  attachments: InboundAttachment[];
}
/** The brief's name for it. */
export type ParsedMail = InboundMail;

export interface ParseOptions {
  /** The SMTP envelope sender (MAIL FROM); `''` for the null sender `<>` (bounces, auto-replies). */
  envelopeFrom?: string;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `<ticket-<uuid>@vigie>` and `<ticket-<uuid>-<outbox uuid>@vigie>` (a domain after `vigie` allowed). */
const TICKET_MSGID = new RegExp(`^<?ticket-(${UUID})(?:-[^@>\\s]*)?@vigie(?:\\.[^>\\s]*)?>?$`, 'i');
const SUBJECT_TAG = /\[T-(\d{1,9})\]/i;
const MAX_MESSAGE_ID = 500;

/** Parses raw message bytes. Never throws on odd content (mailparser is lenient); throws only on a stream failure. */
export async function parseInbound(raw: Buffer | string, opts: ParseOptions = {}): Promise<InboundMail> {
  const m = await simpleParser(raw, { skipImageLinks: true });
  const fromHeader = firstAddress(m.from);
  const from = fromHeader ?? (opts.envelopeFrom ? { address: opts.envelopeFrom.trim().toLowerCase(), name: '' } : null);
  const subject = (m.subject ?? '').replace(/\s+/g, ' ').trim();
  const date = m.date && !Number.isNaN(m.date.getTime()) ? m.date.getTime() : null;
  let text = (m.text ?? '').replace(/\r\n?/g, '\n');
  if (!text.trim() && typeof m.html === 'string') text = htmlToText(m.html);
  text = text.replace(/\s+$/, '');

  const givenId = (m.messageId ?? '').trim();
  const syntheticId = givenId.length === 0 || givenId.length > MAX_MESSAGE_ID;
  const messageId = syntheticId
    ? `<sha256-${createHash('sha256')
        .update([from?.address ?? '', date ?? '', subject, text, givenId].join('\u0000'))
        .digest('hex')}@vigie.inbound>`
    : givenId;

  return {
    messageId,
    syntheticId,
    from,
    to: addresses(m.to),
    cc: addresses(m.cc),
    subject,
    date,
    text,
    ticketRef: ticketRefOf(m, subject),
    autoSubmitted: isAutomatic(m, opts.envelopeFrom),
    attachments: m.attachments.map((a, i) => ({
      filename: safeFilename(a.filename, i + 1),
      contentType: (a.contentType || 'application/octet-stream').toLowerCase().slice(0, 100),
      content: a.content,
    })),
  };
}

/** The ticket a reply is about: a ticket id from In-Reply-To then References (newest first), else the subject tag. */
export function ticketRefOf(m: Pick<MailparserMail, 'inReplyTo' | 'references'>, subject: string): TicketRef {
  const ids: string[] = [];
  const push = (v: string | string[] | undefined) => {
    for (const s of Array.isArray(v) ? v : v ? [v] : []) ids.push(...s.split(/[\s,]+/).filter(Boolean));
  };
  push(m.inReplyTo);
  // References lists the thread oldest first: the last one is the message replied to.
  const refs: string[] = [];
  for (const s of Array.isArray(m.references) ? m.references : m.references ? [m.references] : []) refs.push(...s.split(/[\s,]+/).filter(Boolean));
  ids.push(...refs.reverse());
  for (const id of ids) {
    const hit = TICKET_MSGID.exec(id.trim());
    if (hit) return { ticketId: hit[1]!.toLowerCase() };
  }
  const tag = SUBJECT_TAG.exec(subject);
  if (tag) {
    const n = Number(tag[1]);
    if (n > 0) return { number: n };
  }
  return {};
}

/** True for the messages no person wrote (RFC 3834 Auto-Submitted, common auto-reply headers, delivery reports, bounces). */
function isAutomatic(m: MailparserMail, envelopeFrom: string | undefined): boolean {
  if (envelopeFrom === '') return true;
  const h = (name: string) => {
    const v = m.headers.get(name);
    if (v === undefined || v === null) return null;
    return (typeof v === 'object' && 'value' in (v as object) ? String((v as { value: unknown }).value) : String(v)).trim().toLowerCase();
  };
  const auto = h('auto-submitted');
  if (auto !== null && auto !== '' && !auto.startsWith('no')) return true;
  if (h('x-autoreply') !== null || h('x-autorespond') !== null || h('x-autoresponder') !== null) return true;
  const precedence = h('precedence');
  if (precedence && ['bulk', 'junk', 'auto_reply'].includes(precedence)) return true;
  const ct = h('content-type');
  if (ct && ct.startsWith('multipart/report')) return true;
  return false;
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address: string; name: string } | null {
  for (const obj of Array.isArray(a) ? a : a ? [a] : []) {
    for (const v of obj.value) {
      if (v.address) return { address: v.address.trim().toLowerCase(), name: (v.name ?? '').trim() };
      for (const g of v.group ?? []) if (g.address) return { address: g.address.trim().toLowerCase(), name: (g.name ?? '').trim() };
    }
  }
  return null;
}

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  const out: string[] = [];
  for (const obj of Array.isArray(a) ? a : a ? [a] : []) {
    for (const v of obj.value) {
      if (v.address) out.push(v.address.trim().toLowerCase());
      for (const g of v.group ?? []) if (g.address) out.push(g.address.trim().toLowerCase());
    }
  }
  return out;
}

/** A file name safe to show and store: no path, no control characters, at most 255 characters. */
function safeFilename(name: string | undefined, n: number): string {
  const base = (name ?? '')
    .split(/[\\/]/)
    .pop()!
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  const clean = base === '' || base === '.' || base === '..' ? `attachment-${n}` : base;
  return clean.length <= 255 ? clean : clean.slice(0, 255);
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', eacute: 'é', egrave: 'è', ecirc: 'ê', agrave: 'à', acirc: 'â',
  ccedil: 'ç', ugrave: 'ù', ucirc: 'û', icirc: 'î', ocirc: 'ô', euml: 'ë', iuml: 'ï', laquo: '«', raquo: '»', euro: '€', hellip: '…',
  rsquo: '’', lsquo: '‘', ldquo: '“', rdquo: '”', ndash: '–', mdash: '—', Eacute: 'É', Agrave: 'À', Ccedil: 'Ç',
};

/** Plain text from HTML: block elements become line breaks, quoted blocks get `> `, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  let s = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/\r\n?/g, '\n')
    .replace(/\s*\n\s*/g, ' ');
  // Quoted blocks, innermost first: their lines get a `> ` prefix once converted.
  const QUOTE_OPEN = '\u0001';
  const QUOTE_CLOSE = '\u0002';
  s = s.replace(/<blockquote\b[^>]*>/gi, `\n${QUOTE_OPEN}\n`).replace(/<\/blockquote\s*>/gi, `\n${QUOTE_CLOSE}\n`);
  s = s
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|pre|table|ul|ol)\s*>/gi, '\n')
    .replace(/<(p|div|li|tr|h[1-6]|pre|table|ul|ol)\b[^>]*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, '\t')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
      }
      return ENTITIES[e] ?? ENTITIES[e.toLowerCase()] ?? all;
    });
  const out: string[] = [];
  let depth = 0;
  for (const raw of s.split('\n')) {
    if (raw === QUOTE_OPEN) {
      depth++;
      continue;
    }
    if (raw === QUOTE_CLOSE) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    const line = raw.replace(/[ \t\u00a0]+/g, ' ').trim();
    out.push(depth > 0 && line !== '' ? `${'> '.repeat(depth)}${line}` : line);
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

// ---------------------------------------------------------------- quoted text and signatures

/** "Le 12/03/2026 à 10:42, Vigie a écrit :" (Thunderbird, Gmail, Apple Mail in French). */
const FR_WROTE = /^\s*Le\s.+\sa\s+[ée]crit\s*:\s*$/i;
/** "On Thu, Mar 12, 2026 at 10:42 AM Vigie <…> wrote:". */
const EN_WROTE = /^\s*On\s.+\swrote\s*:\s*$/i;
/** Outlook and others: "-----Original Message-----", "-----Message d'origine-----", "-------- Message original --------". */
const ORIGINAL = /^\s*-{2,}\s*(original message|message d['’]origine|message original|urspr[üu]ngliche nachricht)\s*-{2,}\s*$/i;
/** Outlook header block: "De : …" / "From: …" followed within a few lines by "Envoyé : …" / "Sent: …" / "Date : …". */
const HDR_FROM = /^\s*\*?(de|from)\s*\*?\s*:\s*\S/i;
const HDR_SENT = /^\s*\*?(envoy[ée]|sent|date)\s*\*?\s*:\s*\S/i;
/** Outlook's rule above the header block. */
const RULE = /^\s*_{10,}\s*$/;

/**
 * The new text of a reply: without the lines quoting the previous message (`>`), without the
 * previous message under the usual reply headers (French and English), and without the signature
 * (after a `-- ` line). Inline answers below quoted lines are kept (a reply header directly followed
 * by `>` lines and then new text is only dropped, not cut at).
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  const drop = new Set<number>();
  for (let i = 0; i < end; i++) {
    const line = lines[i]!;
    if (line === '-- ' || line === '--') {
      end = i;
      break;
    }
    // A "Le … a écrit :" wrapped over two lines by the sender's client.
    const two = i + 1 < lines.length ? `${line.trimEnd()} ${lines[i + 1]!.trim()}` : null;
    const wroteOne = FR_WROTE.test(line) || EN_WROTE.test(line);
    const wroteTwo = !wroteOne && two !== null && !lines[i + 1]!.startsWith('>') && (FR_WROTE.test(two) || EN_WROTE.test(two)) && /^\s*(le|on)\s/i.test(line);
    if (wroteOne || wroteTwo) {
      const headerEnd = wroteTwo ? i + 2 : i + 1;
      if (newTextAfterQuote(lines, headerEnd)) {
        drop.add(i);
        if (wroteTwo) drop.add(i + 1);
        continue;
      }
      end = i;
      break;
    }
    if (ORIGINAL.test(line)) {
      end = i;
      break;
    }
    if (HDR_FROM.test(line) && lines.slice(i + 1, i + 5).some((l) => HDR_SENT.test(l))) {
      end = i;
      // The rule Outlook puts above the block, and the blank lines around it.
      while (end > 0 && (lines[end - 1]!.trim() === '' || RULE.test(lines[end - 1]!))) end--;
      break;
    }
  }
  const kept = lines.slice(0, end).filter((l, i) => !drop.has(i) && !/^\s*>/.test(l));
  return kept
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** True when, after the lines from `from` (blank or quoted), new unquoted text follows: an inline (bottom-posted) answer. */
function newTextAfterQuote(lines: string[], from: number): boolean {
  let i = from;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i >= lines.length || !/^\s*>/.test(lines[i]!)) return false;
  while (i < lines.length && (/^\s*>/.test(lines[i]!) || lines[i]!.trim() === '')) i++;
  if (i >= lines.length) return false;
  // A signature right after the quote is not new text.
  return !(lines[i] === '-- ' || lines[i] === '--');
}

/** Reply and forward prefixes, in the languages Vigie's clients write in and the usual others. */
const PREFIX = /^\s*(re|ré|réf|ref|tr|fwd?|fw|aw|wg|sv|vs|antw|rif|r)\s*(\[\d+\]|\(\d+\))?\s*:\s*/i;
const FORWARD = /^\s*(tr|fwd?|fw|wg)\s*(\[\d+\])?\s*:/i;

/** A ticket title from a subject: no Re:/RE:/TR:/Fwd: prefixes (repeated or not), no `[T-123]` tag, at most 300 characters. */
export function cleanSubject(subject: string): string {
  let s = subject.replace(/\s+/g, ' ').trim();
  for (;;) {
    const next = s.replace(PREFIX, '').replace(/^\s*\[T-\d+\]\s*/i, '');
    if (next === s) break;
    s = next;
  }
  s = s.replace(/\s*\[T-\d+\]\s*/gi, ' ').trim();
  return s.length <= 300 ? s : `${s.slice(0, 299)}…`;
}

/** True when the subject says the message is a forward (TR:, Fwd:, FW:, WG:): its quoted part is the content. */
export function isForward(subject: string): boolean {
  return FORWARD.test(subject);
}
