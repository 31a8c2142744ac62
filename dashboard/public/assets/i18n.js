// The pages' language and formats: Vietnamese or English (the sandbox's locale picks the
// default, the switcher in every header overrides it and is remembered in localStorage), and
// money, energy and times formatted by @feedin/locale, the same module the CLI uses (bundled at
// build time into /vendor/feedin-locale.js with i18next and the message files). Static text
// carries data-i18n="key" (text) or data-i18n-attr="aria-label:key;title:key" (attributes).
import {
  LANGUAGES,
  createTranslator,
  formatClock,
  formatCount,
  formatDay,
  formatInterval,
  formatKW,
  formatKWh,
  formatLocaleFor,
  formatMoney,
  formatPercent,
  formatTime,
  formatUtc,
  isLanguage,
  languageOf,
  wattsFromKW,
  zoneLabel,
} from '/vendor/feedin-locale.js';

const STORAGE_KEY = 'feedin.language';

export function chosenLanguage(sandboxLocale) {
  let stored;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = undefined; // storage disabled: the sandbox default
  }
  return isLanguage(stored) ? stored : languageOf(sandboxLocale);
}

/** Everything a page formats with, bound to the language and the sandbox (GET /api/whoami's `sandbox`). */
export function createLocale(info = {}) {
  const language = chosenLanguage(info.locale);
  const locale = formatLocaleFor(language, info.locale);
  const t = createTranslator(language);
  const timeZone = info.timeZone ?? 'UTC';
  const when = { locale, timeZone };
  const money = { locale, token: info.token ?? { symbol: 'sVND', decimals: 0 }, currency: info.currency ?? null };
  const names = info.householdNames ?? {};
  return {
    language,
    locale,
    timeZone,
    t,
    money: (baseUnits) => formatMoney(baseUnits, money),
    kWh: (wh, decimals) => formatKWh(wh, locale, decimals),
    kW: (watts) => formatKW(watts, locale),
    /** a kW figure typed into a form → integer W, or undefined */
    wattsFromKW,
    count: (n) => formatCount(n, locale),
    percent: (part, whole) => formatPercent(part, whole, locale),
    time: (ms) => formatTime(ms, when),
    clock: (ms, options) => formatClock(ms, when, options),
    day: (ms) => formatDay(ms, when),
    interval: (startMs, endMs) => formatInterval(startMs, endMs, when),
    utc: formatUtc,
    zone: (atMs) => zoneLabel(timeZone, locale, atMs),
    /** "Nguyễn Văn An — Quận 7" for hh-01, the id itself when the sandbox file names none */
    household: (id) => names[id] ?? id ?? '—',
    /** a batch or chain status word */
    status: (status) => t(`status.${status}`, { defaultValue: status }),
    yesNo: (yes) => t(yes ? 'common.yes' : 'common.no'),
    /** cap flags and rejection reasons in words; the machine code stays in the title and the CSV */
    flag: (code) => t(`capFlag.${code}`, { defaultValue: code }),
    flags: (codes) => (codes?.length ? codes.map((code) => t(`capFlag.${code}`, { defaultValue: code })).join(', ') : '—'),
    reason: (code) => t(`rejectionReason.${code}`, { defaultValue: code }),
  };
}

/** Puts the language's text into every [data-i18n] / [data-i18n-attr] element under `root`. */
export function translateDom(t, root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]'))
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
}

/** The switcher: one button per language, the current one pressed. A choice is stored and the
 * page reloads in it (the session cookie keeps the login), so every text and format follows. */
export function languageSwitcher(loc) {
  const nav = document.createElement('nav');
  nav.className = 'lang-switch';
  nav.id = 'language-switch';
  nav.setAttribute('aria-label', loc.t('common.language'));
  for (const language of LANGUAGES) {
    const b = document.createElement('button');
    b.type = 'button';
    b.lang = language;
    b.dataset.language = language;
    b.textContent = loc.t(`common.languageName.${language}`);
    b.setAttribute('aria-pressed', String(language === loc.language));
    b.addEventListener('click', () => {
      if (language === loc.language) return;
      try {
        localStorage.setItem(STORAGE_KEY, language);
      } catch {
        /* storage disabled: the choice lasts this page only */
      }
      location.reload();
    });
    nav.append(b);
  }
  return nav;
}

/** Applies the language to the document: <html lang>, static texts, the switcher in the header. */
export function applyLanguage(loc, { header = document.querySelector('header.top') } = {}) {
  document.documentElement.lang = loc.language;
  translateDom(loc.t);
  if (header && !document.getElementById('language-switch')) header.append(languageSwitcher(loc));
}
