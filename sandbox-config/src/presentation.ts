// How the sandbox is shown to people: its locale (default language and formats), the currency
// its token stands for, and its households' names. Defaults when the file does not say: the
// locale from the time zone (a Vietnamese zone reads Vietnamese, others English), the currency
// from the token symbol ("sVND", the sandbox's VND, → VND) when Intl knows it as a currency.
import type { SandboxConfig } from './schema.js';

const VIETNAMESE_ZONES = new Set(['Asia/Ho_Chi_Minh', 'Asia/Saigon']);

export interface SandboxPresentation {
  locale: string;
  currency: string | null;
  householdNames: Record<string, string>;
}

export function defaultLocale(timeZone: string): string {
  return VIETNAMESE_ZONES.has(timeZone) ? 'vi-VN' : 'en';
}

export function currencyOfSymbol(symbol: string): string | null {
  const code = /^s?([A-Z]{3})$/.exec(symbol)?.[1];
  if (!code) return null;
  return Intl.supportedValuesOf('currency').includes(code) ? code : null;
}

type PresentationInput = { sandbox: Pick<SandboxConfig['sandbox'], 'timeZone' | 'locale' | 'currency'>; chain: { token: { symbol: string } }; participants: { households: ReadonlyArray<{ id: string; name: string }> } };

export function sandboxPresentation(config: PresentationInput): SandboxPresentation {
  return {
    locale: config.sandbox.locale ?? defaultLocale(config.sandbox.timeZone),
    currency: config.sandbox.currency ?? currencyOfSymbol(config.chain.token.symbol),
    householdNames: Object.fromEntries(config.participants.households.map((h) => [h.id, h.name])),
  };
}
