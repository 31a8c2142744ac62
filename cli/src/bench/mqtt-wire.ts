// A minimal MQTT 3.1.1 client for load generation: CONNECT, QoS 1 PUBLISH and the timing of
// each PUBACK and, as the devices do, a QoS 1 subscription to the meter's acks with a PUBACK for
// each ack; nothing else. mqtt.js costs far more memory and CPU per connection, and ten
// thousand of them would measure the load generator, not the gateway.
import { connect, type Socket } from 'node:net';

export interface WireConnection {
  /** QoS 1 publish; resolves with publish→PUBACK latency in ms */
  publish(topic: string, payload: string): Promise<number>;
  /** the same with a packet encoded beforehand (encodePublish), so that the load generator spends
   * its CPU on the wire and not on encoding; the packet id is written in place */
  publishEncoded(packet: EncodedPublish): Promise<number>;
  /** acks the gateway delivered on the subscribed topic (WireOptions.acksTopic) */
  acksReceived(): number;
  close(): void;
}

/** A QoS 1 PUBLISH packet whose 2-byte packet id sits at `idOffset`. */
export interface EncodedPublish {
  bytes: Buffer;
  idOffset: number;
}

export function encodePublish(topic: string, payload: string): EncodedPublish {
  const body = Buffer.from(payload, 'utf8');
  const bytes = publishPacket(topic, body, 0);
  // the packet id is the 2 bytes right before the payload
  return { bytes, idOffset: bytes.length - body.length - 2 };
}

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte, ...remainingLength(body.length)]), body]);
}

export function connectPacket(clientId: string, username: string, password: string, keepaliveSec = 600, clean = true): Buffer {
  // MQTT-3.1.2: protocol name "MQTT", level 4, flags: user name, password, clean session.
  const flags = 0x80 | 0x40 | (clean ? 0x02 : 0);
  const header = Buffer.concat([str('MQTT'), Buffer.from([4, flags, keepaliveSec >> 8, keepaliveSec & 0xff])]);
  return packet(0x10, Buffer.concat([header, str(clientId), str(username), str(password)]));
}

export function publishPacket(topic: string, payload: Buffer, packetId: number): Buffer {
  return packet(0x32, Buffer.concat([str(topic), Buffer.from([packetId >> 8, packetId & 0xff]), payload]));
}

export function subscribePacket(topic: string, packetId: number, qos: 0 | 1 = 1): Buffer {
  return packet(0x82, Buffer.concat([Buffer.from([packetId >> 8, packetId & 0xff]), str(topic), Buffer.from([qos])]));
}

export interface WireOptions {
  /** subscribe to this topic at QoS 1 before resolving, as a device does to its acks */
  acksTopic?: string;
  /** subscribe to this filter (e.g. a wildcard, for the bench's plain responder) instead */
  subscribe?: { topic: string; qos: 0 | 1 };
  /** every PUBLISH received, after its PUBACK went out (QoS 1) */
  onPublish?: (topic: string, payload: Buffer) => void;
}

/** Opens a connection and resolves after a CONNACK 0 (and the SUBACK, with `acksTopic`); rejects
 * with the return code otherwise. */
export function openWire(host: string, port: number, clientId: string, password: string, options: WireOptions = {}): Promise<WireConnection> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let connected = false;
    let closed: Error | undefined;
    let nextId = 1;
    let acks = 0;
    const send = (bytes: Buffer | ((id: number) => Buffer)) =>
      new Promise<number>((res, rej) => {
        if (closed) return rej(closed);
        const id = nextId;
        nextId = nextId === 65535 ? 1 : nextId + 1;
        pending.set(id, { startedNs: process.hrtime.bigint(), resolve: res, reject: rej });
        socket.write(typeof bytes === 'function' ? bytes(id) : bytes);
      });
    const wire: WireConnection = {
      publish: (topic, payload) => send((id) => publishPacket(topic, Buffer.from(payload, 'utf8'), id)),
      publishEncoded: (packet) =>
        send((id) => {
          packet.bytes.writeUInt16BE(id, packet.idOffset);
          return packet.bytes;
        }),
      acksReceived: () => acks,
      close() {
        if (!socket.writableEnded) socket.end(Buffer.from([0xe0, 0]));
      },
    };
    const ready = () => {
      connected = true;
      resolve(wire);
    };
    const pending = new Map<number, { startedNs: bigint; resolve: (ms: number) => void; reject: (e: Error) => void }>();
    const fail = (error: Error) => {
      closed ??= error;
      if (!connected) reject(error);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`connection of ${clientId} closed`)));
    socket.on('data', (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      for (;;) {
        if (buffered.length < 2) return;
        let len = 0;
        let mult = 1;
        let i = 1;
        for (;;) {
          if (i >= buffered.length) return;
          const b = buffered[i++]!;
          len += (b & 0x7f) * mult;
          mult *= 128;
          if (!(b & 0x80)) break;
        }
        if (buffered.length < i + len) return;
        const type = buffered[0]! >> 4;
        const flags = buffered[0]! & 0x0f;
        const body = buffered.subarray(i, i + len);
        buffered = buffered.subarray(i + len);
        if (type === 2) {
          if (body[1] !== 0) {
            socket.destroy();
            return reject(new Error(`CONNACK ${body[1]} for ${clientId}`));
          }
          const sub = options.subscribe ?? (options.acksTopic ? { topic: options.acksTopic, qos: 1 as const } : undefined);
          if (!sub) ready();
          else {
            // packet id 0 is not allowed; the publishes take ids from 1 once this one is acknowledged
            socket.write(subscribePacket(sub.topic, 65535, sub.qos));
          }
        } else if (type === 9) {
          if (body[2] === 0x80) {
            socket.destroy();
            return reject(new Error(`SUBACK refused ${options.subscribe?.topic ?? options.acksTopic} for ${clientId}`));
          }
          ready();
        } else if (type === 3) {
          acks++;
          const topicLength = body.readUInt16BE(0);
          // QoS 1 (flags 0b0x01x): its packet id follows the topic; answer with a PUBACK
          const qos1 = (flags & 0x06) === 0x02;
          if (qos1) {
            const id = body.readUInt16BE(2 + topicLength);
            socket.write(Buffer.from([0x40, 2, id >> 8, id & 0xff]));
          }
          options.onPublish?.(body.toString('utf8', 2, 2 + topicLength), body.subarray(2 + topicLength + (qos1 ? 2 : 0)));
        } else if (type === 4) {
          const id = body.readUInt16BE(0);
          const p = pending.get(id);
          pending.delete(id);
          p?.resolve(Number(process.hrtime.bigint() - p.startedNs) / 1e6);
        }
      }
    });
    socket.write(connectPacket(clientId, clientId, password));
  });
}
