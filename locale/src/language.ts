// Which language a person reads and which locale formats their numbers and times. The pages and
// the CLI offer Vietnamese and English (docs/design.md §Languages); the sandbox's locale
// picks the default, a person's choice overrides it.

export const LANGUAGES = ['vi', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** "vi-VN" → "vi"; anything that is not one of ours reads English. */
export function languageOf(locale: string | undefined | null): Language {
  const primary = String(locale ?? '').toLowerCase().split(/[-_]/)[0];
  return primary === 'vi' ? 'vi' : 'en';
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The locale that formats numbers and times for `language`: the sandbox's own when it speaks
 * that language (its region's conventions), else the language's default. English defaults to
 * `en` (CLDR root English: ₫1,234, Nov 22, 2026). */
export function formatLocaleFor(language: Language, sandboxLocale: string | undefined | null): string {
  if (sandboxLocale && languageOf(sandboxLocale) === language) return sandboxLocale;
  return language === 'vi' ? 'vi-VN' : 'en';
}
