import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineFramer, type FramedLine } from '../src/line-framer.js';
import { encodeSerialAnswer, parseSerialAnswer } from '../src/serial-answer.js';
import { METER_ID_PATTERN } from '../src/meter-id.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const text = (lines: FramedLine[]) => lines.map((l) => (l.kind === 'line' ? str(l.bytes) : `<oversize ${l.lineBytes}: ${str(l.prefix)}>`));

describe('line framer', () => {
  it('splits on \\n, strips one \\r, keeps empty lines for the caller', () => {
    const f = createLineFramer(10);
    expect(text(f.push(bytes('ab\ncd\r\n\nef')))).toEqual(['ab', 'cd', '']);
    expect(text(f.push(bytes('gh\n')))).toEqual(['efgh']);
  });

  it('joins a line written one byte at a time', () => {
    const f = createLineFramer(10);
    const out: FramedLine[] = [];
    for (const byte of bytes('hello\r\n')) out.push(...f.push(Uint8Array.of(byte)));
    expect(text(out)).toEqual(['hello']);
  });

  it('accepts a line of exactly the limit, also with \\r\\n split across chunks', () => {
    const f = createLineFramer(5);
    expect(text([...f.push(bytes('12345\r')), ...f.push(bytes('\n'))])).toEqual(['12345']);
    expect(text(f.push(bytes('123456\n')))).toEqual(['<oversize 6: 123456>']);
  });

  it('discards an oversize line to its newline, keeps limit+1 bytes of it, then resumes', () => {
    const f = createLineFramer(4);
    expect(text(f.push(bytes('abcdefgh')))).toEqual([]);
    expect(text(f.push(bytes('ijkl')))).toEqual([]);
    expect(text(f.push(bytes('mn\nok\n')))).toEqual(['<oversize 14: abcde>', 'ok']);
  });

  it('copies its lines: the caller may reuse the chunk', () => {
    const f = createLineFramer(10);
    const chunk = bytes('abc\n');
    const [line] = f.push(chunk);
    chunk.fill(0x7a);
    expect(text([line!])).toEqual(['abc']);
  });

  it('reset forgets a partial line', () => {
    const f = createLineFramer(10);
    f.push(bytes('half'));
    f.reset();
    expect(text(f.push(bytes('new\n')))).toEqual(['new']);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => createLineFramer(0)).toThrow(/maxLineBytes/);
  });
});

describe('serial answers: the gateway encodes, the device parses', () => {
  it('round-trips every meter id, PG and reason token, through the framer in any chunking', () => {
    const answer = fc.record({
      meterId: fc.stringMatching(METER_ID_PATTERN),
      pagination: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      reason: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(answer, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 7 }), (answers, chunkBytes) => {
        const wire = bytes(answers.map((a) => encodeSerialAnswer(a.meterId, `F${a.pagination}`, a.reason === undefined ? 'accepted' : 'rejected', a.reason)).join(''));
        const f = createLineFramer(256);
        const lines: FramedLine[] = [];
        for (let at = 0; at < wire.length; at += chunkBytes) lines.push(...f.push(wire.subarray(at, at + chunkBytes)));
        const parsed = text(lines).map((l) => parseSerialAnswer(l));
        expect(parsed).toEqual(
          answers.map((a) => ({ ok: true, value: a.reason === undefined ? { meterId: a.meterId, pagination: a.pagination, status: 'accepted' } : { meterId: a.meterId, pagination: a.pagination, status: 'rejected', reason: a.reason } })),
        );
      }),
    );
  });

  it('encodes ACK and NAK lines; a field that would break the format is "-"', () => {
    expect(encodeSerialAnswer('m1', 'F7', 'accepted')).toBe('ACK m1 F7\n');
    expect(encodeSerialAnswer('m1', 'F7', 'rejected', 'bad-signature')).toBe('NAK m1 F7 bad-signature\n');
    expect(encodeSerialAnswer(null, null, 'rejected', 'malformed')).toBe('NAK - - malformed\n');
    expect(encodeSerialAnswer('m1', 'F 1\nACK', 'rejected', 'malformed')).toBe('NAK m1 - malformed\n');
    expect(encodeSerialAnswer('m1', 'F2', 'rejected')).toBe('NAK m1 F2 rejected\n');
  });

  it('parses ACK and NAK with meter id, PG and reason', () => {
    expect(parseSerialAnswer('ACK HCM-0001 F12')).toEqual({ ok: true, value: { meterId: 'HCM-0001', pagination: 12, status: 'accepted' } });
    expect(parseSerialAnswer('NAK m1 F3 bad-signature\r')).toEqual({ ok: true, value: { meterId: 'm1', pagination: 3, status: 'rejected', reason: 'bad-signature' } });
  });

  it('answers anything else with a reason, never an exception', () => {
    for (const line of ['NAK - - malformed', 'ACK m1 12', 'ACK m1 F0', 'OK m1 F1', 'ACK ' + 'x'.repeat(33) + ' F1', 'ACK m1 F99999999999999999']) {
      expect(parseSerialAnswer(line)).toMatchObject({ ok: false, reason: 'malformed-answer' });
    }
  });
});
