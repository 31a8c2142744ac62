// The one i18n setup of feedin (i18next), shared by the pages (bundled for the browser by
// dashboard/scripts/build.mjs) and the CLI. Messages live in ./messages/<language>.json; plurals
// use i18next's Intl.PluralRules suffixes (`_one`/`_other` in English; Vietnamese has only
// `_other`). messages.test.ts fails when a key is missing in either language or in code.
import i18next, { type TFunction } from 'i18next';
import { LANGUAGES, type Language } from './language.js';
import en from './messages/en.json' with { type: 'json' };
import vi from './messages/vi.json' with { type: 'json' };

export const MESSAGES: Readonly<Record<Language, Record<string, unknown>>> = { en, vi };

export type Translate = (key: string, values?: Record<string, unknown>) => string;

/** A translator for `language`; values are interpolated as given ({{name}}), never HTML-escaped:
 * the pages put text in with textContent only. */
export function createTranslator(language: Language): Translate {
  const instance = i18next.createInstance();
  void instance.init({
    lng: language,
    supportedLngs: [...LANGUAGES],
    // A key missing in Vietnamese shows the English text rather than the key (the test catches it first).
    fallbackLng: 'en',
    resources: { en: { translation: en }, vi: { translation: vi } },
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  const t: TFunction = instance.t.bind(instance);
  return (key, values) => String(t(key, values ?? {}));
}
