// DSMR P1 4.x/5.x telegram checksum: CRC-16/ARC (polynomial 0x8005 reflected = 0xA001, initial
// value 0, no final XOR), computed over every byte from the leading '/' through the '!'
// (DSMR P1 Companion Standard 5.0.2 §6.2). Pure: bytes in, number out.

/** CRC-16/ARC of `bytes`; the check value of the ASCII string "123456789" is 0xBB3D. */
export function crc16Arc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** The bytes of a P1 text: P1 is 7/8-bit ASCII, so each character is one byte (latin1). */
export function p1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
