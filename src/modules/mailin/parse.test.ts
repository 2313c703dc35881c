import { describe, expect, it } from 'vitest';
import { cleanSubject, htmlToText, isForward, parseInbound, stripQuoted } from './parse.ts';

const TICKET = '0195a3c4-7b2e-7d10-8f00-1a2b3c4d5e6f';
const OUTBOX = '0195a3c4-9000-7aaa-8bbb-ccccdddd0001';
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** As Thunderbird 128 (French) sends a reply to a Vigie ticket e-mail: top-posted, signature, quoted message. */
const THUNDERBIRD_FR = crlf(`Message-ID: <3f1c2a9e-8b7d-4c1e-9f3a-1b2c3d4e5f60@alpha.test>
Date: Thu, 12 Mar 2026 11:05:13 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: [T-42] Imprimante du 2e =?UTF-8?Q?=c3=a9tage?= en panne
Content-Language: fr
To: Vigie <support@vigie.test>
References: <ticket-${TICKET}@vigie>
 <ticket-${TICKET}-${OUTBOX}@vigie>
In-Reply-To: <ticket-${TICKET}-${OUTBOX}@vigie>
From: =?UTF-8?Q?Jean_Dupr=C3=A9?= <Jean.Dupre@Alpha.test>
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Bonjour,

Le voyant rouge clignote toujours après le redémarrage.
J'ai essayé une deuxième fois ce matin.

Cordialement,
-- 
Jean Dupré
Service comptabilité - 01 23 45 67 89

Le 12/03/2026 à 10:42, Vigie a écrit :
> Bonjour,
>
> Pouvez-vous redémarrer l'imprimante et nous dire si le voyant rouge
> s'éteint ?
>
> -- 
> Vigie - centre de services
`);

/** As Outlook (Microsoft 365, English) sends a reply: multipart/alternative, quoted-printable, "-----Original Message-----". */
const OUTLOOK_EN = crlf(`From: Mary Smith <Mary.Smith@alpha.test>
To: "support@vigie.test" <support@vigie.test>
Subject: RE: [T-42] Imprimante
Thread-Topic: [T-42] Imprimante
Thread-Index: AQHZbW1kZXNrdGVzdA==
Date: Thu, 12 Mar 2026 10:15:02 +0000
Message-ID: <DB9PR01MB7354A1B2C3D4E5F6@DB9PR01MB7354.eurprd01.prod.exchangelabs.com>
References: <ticket-${TICKET}@vigie>
In-Reply-To: <ticket-${TICKET}-${OUTBOX}@vigie>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach:
Content-Type: multipart/alternative;
	boundary="_000_DB9PR01MB7354A1B2C3D4E5F6DB9PR01MB7354eurp_"
MIME-Version: 1.0

--_000_DB9PR01MB7354A1B2C3D4E5F6DB9PR01MB7354eurp_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Hi,

The printer works again after the restart, thanks. You can close the ticke=
t.

Mary

-----Original Message-----
From: Vigie <support@vigie.test>=20
Sent: Thursday, March 12, 2026 9:42 AM
To: Mary Smith <Mary.Smith@alpha.test>
Subject: [T-42] Imprimante

Could you restart the printer and tell us whether the red light goes off?

--_000_DB9PR01MB7354A1B2C3D4E5F6DB9PR01MB7354eurp_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=
=3Dus-ascii"></head><body><p>Hi,</p><p>The printer works again after the re=
start, thanks.</p></body></html>

--_000_DB9PR01MB7354A1B2C3D4E5F6DB9PR01MB7354eurp_--
`);

/** HTML only (as some webmails and phones send): a new request, with a quoted block and entities. */
const HTML_ONLY = crlf(`From: "Paul Martin" <paul.martin@alpha.test>
To: support@vigie.test
Subject: Serveur de fichiers inaccessible
Date: Fri, 13 Mar 2026 08:01:00 +0100
Message-ID: <CAF=abc123+def@mail.gmail.com>
MIME-Version: 1.0
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr"><div>Bonjour,</div><div><br></div><div>Le lecteur <b>S:</b>=
 ne r=C3=A9pond plus depuis 7h &amp; personne ne peut ouvrir les fichiers =
&laquo;&nbsp;Compta&nbsp;&raquo;.</div><div><br></div><div>Merci</div></div=
><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On Th=
u, Mar 12, 2026 at 10:42 AM Vigie &lt;support@vigie.test&gt; wrote:<br></di=
v><blockquote class=3D"gmail_quote" style=3D"margin:0px 0px 0px 0.8ex">Old =
message</blockquote></div>
`);

