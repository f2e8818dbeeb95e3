import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { type Messages, ptBR } from './locales/pt-BR';

export const LANGUAGES = ['pt-BR', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'pt-BR';

// The choice survives reloads; it is a preference, not a secret, so localStorage is fine.
const LANGUAGE_STORAGE_KEY = 'vai-de-pix.language';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

function readStoredLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
    return isLanguage(stored) ? stored : DEFAULT_LANGUAGE;
  } catch {
    // Storage can be disabled (private mode, policies); the default language still works.
    return DEFAULT_LANGUAGE;
  }
}

function applyDocumentLanguage(language: string): void {
  document.documentElement.lang = isLanguage(language) ? language : DEFAULT_LANGUAGE;
}

export async function changeLanguage(language: Language): Promise<void> {
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Not persisting the preference is acceptable; switching for this visit still works.
  }
  await i18n.changeLanguage(language);
}

/**
 * Applies the language saved on the server (GET /api/me, or the answer to a sign-in), so
 * the choice follows the person to every device. A person with no saved language (null)
 * keeps whatever this browser shows, as before any choice was saved.
 */
export async function applyServerLanguage(language: string | null | undefined): Promise<void> {
  if (!isLanguage(language) || language === currentLanguage()) return;
  await changeLanguage(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : DEFAULT_LANGUAGE;
}

i18n.on('languageChanged', applyDocumentLanguage);

void i18n.use(initReactI18next).init({
  resources: {
    'pt-BR': { translation: ptBR },
    en: { translation: en },
  },
  lng: readStoredLanguage(),
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: LANGUAGES,
  initAsync: false,
  // React escapes output already.
  interpolation: { escapeValue: false },
});

applyDocumentLanguage(i18n.language);

export { i18n };
