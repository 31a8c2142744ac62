import { describe, expect, it } from 'vitest';
import { createAnswerSplitter, parseSerialAnswer } from '../../src/serial-link-answer.js';

describe('serial answers (device side)', () => {
  it('reads ACK and NAK with meter id, PG and reason', () => {
    expect(parseSerialAnswer('ACK HCM-0001 F12')).toEqual({ ok: true, value: { meterId: 'HCM-0001', pagination: 12, status: 'accepted' } });
    expect(parseSerialAnswer('NAK m1 F3 bad-signature\r')).toEqual({ ok: true, value: { meterId: 'm1', pagination: 3, status: 'rejected', reason: 'bad-signature' } });
  });

  it('answers anything else with a reason, never an exception', () => {
    for (const line of ['NAK - - malformed', 'ACK m1 12', 'ACK m1 F0', 'OK m1 F1', 'ACK ' + 'x'.repeat(33) + ' F1', 'ACK m1 F99999999999999999']) {
      expect(parseSerialAnswer(line)).toMatchObject({ ok: false, reason: 'malformed-answer' });
    }
  });

  it('splits answers across chunks and drops an overlong line', () => {
    const split = createAnswerSplitter(16);
    expect(split(Buffer.from('ACK m1 F1\r\nACK m'))).toEqual(['ACK m1 F1']);
    expect(split(Buffer.from('2 F7\n' + 'z'.repeat(40)))).toEqual(['ACK m2 F7']);
    expect(split(Buffer.from('zz\nACK m3 F1\n'))).toEqual(['ACK m3 F1']);
  });
});