/** A new request with a PDF and an image attached, the PDF's name in RFC 2231 encoding. */
const WITH_ATTACHMENT = crlf(`From: Jean Dupre <jean.dupre@alpha.test>
To: support@vigie.test
Subject: Erreur au lancement du logiciel de paie
Date: Fri, 13 Mar 2026 09:30:00 +0100
Message-ID: <att-1@alpha.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------b0undary"

This is a multi-part message in MIME format.
--------------b0undary
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Voir la capture et le rapport ci-joints.

--------------b0undary
Content-Type: application/pdf; name="rapport.pdf"
Content-Disposition: attachment;
 filename*=UTF-8''rapport%20d%C3%A9taill%C3%A9.pdf
Content-Transfer-Encoding: base64

${Buffer.from('%PDF-1.4 fake pdf body').toString('base64')}
--------------b0undary
Content-Type: image/png; name="../../etc/capture.png"
Content-Disposition: attachment; filename="../../etc/capture.png"
Content-Transfer-Encoding: base64

${Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]).toString('base64')}
--------------b0undary--
`);

describe('mailin: parsing inbound e-mail', () => {
  it('reads a Thunderbird French reply: sender, ticket id from the headers, new text only', async () => {
    const m = await parseInbound(Buffer.from(THUNDERBIRD_FR, 'utf8'));
    expect(m.messageId).toBe('<3f1c2a9e-8b7d-4c1e-9f3a-1b2c3d4e5f60@alpha.test>');
    expect(m.syntheticId).toBe(false);
    expect(m.from).toEqual({ address: 'jean.dupre@alpha.test', name: 'Jean Dupré' });
    expect(m.to).toEqual(['support@vigie.test']);
    expect(m.subject).toBe('Re: [T-42] Imprimante du 2e étage en panne');
    expect(m.date).toBe(Date.parse('2026-03-12T10:05:13Z'));
    // The header names the ticket: it wins over the subject's number.
    expect(m.ticketRef).toEqual({ ticketId: TICKET });
    expect(m.autoSubmitted).toBe(false);
    expect(m.attachments).toEqual([]);
    expect(m.text).toContain('Le 12/03/2026 à 10:42, Vigie a écrit :');
    expect(stripQuoted(m.text)).toBe("Bonjour,\n\nLe voyant rouge clignote toujours après le redémarrage.\nJ'ai essayé une deuxième fois ce matin.\n\nCordialement,");
  });

  it('reads an Outlook English reply: the plain part, the "-----Original Message-----" block cut', async () => {
    const m = await parseInbound(OUTLOOK_EN);
    expect(m.from).toEqual({ address: 'mary.smith@alpha.test', name: 'Mary Smith' });
    expect(m.ticketRef).toEqual({ ticketId: TICKET });
    expect(stripQuoted(m.text)).toBe('Hi,\n\nThe printer works again after the restart, thanks. You can close the ticket.\n\nMary');
  });

  it('reads an HTML-only message: text from the HTML, tags and entities gone, the quoted block removed', async () => {
    const m = await parseInbound(HTML_ONLY);
    expect(m.text).not.toMatch(/<div|<br|&amp;|&nbsp;/);
    expect(m.text).toContain('Le lecteur');
    expect(m.text).toContain('ne répond plus depuis 7h & personne');
    expect(m.ticketRef).toEqual({});
    const body = stripQuoted(m.text);
    expect(body).toContain('Bonjour,');
    expect(body).toContain('Merci');
    expect(body).not.toContain('Old message');
    expect(body).not.toContain('wrote:');
  });

  it('reads attachments: name (RFC 2231 decoded, no path), type and bytes', async () => {
    const m = await parseInbound(WITH_ATTACHMENT);
    expect(m.text.trim()).toBe('Voir la capture et le rapport ci-joints.');
    expect(m.attachments).toHaveLength(2);
    expect(m.attachments[0]).toEqual({ filename: 'rapport détaillé.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 fake pdf body') });
    expect(m.attachments[1]!.filename).toBe('capture.png');
    expect(m.attachments[1]!.contentType).toBe('image/png');
    expect([...m.attachments[1]!.content]).toEqual([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  });

  it('takes the ticket number from a subject "RE: [T-42] Imprimante" when no header names a ticket', async () => {
    const m = await parseInbound(crlf(`From: a@alpha.test\nTo: support@vigie.test\nSubject: RE: [T-42] Imprimante\nMessage-ID: <x1@alpha.test>\n\nToujours en panne.\n`));
    expect(m.ticketRef).toEqual({ number: 42 });
    expect(cleanSubject(m.subject)).toBe('Imprimante');
  });

  it('gives a message without Message-ID a stable synthetic one (same message, same id)', async () => {
    const raw = crlf(`From: a@alpha.test\nTo: support@vigie.test\nSubject: Sans identifiant\nDate: Fri, 13 Mar 2026 09:30:00 +0100\n\nTexte.\n`);
    const one = await parseInbound(raw);
    const two = await parseInbound(raw);
    expect(one.syntheticId).toBe(true);
    expect(one.messageId).toMatch(/^<sha256-[0-9a-f]{64}@vigie\.inbound>$/);
    expect(two.messageId).toBe(one.messageId);
    const other = await parseInbound(raw.replace('Texte.', 'Autre texte.'));
    expect(other.messageId).not.toBe(one.messageId);
  });

  it('flags automatic messages: Auto-Submitted, auto-reply headers, delivery reports, the null sender', async () => {
    const base = `From: a@alpha.test\nTo: support@vigie.test\nSubject: Absence\nMessage-ID: <auto@alpha.test>\n`;
    expect((await parseInbound(crlf(`${base}Auto-Submitted: auto-replied\n\nJe suis absent.\n`))).autoSubmitted).toBe(true);
    expect((await parseInbound(crlf(`${base}Auto-Submitted: no\n\nBonjour.\n`))).autoSubmitted).toBe(false);
    expect((await parseInbound(crlf(`${base}X-Autoreply: yes\n\nJe suis absent.\n`))).autoSubmitted).toBe(true);
    expect((await parseInbound(crlf(`${base}Precedence: bulk\n\nLettre.\n`))).autoSubmitted).toBe(true);
    expect((await parseInbound(crlf(`${base}Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nUndeliverable\n--b--\n`))).autoSubmitted).toBe(true);
    expect((await parseInbound(crlf(`${base}\nBonjour.\n`), { envelopeFrom: '' })).autoSubmitted).toBe(true);
    expect((await parseInbound(crlf(`${base}\nBonjour.\n`), { envelopeFrom: 'a@alpha.test' })).autoSubmitted).toBe(false);
  });

  it('falls back on the envelope sender when there is no From header', async () => {
    const m = await parseInbound(crlf(`To: support@vigie.test\nSubject: x\n\ny\n`), { envelopeFrom: 'Someone@Alpha.test' });
    expect(m.from).toEqual({ address: 'someone@alpha.test', name: '' });
    expect((await parseInbound(crlf(`To: support@vigie.test\nSubject: x\n\ny\n`))).from).toBeNull();
  });

  it('ignores message ids that only look like Vigie ones', async () => {
    const m = await parseInbound(crlf(`From: a@alpha.test\nSubject: Hello\nIn-Reply-To: <ticket-not-a-uuid@vigie>\nReferences: <ticket-${TICKET}@evil.test>\n\nx\n`));
    expect(m.ticketRef).toEqual({});
  });
});

describe('mailin: stripQuoted', () => {
  it('removes an Outlook French header block ("De : … Envoyé : …") and the rule above it', () => {
    const text = [
      'Bonjour,',
      '',
      "C'est réparé, merci.",
      '',
      '________________________________',
      'De : Vigie <support@vigie.test>',
      'Envoyé : jeudi 12 mars 2026 10:42',
      'À : Jean Dupré <jean.dupre@alpha.test>',
      'Objet : [T-42] Imprimante',
      '',
      'Pouvez-vous redémarrer ?',
    ].join('\r\n');
    expect(stripQuoted(text)).toBe("Bonjour,\n\nC'est réparé, merci.");
  });

  it('removes an English "On … wrote:" header wrapped over two lines, and what follows', () => {
    const text = 'Thanks, done.\n\nOn Thu, Mar 12, 2026 at 10:42 AM Vigie <support@vigie.test>\nwrote:\n\n> Could you restart it?\n';
    expect(stripQuoted(text)).toBe('Thanks, done.');
  });

  it('keeps inline answers written below quoted lines', () => {
    const text = 'Le 12/03/2026 à 10:42, Vigie a écrit :\n> Le voyant est-il rouge ?\nOui, toujours.\n> Avez-vous redémarré ?\nDeux fois.\n\n-- \nJean';
    expect(stripQuoted(text)).toBe('Oui, toujours.\nDeux fois.');
  });

  it('keeps a line that merely starts with "De :" and cuts at "-----Message d\'origine-----"', () => {
    expect(stripQuoted('De : la comptabilité, une demande.\nMerci.')).toBe('De : la comptabilité, une demande.\nMerci.');
    expect(stripQuoted('Ok.\n-----Message d\'origine-----\nDe : Vigie\nEnvoyé : hier')).toBe('Ok.');
  });

  it('gives an empty text when everything was quoted', () => {
    expect(stripQuoted('> a\n> b\n')).toBe('');
  });
});

describe('mailin: subjects and HTML', () => {
  it('cleans reply and forward prefixes and the ticket tag from a title', () => {
    expect(cleanSubject('RE: [T-42] Imprimante')).toBe('Imprimante');
    expect(cleanSubject('Re: RE: TR: Fwd: Accès VPN')).toBe('Accès VPN');
    expect(cleanSubject('AW: Re[2]: Sauvegarde [T-7] échouée')).toBe('Sauvegarde échouée');
    expect(cleanSubject('Réf : Commande')).toBe('Commande');
    expect(cleanSubject('Revue des accès')).toBe('Revue des accès');
    expect(cleanSubject('x'.repeat(400))).toHaveLength(300);
    expect(isForward('TR: Alerte antivirus')).toBe(true);
    expect(isForward('Fwd: Alerte')).toBe(true);
    expect(isForward('RE: TR: Alerte')).toBe(false);
  });

  it('turns HTML into text with quoted blocks prefixed', () => {
    expect(htmlToText('<style>p{}</style><p>Un&nbsp;&eacute;t&#233; &#x263A;</p><blockquote><p>vieux</p></blockquote><p>fin</p>')).toBe('Un été ☺\n\n> vieux\n\nfin');
  });
});
