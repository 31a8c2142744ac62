// feedin p1 parse <file|->
// Prints one DSMR P1 telegram as JSON {crc, importWh, exportWh, timestamp, equipmentId, registers}.
// Exit 0 usable (CRC valid, or absent where the version has none), 1 CRC wrong, 2 unparseable.
// A register direction the telegram does not carry (a consumption-only meter's 2.8.x) is null.
// Input that starts mid-telegram (a capture from a running port) is resynchronised as the
// device's framer does: the first complete telegram, from '/' to its CRC, is the one parsed.
import { parseArgs } from 'node:util';
import { parseP1Telegram, type P1Telegram } from '@feedin/device-firmware-sim/p1/parse-telegram';
import { createTelegramFramer } from '@feedin/device-firmware-sim/p1/telegram-framer';
import { verbError, type CommandHelp } from '../command-line.js';
import { readInput } from '../read-input.js';

const PARSE = `usage: feedin p1 parse <file|->

Prints one DSMR P1 telegram (2.2 to 5.x, Belgian, Luxembourg) as JSON: crc, importWh, exportWh,
timestamp, equipmentId, registers (docs/p1.md).
Exit: 0 usable, 1 CRC wrong (the JSON is still printed), 2 unparseable.`;

export const help: CommandHelp = { usage: PARSE, verbs: { parse: PARSE } };

export async function p1(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'parse') throw verbError('p1', verb, help);
  const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true });
  const text = await readInput(positionals[0], 'P1 telegram');
  const result = parseP1Telegram(firstTelegram(text) ?? text);
  if (!result.ok) {
    const code = result.reason === 'crc-mismatch' ? 1 : 2;
    console.error(`${code === 1 ? 'invalid' : 'unparseable'}: ${result.reason}: ${result.detail}`);
    return code;
  }
  console.log(telegramJson(result.value));
  if (result.value.crc === 'invalid') {
    console.error('invalid: crc-mismatch: the CRC16 after ! does not match the telegram');
    return 1;
  }
  return 0;
}

/** The first complete telegram in `text`, or undefined when there is none (the whole text is then
 * parsed, so the error names what is wrong with it). */
function firstTelegram(text: string): string | undefined {
  const framer = createTelegramFramer({ maxTelegramBytes: Math.max(16, text.length + 8) });
  for (const e of [...framer.push(text), ...framer.flush()]) if (e.kind === 'telegram') return e.text;
  return undefined;
}

/** Energy as exact JSON integers (bigint has no JSON form; a float could round it). */
export function telegramJson(t: P1Telegram): string {
  const json = JSON.stringify({ crc: t.crc, importWh: '__IMPORT__', exportWh: '__EXPORT__', timestamp: t.timestamp, equipmentId: t.equipmentId, registers: t.registers });
  return json.replace('"__IMPORT__"', t.importWh?.toString() ?? 'null').replace('"__EXPORT__"', t.exportWh?.toString() ?? 'null');
}
