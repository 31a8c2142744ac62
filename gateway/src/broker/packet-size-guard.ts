// A transport-level bound on MQTT packet size. aedes' parser (mqtt-packet) buffers a whole packet
// before handing it over and accepts remaining lengths up to 256 MiB (MQTT-2.2.3), so one client
// could make the gateway hold hundreds of megabytes — before it has even authenticated. This
// observer reads only the fixed headers (MQTT 3.1.1 §2.2) of the bytes aedes reads and cuts the
// connection as soon as a packet announces more than `maxPacketBytes`.
import type { Socket } from 'node:net';

export function guardPacketSize(socket: Socket, maxPacketBytes: number, onViolation: (detail: string) => void): void {
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let remaining = 0;

  const violate = (detail: string) => {
    socket.off('data', observe);
    onViolation(detail);
    socket.destroy();
  };

  // With aedes' 'readable' listener attached, a 'data' listener does not switch the socket to
  // flowing mode: it sees each chunk aedes reads, just before aedes parses it.
  function observe(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'type') {
        i++;
        state = 'length';
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
      } else if (state === 'length') {
        const b = chunk[i++]!;
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if (b & 0x80) {
          // MQTT-2.2.3: the remaining length takes at most four bytes.
          if (lengthBytes === 4) return violate('malformed remaining length');
          continue;
        }
        if (length > maxPacketBytes) return violate(`packet of ${length} bytes announced, over the ${maxPacketBytes}-byte limit`);
        remaining = length;
        state = remaining === 0 ? 'type' : 'body';
      } else {
        const skip = Math.min(remaining, chunk.length - i);
        i += skip;
        remaining -= skip;
        if (remaining === 0) state = 'type';
      }
    }
  }

  socket.on('data', observe);
}
