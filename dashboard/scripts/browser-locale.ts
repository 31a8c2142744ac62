// The entry of the browser bundle of @feedin/locale (scripts/build.mjs): i18next with the
// message files and the money, energy and time formatters, the same code the CLI runs.
export { LANGUAGES, formatLocaleFor, isLanguage, languageOf } from '../../locale/src/language.js';
export { createTranslator } from '../../locale/src/translator.js';
export { formatCount, formatKW, formatKWh, formatMoney, formatPercent, wattsFromKW } from '../../locale/src/format-number.js';
export { formatClock, formatDay, formatInterval, formatTime, formatUtc, zoneLabel } from '../../locale/src/format-time.js';
