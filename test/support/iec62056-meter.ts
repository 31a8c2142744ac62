// An electricity meter's IEC 62056-21 optical port in protocol mode C, for the tests, on the
// meter end of a socat pty pair. It waits for "/?!" CR LF at 300 baud 7E1, answers with its
// identification offering `baudChar`, waits for the acknowledgement ACK '0' Z '0' CR LF,
// switches its port to the baud rate Z and sends STX data block "!" CR LF ETX BCC, then returns
// to 300 baud. Pseudo-terminals do not enforce baud rates, so the simulator also reads the
// reader end's line settings with stty at the moment it sends the data (`peerSpeeds`), which
// shows the reader really switched its port. Faults: a wrong BCC, a silent meter.
import { spawnSync } from 'node:child_process';
import { SerialPort } from 'serialport';

export interface Iec62056MeterState {
  /** e.g. "ISK5\\2ME382-1003" → "/ISK5\2ME382-1003" */
  identification: string;
  /** the data block lines, without the final "!" */
  lines: string[];
  corruptBcc?: boolean;
  silent?: boolean;
}

export interface Iec62056Meter {
  state: Iec62056MeterState;
  /** protocol steps seen, e.g. ["request", "ack 5", "data at 9600"] */
  steps: string[];
  /** the reader end's speed (stty) when each data message was sent */
  peerSpeeds: number[];
  close(): Promise<void>;
}

const BAUD: Record<string, number> = { '0': 300, '1': 600, '2': 1200, '3': 2400, '4': 4800, '5': 9600, '6': 19200 };

function sttySpeed(path: string): number {
  const r = spawnSync('stty', ['-F', path, 'speed'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

export async function startIec62056Meter(path: string, state: Iec62056MeterState, opts: { peerPath?: string; reactionMs?: number } = {}): Promise<Iec62056Meter> {
  const port = new SerialPort({ path, baudRate: 300, dataBits: 7, parity: 'even', stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const meter: Iec62056Meter = { state, steps: [], peerSpeeds: [], close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())) };
  const setBaud = (baudRate: number) => new Promise<void>((resolve) => port.update({ baudRate }, () => resolve()));
  let buf = '';
  let busy = false;
  const baudChar = () => state.identification.charAt(3);

  const sendData = async (z: string) => {
    const baudRate = BAUD[z]!;
    await setBaud(baudRate);
    // §6.4.5.2: the meter answers after a reaction time tr of 200-1500 ms; the reader switches within it
    await new Promise((resolve) => setTimeout(resolve, opts.reactionMs ?? 200));
    if (opts.peerPath) meter.peerSpeeds.push(sttySpeed(opts.peerPath));
    const body = Buffer.from(state.lines.map((l) => `${l}\r\n`).join('') + '!\r\n\x03', 'latin1');
    let bcc = 0;
    for (const b of body) bcc ^= b;
    if (state.corruptBcc) bcc ^= 0x5a;
    meter.steps.push(`data at ${baudRate}`);
    const message = Buffer.concat([Buffer.from([0x02]), body, Buffer.from([bcc])]);
    await new Promise<void>((resolve) => port.write(message, () => port.drain(() => resolve())));
    // Changing the line settings flushes what is still queued (serialport's update → tcflush), and a
    // pty's drain returns before socat has read everything: wait the message's time on the wire first.
    await new Promise((resolve) => setTimeout(resolve, Math.ceil((message.length * 10 * 1000) / baudRate) + 50));
    await setBaud(300);
  };

  port.on('data', (chunk: Buffer) => {
    buf += chunk.toString('latin1');
    void (async () => {
      if (busy) return;
      busy = true;
      try {
        for (;;) {
          const request = /\/\?[0-9A-Za-z ]*!\r\n/.exec(buf);
          const ack = new RegExp(`${String.fromCharCode(0x06)}([0-9])([0-6])([0-9])\r\n`).exec(buf); // ACK V Z Y CR LF
          if (request && (!ack || request.index < ack.index)) {
            buf = buf.slice(request.index + request[0].length);
            meter.steps.push('request');
            if (!state.silent) await new Promise<void>((resolve) => port.write(`/${state.identification}\r\n`, () => port.drain(() => resolve())));
            continue;
          }
          if (ack) {
            buf = buf.slice(ack.index + ack[0].length);
            meter.steps.push(`ack ${ack[2]}`);
            // the meter offers baudChar(); the reader may choose that or lower (§6.3.3)
            if (!state.silent && ack[2]! <= baudChar()) await sendData(ack[2]!);
            continue;
          }
          return;
        }
      } finally {
        busy = false;
      }
    })();
  });
  return meter;
}
