import { describe, expect, it } from 'vitest';
import { createLineFramer, type FramedLine } from './line-framer.js';
import { serialAnswer } from './serial-answer.js';

const text = (lines: FramedLine[]) => lines.map((l) => (l.kind === 'line' ? l.bytes.toString() : `<oversize ${l.lineBytes}: ${l.prefix.toString()}>`));

describe('line framer', () => {
  it('splits on \\n, strips one \\r, keeps empty lines for the caller', () => {
    const f = createLineFramer(10);
    expect(text(f.push(Buffer.from('ab\ncd\r\n\nef')))).toEqual(['ab', 'cd', '']);
    expect(text(f.push(Buffer.from('gh\n')))).toEqual(['efgh']);
  });

  it('joins a line written one byte at a time', () => {
    const f = createLineFramer(10);
    const out: FramedLine[] = [];
    for (const byte of Buffer.from('hello\r\n')) out.push(...f.push(Uint8Array.of(byte)));
    expect(text(out)).toEqual(['hello']);
  });

  it('accepts a line of exactly the limit, also with \\r\\n split across chunks', () => {
    const f = createLineFramer(5);
    expect(text([...f.push(Buffer.from('12345\r')), ...f.push(Buffer.from('\n'))])).toEqual(['12345']);
    expect(text(f.push(Buffer.from('123456\n')))).toEqual(['<oversize 6: 123456>']);
  });

  it('discards an oversize line to its newline, keeps limit+1 bytes of it, then resumes', () => {
    const f = createLineFramer(4);
    expect(text(f.push(Buffer.from('abcdefgh')))).toEqual([]);
    expect(text(f.push(Buffer.from('ijkl')))).toEqual([]);
    expect(text(f.push(Buffer.from('mn\nok\n')))).toEqual(['<oversize 14: abcde>', 'ok']);
  });

  it('reset forgets a partial line', () => {
    const f = createLineFramer(10);
    f.push(Buffer.from('half'));
    f.reset();
    expect(text(f.push(Buffer.from('new\n')))).toEqual(['new']);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => createLineFramer(0)).toThrow(/maxLineBytes/);
  });
});

describe('serial answers', () => {
  it('ACK for accepted and duplicate, NAK with the reason for rejected, nothing when not recorded', () => {
    expect(serialAnswer({ status: 'accepted', meterId: 'm1', pg: 'F7' })).toBe('ACK m1 F7\n');
    expect(serialAnswer({ status: 'duplicate', meterId: 'm1', pg: 'F7' })).toBe('ACK m1 F7\n');
    expect(serialAnswer({ status: 'rejected', meterId: 'm1', pg: 'F7', reason: 'bad-signature' })).toBe('NAK m1 F7 bad-signature\n');
    expect(serialAnswer({ status: 'rejected', meterId: null, pg: null, reason: 'malformed' })).toBe('NAK - - malformed\n');
    expect(serialAnswer({ status: 'unavailable', meterId: 'm1', pg: null, reason: 'store-unavailable' })).toBeNull();
  });

  it('never lets a field break the token format', () => {
    expect(serialAnswer({ status: 'rejected', meterId: 'm1', pg: 'F 1\nACK', reason: 'malformed' })).toBe('NAK m1 - malformed\n');
  });
});
