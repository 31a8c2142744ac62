// The plain responders of the bench's MQTT-layer measures (issue 16: aedes with a plain ingest,
// Mosquitto with a plain responder) answer each reading with the ack the gateway would send,
// checking nothing: the PG is read where the payload has it, without parsing the payload.
const PG = '"PG":"';

export function pgOf(frame: string | Uint8Array): string | null {
  const text = typeof frame === 'string' ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('latin1');
  const at = text.indexOf(PG);
  const end = at < 0 ? -1 : text.indexOf('"', at + PG.length);
  return end < 0 ? null : text.slice(at + PG.length, end);
}
