// How many readings one RS-485 Modbus RTU bus can carry, computed from frame timing (Modbus over
// serial line V1.02 §2.5.1.1: a frame is preceded by at least 3.5 character times of silence; a
// character is start + data + parity + stop bits). A pseudo-terminal does not enforce a baud rate,
// so this is computed, not measured; the meter's turnaround (request received → answer sent) is
// the vendor's and is a parameter. Pure.

export interface BusTimingParameters {
  baudRate: number;
  /** bits per character: 10 for 8N1, 11 for 8E1 or 8N2 */
  bitsPerChar: number;
  /** FC 03/04 request: unit, function, address (2), count (2), CRC (2) = 8 bytes */
  requestBytes?: number;
  /** registers in the answer: unit, function, byte count, 2 per register, CRC (2) */
  registers: number;
  /** the meter's turnaround, ms */
  turnaroundMs: number;
}

/** wall ms one read (request + silence + answer + silence + turnaround) holds the bus */
export function modbusReadMs(p: BusTimingParameters): number {
  const charMs = (p.bitsPerChar * 1000) / p.baudRate;
  const request = p.requestBytes ?? 8;
  const answer = 5 + 2 * p.registers;
  const silence = 3.5 * 2; // before each of the two frames
  return (request + answer + silence) * charMs + p.turnaroundMs;
}

/** readings per second over the whole bus (one read per reading, meters polled in turn) */
export function modbusBusReadingsPerSecond(p: BusTimingParameters): number {
  return 1000 / modbusReadMs(p);
}
