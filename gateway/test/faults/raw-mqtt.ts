// Raw MQTT 3.1.1 over TCP for the fault tests: thousands of connections at once, hostile bytes.
// mqtt.js is too heavy per connection and too polite to send garbage.
import { connect, type Socket } from 'node:net';
// the packet encoder of the bench's load generator (as test/e2e uses it)
import { connectPacket as encodeConnect } from '../../../cli/src/bench/mqtt-wire.js';

/** CONNECT with the client id as user name, `password`, clean session, keepalive 60 s. */
export const connectPacket = (clientId: string, password: string): Buffer => encodeConnect(clientId, clientId, password, 60);

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
