// feedin ocmf verify --pubkey <key> <file|->
// Exit 0 valid, 1 invalid (the signature does not match), 2 unusable or unsupported input.
import { parseArgs } from 'node:util';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { decodePublicKey } from '@feedin/protocol/public-key';
import { curveOfAlgorithm, verifyOcmf } from '@feedin/protocol/ocmf-verify';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { CliError } from '../cli-error.js';
import { verbError, type CommandHelp } from '../command-line.js';
import { cliLocaleFromEnv } from '../cli-locale.js';
import { readInput } from '../read-input.js';

const VERIFY = `usage: feedin ocmf verify --pubkey <key> <file|->

Verifies one signed OCMF reading (from a file, or - for standard input) with the meter's public key:
hex (spaces and colons ignored) or base64 of a DER SubjectPublicKeyInfo, a SEC1 point or raw X||Y.
Exit: 0 valid, 1 invalid signature, 2 unusable input (malformed, unsupported algorithm, bad key).`;

export const help: CommandHelp = { usage: VERIFY, verbs: { verify: VERIFY } };

export async function ocmf(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'verify') throw verbError('ocmf', verb, help);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { pubkey: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.pubkey) throw new CliError('missing --pubkey <key> (hex or base64: DER SubjectPublicKeyInfo, SEC1 point or raw X‖Y)');
  const text = (await readInput(positionals[0], 'OCMF reading')).replace(/\r?\n$/, '');
  // The verdict line in the reader's language; the reason codes stay machine-readable.
  const { t } = cliLocaleFromEnv();

  const record = parseOcmf(text);
  if (!record.ok) return report(2, `${t('cli.ocmf.unusable')}: ${record.reason}: ${record.detail}`);
  // A curve-less key (raw X‖Y, a SEC1 point: P-256 and secp256k1 look alike) is on the curve the
  // record's SA names; a SubjectPublicKeyInfo names its own curve.
  const key = decodePublicKey(values.pubkey, curveOfAlgorithm(record.value.signature.algorithm));
  if (!key.ok) return report(2, `${t('cli.ocmf.unusable')}: ${key.reason}: ${key.detail}`);
  const verdict = verifyOcmf(record.value, key.value);
  if (!verdict.ok) {
    const unusable = verdict.reason === 'unsupported-algorithm' || verdict.reason === 'malformed-signature';
    return report(unusable ? 2 : 1, `${t(unusable ? 'cli.ocmf.unusable' : 'cli.ocmf.invalid')}: ${verdict.reason}: ${verdict.detail}`);
  }
  const reading = readingFromRecord(record.value);
  const about = reading.ok ? ` (${t('cli.ocmf.about', { meterId: reading.value.meterId, pg: reading.value.pagination })})` : '';
  return report(0, `${t('cli.ocmf.valid')}: ${t('cli.ocmf.signature', { algorithm: record.value.signature.algorithm })}${about}`);
}

function report(code: number, line: string): number {
  (code === 0 ? console.log : console.error)(line);
  return code;
}
