// The figures of docs/meters.md ("Readings per second on one bus"), computed from frame timing.
import { describe, expect, it } from 'vitest';
import { modbusBusReadingsPerSecond, modbusReadMs } from './bus-timing.js';

describe('Modbus RTU bus timing at 9600 baud', () => {
  it('an Eastron read (4 registers) and a DTSU666 read (12 registers), 8N1, no turnaround', () => {
    expect(modbusReadMs({ baudRate: 9600, bitsPerChar: 10, registers: 4, turnaroundMs: 0 })).toBeCloseTo(29.17, 2);
    expect(modbusReadMs({ baudRate: 9600, bitsPerChar: 10, registers: 12, turnaroundMs: 0 })).toBeCloseTo(45.83, 2);
  });
  it('8 meters on one bus: readings per second for the bus and per meter', () => {
    const eastron = modbusBusReadingsPerSecond({ baudRate: 9600, bitsPerChar: 10, registers: 4, turnaroundMs: 0 });
    expect(eastron).toBeCloseTo(34.29, 2);
    expect(eastron / 8).toBeCloseTo(4.29, 2);
    // with a 50 ms meter turnaround (a conservative figure; vendors do not publish one)
    expect(modbusBusReadingsPerSecond({ baudRate: 9600, bitsPerChar: 10, registers: 4, turnaroundMs: 50 })).toBeCloseTo(12.63, 2);
    expect(modbusBusReadingsPerSecond({ baudRate: 9600, bitsPerChar: 10, registers: 12, turnaroundMs: 50 })).toBeCloseTo(10.43, 2);
  });
});
