// OCMF time stamps: `2026-11-22T10:15:00,000+0700 S` — ISO 8601 local time with milliseconds
// (OCMF writes a comma), the UTC offset without colon, a space and the clock status letter
// (OCMF: U unknown, I informative/unsynchronised, S synchronised, R relative).
import { FeedinError } from './errors.js';
import { fail, ok, type Result } from './result.js';

const TM = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[,.](\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})\s*([UISR])?$/;

export const CLOCK_STATUSES = ['U', 'I', 'S', 'R'] as const;

export function formatOcmfTime(timestampMs: number, utcOffsetMinutes: number, clockStatus = 'S'): string {
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0 || timestampMs > 253402300799999) throw new FeedinError(`timestampMs: an integer ms time in years 1970-9999, got ${timestampMs}`);
  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 18 * 60) throw new FeedinError(`utcOffsetMinutes: an integer within ±1080, got ${utcOffsetMinutes}`);
  if (!(CLOCK_STATUSES as readonly string[]).includes(clockStatus)) throw new FeedinError(`clockStatus: one of ${CLOCK_STATUSES.join(', ')}, got ${JSON.stringify(clockStatus)}`);
  const local = new Date(timestampMs + utcOffsetMinutes * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(utcOffsetMinutes);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())},${pad(local.getUTCMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(off / 60))}${pad(off % 60)} ${clockStatus}`
  );
}

export function parseOcmfTime(text: string): Result<{ timestampMs: number; utcOffsetMinutes: number; clockStatus: string }, 'malformed'> {
  const m = TM.exec(text.trim());
  if (!m) return fail('malformed', `TM ${JSON.stringify(text.slice(0, 60))} is not an OCMF time (e.g. 2026-11-22T10:15:00,000+0700 S)`);
  const [, y, mo, d, h, mi, s, frac = '0', zone, status = 'U'] = m as unknown as string[];
  const offset = zone === 'Z' ? 0 : (zone!.startsWith('-') ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(-2)));
  const ms = Number(frac!.padEnd(3, '0').slice(0, 3));
  const [Y, M, D, H, Mi, S] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || Mi > 59 || S > 60 || Math.abs(offset) > 18 * 60)
    return fail('malformed', `TM ${JSON.stringify(text)} has a field out of range`);
  const utc = Date.UTC(Y, M - 1, D, H, Mi, S, ms);
  const check = new Date(utc);
  if (check.getUTCDate() !== D || check.getUTCMonth() !== M - 1) return fail('malformed', `TM ${JSON.stringify(text)} is not a calendar date`);
  return ok({ timestampMs: utc - offset * 60_000, utcOffsetMinutes: offset, clockStatus: status! });
}
