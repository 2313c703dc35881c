/** French and English catalogues; the language comes from localStorage, else the browser. */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { fr } from './fr.ts';
import { en } from './en.ts';

export type Lang = 'fr' | 'en';
export const LANGS: readonly Lang[] = ['fr', 'en'];
const STORAGE_KEY = 'vigie.lang';

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'fr' || saved === 'en') return saved;
  } catch {
    // storage may be disabled: fall back to the browser's language
  }
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of langs) {
    const base = (l ?? '').toLowerCase().slice(0, 2);
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

export function currentLang(): Lang {
  return i18next.language === 'fr' ? 'fr' : 'en';
}

/** The locale for dates and numbers. */
export function intlLocale(): string {
  return currentLang() === 'fr' ? 'fr-FR' : 'en-GB';
}

export async function setLang(lang: Lang): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = lang;
  await i18next.changeLanguage(lang);
}

export async function initI18n(): Promise<void> {
  const lng = initialLang();
  document.documentElement.lang = lng;
  await i18next.use(initReactI18next).init({
    resources: { fr: { translation: fr }, en: { translation: en } },
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
}
