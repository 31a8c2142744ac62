// Raw MQTT 3.1.1 over TCP for the fault tests: thousands of connections at once, hostile bytes.
// mqtt.js is too heavy per connection and too polite to send garbage.
import { connect, type Socket } from 'node:net';

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
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

export function connectPacket(clientId: string, password: string): Buffer {
  // MQTT-3.1.2: "MQTT", level 4, flags user name + password + clean session, keepalive 60 s
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 60]), str(clientId), str(clientId), str(password)]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body]);
}

export interface RawConnection {
  socket: Socket;
  /** CONNACK return code, or 'closed' when the server closed without one */
  connack: Promise<number | 'closed'>;
}

/** Opens a connection and writes `bytes` at once. */
export function rawConnect(port: number, bytes: Buffer): RawConnection {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const connack = new Promise<number | 'closed'>((resolve) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 4 && buffered[0] === 0x20) resolve(buffered[3]!);
    });
    socket.on('close', () => resolve('closed'));
  });
  socket.write(bytes);
  return { socket, connack };
}
