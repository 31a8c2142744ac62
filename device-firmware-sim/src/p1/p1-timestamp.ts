// DSMR P1 timestamps: YYMMDDhhmmssX in the meter's local time, X = 'S' summer (DST active) or 'W'
// winter (DSMR P1 Companion Standard 5.0.2 §6.4, "TST"). The P1 countries covered here (NL, BE,
// LU) keep Central European Time: W = UTC+1, S = UTC+2. Pure: text in, ISO 8601 UTC out.
import { fail, ok, type Result } from '@feedin/protocol/result';

const TST = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([SW])$/;

export function p1TimestampToIso(text: string): Result<string, 'malformed-timestamp'> {
  const m = TST.exec(text);
  if (!m) return fail('malformed-timestamp', `not YYMMDDhhmmss[S|W]: ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHours = m[7] === 'S' ? 2 : 1;
  const ms = Date.UTC(2000 + year, month - 1, day, hour - offsetHours, minute, second);
  // Date.UTC rolls 31 February into March; a real meter clock never says that.
  const check = new Date(Date.UTC(2000 + year, month - 1, day, hour, minute, second));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    return fail('malformed-timestamp', `no such time: ${JSON.stringify(text)}`);
  return ok(new Date(ms).toISOString());
}
