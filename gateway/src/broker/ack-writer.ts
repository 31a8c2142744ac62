// The device's ack, written straight to its socket in the same write as the reading's PUBACK
// (issue 16). Through aedes an ack costs a broker publish (a packet copy, the persistence's
// subscription trie, the emitter's topic match, a setImmediate) and a write of its own, and then
// the PUBACK another write: two syscalls and a pile of garbage per reading. Only the meter itself
// can be subscribed to its acks topic (authorize-subscribe.ts: exact topics, its own id), so
// when its session is clean — nothing to keep for a reconnect — the ack is encoded here and
// corked together with the PUBACK aedes writes right after. A persistent session (clean: false,
// as the device firmware connects) keeps aedes' path: its QoS 1 ack must survive a reconnect,
// and only aedes' persistence does that.
import type { Client } from 'aedes';

/** The parts of aedes' Client (1.x) this writer relies on; aedes' types do not declare them. */
interface AedesClientInternals {
  clean: boolean;
  connected: boolean;
  conn: { cork(): void; uncork(): void; write(b: Buffer): boolean; destroyed?: boolean };
  subscriptions: Record<string, { qos: number } | undefined>;
  /** the next packet id of aedes' own QoS 1 deliveries to this client (qos-packet.js) */
  _nextId: number;
}

/** MQTT 3.1.1 §3.3: PUBLISH, DUP 0, RETAIN 0, QoS `qos`, with packet id `id` when QoS 1. */
export function encodeAckPublish(topic: string, payload: Buffer, qos: 0 | 1, id: number): Buffer {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  const remaining = 2 + topicBytes + (qos ? 2 : 0) + payload.length;
  // remaining length: 1 byte below 128, 2 below 16,384 (an ack is ~60 bytes)
  const lengthBytes = remaining < 128 ? 1 : 2;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  let at = 0;
  out[at++] = 0x30 | (qos << 1);
  if (lengthBytes === 1) out[at++] = remaining;
  else {
    out[at++] = (remaining & 0x7f) | 0x80;
    out[at++] = remaining >> 7;
  }
  out.writeUInt16BE(topicBytes, at);
  at += 2;
  at += out.write(topic, at, 'utf8');
  if (qos) {
    out.writeUInt16BE(id, at);
    at += 2;
  }
  payload.copy(out, at);
  return out;
}

export type AckDelivery =
  /** written and corked: `then()` ran (the PUBACK joins the same write) */
  | 'written'
  /** not subscribed to its acks, or gone: nothing to deliver, `then()` ran */
  | 'none'
  /** a persistent session: deliver through aedes; `then()` was not run */
  | 'broker';

/**
 * Writes `payload` to the meter's acks topic if its clean session is subscribed to it, then runs
 * `then` (which makes aedes write the PUBACK) while the socket is corked, so both leave in one
 * write. Returns 'broker' for a persistent session, which the caller delivers through aedes.
 */
export function writeAckCorked(client: Client, topic: string, payload: Buffer, then: () => void): AckDelivery {
  const c = client as unknown as AedesClientInternals;
  if (!c.clean) return 'broker';
  const sub = c.subscriptions[topic];
  if (!sub || !c.connected || c.conn.destroyed) {
    then();
    return 'none';
  }
  const qos = sub.qos > 0 ? 1 : 0;
  let id = 0;
  if (qos) {
    // the same counter aedes' own deliveries take their ids from, so the two never collide
    id = c._nextId;
    c._nextId = id >= 65535 ? 1 : id + 1;
  }
  const conn = c.conn;
  conn.cork();
  try {
    conn.write(encodeAckPublish(topic, payload, qos, id));
    then();
  } finally {
    // after the microtasks of this turn, i.e. after aedes' synchronous PUBACK write
    process.nextTick(() => conn.uncork());
  }
  return 'written';
}
