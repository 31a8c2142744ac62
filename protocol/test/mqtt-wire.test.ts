import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAck, parseAck } from '../src/ack.js';
import { isMeterId, METER_ID_PATTERN } from '../src/meter-id.js';
import { meterTopic, parseMeterTopic } from '../src/mqtt-topics.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('meter id', () => {
  it('is 1-32 characters of [A-Za-z0-9._-]', () => {
    for (const id of ['HCM-0001', 'a', 'x'.repeat(32), 'm.1_b-2']) expect(isMeterId(id)).toBe(true);
    for (const id of ['', 'x'.repeat(33), 'HCM 0001', 'a/b', 'a+', 'é', 42, null]) expect(isMeterId(id)).toBe(false);
  });
});

describe('topic tree: the devices build, the gateway parses', () => {
  it('round-trips every meter id and kind', () => {
    fc.assert(
      fc.property(fc.stringMatching(METER_ID_PATTERN), fc.constantFrom('readings' as const, 'acks' as const, 'status' as const), (meterId, kind) => {
        expect(parseMeterTopic(meterTopic(meterId, kind))).toEqual({ meterId, kind });
      }),
    );
    expect(meterTopic('HCM-0001', 'readings')).toBe('feedin/v1/meters/HCM-0001/readings');
  });

  it('refuses wildcards, other trees, extra levels and bad ids', () => {
    for (const t of ['feedin/v1/meters/+/readings', 'feedin/v1/meters/#', 'feedin/v2/meters/m1/readings', 'feedin/v1/meters/m1/readings/x', 'feedin/v1/meters/m1/other', 'feedin/v1/meters/a b/acks', 'feedin/v1/meters//acks']) {
      expect(parseMeterTopic(t)).toBeUndefined();
    }
  });
});

describe('ack JSON: the gateway encodes, the device parses', () => {
  it('round-trips accepted and rejected acks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (pagination, reason) => {
        const wire = reason === undefined ? encodeAck(`F${pagination}`, 'accepted') : encodeAck(`F${pagination}`, 'rejected', reason);
        expect(parseAck(bytes(wire))).toEqual({ ok: true, value: reason === undefined ? { pagination, status: 'accepted' } : { pagination, status: 'rejected', reason } });
      }),
    );
  });

  it('has the fixed shape of the design', () => {
    expect(encodeAck('F123', 'accepted')).toBe('{"pg":"F123","status":"accepted"}');
    expect(encodeAck('F9', 'rejected', 'bad-signature')).toBe('{"pg":"F9","status":"rejected","reason":"bad-signature"}');
    expect(encodeAck(null, 'rejected', 'malformed')).toBe('{"pg":null,"status":"rejected","reason":"malformed"}');
  });

  it('answers a bad ack with a reason, never an exception', () => {
    for (const wire of [Uint8Array.of(0xff), bytes('[]'), bytes('null'), bytes('{"pg":"F0","status":"accepted"}'), bytes('{"pg":12,"status":"accepted"}'), bytes('{"pg":"F1","status":"ok"}'), bytes('{"pg":null,"status":"rejected"}')]) {
      expect(parseAck(wire)).toMatchObject({ ok: false, reason: 'malformed-ack' });
    }
    expect(parseAck(bytes('{"pg":"F1","status":"rejected","reason":{"x":1}}'))).toEqual({ ok: true, value: { pagination: 1, status: 'rejected', reason: '{"x":1}' } });
  });
});
