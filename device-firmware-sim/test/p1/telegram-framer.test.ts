// The streaming framer: whole telegrams out of a byte stream cut anywhere, resynchronising after
// truncated or garbled telegrams, with a bounded buffer. Property tests with fast-check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTelegramFramer, type FramerEvent } from '../../src/p1/telegram-framer.js';
import { parseP1Telegram } from '../../src/p1/parse-telegram.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'latin1');
const dsmr5 = fixture('dsmr50-iskra-mt382.txt');
const dsmr42 = fixture('dsmr42-kaifa.txt');
const dsmr3 = fixture('dsmr30-iskra-mt382.txt');
const withoutLineEnd = (t: string) => t.replace(/\r\n$/, '');

function feed(chunks: (string | Uint8Array)[], opts?: { maxTelegramBytes?: number }): FramerEvent[] {
  const framer = createTelegramFramer(opts);
  return [...chunks.flatMap((c) => framer.push(c)), ...framer.flush()];
}
const telegrams = (events: FramerEvent[]) => events.filter((e) => e.kind === 'telegram').map((e) => e.text);

describe('createTelegramFramer', () => {
  it('frames back-to-back telegrams of mixed versions, byte by byte', () => {
    const stream = dsmr5 + dsmr3 + dsmr42;
    const events = feed([...Buffer.from(stream, 'latin1')].map((b) => Uint8Array.of(b)));
    expect(telegrams(events)).toEqual([withoutLineEnd(dsmr5), dsmr3.slice(0, dsmr3.lastIndexOf('!') + 1), withoutLineEnd(dsmr42)]);
    for (const text of telegrams(events)) expect(parseP1Telegram(text).ok).toBe(true);
  });

  it('emits a 4.x/5.x telegram as soon as its CRC is complete, without waiting for the line end', () => {
    const framer = createTelegramFramer();
    expect(framer.push(withoutLineEnd(dsmr5))).toEqual([{ kind: 'telegram', text: withoutLineEnd(dsmr5) }]);
    expect(framer.buffered()).toBe(0);
  });

  it('waits when the stream stops inside the CRC', () => {
    const framer = createTelegramFramer();
    const cut = dsmr5.indexOf('!') + 3;
    expect(framer.push(dsmr5.slice(0, cut))).toEqual([]);
    expect(framer.push(dsmr5.slice(cut))).toEqual([{ kind: 'telegram', text: withoutLineEnd(dsmr5) }]);
  });

  it('starts mid-telegram (reader opened late): skips to the next /', () => {
    const events = feed([dsmr5.slice(500), dsmr42]);
    expect(events[0]).toEqual({ kind: 'discarded', reason: 'no-start', bytes: dsmr5.length - 500 });
    expect(telegrams(events)).toEqual([withoutLineEnd(dsmr42)]);
  });

  it('resynchronises after a truncated telegram', () => {
    const events = feed([dsmr5.slice(0, 300), dsmr42]);
    expect(events).toEqual([
      { kind: 'discarded', reason: 'truncated', bytes: 300 },
      { kind: 'telegram', text: withoutLineEnd(dsmr42) },
    ]);
  });

  it('passes a garbled telegram on (the parser refuses it) and finds the next one', () => {
    const garbled = dsmr5.replace('1-0:1.8.1(000004.426', '1-0:1.8.1(0\xff0004.426');
    const found = telegrams(feed([garbled + dsmr42]));
    expect(found).toHaveLength(2);
    expect(parseP1Telegram(found[0]!)).toMatchObject({ ok: false, reason: 'crc-mismatch' });
    expect(parseP1Telegram(found[1]!)).toMatchObject({ ok: true, value: { crc: 'valid' } });
  });

  it('keeps its buffer bounded when no telegram ends', () => {
    const framer = createTelegramFramer({ maxTelegramBytes: 1024 });
    const events: FramerEvent[] = [];
    for (let i = 0; i < 100; i++) {
      events.push(...framer.push('/' + 'x'.repeat(99)));
      expect(framer.buffered()).toBeLessThanOrEqual(1024);
    }
    expect(events.every((e) => e.kind === 'discarded')).toBe(true);
    events.push(...framer.push(dsmr3)); // dsmr3 is < 1024 bytes: found again after the flood
    expect(telegrams(events)).toHaveLength(1);
  });

  it('refuses an oversize telegram whole', () => {
    const big = dsmr5.replace('0-0:96.13.0()', `0-0:96.13.0(${'30'.repeat(2000)})`);
    expect(feed([big + dsmr42], { maxTelegramBytes: 2048 }).map((e) => e.kind)).toEqual(['discarded', 'discarded', 'telegram']);
  });

  it('rejects a nonsensical bound (misuse)', () => {
    expect(() => createTelegramFramer({ maxTelegramBytes: 3 })).toThrow(/maxTelegramBytes/);
  });
});

describe('properties', () => {
  const noise = fc.uint8Array({ maxLength: 600 });
  // Noise that cannot start a telegram (no '/') — with a '/' the noise could swallow the start of
  // the following telegram only if it ended in a partial telegram, which the next test covers.
  const quietNoise = noise.map((bytes) => bytes.map((b) => (b === 0x2f ? 0x20 : b)));

  it('arbitrary bytes, cut anywhere, never make the framer or the parser throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const framer = createTelegramFramer({ maxTelegramBytes: 512 });
        for (const chunk of chunks) {
          for (const e of framer.push(chunk)) if (e.kind === 'telegram') parseP1Telegram(e.text);
          expect(framer.buffered()).toBeLessThanOrEqual(512);
        }
        framer.flush();
        parseP1Telegram(Buffer.concat(chunks).toString('latin1'));
      }),
      { numRuns: 300 },
    );
  });

  it('a valid telegram embedded in noise is found, whatever the chunking', () => {
    fc.assert(
      fc.property(noise, quietNoise, fc.array(fc.nat(), { maxLength: 8 }), (before, after, cuts) => {
        const stream = Buffer.concat([before, Buffer.from(dsmr5, 'latin1'), after]);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i, all) => stream.subarray(p, all[i + 1] ?? stream.length));
        const found = telegrams(feed(chunks)).map(parseP1Telegram).filter((r) => r.ok && r.value.crc === 'valid');
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({ ok: true, value: { importWh: 6825n, exportWh: 2444n } });
      }),
      { numRuns: 300 },
    );
  });
});
