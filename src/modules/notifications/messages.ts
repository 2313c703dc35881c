/**
 * The words of alert messages, in French and English: pure, no I/O. The same text goes in the email
 * and in the webhook's `text`; the webhook also carries every field as data.
 */
import type { AlertChild, AlertKind } from '../monitoring/alerting.ts';
import type { AlertLocale } from '../monitoring/alert-schema.ts';

/** Time zone of the dates written in messages (the clients' calendars carry their own later). */
export const MESSAGE_TIME_ZONE = 'Europe/Paris';

export interface AlertMessageInput {
  locale: AlertLocale;
  kind: AlertKind;
  state: string;
  clientName: string;
  checkName: string;
  assetName: string | null;
  criticality: number | null;
  since: number | null;
  at: number;
  /** The check's own words (probe message). */
  message: string;
  children: readonly AlertChild[];
  link: string;
}

export interface ComposedMessage {
  subject: string;
  text: string;
}

const WORDS = {
  fr: {
    kind: { problem: 'Alerte', repeat: 'Rappel', recovery: 'Rétabli', flapping: 'Instable' } satisfies Record<AlertKind, string>,
    state: { up: 'opérationnel', degraded: 'dégradé', down: 'en panne', unknown: 'inconnu (pas de données)', maintenance: 'en maintenance' } as Record<string, string>,
    headline: {
      problem: (c: string, s: string) => `${c} est ${s}.`,
      repeat: (c: string, s: string) => `${c} est toujours ${s}.`,
      recovery: (c: string, s: string) => `${c} est de nouveau ${s}.`,
      flapping: (c: string, s: string) => `${c} change d'état sans arrêt (actuellement ${s}) : les alertes sont suspendues jusqu'à ce qu'il se stabilise.`,
    },
    client: 'Client',
    check: 'Contrôle',
    asset: 'Équipement',
    criticality: 'criticité',
    stateLabel: 'État',
    since: 'Depuis le',
    message: 'Message',
    children: (n: number) => `Injoignables à cause de cette panne (${n}) :`,
    link: 'Voir dans Vigie',
    footer: 'Message envoyé par Vigie.',
    test: {
      subject: (rule: string) => `[Vigie] Message de test : ${rule}`,
      text: (rule: string, client: string) => `Ceci est un message de test de la règle d'alerte « ${rule} » du client ${client}.\nSi vous le recevez, ce canal fonctionne.`,
    },
  },
  en: {
    kind: { problem: 'Alert', repeat: 'Reminder', recovery: 'Recovered', flapping: 'Flapping' } satisfies Record<AlertKind, string>,
    state: { up: 'up', degraded: 'degraded', down: 'down', unknown: 'unknown (no data)', maintenance: 'in maintenance' } as Record<string, string>,
    headline: {
      problem: (c: string, s: string) => `${c} is ${s}.`,
      repeat: (c: string, s: string) => `${c} is still ${s}.`,
      recovery: (c: string, s: string) => `${c} is ${s} again.`,
      flapping: (c: string, s: string) => `${c} keeps changing state (now ${s}): alerts are paused until it is stable.`,
    },
    client: 'Client',
    check: 'Check',
    asset: 'Asset',
    criticality: 'criticality',
    stateLabel: 'State',
    since: 'Since',
    message: 'Message',
    children: (n: number) => `Unreachable because of this failure (${n}):`,
    link: 'Open in Vigie',
    footer: 'Sent by Vigie.',
    test: {
      subject: (rule: string) => `[Vigie] Test message: ${rule}`,
      text: (rule: string, client: string) => `This is a test message of the alert rule "${rule}" of ${client}.\nIf you receive it, this channel works.`,
    },
  },
} as const;

/** A date as people of this locale write it, in the messages' time zone. */
export function formatDate(t: number, locale: AlertLocale): string {
  const f = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium', timeZone: MESSAGE_TIME_ZONE });
  return `${f.format(new Date(t))} (${MESSAGE_TIME_ZONE})`;
}

/** The state's word in this locale. */
export function stateWord(state: string, locale: AlertLocale): string {
  return WORDS[locale].state[state] ?? state;
}

/** Subject and plain-text body of an alert message. */
export function composeAlert(m: AlertMessageInput): ComposedMessage {
  const w = WORDS[m.locale];
  const sep = m.locale === 'fr' ? ' : ' : ': ';
  const state = stateWord(m.state, m.locale);
  const subject = `[Vigie] ${w.kind[m.kind]}${sep}${m.checkName}${m.kind === 'flapping' ? '' : ` ${state}`} — ${m.clientName}`;
  const lines = [w.headline[m.kind](m.checkName, state), ''];
  lines.push(`${w.client}${sep}${m.clientName}`, `${w.check}${sep}${m.checkName}`);
  if (m.assetName) lines.push(`${w.asset}${sep}${m.assetName}${m.criticality !== null ? ` (${w.criticality} ${m.criticality})` : ''}`);
  lines.push(`${w.stateLabel}${sep}${state}`);
  if (m.since !== null) lines.push(`${w.since}${sep}${formatDate(m.since, m.locale)}`);
  if (m.message) lines.push(`${w.message}${sep}${m.message}`);
  if (m.children.length) {
    lines.push('', w.children(m.children.length));
    for (const c of m.children.slice(0, 100)) lines.push(`  - ${c.name}`);
    if (m.children.length > 100) lines.push(`  … (+${m.children.length - 100})`);
  }
  lines.push('', `${w.link}${sep}${m.link}`, '', '-- ', w.footer);
  return { subject, text: lines.join('\n') };
}

/** Subject and body of a rule's test message. */
export function composeTest(locale: AlertLocale, ruleName: string, clientName: string): ComposedMessage {
  const w = WORDS[locale];
  return { subject: w.test.subject(ruleName), text: `${w.test.text(ruleName, clientName)}\n\n-- \n${w.footer}` };
}

/** The address of a check's page in the web app. */
export function checkLink(publicUrl: string, clientId: string, checkId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/clients/${clientId}/checks/${checkId}`;
}
