import { describe, expect, it } from 'vitest';
import { serialAnswer } from './serial-answer.js';

describe('serial answer for an ingest outcome', () => {
  it('ACK for accepted and duplicate, NAK with the reason for rejected, nothing when not recorded', () => {
    expect(serialAnswer({ status: 'accepted', meterId: 'm1', pg: 'F7' })).toBe('ACK m1 F7\n');
    expect(serialAnswer({ status: 'duplicate', meterId: 'm1', pg: 'F7' })).toBe('ACK m1 F7\n');
    expect(serialAnswer({ status: 'rejected', meterId: 'm1', pg: 'F7', reason: 'bad-signature' })).toBe('NAK m1 F7 bad-signature\n');
    expect(serialAnswer({ status: 'rejected', meterId: null, pg: null, reason: 'malformed' })).toBe('NAK - - malformed\n');
    expect(serialAnswer({ status: 'unavailable', meterId: 'm1', pg: null, reason: 'store-unavailable' })).toBeNull();
  });
});
