/**
 * The survey e-mail, in French (default) or English: the ticket's reference and title and five
 * one-click links, one per score. Pure: no I/O.
 */

export type SurveyLocale = 'fr' | 'en';

const LABELS: Record<SurveyLocale, string[]> = {
  fr: ['Très insatisfait', 'Insatisfait', 'Moyennement satisfait', 'Satisfait', 'Très satisfait'],
  en: ['Very dissatisfied', 'Dissatisfied', 'Neither', 'Satisfied', 'Very satisfied'],
};

/** The public page of a survey token, with `?score=n` when given. */
export function surveyLink(publicUrl: string, token: string, score?: number): string {
  const base = `${publicUrl.replace(/\/+$/, '')}/survey/${token}`;
  return score === undefined ? base : `${base}?score=${score}`;
}

/** Subject and text of the survey message for one ticket. */
export function surveyMessage(
  locale: SurveyLocale,
  m: { publicUrl: string; token: string; ref: string; title: string; providerName: string },
): { subject: string; text: string } {
  const links = [1, 2, 3, 4, 5].map((s) => `  ${s} - ${LABELS[locale][s - 1]} : ${surveyLink(m.publicUrl, m.token, s)}`);
  if (locale === 'en') {
    return {
      subject: `[Vigie] ${m.ref}: how did we do? (${m.title})`,
      text: [
        'Hello,',
        '',
        `Your ticket ${m.ref} "${m.title}" has been resolved. How satisfied are you with how it was handled?`,
        'One click is enough to answer:',
        '',
        ...links.map((l) => l.replace(' : ', ': ')),
        '',
        'You may add a comment and change your score for 7 days.',
        '',
        'Thank you,',
        m.providerName ? `The service desk, ${m.providerName}` : 'The service desk',
      ].join('\n'),
    };
  }
  return {
    subject: `[Vigie] ${m.ref} : votre avis sur notre intervention (${m.title})`,
    text: [
      'Bonjour,',
      '',
      `Votre demande ${m.ref} « ${m.title} » a été résolue. Êtes-vous satisfait(e) de son traitement ?`,
      'Un clic suffit pour répondre :',
      '',
      ...links,
      '',
      'Vous pourrez ajouter un commentaire et modifier votre note pendant 7 jours.',
      '',
      'Merci,',
      m.providerName ? `Le centre de services, ${m.providerName}` : 'Le centre de services',
    ].join('\n'),
  };
}
